"""Generated public files: each published version's PDF (per language) and the bulk CSVs, kept in storage.

Nothing slow happens in a request any more. Publication enqueues the version's PDFs; approvals, withdrawals and
publications enqueue one rebuild of the bulk CSVs, coalesced (a burst of a hundred approvals triggers one
rebuild, ``BULK_REBUILD_DELAY`` seconds after the first); every quarter of an hour a sweep generates whatever is
missing or out of date (a lost enqueue, an embargo that lapsed, an edit that changed a public row). Downloads
serve the stored file, with its generation time and checksum; a reader who arrives before a file exists gets a
"being prepared" page (503 with Retry-After) and the work is enqueued again — never a lock wait or a 500.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.urls import reverse
from django.utils import timezone, translation

from monitoring.exports.bulk import assessments_csv, evidence_csv
from monitoring.exports.report import version_pdf
from monitoring.models import Evidence, PublishedFile, ReportVersion
from portal import cache as shared_cache

logger = logging.getLogger(__name__)
COALESCE_KEY = "published-files:bulk-rebuild-scheduled"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# --------------------------------------------------------------------------------------------------- storing


def store(key: str, name: str, chunks: Iterable[bytes], *, marker: str = "") -> PublishedFile:
    """Write ``chunks`` to storage under ``name`` (replacing what was there) and record it, in bounded memory."""
    digest = hashlib.sha256()
    rows = 0
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            digest.update(chunk)
            rows += chunk.count(b"\n")
            spool.write(chunk)
        size = spool.tell()
        spool.seek(0)
        stored = _replace(name, spool)
    record, _ = PublishedFile.objects.update_or_create(
        key=key,
        defaults={
            "name": stored,
            "generated_at": timezone.now(),
            "sha256": digest.hexdigest(),
            "size": size,
            "rows": rows,
            "source_marker": marker,
        },
    )
    return record


def _replace(name: str, content: IO[bytes]) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, File(content, name=name))


def stored(key: str) -> PublishedFile | None:
    """The record of a generated file, if it exists (the file itself is read through storage)."""
    return PublishedFile.objects.filter(key=key).first()


# ---------------------------------------------------------------------------------------------- report PDFs


def pdf_key(version: ReportVersion, lang: str) -> str:
    return f"report-pdf:{version.pk}:{lang}"


def generate_pdfs(version_pk: int) -> list[str]:
    """Generate the PDFs of one version in every language that are not stored yet. Safe to run twice."""
    version = ReportVersion.objects.select_related("report").filter(pk=version_pk).first()
    if version is None:
        return []
    made = []
    for lang in languages():
        key = pdf_key(version, lang)
        if PublishedFile.objects.filter(key=key).exists():
            continue
        with translation.override(lang):
            url = settings.SITE_URL + reverse(
                "monitoring:report_version", kwargs={"slug": version.report.slug, "number": version.number}
            )
        data = version_pdf(version.snapshot, lang, url)
        store(key, f"reports/{version.report.slug}/v{version.number}-{lang}.pdf", [data], marker=version.content_sha256)
        made.append(lang)
    return made


def after_publication(version: ReportVersion) -> None:
    """Called by the publication service in its transaction: PDFs and the assessments CSVs follow on commit."""
    from monitoring import tasks
    from portal import background

    background.on_commit(tasks.generate_report_pdfs, version.pk)
    transaction.on_commit(schedule_bulk_rebuild, robust=True)


# -------------------------------------------------------------------------------------------------- bulk CSVs


def evidence_key(lang: str) -> str:
    return f"evidence-csv:{lang}"


def assessments_key(lang: str) -> str:
    return f"assessments-csv:{lang}"


def evidence_marker() -> str:
    """A digest of the set of public evidence and its last change: different whenever the CSV would be."""
    figures = Evidence.objects.public().aggregate(n=Count("pk"), ids=Sum("pk"), last=Max("updated_at"))
    return hashlib.sha256(repr(sorted(figures.items())).encode()).hexdigest()


def assessments_marker() -> str:
    """A digest of the published versions the public may read now (an embargo that lapses changes it)."""
    ids = ReportVersion.objects.visible().order_by("pk").values_list("pk", flat=True)
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def _base_url(lang: str) -> str:
    return f"{settings.SITE_URL}/{lang}"


def rebuild_bulk_files(*, force: bool = False) -> list[str]:
    """Regenerate the bulk CSVs that are out of date (or all of them). Returns the keys rebuilt."""
    shared_cache.delete(COALESCE_KEY)  # from now on, a new change schedules a new rebuild
    rebuilt = []
    marks = {"evidence": evidence_marker(), "assessments": assessments_marker()}
    for lang in languages():
        for key, mark, name, rows in (
            (evidence_key(lang), marks["evidence"], f"data/observatorio1325-evidence-{lang}.csv", _evidence_rows),
            (
                assessments_key(lang),
                marks["assessments"],
                f"data/observatorio1325-assessments-{lang}.csv",
                _assessment_rows,
            ),
        ):
            current = stored(key)
            if not force and current is not None and current.source_marker == mark:
                continue
            store(key, name, rows(lang), marker=mark)
            rebuilt.append(key)
    return rebuilt


def _evidence_rows(lang: str) -> Iterator[bytes]:
    from monitoring.exports import copy

    if copy.available():
        return copy.evidence_csv(_base_url(lang))
    return evidence_csv(Evidence.objects.public(), _base_url(lang))


def _assessment_rows(lang: str) -> Iterator[bytes]:
    return assessments_csv(lang, _base_url(lang))


def schedule_bulk_rebuild() -> None:
    """Enqueue one rebuild for a burst of changes: the first change of a window schedules it, the rest ride along."""
    from monitoring import tasks
    from portal import background

    if shared_cache.add(COALESCE_KEY, settings.BULK_REBUILD_DELAY * 10):  # Redis down: every change enqueues
        background.enqueue(tasks.rebuild_bulk_files, countdown=settings.BULK_REBUILD_DELAY)


def public_evidence_changed() -> None:
    """Called by services in the transaction that approved or withdrew public evidence."""
    transaction.on_commit(schedule_bulk_rebuild, robust=True)


def sweep() -> dict[str, list[str]]:
    """Generate whatever is missing or out of date: PDFs of readable versions, then the bulk CSVs."""
    have = set(PublishedFile.objects.filter(key__startswith="report-pdf:").values_list("key", flat=True))
    pdfs = []
    for version in ReportVersion.objects.visible().select_related("report").order_by("pk"):
        if any(pdf_key(version, lang) not in have for lang in languages()):
            pdfs += [f"{version.pk}:{lang}" for lang in generate_pdfs(version.pk)]
    return {"pdfs": pdfs, "csvs": rebuild_bulk_files()}
