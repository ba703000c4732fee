"""The downloadable templates, in the active language: an XLSX with the evidence sheet (headers, one example
row, drop-down lists for choice columns) and a sheet explaining every column; and a CSV with the same header."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from monitoring.forms.evidence import EvidenceForm
from monitoring.imports.columns import KEY, _flat_choices, column_names, header
from monitoring.models import Indicator, Plan
from monitoring.partial_dates import PartialDateField

EXAMPLE: dict[str, Any] = {
    "title": "SEMAR: 50% mujeres en el personal desplegado en 2022",
    "period_start": "2022",
    "source_date": "abril 2023",
    "source_url": "https://www.gob.mx/semar",
    "language": "es",
    "kind": "official_statistic",
    "visibility": "public",
}


def _choices(form_field: forms.Field) -> list[str]:
    if isinstance(form_field, forms.ModelChoiceField):
        return []
    if isinstance(form_field, forms.ChoiceField):
        return [str(label) for value, label in _flat_choices(form_field.choices) if value not in ("", None)]
    return []


def explanation(form: EvidenceForm, name: str) -> tuple[str, str]:
    """What a column holds and which values it accepts, in the active language."""
    if name == KEY:
        return (
            _("Your own identifier for the row (optional). A row whose key was imported before is skipped."),
            _("Any text"),
        )
    form_field = form.fields[name]
    help_text = str(form_field.help_text or "")
    if name == "indicators":
        codes = ", ".join(
            Indicator.objects.active().filter(plan=form.plan).order_by("position").values_list("code", flat=True)
        )
        return help_text, _("Indicator codes separated by “;”: %(codes)s") % {"codes": codes}
    if isinstance(form_field, forms.ModelChoiceField):  # states, institutions, the answering institution…
        values = [str(obj.code if hasattr(obj, "code") else obj) for obj in form_field.queryset or []][:200]
        allowed = (
            _("Codes or names separated by “;”: %(values)s")
            if isinstance(form_field, forms.ModelMultipleChoiceField)
            else _("One code or name: %(values)s")
        )
        return help_text, allowed % {"values": ", ".join(values)}
    if isinstance(form_field, PartialDateField):
        return help_text, _(
            "A year (2021), a month (2021-04, “abril 2021”, “April 2021”) or a day (2021-04-15, 15/04/2021)"
        )
    if isinstance(form_field, forms.DateField):
        return help_text, _("A day: 2021-04-15 or 15/04/2021")
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return help_text, _("yes or no (sí or no)")
    choices = _choices(form_field)
    if choices:
        many = isinstance(form_field, forms.MultipleChoiceField)
        joined = "; ".join(choices)
        return help_text, (_("One or more of, separated by “;”: %(values)s") if many else _("One of: %(values)s")) % {
            "values": joined
        }
    if isinstance(form_field, forms.DecimalField | forms.IntegerField | forms.FloatField):
        return help_text, _("A number, with a decimal point or comma: 12.5 or 12,5")
    max_length = getattr(form_field, "max_length", None)
    return help_text, (_("Text, up to %(n)s characters") % {"n": max_length}) if max_length else _("Text")


def _example(form: EvidenceForm, name: str) -> str:
    value = EXAMPLE.get(name, "")
    form_field = form.fields.get(name)
    if name == "indicators":
        code = (
            Indicator.objects.active()
            .filter(plan=form.plan)
            .order_by("position")
            .values_list("code", flat=True)
            .first()
        )
        return code or ""
    if value and isinstance(form_field, forms.ChoiceField) and not isinstance(form_field, forms.ModelChoiceField):
        return str(dict(_flat_choices(form_field.choices)).get(value, value))
    return value


def xlsx_template(plan: Plan) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    form = EvidenceForm(plan=plan, organisations=_no_organisations())
    names = column_names(form)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Evidence")[:31]
    sheet.append([header(form, n) for n in names])
    sheet.append([_example(form, n) for n in names])
    lists = book.create_sheet(_("Lists")[:31])
    list_column = 0
    for index, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 24
        form_field = form.fields.get(name)
        choices = _choices(form_field) if form_field is not None else []
        if not choices or isinstance(form_field, forms.MultipleChoiceField):
            continue
        list_column += 1
        letter = get_column_letter(list_column)
        for row, label in enumerate(choices, start=1):
            lists.cell(row=row, column=list_column, value=label)
        validation = DataValidation(
            type="list", formula1=f"='{lists.title}'!${letter}$1:${letter}${len(choices)}", allow_blank=True
        )
        validation.showErrorMessage = False  # codes and the other language's labels are accepted too
        sheet.add_data_validation(validation)
        column = get_column_letter(index)
        validation.add(f"{column}2:{column}5001")
    lists.sheet_state = "hidden"
    notes = book.create_sheet(_("Columns")[:31], 1)
    notes.append([_("Column"), _("Field name"), _("What it holds"), _("Allowed values")])
    for name in names:
        what, allowed = explanation(form, name)
        notes.append([header(form, name), name, what, allowed])
    notes.append([])
    notes.append(
        [
            _(
                "One row per item. Only the title is needed for a draft; to submit items for review, every field the "
                "web form asks for is needed. Files are not imported: attach them to the drafts afterwards."
            )
        ]
    )
    for letter, width in zip("ABCD", (28, 24, 60, 80), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_template(plan: Plan) -> bytes:
    form = EvidenceForm(plan=plan, organisations=_no_organisations())
    names = column_names(form)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(form, n) for n in names])
    writer.writerow([_example(form, n) for n in names])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _no_organisations() -> Any:
    from portal.models import Organisation

    return Organisation.objects.none()
