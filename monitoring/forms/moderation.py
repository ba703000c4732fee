"""Moderators' forms: approving the items ticked in the queue, then returning to the same filters."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict

from monitoring.forms.filters import QueueFilterForm


class UUIDListField(forms.Field):
    """The UUIDs of ticked items: the first ``max_items`` values sent, malformed ones dropped (never an error)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_items: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_items = max_items

    def to_python(self, value: Any) -> list[str]:
        valid = []
        for item in list(value or [])[: self.max_items]:
            try:
                valid.append(str(uuid.UUID(item)))
            except ValueError:
                continue
        return valid


class BulkApprovalForm(forms.Form):
    """What the queue's bulk approval posts: the ticked items (at most one page) and the queue's query string."""

    items = UUIDListField(max_items=0, required=False)
    query = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, max_items: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["items"]
        field.max_items = max_items

    def ticked(self) -> list[str]:
        self.is_valid()
        return list(self.cleaned_data.get("items") or [])

    def queue_query(self) -> str:
        """The queue's filters to return to: only the filters, nothing else the page sent along."""
        self.is_valid()
        kept = QueryDict(self.cleaned_data.get("query") or "").copy()
        for key in list(kept.keys()):
            if key not in QueueFilterForm.base_fields:
                del kept[key]
        return kept.urlencode()
