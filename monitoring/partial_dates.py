"""Dates as precise as their sources: a year ("2023"), a month ("abril de 2021") or a day.

A partial date is stored as two columns: a ``DateField`` holding one day of the period it names, and a
precision. Starts (source dates, the start of a reporting period) store the *first* day, ends store the
*last* day, so that sorting and ``period_start <= x <= period_end`` filters work on the columns alone and
the database's "end not before start" constraint stays true. Nothing ever displays or exports the stored
day of a year or a month: pages show the period as given, in the reader's language, and the API, CSVs and
the report JSON use reduced-precision ISO 8601 (``2023``, ``2021-04``, ``2021-04-15``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    YEAR = "year", _("year")
    MONTH = "month", _("month")
    DAY = "day", _("day")


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        dt.date(self.year, self.month or 1, self.day or 1)  # raises ValueError for an impossible date

    @property
    def precision(self) -> str:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> dt.date:
        if self.day is not None:
            return self.first_day
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        """Reduced-precision ISO 8601: ``2023``, ``2021-04`` or ``2021-04-15``."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        """As given, in the active language: "2023", "abril de 2021" / "April 2021", "15 de abril de 2021"."""
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return date_format(self.first_day, "YEAR_MONTH_FORMAT")
        return date_format(self.first_day, "DATE_FORMAT")

    __str__ = display

    @classmethod
    def from_stored(cls, value: dt.date | None, precision: str) -> PartialDate | None:
        """The partial date a column pair holds (either end of a period: only year and month are read)."""
        if value is None:
            return None
        if precision == Precision.YEAR:
            return cls(value.year)
        if precision == Precision.MONTH:
            return cls(value.year, value.month)
        return cls(value.year, value.month, value.day)

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        match = ISO.fullmatch(text.strip())
        if not match:
            raise ValueError(text)
        year, month, day = match.group("y", "m", "d")
        return cls(int(year), int(month) if month else None, int(day) if day else None)


def period_label(start: PartialDate | None, end: PartialDate | None) -> str:
    """A reporting period as a reader says it: "2021", "2021–2022", "abril de 2021 – junio de 2021"."""
    if start is None:
        return ""
    if end is None or end == start:
        return start.display()
    if start.precision == end.precision == Precision.YEAR:
        return f"{start.year}–{end.year}"
    return f"{start.display()} – {end.display()}"


def period_iso(start: PartialDate | None, end: PartialDate | None) -> str | None:
    """A period as one ISO 8601 value: "2021", or an interval "2021-04/2021-06"."""
    if start is None:
        return None
    if end is None or end == start:
        return start.iso()
    return f"{start.iso()}/{end.iso()}"


def display_period_iso(value: str) -> str:
    """Show a period exported by ``period_iso`` in the active language; any other text (older report
    versions stored their period already worded) is shown exactly as stored."""
    try:
        parts = [PartialDate.from_iso(part) for part in value.split("/")]
    except ValueError:
        return value
    if len(parts) == 1:
        return parts[0].display()
    if len(parts) == 2:
        return period_label(parts[0], parts[1])
    return value


# -- reading what people type -----------------------------------------------------------------------

ISO = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?")
# 15/04/2021, 15-04-2021, 15.04.2021 (day first, as written in Mexico) and 04/2021.
NUMERIC_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})")
NUMERIC_MONTH_YEAR = re.compile(r"(?P<m>\d{1,2})[/.-](?P<y>\d{4})")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("enero", "ene", "january", "jan"),
            ("febrero", "feb", "february"),
            ("marzo", "mar", "march"),
            ("abril", "abr", "april", "apr"),
            ("mayo", "may"),
            ("junio", "jun", "june"),
            ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "sept", "set", "september"),
            ("octubre", "oct", "october"),
            ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WORDS = re.compile(r"[a-z]+|\d+")
FILLER = {"de", "del", "of", "the"}


class ImpossibleDate(ValueError):
    """The text has a recognised shape but names a day that does not exist (31 February)."""


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def parse(text: str) -> PartialDate:
    """Read a year, a month or a day as people write them in Spanish or English.

    Accepts ISO (2023, 2021-04, 2021-04-15), day-first numbers (15/04/2021, 04/2021) and words
    ("abril de 2021", "15 de abril de 2021", "April 2021", "April 15, 2021", "15 April 2021").
    Raises ``ValueError`` for anything else, and for impossible dates such as 31 February.
    """
    text = text.strip()
    for pattern in (ISO, NUMERIC_DAY_FIRST, NUMERIC_MONTH_YEAR):
        match = pattern.fullmatch(text)
        if match:
            parts = match.groupdict()
            month, day = parts.get("m"), parts.get("d")
            return _checked(int(parts["y"]), int(month) if month else None, int(day) if day else None)
    tokens = [t for t in WORDS.findall(_plain(text)) if t not in FILLER]
    months = [MONTHS[t] for t in tokens if t in MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    unknown = [t for t in tokens if not t.isdigit() and t not in MONTHS]
    years = [int(n) for n in numbers if len(n) == 4]
    days = [int(n) for n in numbers if len(n) <= 2]
    if unknown or len(months) != 1 or len(years) != 1 or len(days) > 1 or len(numbers) != len(years) + len(days):
        raise ValueError(text)
    return _checked(years[0], months[0], days[0] if days else None)


def _checked(year: int, month: int | None, day: int | None) -> PartialDate:
    try:
        return PartialDate(year, month, day)
    except ValueError as exc:
        raise ImpossibleDate(f"{year}-{month}-{day}") from exc


def stored(value: PartialDate | None, *, end: bool = False) -> tuple[dt.date | None, str]:
    """The column pair for a partial date: its first day (or last day, for the end of a period) and precision."""
    if value is None:
        return None, Precision.DAY
    return (value.last_day if end else value.first_day), value.precision


def partial_date_columns(
    *, source: PartialDate | None, start: PartialDate | None, end: PartialDate | None
) -> dict[str, Any]:
    """Evidence's date columns for a source date and a reporting period (an open end means the start alone)."""
    end = end or start
    source_date, source_precision = stored(source)
    period_start, start_precision = stored(start)
    period_end, end_precision = stored(end, end=True)
    return {
        "source_date": source_date,
        "source_date_precision": source_precision,
        "period_start": period_start,
        "period_start_precision": start_precision,
        "period_end": period_end,
        "period_end_precision": end_precision,
    }


