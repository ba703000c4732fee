/* The evidence form shows only the fields of the chosen kind of evidence.
 *
 * Without this script every kind's fieldset is shown, each headed "Only for: <kind>", and the server keeps only
 * the chosen kind's fields. With it, the other fieldsets get the `hidden` attribute (never a colour or an
 * off-screen trick), so what is hidden is hidden for screen readers too. Values in a hidden fieldset stay in the
 * form: switching back shows them again, and the server saves them empty for another kind. Choosing a testimony
 * with no visibility chosen yet chooses "confidential", as the server would. CSP-clean: no inline code.
 */
(function () {
  "use strict";

  function setUp(form) {
    var kind = form.querySelector("select[name='kind']");
    var fieldsets = form.querySelectorAll("fieldset[data-kinds]");
    if (!kind || !fieldsets.length) {
      return;
    }

    function show() {
      var chosen = kind.value;
      fieldsets.forEach(function (fieldset) {
        var kinds = (fieldset.getAttribute("data-kinds") || "").split(" ");
        fieldset.hidden = kinds.indexOf(chosen) === -1;
      });
      if (chosen === "testimony" && !form.querySelector("input[name='visibility']:checked")) {
        var confidential = form.querySelector("input[name='visibility'][value='confidential']");
        if (confidential) {
          confidential.checked = true;
        }
      }
    }

    kind.addEventListener("change", show);
    show();
  }

  function start() {
    document.querySelectorAll("form").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
