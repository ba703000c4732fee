"""`manage.py send_moderation_digest`: the daily notification digest (portal/notifications.py) for everyone who
chose it for some kind of notification (moderators and new submissions among them). Schedule it once a day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.notifications import send_moderation_digests


class Command(BaseCommand):
    help = "Send everyone who chose the daily digest one e-mail listing her unread notifications since the last one."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Digests queued: {send_moderation_digests()}.")
