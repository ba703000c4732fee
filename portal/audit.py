"""Writing the audit trail. Call from services, inside their transaction (the admin: portal/admin_audit.py).

Rows are only ever inserted: on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0006_audit_append_only).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.models import AuditEvent, User


def record(
    *,
    action: str,
    obj: models.Model,
    actor: User | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit event for ``obj``. ``changes`` maps field -> [before, after]."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        reason=reason,
    )
