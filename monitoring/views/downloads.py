"""Serving generated files (report PDFs, bulk CSVs) from storage, or saying they are being prepared."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import http_date

from monitoring.models import PublishedFile
from portal import storage

logger = logging.getLogger(__name__)
RETRY_AFTER = 10


def serve(
    request: HttpRequest,
    lookup: Callable[[], PublishedFile | None],
    *,
    filename: str,
    content_type: str,
    prepare: Callable[[], object],
) -> HttpResponseBase:
    """The stored file, streamed from storage with its generation time and checksum, or a "being prepared" page.

    ``prepare`` enqueues the work that makes the file (idempotent); it runs only when the file is missing. Without a
    broker the work runs at once (``make run``, the tests), so the file is looked up again.
    """
    record = lookup()
    if record is None:
        try:
            prepare()
        except Exception as exc:  # the sweep makes it anyway
            logger.warning("could not enqueue the preparation of %s (%s)", filename, type(exc).__name__)
        record = lookup()
    if record is None:
        page = render(request, "monitoring/being_prepared.html", {"filename": filename}, status=503)
        page["Retry-After"] = str(RETRY_AFTER)
        page["Refresh"] = str(RETRY_AFTER)
        page["Cache-Control"] = "no-store"
        return page
    # Streamed from the storage in chunks (from an S3 bucket too); opened here so a storage that does not answer
    # raises in the view (``portal.storage.serves_files``: a 503 page), not halfway through the body.
    handle, _size = storage.open_stream(record.name)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Content-Length"] = str(record.size)
    response["Last-Modified"] = http_date(record.generated_at.timestamp())
    response["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(record.sha256)).decode() + ":"
    response["X-Content-SHA256"] = record.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response
