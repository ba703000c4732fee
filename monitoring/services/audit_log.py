"""Writes about the audit log itself: an export is an audited action (who took a copy of the trail, with which
filters)."""

from __future__ import annotations

from django.db import transaction

from portal import audit
from portal.models import AuditEvent, User


def record_export(*, actor: User, filters: str) -> AuditEvent:
    """Record that ``actor`` downloaded the audit log with ``filters`` (the query string kept by the page)."""
    with transaction.atomic():
        return audit.record(
            action="portal.audit.exported", obj=actor, actor=actor, changes={"filters": [None, filters or "—"]}
        )
