"""Public pages of shadow reports: list, latest version, any version by number, downloads."""

from __future__ import annotations

from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from monitoring import published_files, tasks
from monitoring.exports.report import version_csv, version_json
from monitoring.models import Report, ReportVersion
from monitoring.permissions import get_public_version
from monitoring.presentation import citations, present
from monitoring.views import downloads
from portal import background, http_cache, page_cache
from portal.storage import serves_files


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


# HTTP caching (portal/http_cache.py). A version's downloads never change: cached for a year, immutable. Its page
# changes when a later version appears (the "superseded by" notice) or a release changes the site around it, so
# readers' caches keep it a few minutes and then revalidate (a 304 costs two queries and no rendering); the page
# of the latest version is revalidated every time, since a new version replaces it. Only anonymous readers get
# cacheable responses; the ETag covers the version's content hash, the latest number, the language and the page.
DOWNLOAD_CACHE = f"public, max-age={http_cache.ONE_YEAR}, immutable"
VERSION_PAGE_CACHE = "public, max-age=300"
LATEST_PAGE_CACHE = "public, no-cache"


def _version_page(request: HttpRequest, version: ReportVersion, *, cache_control: str) -> HttpResponseBase:
    lang = translation.get_language() or "es"
    latest = (
        ReportVersion.objects.visible()
        .filter(report_id=version.report_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    # For anonymous readers the page is cacheable (the public page cache keeps it, portal/page_cache.py). Its ETag
    # covers everything the bytes depend on: the version's content, the latest version number (the "superseded
    # by" notice), the language, the address its links are built from and the release; a revalidation is a 304
    # without rendering.
    if not http_cache.shared(request) or "messages" in request.COOKIES:
        return http_cache.never_cached(_render_version(request, version, lang, latest))
    tag = http_cache.etag(
        version.content_sha256, latest, lang, request.scheme, request.get_host(), request.path, page_cache.build_id()
    )
    return http_cache.not_modified(request, tag, cache_control) or http_cache.public(
        _render_version(request, version, lang, latest), tag, cache_control
    )


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
@http_cache.uncached_404s
def report_latest(request: HttpRequest, slug: str) -> HttpResponseBase:
    return _version_page(request, get_public_version(slug), cache_control=LATEST_PAGE_CACHE)


@require_safe
@http_cache.uncached_404s
def report_version(request: HttpRequest, slug: str, number: int) -> HttpResponseBase:
    return _version_page(request, get_public_version(slug, number), cache_control=VERSION_PAGE_CACHE)


@require_safe
@http_cache.uncached_404s
@serves_files
def report_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponseBase:
    if fmt not in ("pdf", "csv", "json"):
        raise Http404
    version = get_public_version(slug, number)
    lang = translation.get_language() or "es"
    if not http_cache.shared(request):
        return http_cache.never_cached(_download(request, version, slug, number, fmt, lang))
    http_cache.same_for_every_reader(request)
    tag = http_cache.etag(version.content_sha256, fmt, lang)
    return http_cache.not_modified(request, tag, DOWNLOAD_CACHE) or http_cache.public(
        _download(request, version, slug, number, fmt, lang), tag, DOWNLOAD_CACHE
    )


def _download(
    request: HttpRequest, version: ReportVersion, slug: str, number: int, fmt: str, lang: str
) -> HttpResponseBase:
    filename = f"{slug}-v{number}-{lang}.{fmt}"
    if fmt == "json":
        response = HttpResponse(version_json(version.snapshot), content_type="application/json; charset=utf-8")
    elif fmt == "csv":
        response = HttpResponse(version_csv(version.snapshot, lang), content_type="text/csv; charset=utf-8")
    else:
        return downloads.serve(
            request,
            lambda: published_files.stored(published_files.pdf_key(version, lang)),
            filename=filename,
            content_type="application/pdf",
            prepare=lambda: background.enqueue(tasks.generate_report_pdfs, version.pk),
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
