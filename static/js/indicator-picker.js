/* Indicator picker: filter the grouped checkboxes as one types (progressive enhancement).
 *
 * Without this script the picker is a plain list of checkboxes, one fieldset per pillar. With it, a search box
 * appears above the list and hides the indicators whose code and words do not contain every typed word,
 * ignoring accents and capitals ("mision" finds "misión", "i7" finds I07). Hiding never unticks anything:
 * hidden boxes are still submitted, and the "Chosen:" line above the list (shown only with the script, which
 * keeps it current) keeps naming them. The number of matches is
 * announced through a status (aria-live) region. Messages come translated in data-msg-* attributes.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(root) {
    if (root.dataset.pickerReady) {
      return;
    }
    root.dataset.pickerReady = "1";
    var search = root.querySelector("[data-picker-search]");
    var input = search.querySelector("input");
    var status = root.querySelector("[data-picker-status]");
    var chosen = root.querySelector("[data-picker-chosen]");
    var options = Array.prototype.slice.call(root.querySelectorAll("[data-search]"));
    var pillars = Array.prototype.slice.call(root.querySelectorAll("[data-picker-pillar]"));
    var msg = root.dataset;

    function showChosen() {
      chosen.textContent = "";
      var codes = options
        .map(function (option) { return option.querySelector("input"); })
        .filter(function (box) { return box.checked; })
        .map(function (box) { return box.dataset.code; });
      if (!codes.length) {
        chosen.textContent = msg.msgNothingChosen;
        return;
      }
      codes.forEach(function (code, index) {
        if (index) {
          chosen.appendChild(document.createTextNode(" "));
        }
        var span = document.createElement("span");
        span.className = "code";
        span.textContent = code;
        chosen.appendChild(span);
      });
    }

    function filter() {
      var query = input.value.trim();
      var words = fold(query).split(/\s+/).filter(Boolean);
      var matches = 0;
      var hiddenChosen = 0;
      options.forEach(function (option) {
        var haystack = option.dataset.search;
        var match = words.every(function (word) { return haystack.indexOf(word) !== -1; });
        option.hidden = !match;
        if (match) {
          matches += 1;
        } else if (option.querySelector("input").checked) {
          hiddenChosen += 1;
        }
      });
      pillars.forEach(function (pillar) {
        pillar.hidden = !pillar.querySelector("[data-search]:not([hidden])");
      });
      root.classList.toggle("picker-filtered", words.length > 0);
      if (!words.length) {
        status.textContent = "";
        return;
      }
      var text;
      if (matches === 0) {
        text = msg.msgNone.replace("__QUERY__", query);
      } else if (matches === 1) {
        text = msg.msgOne;
      } else {
        text = msg.msgMany.replace("__COUNT__", String(matches));
      }
      if (hiddenChosen) {
        text += " " + msg.msgHiddenChosen;
      }
      status.textContent = text;
    }

    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter in the search box must not submit the whole form.
      } else if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        filter();
      }
    });
    root.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") {
        showChosen();
      }
    });
    // The "Chosen:" line needs the script to stay true as boxes are ticked, so it shows only with it.
    search.hidden = false;
    root.querySelector("[data-picker-chosen-line]").hidden = false;
    root.classList.add("picker-enhanced");
    showChosen();
    if (input.value) {
      filter(); // the browser restored a query (back button)
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-indicator-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
