"""`manage.py send_transparency_reminders`: e-mail organisations about requests due soon or overdue. Run daily.

Each reminder is sent once per request: five working days before the due date, and when it becomes overdue.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from monitoring.deadlines import load_calendar
from monitoring.models import RequestStatus, TransparencyRequest
from monitoring.notifications import absolute
from portal.mail import queue_mail


class Command(BaseCommand):
    help = "Remind organisations of transparency requests due within a few working days or overdue."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        calendar = load_calendar()
        sent = 0
        pending = TransparencyRequest.objects.filter(status=RequestStatus.PENDING).values_list("pk", flat=True)
        for pk in pending:
            with transaction.atomic():
                request = (
                    TransparencyRequest.objects.select_for_update()
                    .select_related("institution", "organisation")
                    .get(pk=pk)
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
                            "url": absolute(
                                "monitoring:transparency_detail", user.preferred_language, uuid=request.uuid
                            ),
                        },
                        language=user.preferred_language,
                    )
                    sent += 1
        self.stdout.write(f"Reminders queued: {sent}.")
