"""Queueing and delivering e-mail through the OutgoingMail outbox.

The outbox row is the durable record: it is written in the caller's transaction (no change, no mail; a change,
always its mail). Delivery is a Celery task (``portal.tasks.deliver_mail``) enqueued on commit; a failure is
retried with exponential backoff (``MAIL_RETRY_BASE_SECONDS`` × 2ⁿ, at most six hours apart) until the mail is
``MAIL_MAX_AGE_HOURS`` old, then marked failed for good and shown to moderators. ``sweep_outbox`` (every minute,
celery beat) re-enqueues whatever is due, so a lost enqueue or a dead worker loses no mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import MailStatus, OutgoingMail

logger = logging.getLogger(__name__)
MAX_RETRY_DELAY = timedelta(hours=6)


def queue_mail(*, to: str, template: str, context: dict[str, Any], language: str) -> OutgoingMail:
    """Render ``template``_subject.txt/_body.txt in ``language`` and queue it; delivery happens after commit.

    Call inside the transaction that makes the change: if it rolls back, no mail exists.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    return queue_message(to=to, subject=subject, body=body)


def queue_message(*, to: str, subject: str, body: str) -> OutgoingMail:
    """Queue an already rendered message (Django's password-reset form renders its own)."""
    from portal import background, tasks  # tasks imports this module

    mail = OutgoingMail.objects.create(to=to, subject=" ".join(subject.split())[:300], body=body)
    background.on_commit(tasks.deliver_mail, mail.pk)
    return mail


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: base × 2^(attempts−1), capped."""
    base = timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


@dataclass(frozen=True)
class Outcome:
    sent: bool
    retry_in: float | None = None  # seconds until the next attempt is due; None when there is nothing to retry


def deliver(pk: int, *, force: bool = False) -> Outcome:
    """Try to send one queued mail. Never raises: a failure stays in the outbox with its next attempt time.

    Safe to run twice at once or twice in a row: the row is locked (``skip_locked``) and only a pending row
    whose attempt is due is sent, then marked sent in the same transaction. ``force`` ignores the backoff.
    """
    now = timezone.now()
    with transaction.atomic():
        rows = OutgoingMail.objects.select_for_update(skip_locked=True).filter(pk=pk, status=MailStatus.PENDING)
        if not force:
            rows = rows.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        mail = rows.first()
        if mail is None:
            return Outcome(sent=False)
        mail.attempts += 1
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to], fail_silently=False)
        except Exception as exc:  # any transport error: keep the mail, record why, and when to try again
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            delay = retry_delay(mail.attempts)
            if now + delay - mail.created_at > timedelta(hours=settings.MAIL_MAX_AGE_HOURS):
                mail.status = MailStatus.FAILED
                mail.next_attempt_at = None
                logger.error("mail %s given up after %s attempts: %s", mail.pk, mail.attempts, type(exc).__name__)
            else:
                mail.next_attempt_at = now + delay
                logger.warning("mail %s not delivered (attempt %s): %s", mail.pk, mail.attempts, type(exc).__name__)
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if mail.status == MailStatus.FAILED:
                return Outcome(sent=False)
            return Outcome(sent=False, retry_in=delay.total_seconds())
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        mail.next_attempt_at = None
        mail.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
        return Outcome(sent=True)


def due_ids(limit: int = 500) -> list[int]:
    """Pending mail whose next attempt is due, oldest first (what the sweep re-enqueues)."""
    now = timezone.now()
    lost = Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(minutes=1))  # its own task never ran
    return list(
        OutgoingMail.objects.filter(status=MailStatus.PENDING)
        .filter(lost | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_pending(limit: int = 500) -> tuple[int, int]:
    """Try every pending mail now, oldest first, ignoring the backoff (the operator's command). (sent, pending)."""
    ids = list(
        OutgoingMail.objects.filter(status=MailStatus.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(deliver(pk, force=True).sent for pk in ids)
    return sent, OutgoingMail.objects.filter(status=MailStatus.PENDING).count()


def purge_delivered(days: int) -> int:
    """Delete mail delivered more than ``days`` ago (the outbox holds addresses and bodies). Returns the count."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutgoingMail.objects.filter(status=MailStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted
