"""Embargoed versions: who may read them early, moving or lifting an embargo (two reviewers), preview links.

An embargoed version is published but not yet public. Its authors read it at its address; others read it only
through a signed, expiring, revocable preview link. Moving or lifting the embargo is asked by one author and
approved by another; every step is locked, version-checked and audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from monitoring import public_state, published_files
from monitoring.models import EmbargoChange, EmbargoChangeStatus, EmbargoPreviewLink, Report, ReportVersion
from monitoring.services.reports import ReportError, StaleReport, _require_author, is_author
from portal import audit
from portal.models import Membership, Role, User
from portal.notifications import notify
from portal.permissions import is_moderator

# A published version under embargo is read by its authors and the moderators at its permalink, and by whoever holds
# one of its preview links. Two reviewers move or lift the embargo, like a publication: one asks, another approves.
# The snapshot keeps the embargo it was published with; only ``ReportVersion.public_from`` moves.

PREVIEW_SALT = "monitoring.embargo-preview-link"
MAX_EMBARGO_NOTE = 2000
MAX_EMBARGO_YEARS = 5


def preview_token_hash(token: str) -> str:
    """The keyed hash stored for a preview link's token (HMAC-SHA256 with a key derived from SECRET_KEY): the
    database alone can neither rebuild a link nor forge one."""
    return salted_hmac(PREVIEW_SALT, token, algorithm="sha256").hexdigest()


def may_read_embargoed(user: User, report: Report) -> bool:
    """Authors (reviewers of an organisation whose co-authorship is accepted) and moderators."""
    return user.is_authenticated and (is_moderator(user) or is_author(user, report))


def _lock_embargoed(version: ReportVersion, actor: User) -> ReportVersion:
    locked = ReportVersion.objects.select_for_update().select_related("report").get(pk=version.pk)
    _require_author(actor, locked.report)
    if locked.is_public:
        raise StaleReport(
            _("Version %(number)s is already public: its embargo can no longer change.") % {"number": locked.number}
        )
    return locked


def _authors(report: Report) -> Any:
    return User.objects.filter(
        pk__in=Membership.objects.filter(organisation__in=report.organisations.all(), role=Role.REVIEWER).values(
            "user_id"
        )
    )


def request_embargo_change(
    *, version: ReportVersion, actor: User, public_from: dt.datetime | None, note: str = ""
) -> EmbargoChange:
    """An author asks to move the embargo to ``public_from``, or to lift it (None); another author approves."""
    note = (note or "").strip()
    if len(note) > MAX_EMBARGO_NOTE:
        raise ReportError(_("The reason is too long (at most %(max)s characters).") % {"max": MAX_EMBARGO_NOTE})
    with transaction.atomic():
        locked = _lock_embargoed(version, actor)
        now = timezone.now()
        if public_from is not None:
            if public_from <= now:
                raise ReportError(_("The new end of the embargo must be in the future; to publish now, lift it."))
            if public_from > now + dt.timedelta(days=365 * MAX_EMBARGO_YEARS):
                raise ReportError(_("An embargo can last at most %(years)s years.") % {"years": MAX_EMBARGO_YEARS})
            if public_from == locked.public_from:
                raise ReportError(_("The embargo already ends then: nothing to change."))
        if (
            EmbargoChange.objects.select_for_update()
            .filter(version=locked, status=EmbargoChangeStatus.PENDING)
            .exists()
        ):
            raise StaleReport(_("A change of this embargo already awaits a second reviewer."))
        change = EmbargoChange.objects.create(
            version=locked,
            public_from=public_from,
            previous_public_from=locked.public_from,
            note=note,
            requested_by=actor,
            requested_at=now,
        )
        audit.record(
            action="monitoring.report.embargo_change_requested",
            obj=locked.report,
            actor=actor,
            changes={
                "version": [locked.number, locked.number],
                "public_from": [_iso(locked.public_from), _iso(public_from)],
            },
            reason=note,
        )
    return change


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _lock_pending(version: ReportVersion, actor: User, change_id: int) -> tuple[ReportVersion, EmbargoChange]:
    locked = _lock_embargoed(version, actor)
    change = (
        EmbargoChange.objects.select_for_update().filter(version=locked, status=EmbargoChangeStatus.PENDING).first()
    )
    if change is None or change.pk != change_id:
        raise StaleReport(
            _("This change of the embargo was already approved or withdrawn. Here is the page as it is now.")
        )
    return locked, change


def cancel_embargo_change(*, version: ReportVersion, actor: User, change_id: int) -> EmbargoChange:
    """Any author withdraws a pending change (the one who asked, or a second reviewer who refuses it)."""
    with transaction.atomic():
        locked, change = _lock_pending(version, actor, change_id)
        change.status = EmbargoChangeStatus.CANCELLED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            action="monitoring.report.embargo_change_cancelled",
            obj=locked.report,
            actor=actor,
            changes={"version": [locked.number, locked.number], "embargo_change": ["pending", "cancelled"]},
        )
    return change


def approve_embargo_change(*, version: ReportVersion, actor: User, change_id: int) -> ReportVersion:
    """The second reviewer: the embargo moves (or is lifted: the version is public at once), for every page."""
    with transaction.atomic():
        locked, change = _lock_pending(version, actor, change_id)
        if change.requested_by_id == actor.pk:
            raise ReportError(_("Another reviewer must approve the change you asked for."))
        now = timezone.now()
        if change.public_from is not None and change.public_from <= now:
            raise ReportError(_("The end of the embargo asked for has passed. Withdraw this change and ask again."))
        before = locked.public_from
        locked.public_from = change.public_from or now
        locked.save(update_fields=["public_from"])
        change.status = EmbargoChangeStatus.APPROVED
        change.decided_by = actor
        change.decided_at = now
        change.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(
            action="monitoring.report.embargo_lifted" if change.lifts else "monitoring.report.embargo_moved",
            obj=locked.report,
            actor=actor,
            changes={
                "version": [locked.number, locked.number],
                "public_from": [_iso(before), _iso(locked.public_from)],
            },
            reason=change.note,
        )
        # The report pages, the next embargo end (the page cache's clock) and the assessments CSVs follow on commit.
        public_state.reports_changed()
        transaction.on_commit(published_files.schedule_bulk_rebuild, robust=True)
        notify(
            "report.embargo_changed",
            _authors(locked.report),
            actor=actor,
            target=locked.report,
            url_name="monitoring:report_embargo",
            url_kwargs={"uuid": locked.report.uuid, "number": locked.number},
            params={"number": str(locked.number), "title": locked.report.title},
        )
    return locked


def create_preview_link(
    *, version: ReportVersion, actor: User, label: str, days: int
) -> tuple[EmbargoPreviewLink, str]:
    """A private link to read an embargoed version, for ``days`` (at most ``PREVIEW_MAX_DAYS``). Returns the link and
    its token, which is shown once and never stored."""
    from monitoring.models.reports import PREVIEW_MAX_DAYS

    label = " ".join((label or "").split())
    if not label or len(label) > 200:
        raise ReportError(_("Say for whom the link is (at most 200 characters)."))
    if not 1 <= days <= PREVIEW_MAX_DAYS:
        raise ReportError(_("A preview link lasts from 1 to %(max)s days.") % {"max": PREVIEW_MAX_DAYS})
    with transaction.atomic():
        locked = _lock_embargoed(version, actor)
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        link = EmbargoPreviewLink.objects.create(
            version=locked,
            token_hash=preview_token_hash(token),
            label=label,
            created_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        audit.record(
            action="monitoring.report.preview_link_created",
            obj=locked.report,
            actor=actor,
            changes={
                "version": [locked.number, locked.number],
                "preview_link": [None, label],
                "expires_at": [None, _iso(link.expires_at)],
            },
        )
    return link, token


def revoke_preview_link(*, link: EmbargoPreviewLink, actor: User) -> EmbargoPreviewLink:
    """An author ends a preview link at once (its token stops working)."""
    with transaction.atomic():
        locked = EmbargoPreviewLink.objects.select_for_update().select_related("version__report").get(pk=link.pk)
        _require_author(actor, locked.version.report)
        if locked.revoked_at is not None:
            raise StaleReport(_("This link was already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            action="monitoring.report.preview_link_revoked",
            obj=locked.version.report,
            actor=actor,
            changes={"version": [locked.version.number, locked.version.number], "preview_link": [locked.label, None]},
        )
    return locked
