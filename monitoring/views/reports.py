"""Public pages of shadow reports: list, latest version, any version by number, downloads."""

from __future__ import annotations

import hashlib

from django.conf import settings
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
from portal import background, http_cache
from portal import cache as shared_cache
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
    # A published version never changes, so its page is cached for anonymous readers. The key carries everything
    # the bytes depend on: the version's content, the latest version number (the "superseded by" notice), the
    # language, and the scheme, host and path that its links are built from (the latest page and /vN/ differ in
    # their language and canonical links): there is nothing to invalidate. The query string is not part of it:
    # these pages declare no parameters, so no link on them carries one (portal/links.py) and `?utm_source=…`
    # cannot reach a later reader's page.
    page = hashlib.sha256(f"{request.scheme}:{request.path}".encode()).hexdigest()[:32]
    key = f"report-page:{version.content_sha256}:{latest}:{page}:{lang}:{request.get_host()}"
    # Anonymous readers with a pending message (e.g. after logging out) get a fresh page, never a shared one.
    anonymous = http_cache.shared(request) and "messages" not in request.COOKIES
    if not anonymous:
        return http_cache.never_cached(_render_version(request, version, lang, latest))
    body = shared_cache.get(key)
    if body is None:
        body = _render_version(request, version, lang, latest).content
        shared_cache.set(key, body, timeout=settings.CACHE_PAGE_SECONDS)
    tag = http_cache.etag(version.content_sha256, latest, lang, hashlib.sha256(body).hexdigest())
    return http_cache.not_modified(request, tag, cache_control) or http_cache.public(
        HttpResponse(body), tag, cache_control
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
