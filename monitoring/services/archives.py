"""The life of an archived copy of an item's source URL: asked for on submission or on demand, made by the worker
(``make_copy``, from ``monitoring.archiving``'s fetcher and WARC writer), retried, failed and told, swept when stuck.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.archiving import (
    HTML_TYPES,
    ArchiveError,
    ArchiveFailure,
    RetryArchive,
    _safe_extract,
    fetch,
    media_type,
    write_warc,
)
from monitoring.models import ArchiveStatus, Evidence, SourceArchive
from portal import audit, background
from portal.models import User
from portal.storage import STORAGE_ERRORS

logger = logging.getLogger(__name__)


def archive_on_submission(evidence: Evidence, actor: User) -> SourceArchive | None:
    """In the submission's transaction: a pending copy of the source URL, made by the worker after commit.

    Nothing when archiving is off (no worker), the item has no URL, a copy is being made, or the same URL was
    archived already for this item.
    """
    if not settings.ARCHIVE_SOURCES or not evidence.source_url:
        return None
    made = Q(status=ArchiveStatus.PENDING) | Q(status=ArchiveStatus.ARCHIVED, requested_url=evidence.source_url)
    if SourceArchive.objects.filter(made, evidence=evidence).exists():
        return None
    return _new_copy(evidence, actor)


def request_archive(*, evidence: Evidence, actor: User) -> SourceArchive:
    """A member of the item's organisation or a moderator asks for a new copy (audited); one pending at a time."""
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if not locked.source_url:
            raise ArchiveError(_("This item has no source URL to archive."))
        if SourceArchive.objects.filter(evidence=locked, status=ArchiveStatus.PENDING).exists():
            raise ArchiveError(_("A copy of this source is being made already. Wait until it is finished."))
        archive = _new_copy(locked, actor)
        audit.record(
            action="monitoring.evidence.archive_requested",
            obj=locked,
            actor=actor,
            changes={"archived_copy": [None, str(archive.uuid)]},
        )
    return archive


def _new_copy(evidence: Evidence, actor: User) -> SourceArchive:
    from monitoring.tasks import archive_source

    archive = SourceArchive.objects.create(evidence=evidence, requested_url=evidence.source_url, requested_by=actor)
    background.on_commit(archive_source, archive.pk)
    return archive


def make_copy(archive_pk: int, *, last_attempt: bool = True) -> str:
    """Fetch and store one pending copy (the worker's side). Returns the copy's status.

    A failure worth retrying raises ``RetryArchive`` (unless this is the last attempt): the task retries with
    backoff. Anything else ends the copy as failed and tells the people who wanted it.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    archive = SourceArchive.objects.filter(pk=archive_pk).select_related("evidence").first()
    if archive is None or archive.status != ArchiveStatus.PENDING:
        return archive.status if archive is not None else ""
    now = timezone.now()
    SourceArchive.objects.filter(pk=archive_pk).update(attempts=F("attempts") + 1, updated_at=now)
    stored = ""
    try:
        try:
            fetched = fetch(archive.requested_url)
        except SoftTimeLimitExceeded as exc:
            raise ArchiveFailure("timeout") from exc
        try:
            final = fetched.final
            content_type = media_type(final)
            text = _safe_extract(final) if content_type in HTML_TYPES else ""
            warc = write_warc(fetched)
            try:
                name = uuid.uuid4().hex
                archive.warc.save(name, File(warc, name=name), save=False)
                stored = str(archive.warc.name)
            except STORAGE_ERRORS as exc:
                logger.warning("an archived copy could not be stored (%s)", type(exc).__name__)
                raise ArchiveFailure("storage") from exc
            finally:
                warc.close()
        finally:
            fetched.close()
    except ArchiveFailure as failure:
        logger.info("archiving %s failed: %s", archive.pk, failure)
        if failure.retry and not last_attempt:
            SourceArchive.objects.filter(pk=archive_pk, status=ArchiveStatus.PENDING).update(
                error=failure.code, http_status=failure.http_status, updated_at=timezone.now()
            )
            raise RetryArchive(failure.code) from failure
        return _fail(archive_pk, failure)
    with transaction.atomic():
        locked = SourceArchive.objects.select_for_update().select_related("evidence").get(pk=archive_pk)
        if locked.status != ArchiveStatus.PENDING:  # made meanwhile by a duplicate task: keep that one
            transaction.on_commit(lambda: _discard(stored))
            return locked.status
        locked.status = ArchiveStatus.ARCHIVED
        locked.final_url = final.url[:2000]
        locked.http_status = final.status
        locked.content_type = content_type
        locked.size = final.size
        locked.sha256 = final.sha256
        locked.retrieved_at = final.at
        locked.warc.name = stored
        locked.text = text
        locked.error = ""
        locked.save()
        _page_changed(locked.evidence)
    return ArchiveStatus.ARCHIVED


def _fail(archive_pk: int, failure: ArchiveFailure) -> str:
    from monitoring import notifications

    with transaction.atomic():
        locked = SourceArchive.objects.select_for_update().select_related("evidence", "requested_by").get(pk=archive_pk)
        if locked.status != ArchiveStatus.PENDING:
            return locked.status
        locked.status = ArchiveStatus.FAILED
        locked.error = failure.code
        locked.http_status = failure.http_status
        locked.final_url = failure.final_url[:2000]
        locked.retrieved_at = timezone.now()
        locked.save()
        notifications.archive_failed(locked)
        _page_changed(locked.evidence)
    return ArchiveStatus.FAILED


def _page_changed(evidence: Evidence) -> None:
    """The item's public page shows its copies: a stored anonymous page of it must not outlive the change."""
    from monitoring.public_state import evidence_scope
    from portal import page_cache

    page_cache.bump(evidence_scope(evidence.uuid))


def _discard(name: str) -> None:
    from monitoring import attachments

    attachments.discard([name])


def stuck_copies(older_than: dt.timedelta = dt.timedelta(hours=2)) -> list[int]:
    """Pending copies nobody has worked on for a while (the broker was down, a worker was lost): sent again."""
    from monitoring.tasks import archive_source

    cutoff = timezone.now() - older_than
    pks = list(
        SourceArchive.objects.filter(status=ArchiveStatus.PENDING, updated_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in pks:
        SourceArchive.objects.filter(pk=pk).update(updated_at=timezone.now())
        background.enqueue(archive_source, pk)
    return pks
