"""Queueing and delivering e-mail through the OutgoingMail outbox."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import MailStatus, OutgoingMail

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def queue_mail(*, to: str, template: str, context: dict[str, Any], language: str) -> OutgoingMail:
    """Render ``template``_subject.txt/_body.txt in ``language`` and queue it; delivery happens after commit.

    Call inside the transaction that makes the change: if it rolls back, no mail exists.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    mail = OutgoingMail.objects.create(to=to, subject=subject[:300], body=body)
    transaction.on_commit(lambda: deliver(mail.pk))
    return mail


def deliver(pk: int) -> bool:
    """Try to send one queued mail. Never raises: a failure stays in the outbox for a retry."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update(skip_locked=True).filter(pk=pk, status=MailStatus.PENDING).first()
        if mail is None:
            return False
        mail.attempts += 1
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to], fail_silently=False)
        except Exception as exc:  # any transport error: keep the mail, record why
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.status = MailStatus.FAILED
            mail.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("mail %s not delivered (attempt %s): %s", mail.pk, mail.attempts, type(exc).__name__)
            return False
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        mail.save(update_fields=["attempts", "status", "sent_at"])
        return True


def deliver_pending(limit: int = 500) -> tuple[int, int]:
    """Retry pending mail, oldest first. Returns (sent, still pending)."""
    sent = 0
    ids = list(
        OutgoingMail.objects.filter(status=MailStatus.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        if deliver(pk):
            sent += 1
    return sent, OutgoingMail.objects.filter(status=MailStatus.PENDING).count()
