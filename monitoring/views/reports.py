"""Public pages of shadow reports: list, latest version, any version by number, what changed between two versions,
downloads; and the private readings of an embargoed version (its authors and moderators at the permalink, a
journalist through a preview link)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, translation
from django.views.decorators.http import require_safe

from monitoring import diffs, published_files, tasks
from monitoring.exports.report import version_csv, version_json
from monitoring.models import Report, ReportVersion
from monitoring.permissions import get_preview_link, get_public_version, get_version_for_reader
from monitoring.presentation import citations, present
from monitoring.tombstones import get_tombstone
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


MEXICO_CITY = ZoneInfo("America/Mexico_City")


def embargo_words(when: dt.datetime | None) -> str:
    """A moment in the reader's language and Mexico City time: "15 de enero de 2027, 10:00", "Jan. 15, 2027, 10:00"."""
    if when is None:
        return ""
    local = when.astimezone(MEXICO_CITY)
    return f"{formats.date_format(local, 'DATE_FORMAT')}, {formats.time_format(local, 'H:i')}"


def public_versions(report_id: int) -> list[dict[str, Any]]:
    """Every public version of a report, oldest first: number, date it became public, change note (one query)."""
    rows = list(
        ReportVersion.objects.visible()
        .filter(report_id=report_id)
        .order_by("number")
        .values("number", "published_at", "public_from", "change_note")
    )
    for row in rows:
        row["public_since"] = max(row["published_at"], row["public_from"] or row["published_at"])
    return rows


def _version_page(request: HttpRequest, version: ReportVersion, *, cache_control: str) -> HttpResponseBase:
    lang = translation.get_language() or "es"
    if not version.is_public:
        return _private(_render_version(request, version, lang, public_versions(version.report_id), embargoed=True))
    versions = public_versions(version.report_id)
    numbers = [v["number"] for v in versions]
    # For anonymous readers the page is cacheable (the public page cache keeps it, portal/page_cache.py). Its ETag
    # covers everything the bytes depend on: the version's content, the public versions (the history list and the
    # "superseded by" notice), the language, the address its links are built from and the release; a revalidation
    # is a 304 without rendering.
    if not http_cache.shared(request) or "messages" in request.COOKIES:
        return http_cache.never_cached(_render_version(request, version, lang, versions))
    tag = http_cache.etag(
        version.content_sha256, numbers, lang, request.scheme, request.get_host(), request.path, page_cache.build_id()
    )
    return http_cache.not_modified(request, tag, cache_control) or http_cache.public(
        _render_version(request, version, lang, versions), tag, cache_control
    )


def _private(response: HttpResponseBase) -> HttpResponseBase:
    """A page nobody else may keep or index: an embargoed version, read by its authors or through a preview link."""
    http_cache.never_cached(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _render_version(
    request: HttpRequest,
    version: ReportVersion,
    lang: str,
    versions: list[dict[str, Any]],
    *,
    embargoed: bool = False,
    preview_link: Any = None,
) -> HttpResponse:
    view = present(version.snapshot, lang)
    url = request.build_absolute_uri(
        reverse("monitoring:report_version", kwargs={"slug": version.report.slug, "number": version.number})
    )
    numbers = [v["number"] for v in versions]
    previous = max((n for n in numbers if n < version.number), default=None)
    return render(
        request,
        "monitoring/report_version.html",
        {
            "view": view,
            "version": version,
            "latest_number": max(numbers, default=None),
            "versions": versions,
            "previous_number": previous,
            "cite": citations(view, url),
            "permalink": url,
            "embargoed": embargoed,
            "embargo_end": embargo_words(version.public_from) if version.public_from else "",
            "preview_link": preview_link,
        },
    )


@require_safe
@http_cache.uncached_404s
def report_latest(request: HttpRequest, slug: str) -> HttpResponseBase:
    return _version_page(request, get_public_version(slug), cache_control=LATEST_PAGE_CACHE)


@require_safe
@http_cache.uncached_404s
def report_version(request: HttpRequest, slug: str, number: int) -> HttpResponseBase:
    """A version at its permalink; while embargoed, only for its authors and moderators (404 for everyone else)."""
    return _version_page(request, get_version_for_reader(request.user, slug, number), cache_control=VERSION_PAGE_CACHE)


@require_safe
@http_cache.uncached_404s
def report_preview_link(request: HttpRequest, token: str) -> HttpResponseBase:
    """An embargoed version through a private preview link: read-only, never cached, never indexed. Once the embargo
    has passed, the link leads to the public permalink."""
    link = get_preview_link(token)
    version = link.version
    if version.is_public:
        return redirect(version.get_absolute_url())
    lang = translation.get_language() or "es"
    page = _render_version(
        request, version, lang, public_versions(version.report_id), embargoed=True, preview_link=link
    )
    return _private(page)


@require_safe
@http_cache.uncached_404s
def report_compare(request: HttpRequest, slug: str, old: int, new: int) -> HttpResponseBase:
    """What changed between two public versions (the older first; the other order redirects to this one)."""
    if old == new:
        raise Http404
    if old > new:
        return redirect("monitoring:report_compare", slug=slug, old=new, new=old, permanent=True)
    pair = {
        v.number: v
        for v in ReportVersion.objects.visible()
        .filter(report__slug=slug, number__in=[old, new])
        .select_related("report")
    }
    if len(pair) != 2:
        raise Http404
    before, after = pair[old], pair[new]
    lang = translation.get_language() or "es"
    comparison = diffs.compare_cached(
        before.content_sha256, before.snapshot, after.content_sha256, after.snapshot, lang
    )
    return render(
        request,
        "monitoring/report_diff.html",
        {
            "report": after.report,
            "title": after.snapshot["report"]["title"],
            "before": before,
            "after": after,
            "diff": comparison,
            "versions": public_versions(after.report_id),
        },
    )


@require_safe
@http_cache.uncached_404s
@serves_files
def report_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponseBase:
    if fmt not in ("pdf", "csv", "json"):
        raise Http404
    version = get_version_for_reader(request.user, slug, number)
    lang = translation.get_language() or "es"
    if not version.is_public:  # its authors and moderators, before the embargo passes
        return _private(_download(request, version, slug, number, fmt, lang))
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
    if version.number > 1:
        # The version it corrects, named in the envelope (RFC 5829): the snapshot's bytes stay as published.
        before = reverse("monitoring:report_download", kwargs={"slug": slug, "number": version.number - 1, "fmt": fmt})
        response["Link"] = f'<{request.build_absolute_uri(before)}>; rel="predecessor-version"'
    return response


def evidence_tombstone(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """The page at the address of an item withdrawn after a published version cited it: 410 Gone (see
    monitoring/tombstones.py); a 404 for anything else the reader may not see."""
    tombstone = get_tombstone(uuid)
    response = render(request, "monitoring/evidence_tombstone.html", {"tombstone": tombstone}, status=410)
    response["X-Robots-Tag"] = "noindex"
    return response
