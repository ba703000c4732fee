"""The audit log as CSV for moderators: the filtered events, streamed in chunks, readable in a spreadsheet.

UTF-8 with a byte-order mark (Excel then reads accents right), every cell through ``neutralise`` (a title
starting with ``=`` stays text), headers and labels in the moderator's language. Drafts are masked exactly as on
the page: moderators never read what a draft said.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monitoring.audit_labels import kind_label, label_for, reason_for
from monitoring.exports.bulk import _rows_to_csv
from monitoring.models import Evidence
from portal.models import AuditEvent

CHUNK = 1000


def mask_drafts(events: list[AuditEvent]) -> dict[str, UUID]:
    """Drafts are private to their organisation, moderators included: hide what their events recorded.

    Returns the submitted items among the events (object id -> uuid), for links to their moderation pages."""
    ids = {e.object_id for e in events if e.object_type == "monitoring.evidence" and e.object_id.isdigit()}
    rows = Evidence.objects.filter(pk__in=ids).ever_submitted().values_list("pk", "uuid")
    submitted = {str(pk): uuid for pk, uuid in rows}
    for event in events:
        if event.object_type == "monitoring.evidence" and event.object_id not in submitted:
            event.object_repr = _("(a draft)")
            event.changes = {}
            event.reason = ""
    return submitted


def headers() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("E-mail"),
        _("Action"),
        _("Action code"),
        _("Kind of object"),
        _("Object"),
        _("Object id"),
        _("Changes"),
        _("Reason"),
    ]


def _row(event: AuditEvent) -> list[Any]:
    actor = event.actor
    return [
        timezone.localtime(event.created_at).isoformat(timespec="seconds"),
        actor.get_full_name() if actor else _("system"),
        actor.email if actor else "",
        label_for(event.action),
        event.action,
        kind_label(event.object_type),
        event.object_repr,
        event.object_id,
        json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
        reason_for(event.reason),
    ]


def _rows(events: QuerySet[AuditEvent], lang: str) -> Iterator[list[Any]]:
    """One chunk at a time (keyset on the ordering): constant memory, one query for the drafts per chunk."""
    queryset = events.select_related("actor").order_by("-created_at", "-pk")
    batch: list[AuditEvent] = []
    for event in queryset.iterator(chunk_size=CHUNK):
        batch.append(event)
        if len(batch) == CHUNK:
            yield from _translated(batch, lang)
            batch = []
    if batch:
        yield from _translated(batch, lang)


def _translated(batch: list[AuditEvent], lang: str) -> list[list[Any]]:
    # The body is produced after the view returned: set the language for the rows, not for the whole thread.
    with translation.override(lang):
        mask_drafts(batch)
        return [_row(event) for event in batch]


def audit_csv(events: QuerySet[AuditEvent], lang: str) -> Iterator[bytes]:
    """The CSV body, BOM first; ``events`` is the moderator's filtered queryset."""
    with translation.override(lang):
        header = headers()
    return _rows_to_csv(header, _rows(events, lang))
