"""Form widgets that stay usable on a phone and without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms


class DisclosureCheckboxes(forms.widgets.ChoiceWidget):
    """Checkboxes grouped into <details> sections (open when something inside is ticked).

    Long lists — 33 indicators, 34 states — fold into a few lines on a phone and need no script.
    """

    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "components/widgets/disclosure_checkboxes.html"

    def __init__(self, attrs: dict[str, Any] | None = None, summary: Any = "") -> None:
        super().__init__(attrs)
        self.summary = summary

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        groups: list[dict[str, Any]] = []
        for group_name, options, _index in context["widget"]["optgroups"]:
            # Ungrouped choices come as one group per option: gather them under the summary.
            if group_name is None and groups and groups[-1]["ungrouped"]:
                groups[-1]["options"].extend(options)
            else:
                groups.append(
                    {"name": group_name or self.summary, "options": list(options), "ungrouped": group_name is None}
                )
        for group in groups:
            group["selected"] = sum(1 for option in group["options"] if option["selected"])
        context["widget"]["groups"] = groups
        return context

    def use_required_attribute(self, initial: Any) -> bool:
        return False

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return "" if index is None else super().id_for_label(id_, index)


class IndicatorPicker(forms.widgets.ChoiceWidget):
    """Indicators as checkboxes in one fieldset per pillar, civil-society ones marked in words.

    A plain list that works without JavaScript; ``static/js/indicator-picker.js`` adds a search box that
    filters as one types (by code or words, accents ignored) and announces the number of matches. Filtering
    only hides boxes, so a chosen indicator is still submitted while the search hides it, and the list of
    chosen codes above the boxes keeps showing it. The template loads the script itself (``defer``), so a page
    needs nothing but the field.

    Expects the choices of ``monitoring.forms.fields.indicator_choices``.
    """

    allow_multiple_selected = True
    input_type = "checkbox"
    template_name = "components/widgets/indicator_picker.html"
    use_fieldset = True  # the field's label becomes the legend of the whole list

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        groups: list[dict[str, Any]] = []
        chosen: list[dict[str, Any]] = []
        for group_name, options, _index in context["widget"]["optgroups"]:
            if group_name is None and groups and groups[-1]["name"] is None:
                groups[-1]["options"].extend(options)
            else:
                groups.append({"name": group_name, "options": list(options)})
        for group in groups:
            group["chosen"] = [option for option in group["options"] if option["selected"]]
            chosen.extend(group["chosen"])
        context["widget"]["groups"] = groups
        context["widget"]["chosen"] = chosen
        context["widget"]["total"] = sum(len(group["options"]) for group in groups)
        return context

    def use_required_attribute(self, initial: Any) -> bool:
        return False

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        # An empty list of boxes posts nothing: that means "none chosen", not "field left out".
        return False

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return "" if index is None else super().id_for_label(id_, index)
