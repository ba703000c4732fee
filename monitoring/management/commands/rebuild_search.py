"""`manage.py rebuild_search`: recompute the search columns of every evidence item (after a restore or upgrade)."""

from typing import Any

from django.core.management.base import BaseCommand

from monitoring import search
from monitoring.models import Evidence


class Command(BaseCommand):
    help = "Recompute the full-text search columns of all evidence."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Evidence.objects.values_list("pk", flat=True))
        for start in range(0, len(ids), 1000):
            search.refresh(ids[start : start + 1000])
        self.stdout.write(f"Search columns rebuilt for {len(ids)} items.")
