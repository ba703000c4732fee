"""Fields, choices and rules shared by several forms: files, indicators, dates that cannot be in the future,
values measured as a count or a percentage."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import Indicator, Plan, Unit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def files_help_text() -> str:
    """What every file field accepts, with the limits of the shared pipeline (``files.check_uploads``)."""
    return _(
        "PDF, PNG, JPEG, WebP, CSV, XLSX, DOCX, ODT or ODS; up to %(file)s each and %(total)s per item. "
        "Photos are cleaned of location and camera data."
    ) % {
        "file": filesizeformat(settings.MAX_UPLOAD_FILE_SIZE),
        "total": filesizeformat(settings.MAX_UPLOAD_TOTAL_SIZE),
    }


def strip_metadata_field() -> forms.BooleanField:
    """The submitter's choice to clean documents of author and software details, the same on every file form."""
    return forms.BooleanField(
        label=gettext_lazy("Remove author and software details from PDF and office files"),
        required=False,
        help_text=gettext_lazy("Recommended when a document could identify who wrote or handled it."),
    )


@dataclass(frozen=True)
class IndicatorOption:
    """One indicator as a choice: prints as "I07 — text" and carries what the picker shows and searches."""

    code: str
    text: str
    is_official: bool

    def __str__(self) -> str:
        return f"{self.code} — {self.text}"

    @property
    def search(self) -> str:
        """The words a search matches: the code (also without its leading zeros, "I7") and the text, folded."""
        short = re.sub(r"(?<=[A-Za-z])0+(?=\d)", "", self.code)
        return fold(f"{self.code} {short} {self.text}")


@dataclass(frozen=True)
class PillarGroup:
    """A pillar as a group of choices: prints as "P1 · Prevention"."""

    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


def fold(text: str) -> str:
    """Lower case without accents, as the indicator picker's script folds what a person types ("Misión" → "mision")."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


IndicatorChoices = list[tuple[PillarGroup, list[tuple[str, IndicatorOption]]]]


def indicator_choices(plan: Plan) -> IndicatorChoices:
    """The plan's active indicators grouped by pillar, official ones first, civil-society ones last (one query)."""
    indicators = (
        Indicator.objects.active()
        .filter(plan=plan)
        .select_related("pillar")
        .only("pk", "code", "text_es", "text_en", "is_official", "pillar__code", "pillar__name_es", "pillar__name_en")
        .order_by("pillar__position", "pillar__code", "-is_official", "position", "code")
    )
    groups: dict[int, tuple[PillarGroup, list[tuple[str, IndicatorOption]]]] = {}
    for ind in indicators:
        if ind.pillar_id not in groups:
            groups[ind.pillar_id] = (PillarGroup(ind.pillar.code, ind.pillar.name), [])
        groups[ind.pillar_id][1].append((str(ind.pk), IndicatorOption(ind.code, ind.text, ind.is_official)))
    return list(groups.values())


def not_future(value: dt.date | None) -> dt.date | None:
    """A date of something that already happened (an answer, a reply, an appeal)."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


def measured_value_error(value: Decimal, unit: str) -> str | None:
    """What is wrong with a value measured as a percentage or a count, or None."""
    if unit == Unit.PERCENTAGE and not (0 <= value <= 100):
        return _("A percentage must be between 0 and 100.")
    if unit == Unit.COUNT and (value < 0 or value != value.to_integral_value()):
        return _("A count must be a whole number, 0 or more.")
    return None
