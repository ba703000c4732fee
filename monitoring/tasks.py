"""Background work of the domain (see portal/celery.py): published files and the scheduled mail."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
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


def _archive_retry() -> tuple[type[Exception], ...]:
    from monitoring.archiving import RetryArchive

    return (RetryArchive,)


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=_archive_retry(),
    retry_backoff=60,  # 60 s, 120 s, 240 s, 480 s, 960 s (with jitter): a site down for half an hour is retried
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    # The fetch's own deadline (ARCHIVE_TIMEOUT) bounds the body; a server that trickles its headers is stopped here.
    soft_time_limit=settings.ARCHIVE_TIMEOUT + 30,
    time_limit=settings.ARCHIVE_TIMEOUT + 60,
)
def archive_source(self, archive_pk: int) -> str:
    """Fetch one pending archived copy of a source URL (monitoring/archiving.py); retried on network trouble."""
    import time

    from monitoring.services import archives

    if self.request.is_eager:  # no worker (`make run`, the tests): the attempts one after the other, bounded in time
        give_up = time.monotonic() + settings.ARCHIVE_TIMEOUT
        for _attempt in range(self.max_retries):
            try:
                return archives.make_copy(archive_pk, last_attempt=time.monotonic() > give_up)
            except archives.RetryArchive:
                continue
        return archives.make_copy(archive_pk, last_attempt=True)
    return archives.make_copy(archive_pk, last_attempt=self.request.retries >= self.max_retries)


@shared_task(ignore_result=True)
def sweep_source_archives() -> list[int]:
    """Copies left pending (broker down at submission, a worker lost) are sent to the worker again."""
    from monitoring.services import archives

    return archives.stuck_copies()


# 5,000 rows through the evidence form take a few minutes; a spreadsheet that takes a quarter of an hour is stopped.
@shared_task(ignore_result=True, soft_time_limit=900, time_limit=960)
def validate_import_job(job_pk: int) -> str:
    """The dry run of an uploaded spreadsheet of evidence (monitoring/imports/jobs.py)."""
    from monitoring.imports import jobs

    return jobs.validate_job(job_pk)


@shared_task(ignore_result=True, soft_time_limit=900, time_limit=960)
def run_import_job(job_pk: int) -> str:
    """The confirmed import of a checked spreadsheet of evidence (monitoring/imports/jobs.py)."""
    from monitoring.imports import jobs

    return jobs.import_job(job_pk)
