"""The monitoring app's events, told to the right people through the notification service (portal/notifications.py).

Each function chooses the recipients of one event among the people who may read its object, and calls
``notify()`` inside the caller's transaction: the inbox row and (per each person's preference) the e-mail exist only
if the change commits. Parameters are short strings the recipients may read (an item's or a report's title),
never evidence content: e-mails carry the title and a link.

The daily jobs (``send_transparency_reminders``, ``send_embargo_endings``) lock what they mark in a transaction of
their own, so a run that stops half-way never tells anyone the same thing twice. The old moderation digest is now
the general daily digest (``portal.notifications.send_daily_digests``); ``send_moderation_digests`` remains as
its name for the existing command and task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring.deadlines import load_calendar
from monitoring.models import (
    CoAuthorship,
    CoAuthorshipStatus,
    EntryKind,
    Evidence,
    ModerationEntry,
    Report,
    ReportVersion,
    RequestStatus,
    TransparencyRequest,
)
from portal.models import Role, User
from portal.notifications import notify, send_daily_digests
from portal.permissions import moderators

DECISION_CODES: dict[str, str] = {
    EntryKind.APPROVED: "approved",
    EntryKind.REJECTED: "rejected",
    EntryKind.CHANGES_REQUESTED: "changes_requested",
}


def _members(organisation_ids: Iterable[int]) -> Any:
    return User.objects.filter(is_active=True, memberships__organisation_id__in=list(organisation_ids)).distinct()


def _reviewers(organisation_ids: Any) -> Any:
    return (
        User.objects.filter(
            is_active=True, memberships__organisation_id__in=organisation_ids, memberships__role=Role.REVIEWER
        )
        .distinct()
        .order_by("pk")
    )


def _author_reviewers(report: Report) -> Any:
    return _reviewers(report.organisations.values("pk"))


# ------------------------------------------------------------------------------------------------------- evidence
def decision_made(evidence: Evidence, entry: ModerationEntry) -> None:
    """A decision on an item: the submitter hears of approvals, rejections and requests for changes; a withdrawal
    is told to its organisation's members and to the moderators (whoever did not withdraw it)."""
    actor = entry.author
    if entry.kind == EntryKind.WITHDRAWN:
        recipients = list(_members([evidence.organisation_id])) + list(moderators())
        notify(
            "evidence.withdrawn",
            recipients,
            actor=actor,
            target=evidence,
            url_name="monitoring:evidence_detail",
            url_kwargs={"uuid": evidence.uuid},
            params={"title": evidence.title},
        )
        return
    code = DECISION_CODES.get(entry.kind)
    if code is None:
        return
    notify(
        "evidence.decided",
        [evidence.submitted_by],
        actor=actor,
        target=evidence,
        url_name="monitoring:evidence_detail",
        url_kwargs={"uuid": evidence.uuid},
        params={"title": evidence.title, "decision": code},
    )


def evidence_submitted(evidence: Evidence, submitter: User) -> None:
    """Every moderator (but the submitter) has an item to review; each hears of it as she chose."""
    notify(
        "evidence.submitted",
        moderators(),
        actor=submitter,
        target=evidence,
        url_name="monitoring:moderation_item",
        url_kwargs={"uuid": evidence.uuid},
        params={"title": evidence.title},
    )


def archive_failed(archive: Any) -> None:
    """A copy of an item's source URL could not be made: its submitter (and whoever asked for it) hears of it, by
    the item's title and a link to it (never anything of the page)."""
    evidence = archive.evidence
    notify(
        "evidence.archive_failed",
        [evidence.submitted_by, archive.requested_by],
        target=evidence,
        url_name="monitoring:evidence_detail",
        url_kwargs={"uuid": evidence.uuid},
        params={"title": evidence.title},
        once_key=f"archive:{archive.uuid}",
    )


def send_moderation_digests() -> int:
    """The daily digest (kept under its old name for the ``send_moderation_digest`` command and task)."""
    return send_daily_digests()


# -------------------------------------------------------------------------------------------------------- reports
def coauthorship_invited(coauthorship: CoAuthorship) -> None:
    """Tell the invited organisation's reviewers where to accept or decline."""
    report = coauthorship.report
    notify(
        "report.coauthorship_invited",
        _reviewers([coauthorship.organisation_id]),
        actor=coauthorship.invited_by,
        target=report,
        url_name="monitoring:report_coauthorship",
        url_kwargs={"uuid": report.uuid},
        params={"title": report.title, "org": coauthorship.organisation.name},
    )


def coauthorship_answered(coauthorship: CoAuthorship) -> None:
    """Tell the reviewers of the report's other authors (the inviting side) what the organisation answered."""
    kinds: dict[str, str] = {
        CoAuthorshipStatus.ACCEPTED: "report.coauthorship_accepted",
        CoAuthorshipStatus.DECLINED: "report.coauthorship_declined",
        CoAuthorshipStatus.WITHDRAWN: "report.coauthorship_withdrawn",
    }
    kind = kinds.get(coauthorship.status)
    if kind is None:
        return
    report = coauthorship.report
    authors = report.organisations.exclude(pk=coauthorship.organisation_id).values("pk")
    notify(
        kind,
        _reviewers(authors),
        actor=coauthorship.decided_by,
        target=report,
        url_name="monitoring:report_edit",
        url_kwargs={"uuid": report.uuid},
        params={"title": report.title, "org": coauthorship.organisation.name},
    )


