"""`manage.py send_moderation_digest`: the daily digest for moderators who chose it. Schedule it once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from monitoring.models import Evidence, EvidenceStatus
from monitoring.notifications import absolute
from portal.mail import queue_mail
from portal.models import User
from portal.permissions import moderators


class Command(BaseCommand):
    help = "Send each moderator who chose the daily digest the evidence submitted since her last digest."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        sent = 0
        for moderator_id in moderators().filter(notification_frequency="daily").values_list("pk", flat=True):
            with transaction.atomic():
                moderator = User.objects.select_for_update().get(pk=moderator_id)
                since = moderator.last_digest_at or now - dt.timedelta(days=1)
                items = list(
                    Evidence.objects.filter(
                        status=EvidenceStatus.SUBMITTED, submitted_at__gt=since, submitted_at__lte=now
                    )
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
        self.stdout.write(f"Digests queued: {sent}.")
