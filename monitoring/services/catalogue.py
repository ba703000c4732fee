"""Changes to the catalogue made by administrators."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal import audit, page_cache
from portal.models import User


def retire_items(*, items: QuerySet, actor: User) -> int:
    """Retire catalogue items (never delete them): they stay attached to their evidence."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for item in items.select_for_update().filter(retired_at__isnull=True):
            item.retired_at = now
            item.save(update_fields=["retired_at", "updated_at"])
            audit.record(
                action=f"monitoring.{item._meta.model_name}.retired",
                obj=item,
                actor=actor,
                changes={"retired_at": [None, now.isoformat()]},
            )
            count += 1
        if count:
            page_cache.bump_all()
    return count
