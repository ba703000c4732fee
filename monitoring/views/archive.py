"""Archived copies of source URLs: download a copy (the WARC file or the text extract) and ask for a new one.

A copy is readable by whoever may read its item (``get_evidence_for_user``), so a public item's copies are public
and a restricted item's are a 404 to everyone else. Copies are always downloads: never rendered on our origin.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from monitoring.models import ArchiveStatus, SourceArchive
from monitoring.permissions import get_evidence_for_user
from monitoring.services import archives
from portal import storage
from portal.http import AuthenticatedHttpRequest, refusal
from portal.permissions import is_moderator, organisations_of
from portal.storage import serves_files


def _readable_copy(request: HttpRequest, uuid: str) -> SourceArchive:
    """An archived (complete) copy whose item the reader may read, or 404."""
    archive = get_object_or_404(
        SourceArchive.objects.select_related("evidence").defer("text"), uuid=uuid, status=ArchiveStatus.ARCHIVED
    )
    get_evidence_for_user(request.user, archive.evidence.uuid)  # 404 outside the item's readers
    return archive


def _file_name(archive: SourceArchive, extension: str) -> str:
    day = archive.retrieved_at.strftime("%Y-%m-%d") if archive.retrieved_at else "copy"
    return f"archived-source-{day}-{str(archive.uuid)[:8]}.{extension}"


def _as_download(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@require_safe
@serves_files
def archive_warc(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """The WARC file of a copy (request and response records of every hop), as stored."""
    archive = _readable_copy(request, uuid)
    handle, size = storage.open_stream(str(archive.warc.name))
    response = FileResponse(
        handle, as_attachment=True, filename=_file_name(archive, "warc.gz"), content_type="application/warc"
    )
    response["Content-Length"] = str(size)
    response.block_size = 64 * 1024
    return _as_download(response)


@never_cache
@require_safe
def archive_text(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """The readable text of an archived HTML page, as plain text (404 for a copy without one)."""
    archive = get_object_or_404(
        SourceArchive.objects.select_related("evidence"), uuid=uuid, status=ArchiveStatus.ARCHIVED
    )
    get_evidence_for_user(request.user, archive.evidence.uuid)
    if not archive.text:
        raise Http404
    response = HttpResponse(archive.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(archive, "txt")}"'
    return _as_download(response)


@login_required
@require_POST
def archive_request(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """Archive the source again: members of the item's organisation and moderators (404 for other readers)."""
    evidence = get_evidence_for_user(request.user, uuid)
    if not (is_moderator(request.user) or organisations_of(request.user).filter(pk=evidence.organisation_id).exists()):
        raise Http404
    with refusal(request):
        archives.request_archive(evidence=evidence, actor=request.user)
        messages.success(request, _("A new copy of the source is being made. It appears below once it is ready."))
    return redirect(f"{evidence.get_absolute_url()}#archived-copies")
