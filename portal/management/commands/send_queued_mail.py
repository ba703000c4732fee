"""`manage.py send_queued_mail`: retry e-mail the mail server refused. Run it every few minutes."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.mail import deliver_pending


class Command(BaseCommand):
    help = "Deliver queued e-mail that could not be sent when it was written."

    def handle(self, *args: Any, **options: Any) -> None:
        sent, pending = deliver_pending()
        self.stdout.write(f"Sent {sent}; {pending} still pending.")
