"""`manage.py rebuild_published_files`: generate report PDFs and bulk CSVs that are missing or out of date now.

The Celery beat sweep does this every quarter of an hour; operators run it by hand after a restore, or with
``--force`` to regenerate every bulk CSV (PDFs are immutable: ``--pdfs`` regenerates those of one version).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from monitoring import published_files
from monitoring.models import PublishedFile


class Command(BaseCommand):
    help = "Generate the public files (report PDFs, bulk CSVs) that are missing or out of date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Rebuild every bulk CSV even if it is up to date.")
        parser.add_argument("--pdfs", type=int, metavar="VERSION_ID", help="Regenerate the PDFs of this version.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["pdfs"]:
            PublishedFile.objects.filter(key__startswith=f"report-pdf:{options['pdfs']}:").delete()
            made = published_files.generate_pdfs(options["pdfs"])
            self.stdout.write(f"PDFs of version {options['pdfs']}: {', '.join(made) or 'none'}")
        if options["force"]:
            rebuilt = published_files.rebuild_bulk_files(force=True)
            pdfs: list[str] = []
        else:
            result = published_files.sweep()
            rebuilt, pdfs = result["csvs"], result["pdfs"]
        self.stdout.write(
            f"Rebuilt {len(rebuilt)} CSV file(s) and {len(pdfs)} PDF(s) in {time.perf_counter() - started:.1f} s."
        )