def iso_or_none(value: PartialDate | None) -> str | None:
    return value.iso() if value is not None else None


class PartialDateField(forms.CharField):
    """One text box that takes a year, a month or a day, and says so; cleans to a ``PartialDate``.

    One accessible control that works without JavaScript, renders the same machine text in every language
    (so a browser never empties it), and reads what people type in Spanish or English.
    """

    default_error_messages = {
        "invalid": _(
            "Write a year (2023), a month (2021-04 or “April 2021”) or a full date (2021-04-15 or 15/04/2021)."
        ),
        "impossible": _("That day does not exist. Check the day and the month."),
        "early": _("Give a year from %(min)s on."),
    }
    MIN_YEAR = 1900

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("spellcheck", "false")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, PartialDate):
            return value.iso()
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def clean(self, value: Any) -> PartialDate | None:
        text = super().clean(value)  # required, length and NUL checks on the text as typed
        return self.parse(text)

    def parse(self, text: Any) -> PartialDate | None:
        if isinstance(text, PartialDate) or not text:
            return text or None
        if isinstance(text, dt.date):
            return PartialDate(text.year, text.month, text.day)
        try:
            parsed = parse(str(text))
        except ImpossibleDate as exc:
            raise forms.ValidationError(self.error_messages["impossible"], code="impossible") from exc
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if parsed.year < self.MIN_YEAR:
            raise forms.ValidationError(self.error_messages["early"], code="early", params={"min": self.MIN_YEAR})
        return parsed

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.parse(data) != self.parse(initial)
        except forms.ValidationError:
            return True
