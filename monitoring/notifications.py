"""Every e-mail of the monitoring app, written to the outbox (portal/mail.py) and delivered after commit.

``decision_made`` and ``evidence_submitted`` write inside the caller's transaction; the daily jobs
(``send_moderation_digests``, ``send_transparency_reminders``, run by the management commands of the same names)
lock and mark each recipient or request in a transaction of its own, so a run that stops half-way never sends the
same mail twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from monitoring.deadlines import load_calendar
from monitoring.models import (
    CoAuthorship,
    Evidence,
    EvidenceStatus,
    ModerationEntry,
    RequestStatus,
    TransparencyRequest,
)
from portal.mail import queue_mail
from portal.models import Role, User
from portal.permissions import moderators


def absolute(url_name: str, language: str, **kwargs: object) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(url_name, kwargs=kwargs)


def decision_made(evidence: Evidence, entry: ModerationEntry) -> None:
    """Tell the submitter what was decided and why, in her language."""
    submitter = evidence.submitted_by
    if not submitter.is_active:
        return
    language = submitter.preferred_language
    queue_mail(
        to=submitter.email,
        template="monitoring/email/decision",
        context={
            "evidence": evidence,
            "entry": entry,
            "url": absolute("monitoring:evidence_detail", language, uuid=evidence.uuid),
        },
        language=language,
    )


def evidence_submitted(evidence: Evidence, submitter: User) -> None:
    """Tell moderators who want one e-mail per submission; the others get the daily digest."""
    for moderator in moderators().filter(notification_frequency="immediate").exclude(pk=submitter.pk):
        language = moderator.preferred_language
        queue_mail(
            to=moderator.email,
            template="monitoring/email/submitted",
            context={
                "evidence": evidence,
                "url": absolute("monitoring:moderation_item", language, uuid=evidence.uuid),
            },
            language=language,
        )


def send_moderation_digests() -> int:
    """Send each moderator who chose the daily digest the evidence submitted since her last digest; return how many
    digests were queued."""
    now = timezone.now()
    sent = 0
    for moderator_id in moderators().filter(notification_frequency="daily").values_list("pk", flat=True):
        with transaction.atomic():
            moderator = User.objects.select_for_update().get(pk=moderator_id)
            since = moderator.last_digest_at or now - dt.timedelta(days=1)
            items = list(
                Evidence.objects.filter(status=EvidenceStatus.SUBMITTED, submitted_at__gt=since, submitted_at__lte=now)
                .exclude(submitted_by=moderator)
                .select_related("organisation")
                .order_by("submitted_at")
            )
            moderator.last_digest_at = now
            moderator.save(update_fields=["last_digest_at"])
            if items:
                language = moderator.preferred_language
                queue_mail(
                    to=moderator.email,
                    template="monitoring/email/digest",
                    context={"items": items, "url": absolute("monitoring:moderation_queue", language)},
                    language=language,
                )
                sent += 1
    return sent


def send_transparency_reminders() -> int:
    """Remind the organisation's members of each pending request, once per request: a few working days before its
    due date (``TRANSPARENCY_REMINDER_DAYS``), and when it becomes overdue. Return how many e-mails were queued."""
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
                kind, request.overdue_notice_sent_at = "overdue", timezone.now()
            elif (
                not request.is_overdue(today)
                and request.reminder_sent_at is None
                and calendar.working_days_between(today, request.effective_due_on)
                <= settings.TRANSPARENCY_REMINDER_DAYS
            ):
                kind, request.reminder_sent_at = "due_soon", timezone.now()
            if kind is None:
                continue
            request.save(update_fields=["overdue_notice_sent_at", "reminder_sent_at"])
            for membership in request.organisation.memberships.select_related("user").filter(user__is_active=True):
                user = membership.user
                queue_mail(
                    to=user.email,
                    template=f"monitoring/email/transparency_{kind}",
                    context={
                        "item": request,
                        "url": absolute("monitoring:transparency_detail", user.preferred_language, uuid=request.uuid),
                    },
                    language=user.preferred_language,
                )
                sent += 1
    return sent


def _reviewers(organisation_ids: Any) -> Any:
    return (
        User.objects.filter(
            is_active=True, memberships__organisation_id__in=organisation_ids, memberships__role=Role.REVIEWER
        )
        .distinct()
        .order_by("pk")
    )


def coauthorship_invited(coauthorship: CoAuthorship) -> None:
    """Tell the invited organisation's reviewers, each in her language, where to accept or decline."""
    report = coauthorship.report
    for reviewer in _reviewers([coauthorship.organisation_id]):
        language = reviewer.preferred_language
        queue_mail(
            to=reviewer.email,
            template="monitoring/email/coauthorship_invited",
            context={
                "report": report,
                "organisation": coauthorship.organisation,
                "authors": ", ".join(o.name for o in report.organisations.order_by("name")),
                "url": absolute("monitoring:report_coauthorship", language, uuid=report.uuid),
            },
            language=language,
        )


def coauthorship_answered(coauthorship: CoAuthorship) -> None:
    """Tell the reviewers of the report's other authors (the inviting side) what the organisation answered."""
    report = coauthorship.report
    authors = report.organisations.exclude(pk=coauthorship.organisation_id).values("pk")
    for reviewer in _reviewers(authors).exclude(pk=coauthorship.decided_by_id or 0):
        language = reviewer.preferred_language
        queue_mail(
            to=reviewer.email,
            template="monitoring/email/coauthorship_answered",
            context={
                "report": report,
                "organisation": coauthorship.organisation,
                "status": coauthorship.status,
                "url": absolute("monitoring:report_edit", language, uuid=report.uuid),
            },
            language=language,
        )
