"""Link-preview images of public report versions and indicators (monitoring/og_images.py). No login needed, and
none changes what they show: an embargoed version's image is a 404 for everyone, like its page for the public."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.views.decorators.http import require_safe

from monitoring import og_images
from monitoring.models import Indicator, ReportVersion, ReportVersionIndicator
from portal import http_cache

VERSION_IMAGE_CACHE = f"public, max-age={http_cache.ONE_YEAR}, immutable"
INDICATOR_IMAGE_CACHE = "public, max-age=3600"


def _png(request: HttpRequest, png: bytes, tag: str, cache_control: str) -> HttpResponse:
    http_cache.same_for_every_reader(request)
    response = http_cache.not_modified(request, tag, cache_control)
    if response is None:
        response = HttpResponse(png, content_type="image/png")
        http_cache.public(response, tag, cache_control)
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]


@require_safe
@http_cache.uncached_404s
def og_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = (
        ReportVersion.objects.visible()
        .select_related("report")
        .filter(report__slug=slug, number=number)
        .only("number", "snapshot", "content_sha256", "published_at", "public_from", "report__slug")
        .first()
    )
    if version is None:
        raise Http404
    lang = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    tag = http_cache.etag("og-version", version.content_sha256, version.number, lang)
    return _png(request, og_images.version_png(version, lang), tag, VERSION_IMAGE_CACHE)


@require_safe
@http_cache.uncached_404s
def og_indicator(request: HttpRequest, plan_slug: str, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.select_related("plan"), plan__slug=plan_slug, code=code)
    latest = (
        ReportVersionIndicator.objects.filter(
            code=indicator.code,
            version__report__plan=indicator.plan,
            version__in=ReportVersion.objects.visible(),
        )
        .select_related("version__report")
        .defer("version__snapshot")
        .order_by("-version__published_at", "-version__number")
        .first()
    )
    lang = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    tag = http_cache.etag(
        "og-indicator",
        indicator.pk,
        indicator.updated_at.isoformat(),
        latest.version_id if latest else "",
        latest.rating if latest else "",
        lang,
    )
    return _png(request, og_images.indicator_png(indicator, latest, lang), tag, INDICATOR_IMAGE_CACHE)
