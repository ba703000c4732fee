"""The columns of an evidence spreadsheet, their names in both languages, and turning what people type into
the evidence form's data.

The columns are the evidence form's own fields (``monitoring.forms.evidence.EvidenceForm``: the common fields,
every kind's fields, the reliability assessment), so a row is validated by the same form, with the same rules
and messages, as an item typed on the web. A header is recognised by the field's name (``title``), by its name
in the Spanish or the English template, or by the form's label in either language, ignoring case and accents.

Values are read as people type them: indicators, states and institutions by code or name, separated by ``;``
(or ``,``); choices by their code or their label in either language; yes/no, sí/no, true/false, 1/0 for
yes-or-no columns; numbers with a decimal point or comma (``1,234.5``, ``1.234,5``, ``12,5``; ``%``, ``$`` and
spaces ignored); dates as the web form reads them (``2021``, ``2021-04``, ``abril 2021``, ``April 2021``,
``15/04/2021``, ``2021-04-15``), Excel date cells (as precise as their format shows) and Excel serial numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy

from monitoring.forms.evidence import EvidenceForm
from monitoring.partial_dates import PartialDateField
from monitoring.partial_dates import parse as parse_date

# Form fields that a spreadsheet does not fill: who it is for comes from the upload, files are not fetched.
NOT_COLUMNS = {"organisation", "attachments", "strip_metadata", "creation_key", "note"}
KEY = "key"
# Clearer headers than the form's labels where the form relies on its layout (e.g. "Until (optional)").
HEADERS: dict[str, Any] = {
    KEY: gettext_lazy("Row key (optional)"),
    "indicators": gettext_lazy("Indicators (codes)"),
    "period_start": gettext_lazy("Period from"),
    "period_end": gettext_lazy("Period to"),
    "kind": gettext_lazy("Kind of evidence"),
    "regions": gettext_lazy("States"),
    "institutions": gettext_lazy("Institutions (codes)"),
    "visibility": gettext_lazy("Visibility"),
}
YES = {"yes", "y", "si", "s", "true", "verdadero", "1", "x", "on"}
NO = {"no", "n", "false", "falso", "0", "off", ""}
SEPARATORS = re.compile(r"\s*[;|\n]\s*")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def plain(text: Any) -> str:
    """Lower case, no accents, single spaces: how headers and choice labels are compared."""
    text = unicodedata.normalize("NFKD", str(text).strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


def column_names(form: EvidenceForm) -> list[str]:
    """The field names of the spreadsheet, in the form's order, the optional key first."""
    return [KEY, *(name for name in form.fields if name not in NOT_COLUMNS)]


def header(form: EvidenceForm, name: str) -> str:
    """A column's header in the active language."""
    if name in HEADERS:
        return str(HEADERS[name])
    return str(form.fields[name].label or name)


def header_map(form: EvidenceForm) -> dict[str, str]:
    """Every accepted spelling of every header (both languages, field names, form labels) -> field name."""
    names = column_names(form)
    found: dict[str, str] = {}
    for language in ("en", "es"):
        with translation.override(language):
            for name in names:
                found.setdefault(plain(header(form, name)), name)
                if name in form.fields and form.fields[name].label:
                    found.setdefault(plain(form.fields[name].label), name)
    for name in names:  # the field name itself always wins
        found[plain(name)] = name
    return found


