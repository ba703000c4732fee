"""Moderators' forms: approving the items ticked in the queue (then returning to the same filters), messages on an
item's thread and internal notes, marking an item as a duplicate, the reliability assessment confirmed at approval
and a testimony's visibility."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from monitoring.forms.filters import QueueFilterForm
from monitoring.models import (
    MAX_COMMENT,
    CommentKind,
    Evidence,
    InformationCredibility,
    SourceReliability,
    TextFormat,
    Visibility,
)
from monitoring.services.moderation import MAX_REASON
from portal.fields import TextField


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


class CommentForm(forms.Form):
    """A message on an item's thread (members and moderators), or a moderator's internal note."""

    text = TextField(
        label=gettext_lazy("Message"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT}),
        help_text=gettext_lazy("Plain text, or Markdown if you choose it below (at most 10,000 characters)."),
        error_messages={"required": gettext_lazy("Write a message first.")},
    )
    # Not required: a message sent without them is plain text and a message (what the form preselects).
    text_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=TextFormat.choices,
        initial=TextFormat.PLAIN,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of message"), choices=CommentKind.choices, initial="message", required=False
    )

    def __init__(self, *args: Any, internal: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note" if internal else "comment")
        super().__init__(*args, **kwargs)
        self.internal = internal
        if internal:
            del self.fields["kind"]
            self.fields["text"].label = gettext_lazy("Internal note")
            self.fields["text"].help_text = gettext_lazy(
                "Only moderators ever read internal notes: never the organisation, never an export."
            )

    def clean_text(self) -> str:
        text = (self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError(gettext_lazy("Write a message first."))
        return text

    def clean_text_format(self) -> str:
        return self.cleaned_data.get("text_format") or TextFormat.PLAIN

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or CommentKind.MESSAGE


class DuplicateForm(forms.Form):
    """Marking an item as a duplicate of one of its possible duplicates, with the reason its organisation reads."""

    original = forms.ChoiceField(
        label=gettext_lazy("Duplicate of"),
        error_messages={
            "required": gettext_lazy("Choose the item this one repeats."),
            "invalid_choice": gettext_lazy("Choose the item this one repeats, from the list."),
        },
    )
    reason = TextField(
        label=gettext_lazy("Reason (the submitter reads it)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON}),
        error_messages={"required": gettext_lazy("Give a reason: the submitter will read it.")},
    )
    confirm_claim = forms.BooleanField(label=gettext_lazy("Decide anyway"), required=False)

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "duplicate")
        super().__init__(*args, **kwargs)
        field: Any = self.fields["original"]
        field.choices = [("", gettext_lazy("Choose an item…")), *candidates]

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(gettext_lazy("Give a reason: the submitter will read it."))
        return reason


class ReliabilityForm(forms.Form):
    """The reliability assessment a moderator confirms or changes when approving (docs/RELIABILITY.md): pre-filled
    with the member's values, both required to approve."""

    source_reliability = forms.ChoiceField(
        label=gettext_lazy("Reliability of the source"),
        help_text=gettext_lazy("How far the source can be trusted, whatever it says this time."),
        error_messages={
            "required": gettext_lazy("Choose how reliable the source is before approving."),
            "invalid_choice": gettext_lazy("Choose how reliable the source is, from the list."),
        },
    )
    information_credibility = forms.ChoiceField(
        label=gettext_lazy("Credibility of the information"),
        help_text=gettext_lazy("How far this piece of information can be trusted."),
        error_messages={
            "required": gettext_lazy("Choose how credible the information is before approving."),
            "invalid_choice": gettext_lazy("Choose how credible the information is, from the list."),
        },
    )

    def __init__(self, *args: Any, evidence: Evidence | None = None, **kwargs: Any) -> None:
        if evidence is not None and not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    "source_reliability": evidence.source_reliability,
                    "information_credibility": evidence.information_credibility,
                },
            )
        super().__init__(*args, **kwargs)
        choose = ("", gettext_lazy("Choose…"))
        source: Any = self.fields["source_reliability"]
        source.choices = [choose, *SourceReliability.choices]
        information: Any = self.fields["information_credibility"]
        information.choices = [choose, *InformationCredibility.choices]


class VisibilityForm(forms.Form):
    """A moderator changes a testimony's visibility (only she may make one public), with a reason."""

    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"),
        choices=Visibility.choices,
        error_messages={
            "required": gettext_lazy("Choose a visibility from the list."),
            "invalid_choice": gettext_lazy("Choose a visibility from the list."),
        },
    )
    reason = TextField(
        label=gettext_lazy("Reason (kept in the audit trail)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON}),
        error_messages={
            "required": gettext_lazy("Give the reason for changing the visibility: the audit trail keeps it.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "visibility")
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(
                gettext_lazy("Give the reason for changing the visibility: the audit trail keeps it.")
            )
        return reason
