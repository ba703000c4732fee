"""Storing checked files as attachment rows (evidence or transparency answers), and cleaning up after failures."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse

from monitoring.files import CheckedFile
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
    attachment.file.save(uuid.uuid4().hex, ContentFile(checked.content), save=False)
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
    never sniffed, and sandboxed should a browser render it anyway."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def version_from(value: object) -> int:
    """The edit version a form sent back (0 when missing or malformed, which never matches a real version)."""
    try:
        return int(str(value or ""))
    except ValueError:
        return 0