@dataclass
class Converter:
    """Turns cell values into the form's data, with lookups built once per file (not once per row)."""

    form: EvidenceForm
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in column_names(self.form):
            if name in self.form.fields:
                self.lookups[name] = self._lookup(name, self.form.fields[name])

    def _lookup(self, name: str, form_field: forms.Field) -> dict[str, str]:
        table: dict[str, str] = {}
        if name == "indicators":
            from monitoring.models import Indicator

            for pk, code in Indicator.objects.active().filter(plan=self.form.plan).values_list("pk", "code"):
                table[plain(code)] = str(pk)
            return table
        if isinstance(form_field, forms.ModelChoiceField):  # also ModelMultipleChoiceField
            for obj in form_field.queryset or []:
                value = str(obj.pk)
                for attr in ("code", "folio", "uuid", "slug", "name_es", "name_en", "name", "title"):
                    if getattr(obj, attr, None):
                        table.setdefault(plain(getattr(obj, attr)), value)
                table.setdefault(plain(str(obj)), value)
            return table
        if isinstance(form_field, forms.ChoiceField):
            for language in ("en", "es"):
                with translation.override(language):
                    for value, label in _flat_choices(form_field.choices):
                        if value in ("", None):
                            continue
                        table.setdefault(plain(value), str(value))
                        table.setdefault(plain(label), str(value))
        return table

    def data(self, cells: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The form's data for one row, and the columns whose value could not be read (column -> message)."""
        data: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name, value in cells.items():
            if name == KEY or name not in self.form.fields:
                continue
            try:
                converted = self._convert(name, self.form.fields[name], value)
            except ValueError as exc:
                problems[name] = str(exc)
                continue
            if converted not in ("", None, []):
                data[name] = converted
        return data, problems

    def _convert(self, name: str, form_field: forms.Field, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(form_field, PartialDateField):
            return partial_date_text(value)
        if isinstance(form_field, forms.DateField):
            return full_date_text(value)
        if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
            word = plain(text_of(value))
            if word in YES:
                return "true"
            if word in NO:
                return "false"
            raise ValueError(str(gettext_lazy("Write yes or no (sí or no).")))
        if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            table = self.lookups.get(name, {})
            tokens = [t for t in _split(text_of(value)) if t]
            return sorted({table.get(plain(t), t) for t in tokens})
        if isinstance(form_field, forms.ChoiceField | forms.ModelChoiceField):
            return self.lookups.get(name, {}).get(plain(text_of(value)), text_of(value))
        if isinstance(form_field, forms.DecimalField | forms.FloatField):
            return number_text(value)
        if isinstance(form_field, forms.IntegerField):
            return number_text(value)
        return text_of(value)


def _split(text: str) -> list[str]:
    parts = SEPARATORS.split(text.strip())
    if len(parts) == 1 and "," in text:
        parts = text.split(",")
    return [p.strip() for p in parts]


def _flat_choices(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((value, label))
    return flat


def text_of(value: Any) -> str:
    """A cell as text: 2021 rather than 2021.0, dates as ISO."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, float):
        return text_of(Decimal(repr(value)))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def number_text(value: Any) -> str:
    """A number as typed with a point or a comma; text that is not a number is passed on for the form to refuse."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return text_of(value)
    text = re.sub(r"[\s\u00a0$%]|MXN|USD", "", str(value), flags=re.IGNORECASE)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") == 1 and re.fullmatch(r"-?\d*,\d{1,2}", text):
        text = text.replace(",", ".")  # 12,5: a decimal comma
    elif "," in text and re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")  # 1,234,567: thousands (Mexico writes a decimal point)
    elif text.count(".") > 1 and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # 1.234.567
    try:
        Decimal(text)
    except InvalidOperation:
        return str(value).strip()
    return text


def _serial_date(number: Decimal | int | float) -> dt.date | None:
    """An Excel serial day number (45000 is 2023-03-15), when it is a plausible one."""
    days = int(number)
    if 10_000 <= days <= 80_000 and Decimal(str(number)) == days:
        return EXCEL_EPOCH + dt.timedelta(days=days)
    return None


def partial_date_text(value: Any) -> str:
    """What a partial-date box would receive: ISO text for cells Excel knows as dates, the text otherwise."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        serial = _serial_date(value)
        return serial.isoformat() if serial else text_of(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{5}", text):
        serial = _serial_date(int(text))
        if serial:
            return serial.isoformat()
    # 2021-04-15 00:00:00 (a date cell saved as CSV) and 2021/04/15
    match = re.fullmatch(r"(\d{4})[/-](\d{1,2})(?:[/-](\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?", text)
    if match:
        return "-".join(part for part in match.group(1, 2, 3) if part)
    return text


def full_date_text(value: Any) -> str:
    """A single day as ISO text for a date field; anything not a day is passed on for the form to refuse."""
    text = partial_date_text(value)
    try:
        parsed = parse_date(text)
    except ValueError:
        return text
    return parsed.first_day.isoformat() if parsed.day is not None else text
