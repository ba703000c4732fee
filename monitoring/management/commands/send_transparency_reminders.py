"""`manage.py send_transparency_reminders`: e-mail organisations about requests due soon or overdue. Run daily.

Each reminder is sent once per request: five working days before the due date, and when it becomes overdue.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.notifications import send_transparency_reminders


class Command(BaseCommand):
    help = "Remind organisations of transparency requests due within a few working days or overdue."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Reminders queued: {send_transparency_reminders()}.")
