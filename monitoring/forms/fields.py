"""Fields, choices and rules shared by several forms: files, indicators, dates that cannot be in the future,
values measured as a count or a percentage."""

from __future__ import annotations

import datetime as dt
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


def indicator_choices(plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """Indicators grouped by pillar and objective, civil-society ones last in each pillar (one query)."""
    indicators = (
        Indicator.objects.active()
        .filter(plan=plan)
        .select_related("pillar", "line_of_action__objective")
        .order_by("pillar__position", "-is_official", "position")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for ind in indicators:
        if ind.line_of_action is not None:
            objective = ind.line_of_action.objective
            key = f"{ind.pillar.code} · {ind.pillar.name} — {objective.code}: {objective.text}"
        else:
            key = f"{ind.pillar.code} · {ind.pillar.name} — " + _("civil-society indicators (not official)")
        groups.setdefault(key, []).append((str(ind.pk), f"{ind.code} — {ind.text}"))
    return list(groups.items())


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
