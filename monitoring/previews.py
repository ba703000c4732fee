"""Inline previews of attachments for the moderation page: images and the first pages of PDFs, rendered to images
on the server (in the worker), stored like any other file and served only to who may read the item.

Nothing of the original file reaches the browser: a PDF is rasterised by MuPDF (PyMuPDF), which never runs a
document's JavaScript (the portal never enables it), and an image is decoded and re-encoded by Pillow. Limits:
``PREVIEW_MAX_PAGES`` pages, ``PREVIEW_MAX_PIXELS`` pixels per rendered page, ``PREVIEW_MAX_SOURCE_PIXELS`` pixels
in a source image (more is refused, not decoded), ``PREVIEW_MAX_SECONDS`` per file (pages not rendered by then are
left out). Rendering is done once per attachment: its ``AttachmentPreview`` row says ready or failed (and why).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import time
import warnings
from dataclasses import dataclass
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from monitoring import files
from monitoring.models import AttachmentPreview, Evidence, EvidenceAttachment, PreviewPage, PreviewStatus
from portal import storage

logger = logging.getLogger(__name__)

PREVIEWABLE = {files.PDF, files.PNG, files.JPEG, files.WEBP}
PNG = "image/png"
WEBP = "image/webp"
MAX_ZOOM = 2.0  # a small page is not blown up beyond twice its size
STALLED_MINUTES = 10  # a preview pending longer than this was abandoned by its worker

# Why there is no preview, in the moderator's language (the row stores the key).
FAILURES = {
    "too_large": _("The image has too many pixels to preview safely. Download the file to look at it."),
    "damaged": _("The file could not be read to make a preview. Download it to look at it."),
    "encrypted": _("The PDF is protected by a password: no preview. Download it to look at it."),
    "too_slow": _("The file took too long to render: no preview. Download it to look at it."),
    "unavailable": _("The preview could not be made right now."),
}


class PreviewRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Rendered:
    content: bytes
    content_type: str
    width: int
    height: int


def limits() -> dict[str, int]:
    return {
        "pages": settings.PREVIEW_MAX_PAGES,
        "pixels": settings.PREVIEW_MAX_PIXELS,
        "source_pixels": settings.PREVIEW_MAX_SOURCE_PIXELS,
        "seconds": settings.PREVIEW_MAX_SECONDS,
    }


def _read(attachment: EvidenceAttachment) -> bytes:
    handle, _size = storage.open_stream(str(attachment.file.name))
    with handle:
        return handle.read()


def render_image(source: IO[bytes]) -> list[Rendered]:
    """One re-encoded WebP, at most ``PREVIEW_MAX_PIXELS``; an image larger than the source limit is not decoded."""
    limit = limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size  # read from the header: nothing decoded yet
                if width * height > limit["source_pixels"]:
                    raise PreviewRefused("too_large")
                image.draft("RGB", (width, height))
                image.load()
                clean = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PreviewRefused("too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PreviewRefused("damaged") from exc
    scale = min(1.0, (limit["pixels"] / (clean.width * clean.height)) ** 0.5)
    if scale < 1.0:
        clean = clean.resize((max(1, int(clean.width * scale)), max(1, int(clean.height * scale))))
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=80)
    return [Rendered(out.getvalue(), WEBP, clean.width, clean.height)]


def render_pdf(content: bytes) -> tuple[list[Rendered], int]:
    """PNGs of the first pages (and how many pages the document has). JavaScript is never enabled in MuPDF, so
    actions, forms' scripts and OpenAction never run; only the page content is drawn."""
    import pymupdf

    limit = limits()
    started = time.monotonic()
    try:
        document = pymupdf.open(stream=content, filetype="pdf")
    except (RuntimeError, ValueError) as exc:  # pymupdf.FileDataError is a RuntimeError
        raise PreviewRefused("damaged") from exc
    with document:
        if document.needs_pass:
            raise PreviewRefused("encrypted")
        pages: list[Rendered] = []
        for number in range(min(document.page_count, limit["pages"])):
            if time.monotonic() - started > limit["seconds"]:
                if not pages:
                    raise PreviewRefused("too_slow")
                break
            try:
                page = document.load_page(number)
                box = page.rect
                area = max(box.width * box.height, 1.0)
                zoom = min(MAX_ZOOM, (limit["pixels"] / area) ** 0.5)
                while zoom > 0.01 and math.ceil(box.width * zoom) * math.ceil(box.height * zoom) > limit["pixels"]:
                    zoom *= 0.98  # MuPDF rounds the pixmap's size up
                pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, annots=False)
                pages.append(Rendered(pixmap.tobytes("png"), PNG, pixmap.width, pixmap.height))
            except (RuntimeError, ValueError) as exc:
                if not pages:
                    raise PreviewRefused("damaged") from exc
                break
        if not pages:
            raise PreviewRefused("damaged")
        return pages, document.page_count