def _next_number(report: Report) -> int:
    last = report.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def publication_requested(report: Report, actor: User) -> None:
    """The other reviewers of the authoring organisations: a version awaits a second pair of eyes."""
    notify(
        "report.publication_requested",
        _author_reviewers(report),
        actor=actor,
        target=report,
        url_name="monitoring:report_edit",
        url_kwargs={"uuid": report.uuid},
        params={"title": report.title, "number": str(_next_number(report))},
    )


def publication_approved(version: ReportVersion, actor: User) -> None:
    """The authors' reviewers (the requester first of all): the version exists, public now or at its embargo."""
    report = version.report
    notify(
        "report.publication_approved",
        _author_reviewers(report),
        actor=actor,
        target=version,
        url_name="monitoring:report_version",
        url_kwargs={"slug": report.slug, "number": version.number},
        params={"title": report.title, "number": str(version.number)},
    )


def publication_refused(report: Report, actor: User) -> None:
    """A pending request withdrawn by another reviewer than the one who asked: tell the one who asked.
    Call before the request is cleared (it names the requester)."""
    requester = report.publication_requested_by
    if requester is None or requester.pk == actor.pk:
        return
    notify(
        "report.publication_refused",
        [requester],
        actor=actor,
        target=report,
        url_name="monitoring:report_edit",
        url_kwargs={"uuid": report.uuid},
        params={"title": report.title, "number": str(_next_number(report))},
    )


def send_embargo_endings(now: dt.datetime | None = None) -> int:
    """Tell the authors' reviewers of each version whose embargo ends within 24 hours; once per version (however
    often it runs, and even if the embargo is moved within the window). Returns how many versions were told."""
    now = now or timezone.now()
    soon = ReportVersion.objects.filter(public_from__gt=now, public_from__lte=now + dt.timedelta(hours=24))
    told = 0
    for pk in soon.order_by("public_from").values_list("pk", flat=True):
        with transaction.atomic():
            version = ReportVersion.objects.select_for_update().select_related("report").get(pk=pk)
            if version.public_from is None or not now < version.public_from <= now + dt.timedelta(hours=24):
                continue  # lifted or moved since the scan
            report = version.report
            notify(
                "report.embargo_ending",
                _author_reviewers(report),
                target=version,
                url_name="monitoring:report_version",
                url_kwargs={"slug": report.slug, "number": version.number},
                params={"title": report.title, "number": str(version.number)},
                once_key=f"version:{version.pk}",
            )
            told += 1
    return told


# ----------------------------------------------------------------------------------------- transparency requests
def _request_params(request: TransparencyRequest) -> dict[str, str]:
    return {"folio": request.folio, "code": request.institution.code, "due_date": request.effective_due_on.isoformat()}


def send_transparency_reminders() -> int:
    """Remind the organisation's members of each pending request, once per request: a few working days before its
    due date (``TRANSPARENCY_REMINDER_DAYS``), and when it becomes overdue. Return how many people were told."""
    today = timezone.localdate()
    calendar = load_calendar()
    sent = 0
    pending = TransparencyRequest.objects.filter(status=RequestStatus.PENDING).values_list("pk", flat=True)
    for pk in pending:
        with transaction.atomic():
            request = (
                TransparencyRequest.objects.select_for_update().select_related("institution", "organisation").get(pk=pk)
            )
            kind = None
            if request.is_overdue(today) and request.overdue_notice_sent_at is None:
                kind, request.overdue_notice_sent_at = "transparency.overdue", timezone.now()
            elif (
                not request.is_overdue(today)
                and request.reminder_sent_at is None
                and calendar.working_days_between(today, request.effective_due_on)
                <= settings.TRANSPARENCY_REMINDER_DAYS
            ):
                kind, request.reminder_sent_at = "transparency.due_soon", timezone.now()
            if kind is None:
                continue
            request.save(update_fields=["overdue_notice_sent_at", "reminder_sent_at"])
            members = list(_members([request.organisation_id]))
            notify(
                kind,
                members,
                target=request,
                url_name="monitoring:transparency_detail",
                url_kwargs={"uuid": request.uuid},
                params=_request_params(request),
            )
            sent += len(members)
    return sent


def transparency_answered(request: TransparencyRequest, actor: User) -> None:
    """The organisation's other members: the answer (or its absence) was recorded."""
    notify(
        "transparency.answered",
        _members([request.organisation_id]),
        actor=actor,
        target=request,
        url_name="monitoring:transparency_detail",
        url_kwargs={"uuid": request.uuid},
        params=_request_params(request),
    )
