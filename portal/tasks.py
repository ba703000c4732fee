"""Background work of the site shell: mail delivery, the outbox sweep and housekeeping (see portal/celery.py)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.management import call_command

from portal import background, mail

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True)
def deliver_mail(self: Task, pk: int) -> bool:
    """Deliver one outbox row; on failure schedule the next attempt (the sweep is the safety net)."""
    outcome = mail.deliver(pk)
    if outcome.retry_in is not None and not self.request.is_eager:
        background.enqueue(deliver_mail, pk, countdown=outcome.retry_in)
    return outcome.sent


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Re-enqueue every pending mail whose attempt is due: a lost enqueue or a killed worker loses nothing."""
    ids = mail.due_ids()
    for pk in ids:
        background.enqueue(deliver_mail, pk)
    return len(ids)


@shared_task(ignore_result=True)
def purge_outbox() -> int:
    """Delete delivered mail older than MAIL_KEEP_DAYS."""
    return mail.purge_delivered(settings.MAIL_KEEP_DAYS)


@shared_task(ignore_result=True)
def clear_sessions() -> None:
    """Remove expired sessions (Django's clearsessions)."""
    call_command("clearsessions")
