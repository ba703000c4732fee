"""Storing checked files as attachment rows (evidence or transparency answers), and cleaning up after failures."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse

from monitoring.files import CheckedFile
from portal import storage
from portal.models import User

logger = logging.getLogger(__name__)


def store(model: type[models.Model], checked: CheckedFile, actor: User, stored: list[str], **parent: Any) -> Any:
    """Save the cleaned content under a random name and create the row; the stored name is appended to ``stored``
    so the caller can remove it if its transaction fails."""
    attachment: Any = model(
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        original_sha256=checked.original_sha256,
        uploaded_by=actor,
        **parent,
    )
    # A random, meaningless stored name whatever the model's upload_to does with it; the original name is for display.
    # The storage backend reads the file object in chunks (local disk) or streams it in one PUT (S3).
    name = uuid.uuid4().hex
    attachment.file.save(name, File(checked.open(), name=name), save=False)
    stored.append(str(attachment.file.name))
    attachment.save()
    return attachment


def discard(names: list[str]) -> None:
    """Remove files stored by a transaction that did not commit, so nothing is left orphaned."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # the original error is what the user needs to hear about
            logger.exception("could not remove an orphaned upload")


def download(attachment: Any) -> FileResponse:
    """Serve a stored file that a permission getter returned: as a download, with its real type, never cached,
    never sniffed, and sandboxed should a browser render it anyway.

    The bytes stream from the storage backend through this response (from an S3 bucket too: the bucket is never
    exposed, not even as a signed URL). The object is opened here, so a storage that does not answer raises in
    the view (``portal.storage.serves_files`` turns that into a 503 page) rather than halfway through the body.
    """
    handle, size = storage.open_stream(attachment.file.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Content-Length"] = str(size)
    response.block_size = 64 * 1024  # read from disk or the bucket in 64 KiB pieces (Django's default is 4 KiB)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
