"""Upload, dry run and import of a spreadsheet of evidence: the services the views and the worker call.

1. ``start_import`` stores the file (through the project's storage, under a random name) and enqueues the dry run.
2. ``validate_job`` (worker) checks every row through the evidence form; the job becomes ``invalid`` with every
   error by row and column, or ``ready`` with what would be created and which rows would be skipped. Nothing
   else is written.
3. ``confirm_import`` (the member) enqueues ``import_job`` (worker): the file is checked again (the catalogue
   may have changed), then written in batches of ``IMPORT_BATCH_SIZE`` rows, each batch in one transaction that
   locks the job row, creates the items through ``services.evidence.create_evidence`` (audited as created, with
   the reason ``import <job uuid>``), remembers each row's key and moves the progress on. Should the worker die
   half-way, the job is ``failed`` and importing it again continues where it stopped: rows already imported are
   recognised by their key.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from monitoring.imports.validation import CheckResult, check_file
from monitoring.models import ImportedRow, ImportJob, ImportStatus, Plan
from monitoring.services.evidence import create_evidence
from portal import background
from portal.errors import DomainError
from portal.models import Organisation, User

logger = logging.getLogger(__name__)


class ImportRefused(DomainError):
    """The upload or the confirmation was refused; ``message`` is shown to the member."""


def start_import(
    *, organisation: Organisation, plan: Plan, actor: User, upload: Any, submit: bool, language: str
) -> ImportJob:
    """Store an uploaded spreadsheet as a new job and enqueue its dry run."""
    if not actor.memberships.filter(organisation=organisation).exists():
        raise ImportRefused(_("Only members of the organisation can import its evidence."))
    if upload.size > settings.IMPORT_MAX_FILE_SIZE:
        raise ImportRefused(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": filesizeformat(settings.IMPORT_MAX_FILE_SIZE)}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored: list[str] = []
    try:
        with transaction.atomic():
            job = ImportJob(
                organisation=organisation,
                plan=plan,
                uploaded_by=actor,
                original_name=(upload.name or "import")[-200:],
                size=upload.size,
                sha256=digest.hexdigest(),
                language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
                submit=submit,
            )
            job.file.save("upload", File(upload, name="upload"), save=False)
            stored.append(str(job.file.name))
            job.save()
            background.on_commit(_task("validate_import_job"), job.pk)
    except BaseException:
        from monitoring import attachments

        attachments.discard(stored)
        raise
    return job


def confirm_import(*, job: ImportJob, actor: User) -> ImportJob:
    """The member confirms a clean dry run: the import is enqueued."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not actor.memberships.filter(organisation=locked.organisation).exists():
            raise ImportRefused(_("Only members of the organisation can import its evidence."))
        # A clean dry run, or an import that stopped half-way (it continues where it stopped).
        retry = locked.status == ImportStatus.FAILED and locked.confirmed_at is not None
        if locked.status != ImportStatus.READY and not retry:
            raise ImportRefused(_("This file cannot be imported now: check its status below."))
        locked.status = ImportStatus.IMPORTING
        locked.confirmed_at = timezone.now()
        locked.rows_done = 0
        locked.save(update_fields=["status", "confirmed_at", "rows_done", "updated_at"])
        background.on_commit(_task("import_job"), locked.pk)
    return locked


def _task(name: str) -> Any:
    from monitoring import tasks

    return getattr(tasks, {"validate_import_job": "validate_import_job", "import_job": "run_import_job"}[name])


@contextmanager
def _local_copy(job: ImportJob) -> Iterator[IO[bytes]]:
    """The stored file as a seekable temporary file (the storage may be a bucket), its hash checked."""
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as copy:
        with job.file.open("rb") as source:
            shutil.copyfileobj(source, copy, 64 * 1024)
        copy.seek(0)
        digest = hashlib.sha256()
        while chunk := copy.read(64 * 1024):
            digest.update(chunk)
        if digest.hexdigest() != job.sha256:
            raise RuntimeError("stored import file changed")
        copy.seek(0)
        yield copy


def _progress(job: ImportJob) -> Any:
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total, updated_at=timezone.now())

    return report


def _check(job: ImportJob) -> CheckResult:
    with _local_copy(job) as handle:
        return check_file(
            handle,
            job.original_name,
            plan=job.plan,
            organisation=job.organisation,
            submit=job.submit,
            progress=_progress(job),
        )


def _record_check(job: ImportJob, result: CheckResult, status: str) -> None:
    job.status = status
    job.errors = result.errors
    job.rows_total = result.total
    job.rows_done = result.total if status != ImportStatus.IMPORTING else 0
    job.duplicate_count = len(result.duplicates)
    job.preview = {
        "count": len(result.rows),
        "rows": result.preview,
        "duplicates": result.duplicates[:200],
        "error_count": result.error_count,
    }
    job.save()


def validate_job(job_pk: int) -> str:
    """The dry run (worker): every row checked, the result stored on the job in the job's language."""
    job = ImportJob.objects.select_related("plan", "organisation").get(pk=job_pk)
    if job.status not in (ImportStatus.PENDING, ImportStatus.VALIDATING):
        return str(job.status)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    with translation.override(job.language):
        try:
            result = _check(job)
        except Exception:
            logger.exception("import %s could not be checked", job.uuid)
            job.status = ImportStatus.FAILED
            job.errors = [{"row": 0, "column": "", "message": _("The file could not be checked. Try again later.")}]
            job.finished_at = timezone.now()
            job.save()
            return str(job.status)
        _record_check(job, result, ImportStatus.INVALID if result.error_count else ImportStatus.READY)
    return str(job.status)


def import_job(job_pk: int) -> str:
    """The import (worker): checked again, then written in batches, each row once per organisation."""
    job = ImportJob.objects.select_related("plan", "organisation", "uploaded_by").get(pk=job_pk)
    if job.status != ImportStatus.IMPORTING:
        return str(job.status)
    with translation.override(job.language):
        try:
            result = _check(job)
            if result.error_count:
                _record_check(job, result, ImportStatus.INVALID)
                return str(job.status)
            _write(job, result)
        except Exception as exc:
            logger.exception("import %s failed", job.uuid)
            message = (
                exc.message
                if isinstance(exc, DomainError)
                else _("The import stopped because of a problem on our side.")
            )
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                errors=[{"row": 0, "column": "", "message": str(message)}],
            )
            return ImportStatus.FAILED
    return ImportStatus.DONE


def _write(job: ImportJob, result: CheckResult) -> None:
    size = max(1, settings.IMPORT_BATCH_SIZE)
    rows = result.rows
    total = len(rows)
    ImportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0, duplicate_count=len(result.duplicates))
    reason = f"import {job.uuid}"
    for start in range(0, max(total, 1), size):
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.IMPORTING:
                raise ImportRefused(_("The import was stopped."))
            for row in rows[start : start + size]:
                if ImportedRow.objects.filter(organisation=job.organisation, row_key=row.key).exists():
                    locked.duplicate_count += 1
                    continue
                evidence = create_evidence(
                    organisation=job.organisation,
                    actor=job.uploaded_by,
                    fields=row.fields,
                    files=[],
                    submit=job.submit,
                    reason=reason,
                )
                ImportedRow.objects.create(
                    job=locked,
                    organisation=job.organisation,
                    row_key=row.key,
                    row_number=row.number,
                    evidence=evidence,
                )
                locked.created_count += 1
            locked.rows_done = min(total, start + size)
            if locked.rows_done >= total:
                locked.status = ImportStatus.DONE
                locked.finished_at = timezone.now()
            locked.save()
