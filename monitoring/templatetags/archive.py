"""``{% archived_copies evidence as copies %}``: an item's archived copies of its source URL, for its page.

One query. Who reads the page may read its archived copies (the page's own permission check decided that); the
organisation's members and the moderators also see copies being made or that failed, and may ask for a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template
from django.db.models import BooleanField, ExpressionWrapper, Q

from monitoring.archiving import failure_message
from monitoring.models import ArchiveStatus, Evidence, SourceArchive
from portal.permissions import is_moderator

register = template.Library()


@dataclass
class ArchivedCopies:
    copies: list[Any] = field(default_factory=list)  # SourceArchive rows, newest first
    latest: SourceArchive | None = None  # the newest complete copy
    pending: bool = False
    can_request: bool = False  # members of the organisation and moderators, when the item has a source URL
    custody: bool = False  # who asked for each copy

    def __bool__(self) -> bool:
        return bool(self.copies) or self.can_request


@register.simple_tag(takes_context=True)
def archived_copies(context: Any, evidence: Evidence) -> ArchivedCopies:
    request = context.get("request")
    user = getattr(request, "user", None)
    insider = bool(context.get("is_member")) or (user is not None and is_moderator(user))
    rows = SourceArchive.objects.filter(evidence=evidence).defer("text").order_by("-created_at", "-pk")
    rows = rows.annotate(has_text=ExpressionWrapper(~Q(text=""), output_field=BooleanField()))
    # Outsiders read complete copies only; insiders also those being made or failed, and who asked for them.
    rows = rows.select_related("requested_by") if insider else rows.filter(status=ArchiveStatus.ARCHIVED)
    copies = list(rows)
    for copy in copies:
        copy.failure = failure_message(copy) if copy.status != ArchiveStatus.ARCHIVED and copy.error else ""  # type: ignore[attr-defined]
    return ArchivedCopies(
        copies=copies,
        latest=next((c for c in copies if c.status == ArchiveStatus.ARCHIVED), None),
        pending=any(c.status == ArchiveStatus.PENDING for c in copies),
        can_request=insider and bool(evidence.source_url),
        custody=insider,
    )
