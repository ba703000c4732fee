"""The audit log's filter bar (moderators), shared by the page and its CSV export.

Unlike the public filter bars, a value that makes no sense is an error shown beside its field (the typed value
kept), and no event is listed until the filters are corrected: a moderator who typed a wrong date must not read
"every event" as the answer to her question.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from monitoring import audit_labels
from monitoring.forms.filters import CompactFilters
from portal.models import AuditEvent
from portal.widgets import DateInput

MAX_PERSON = 254
DATE_RANGE = [
    MinValueValidator(dt.date(1900, 1, 1), message=gettext_lazy("Enter a date between 1900 and 2999.")),
    MaxValueValidator(dt.date(2999, 12, 31), message=gettext_lazy("Enter a date between 1900 and 2999.")),
]
ADMIN_PREFIX = "*."


class AuditFilterForm(CompactFilters, forms.Form):
    """Filters of the site-wide audit log: kind of object, action, person, dates."""

    object_type = forms.ChoiceField(
        label=gettext_lazy("Kind of object"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose a kind of object from the list.")},
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose an action from the list.")},
    )
    actor = forms.CharField(
        label=gettext_lazy("Person (name or e-mail)"),
        required=False,
        max_length=MAX_PERSON,
        error_messages={"max_length": gettext_lazy("Type at most %(limit_value)d characters.")},
    )
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=DateInput(),
        validators=DATE_RANGE,
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-01-31.")},
    )
    until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=DateInput(),
        validators=DATE_RANGE,
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-01-31.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        every = ("", gettext_lazy("All"))
        fields["object_type"].choices = [every, *audit_labels.kind_choices()]
        fields["action"].choices = [every, *audit_labels.action_choices()]
        self.style_fields()

    def full_clean(self) -> None:
        super().full_clean()
        # Each error is read with its field (the template gives it the id "<field id>-error").
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-error"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", gettext_lazy("The end date is before the start date."))
        return data

    def apply(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Events narrowed by the filters; none while a filter is invalid (its error says why)."""
        if not self.is_bound:
            return queryset
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["object_type"]:
            queryset = queryset.filter(object_type=data["object_type"])
        action = data["action"]
        if action.startswith(ADMIN_PREFIX):
            queryset = queryset.filter(action__endswith="." + action.removeprefix(ADMIN_PREFIX))
        elif action:
            queryset = queryset.filter(action=action)
        person = data["actor"].strip()
        if person:
            queryset = queryset.filter(Q(actor__email__icontains=person) | Q(actor__full_name__icontains=person))
        # Whole days in the site's time zone, as a range on the timestamp (so its index serves the filter).
        if data["since"]:
            queryset = queryset.filter(created_at__gte=_start_of(data["since"]))
        if data["until"]:
            queryset = queryset.filter(created_at__lt=_start_of(data["until"] + dt.timedelta(days=1)))
        return queryset


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