def render(attachment: EvidenceAttachment) -> tuple[list[Rendered], int]:
    content = _read(attachment)
    if attachment.content_type == files.PDF:
        return render_pdf(content)
    return render_image(io.BytesIO(content)), 1


def make_preview(attachment: EvidenceAttachment) -> AttachmentPreview:
    """Render and store the preview of one attachment, once (a second call returns what the first made)."""
    with transaction.atomic():
        preview, created = AttachmentPreview.objects.select_for_update().get_or_create(attachment=attachment)
        if not created and preview.status != PreviewStatus.PENDING:
            return preview
    stored: list[str] = []
    try:
        pages, count = render(attachment)
        with transaction.atomic():
            preview = AttachmentPreview.objects.select_for_update().get(pk=preview.pk)
            if preview.status != PreviewStatus.PENDING:  # another worker finished it meanwhile
                return preview
            for number, rendered in enumerate(pages, start=1):
                page = PreviewPage(
                    preview=preview,
                    number=number,
                    content_type=rendered.content_type,
                    width=rendered.width,
                    height=rendered.height,
                )
                page.file.save("preview", ContentFile(rendered.content), save=False)
                stored.append(str(page.file.name))
                page.save()
            preview.status, preview.page_count, preview.error = PreviewStatus.READY, count, ""
            preview.save(update_fields=["status", "page_count", "error", "updated_at"])
    except (PreviewRefused, SoftTimeLimitExceeded) as refused:
        _discard(stored)
        AttachmentPreview.objects.filter(pk=preview.pk, status=PreviewStatus.PENDING).update(
            status=PreviewStatus.FAILED, error=getattr(refused, "code", "too_slow"), updated_at=timezone.now()
        )
    except storage.STORAGE_ERRORS:
        _discard(stored)
        logger.exception("a preview could not be stored or its file read")
        raise
    except BaseException:
        _discard(stored)
        raise
    preview.refresh_from_db()
    return preview


def _discard(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not remove an orphaned preview")


def _missing() -> Q:
    """No preview yet, or one left pending by a worker that stopped half-way (it is made again)."""
    stalled = timezone.now() - dt.timedelta(minutes=STALLED_MINUTES)
    return Q(preview__isnull=True) | Q(preview__status=PreviewStatus.PENDING, preview__updated_at__lt=stalled)


def make_previews(evidence_pk: int) -> int:
    """Previews of every previewable attachment of an item that has none yet; the number made."""
    made = 0
    for attachment in EvidenceAttachment.objects.filter(
        _missing(), evidence_id=evidence_pk, content_type__in=PREVIEWABLE
    ):
        make_preview(attachment)
        made += 1
    return made


def needs_previews(evidence: Evidence) -> bool:
    return EvidenceAttachment.objects.filter(_missing(), evidence=evidence, content_type__in=PREVIEWABLE).exists()


def request_previews(evidence: Evidence) -> None:
    """Ask the worker for the missing previews of an item (after the current transaction commits)."""
    from monitoring.tasks import render_previews
    from portal import background

    background.on_commit(render_previews, evidence.pk)


def serve(page: PreviewPage) -> FileResponse:
    """A stored preview image, inline, never sniffed, private, sandboxed should it be opened on its own."""
    handle, size = storage.open_stream(str(page.file.name))
    response = FileResponse(handle, content_type=page.content_type)
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = "inline"
    return response


def failure_message(preview: Any) -> str:
    return str(FAILURES.get(preview.error, FAILURES["unavailable"]))
