"""Public pages of shadow reports: list, latest version, any version by number, downloads."""

from __future__ import annotations

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from monitoring.exports.report import version_csv, version_json, version_pdf
from monitoring.models import Report, ReportVersion
from monitoring.permissions import get_public_version
from monitoring.presentation import citations, present


@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    visible = ReportVersion.objects.visible()
    reports = (
        Report.objects.filter(versions__in=visible)
        .annotate(latest=Max("versions__number"))
        .prefetch_related("organisations")
        .distinct()
        .order_by("-period_end", "title")
    )
    return render(request, "monitoring/report_list.html", {"reports": reports})


def _version_page(request: HttpRequest, version: ReportVersion) -> HttpResponse:
    lang = translation.get_language() or "es"
    latest = (
        ReportVersion.objects.visible()
        .filter(report_id=version.report_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    # A published version never changes, so its page is cached for anonymous readers. The key carries the latest
    # version number (the "superseded by" notice), the language and the host: there is nothing to invalidate.
    key = f"report-page:{version.content_sha256}:{latest}:{lang}:{request.get_host()}"
    # Anonymous readers with a pending message (e.g. after logging out) get a fresh page, never a shared one.
    anonymous = not request.user.is_authenticated and "messages" not in request.COOKIES
    if anonymous:
        cached = cache.get(key)
        if cached is not None:
            return HttpResponse(cached)
    response = _render_version(request, version, lang, latest)
    if anonymous:
        cache.set(key, response.content, timeout=None)
    return response


def _render_version(request: HttpRequest, version: ReportVersion, lang: str, latest: int | None) -> HttpResponse:
    view = present(version.snapshot, lang)
    url = request.build_absolute_uri(
        reverse("monitoring:report_version", kwargs={"slug": version.report.slug, "number": version.number})
    )
    return render(
        request,
        "monitoring/report_version.html",
        {"view": view, "version": version, "latest_number": latest, "cite": citations(view, url), "permalink": url},
    )


@require_safe
def report_latest(request: HttpRequest, slug: str) -> HttpResponse:
    return _version_page(request, get_public_version(slug))


@require_safe
def report_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _version_page(request, get_public_version(slug, number))


@require_safe
def report_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponseBase:
    if fmt not in ("pdf", "csv", "json"):
        raise Http404
    version = get_public_version(slug, number)
    lang = translation.get_language() or "es"
    filename = f"{slug}-v{number}-{lang}.{fmt}"
    if fmt == "json":
        response = HttpResponse(version_json(version.snapshot), content_type="application/json; charset=utf-8")
    elif fmt == "csv":
        response = HttpResponse(version_csv(version.snapshot, lang), content_type="text/csv; charset=utf-8")
    else:
        return FileResponse(
            default_storage.open(_stored_pdf(request, version, lang), "rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stored_pdf(request: HttpRequest, version: ReportVersion, lang: str) -> str:
    """A version's PDF is generated once per language, then always served from storage."""
    name = f"reports/{version.report.slug}/v{version.number}-{lang}.pdf"
    if default_storage.exists(name):
        return name
    with transaction.atomic():
        ReportVersion.objects.select_for_update().get(pk=version.pk)  # one generator at a time per version
        if not default_storage.exists(name):
            url = request.build_absolute_uri(
                reverse("monitoring:report_version", kwargs={"slug": version.report.slug, "number": version.number})
            )
            default_storage.save(name, ContentFile(version_pdf(version.snapshot, lang, url)))
    return name
