"""E-mail about evidence, written to the outbox inside the caller's transaction (sent after commit)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from monitoring.models import Evidence, ModerationEntry
from portal.mail import queue_mail
from portal.models import User
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
