"""`manage.py send_moderation_digest`: the daily digest for moderators who chose it. Schedule it once a day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.notifications import send_moderation_digests


class Command(BaseCommand):
    help = "Send each moderator who chose the daily digest the evidence submitted since her last digest."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Digests queued: {send_moderation_digests()}.")
