"""Queueing and delivering e-mail through the OutgoingMail outbox.

The outbox row is the durable record: it is written in the caller's transaction (no change, no mail; a change,
always its mail). Delivery is a Celery task (``portal.tasks.deliver_mail``) enqueued on commit; a failure is
retried with exponential backoff (``MAIL_RETRY_BASE_SECONDS`` × 2ⁿ, at most six hours apart) until the mail is
``MAIL_MAX_AGE_HOURS`` old, then marked failed for good and shown to moderators. ``sweep_outbox`` (every minute,
celery beat) re-enqueues whatever is due, so a lost enqueue or a dead worker loses no mail.

Secrets at rest (single-use links: invitations, password resets, unlock links)
------------------------------------------------------------------------------
A link that works must never sit in the outbox (nor in a backup of it) in a usable form. Pass it as a *secret*::

    queue_mail(to=…, template="portal/email/unlock", context={…}, language=…, secrets={"url": unlock_url})
    queue_message(to=…, subject=…, body=rendered_body, secrets={"token": token})  # already rendered

``queue_mail`` renders the template with the secrets merged into the context; then, in the rendered body, every
occurrence of each secret's value is replaced by a placeholder (``[secret:url]``) and the values themselves are
stored sealed (encrypted and authenticated with a key derived from ``SECRET_KEY``: portal/sealing.py) in
``OutgoingMail.sealed_secrets``. ``deliver()`` opens them and substitutes them into the message it hands to the
mail server only; once the mail is sent, the sealed column is emptied and the placeholders in the stored body are
replaced by ``REMOVED_NOTE``, so nothing in the row can be made to work again even with the key. A secret whose
value does not appear in the body is a programming error (``ValueError``), and so is one that appears in the
subject (subjects are stored as they are). If the sealed text cannot be opened at delivery (``SECRET_KEY`` rotated
without keeping the old one in ``SECRET_KEY_FALLBACKS``) the mail is marked failed at once; ask for a new link.

This is option "encrypt + purge": while a mail waits (possibly hours, with backoff) the database and its backups
hold only sealed text, useless without ``SECRET_KEY``, which is never part of a backup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal import sealing
from portal.models import MailStatus, OutgoingMail

logger = logging.getLogger(__name__)
MAX_RETRY_DELAY = timedelta(hours=6)
# What a delivered mail's stored body says where its single-use link was.
REMOVED_NOTE = "[removed after delivery: it was a single-use link]"


def placeholder(name: str) -> str:
    """What the stored body holds instead of the secret ``name`` until delivery."""
    return f"[secret:{name}]"


def queue_mail(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    secrets: Mapping[str, str] | None = None,
) -> OutgoingMail:
    """Render ``template``_subject.txt/_body.txt in ``language`` and queue it; delivery happens after commit.

    ``secrets`` (name → value) are rendered like context variables but never stored usable: see the module's
    docstring. Call inside the transaction that makes the change: if it rolls back, no mail exists.
    """
    full = {**context, **(secrets or {})}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", full).split())
        body = render_to_string(f"{template}_body.txt", full)
    return queue_message(to=to, subject=subject, body=body, secrets=secrets)


def conceal(subject: str, body: str, secrets: Mapping[str, str] | None) -> tuple[str, str]:
    """``body`` with each secret's value replaced by its placeholder, and the values sealed ("" when none)."""
    if not secrets:
        return body, ""
    for name, value in sorted(secrets.items(), key=lambda item: -len(item[1])):  # a URL before the token in it
        if not value or value not in body:
            raise ValueError(f"the secret {name!r} does not appear in the body of the mail")
        if value in subject:
            raise ValueError(f"the secret {name!r} appears in the subject, which is stored as it is")
        body = body.replace(value, placeholder(name))
    return body, sealing.seal(secrets)


def reveal(body: str, sealed: str) -> str:
    """The body as it is sent: placeholders replaced by the sealed values (``sealing.SealError`` if impossible)."""
    if not sealed:
        return body
    for name, value in sealing.unseal(sealed).items():
        body = body.replace(placeholder(name), value)
    return body


def queue_message(*, to: str, subject: str, body: str, secrets: Mapping[str, str] | None = None) -> OutgoingMail:
    """Queue an already rendered message (Django's password-reset form renders its own); ``secrets`` as above."""
    from portal import background, tasks  # tasks imports this module

    subject = " ".join(subject.split())[:300]
    body, sealed = conceal(subject, body, secrets)
    mail = OutgoingMail.objects.create(to=to, subject=subject, body=body, sealed_secrets=sealed)
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
            body = reveal(mail.body, mail.sealed_secrets)
        except sealing.SealError as exc:  # no retry can help: the link is lost, a new one must be asked for
            mail.status = MailStatus.FAILED
            mail.next_attempt_at = None
            mail.last_error = f"SealError: {exc}"
            logger.error("mail %s given up: its sealed link cannot be opened", mail.pk)
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            _tell_moderators(mail)
            return Outcome(sent=False)
        try:
            send_mail(mail.subject, body, settings.DEFAULT_FROM_EMAIL, [mail.to], fail_silently=False)
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
                _tell_moderators(mail)
                return Outcome(sent=False)
            return Outcome(sent=False, retry_in=delay.total_seconds())
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        mail.next_attempt_at = None
        fields = ["attempts", "status", "sent_at", "next_attempt_at"]
        if mail.sealed_secrets:  # purge: the row keeps no trace of the link, sealed or not
            mail.body = re.sub(r"\[secret:[\w.-]+\]", REMOVED_NOTE, mail.body)
            mail.sealed_secrets = ""
            fields += ["body", "sealed_secrets"]
        mail.save(update_fields=fields)
        return Outcome(sent=True)


def _tell_moderators(mail: OutgoingMail) -> None:
    """A mail given up for good: the moderators see it in their inbox (and the outbox page), in the same
    transaction. Once per mail; never about a mail to the moderator herself (she would not get it either)."""
    from portal.notifications import notify  # it queues mail through this module
    from portal.permissions import moderators

    notify(
        "mail.delivery_failed",
        moderators().exclude(email__iexact=mail.to),
        target=mail,
        url_name="portal:outbox",
        url_kwargs={},
        params={"to": mail.to},
        once_key=f"mail:{mail.pk}",
    )


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
