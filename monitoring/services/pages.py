"""Editing the site's own pages (privacy notice, contact and corrections): moderators only, version-checked, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import public_state
from monitoring.models import SitePage
from portal import audit
from portal.errors import StaleVersion
from portal.models import User

EDITABLE_FIELDS = ("title_es", "title_en", "body_es", "body_en")


class StalePage(StaleVersion):
    """Another moderator saved the page after this one opened it."""


def update_site_page(*, page: SitePage, expected_version: int, data: dict[str, Any], actor: User) -> SitePage:
    """Save a moderator's edit of ``page`` made from ``expected_version``; refuse it (``StalePage``) if someone saved
    since. A save that changes nothing writes nothing: no new version, no date, no audit event."""
    with transaction.atomic():
        locked = SitePage.objects.select_for_update().get(pk=page.pk)
        if locked.version != expected_version:
            raise StalePage(
                _(
                    "Someone else saved this page after you opened it. Your text was not saved: it is still in the "
                    "form below; compare it with the current page and save again."
                )
            )
        changes: dict[str, list[Any]] = {}
        for field in EDITABLE_FIELDS:
            old, new = getattr(locked, field), data[field]
            if old != new:
                changes[field] = [old, new]
                setattr(locked, field, new)
        if not changes:
            return locked
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.updated_by = actor
        locked.save()
        audit.record(action="monitoring.site_page.updated", obj=locked, actor=actor, changes=changes)
        public_state.site_pages_changed()
    return locked
