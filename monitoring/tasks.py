"""Background work of the domain (see portal/celery.py): published files and the scheduled mail."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from monitoring import published_files


@shared_task(ignore_result=True)
def generate_report_pdfs(version_pk: int) -> list[str]:
    """The PDFs of a published version, one per language; what is stored already is not made again."""
    return published_files.generate_pdfs(version_pk)


@shared_task(ignore_result=True)
def rebuild_bulk_files() -> list[str]:
    """The bulk CSVs, rebuilt where their sources changed."""
    return published_files.rebuild_bulk_files()


@shared_task(ignore_result=True)
def sweep_published_files() -> dict[str, list[str]]:
    """The safety net: everything missing or out of date is generated."""
    return published_files.sweep()


@shared_task(ignore_result=True)
def send_moderation_digest() -> None:
    call_command("send_moderation_digest")


@shared_task(ignore_result=True)
def send_transparency_reminders() -> None:
    call_command("send_transparency_reminders")


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def render_previews(evidence_pk: int) -> int:
    """The inline previews of an item's images and PDFs (monitoring/previews.py), each made once."""
    from monitoring import previews

    return previews.make_previews(evidence_pk)


@shared_task(ignore_result=True)
def send_embargo_endings() -> int:
    """Authors hear once per version that its embargo ends within 24 hours (run hourly)."""
    from monitoring.notifications import send_embargo_endings as run

    return run()


# ISSUE18-ARCHIVE-TASKS (replaced by its helper)
# ISSUE18-IMPORT-TASKS (replaced by its helper)
