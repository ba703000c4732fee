"""Public pages of the organisations behind the evidence and the reports: who they are, their public evidence by
indicator, the reports they co-authored (published, visible versions only).

Only organisations with public work are shown (an approved public item, or a report version readers can see): an
organisation that has published nothing is nobody's business yet, and its page is a 404 like any other address.
Every page makes the same small number of queries whatever the number of items.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from monitoring.models import Evidence, ReportVersion
from monitoring.models.evidence import PublicIndicatorEvidence
from portal.models import Organisation
from portal.permissions import is_moderator
from portal.storage import STORAGE_ERRORS

RECENT_EVIDENCE = 10


def public_organisation_ids() -> set[int]:
    with_evidence = Evidence.objects.public().values_list("organisation_id", flat=True).distinct()
    with_reports = ReportVersion.objects.visible().values_list("report__organisations", flat=True).distinct()
    return set(with_evidence) | {pk for pk in with_reports if pk is not None}


def _public_organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    has_evidence = Evidence.objects.public().filter(organisation=organisation).exists()
    if not has_evidence and not ReportVersion.objects.visible().filter(report__organisations=organisation).exists():
        raise Http404
    return organisation


@require_safe
def organisation_public_list(request: HttpRequest) -> HttpResponse:
    """Every organisation with public work, with its counts of public evidence and published reports."""
    evidence_counts = dict(
        Evidence.objects.public()
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    report_counts = dict(
        ReportVersion.objects.visible()
        .order_by()
        .values("report__organisations")
        .annotate(n=Count("report_id", distinct=True))
        .values_list("report__organisations", "n")
    )
    ids = set(evidence_counts) | {pk for pk in report_counts if pk is not None}
    organisations = list(Organisation.objects.filter(pk__in=ids).order_by("name"))
    for org in organisations:
        org.public_evidence = evidence_counts.get(org.pk, 0)  # type: ignore[attr-defined]
        org.published_reports = report_counts.get(org.pk, 0)  # type: ignore[attr-defined]
    return render(request, "monitoring/organisation_public_list.html", {"organisations": organisations})


def published_reports_of(organisation: Organisation) -> list[dict[str, Any]]:
    """The reports the organisation co-authored that readers can see: the latest visible version of each, with the
    title as published (never the working copy's), newest first. One query."""
    rows = (
        ReportVersion.objects.visible()
        .filter(report__organisations=organisation)
        .annotate(title=KT("snapshot__report__title"))
        .values("report_id", "report__slug", "number", "title", "published_at", "public_from")
        .order_by("report_id", "-number")
    )
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        latest.setdefault(row["report_id"], row)
    return sorted(latest.values(), key=lambda r: r["public_from"] or r["published_at"], reverse=True)


@require_safe
def organisation_public(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _public_organisation(slug)
    by_indicator = list(
        PublicIndicatorEvidence.objects.filter(evidence__organisation=organisation)
        .values(
            "indicator__code",
            "indicator__plan__slug",
            "indicator__plan__short_name",
            "indicator__text_es",
            "indicator__text_en",
            "indicator__position",
        )
        .annotate(n=Count("evidence_id"))
        .order_by("indicator__plan__slug", "indicator__position")
    )
    public = Evidence.objects.public().filter(organisation=organisation)
    recent = list(
        public.listing()
        .order_by("-created_at", "-pk")
        .only("uuid", "title", "kind", "source_reliability", "information_credibility")[:RECENT_EVIDENCE]
    )
    return render(
        request,
        "monitoring/organisation_public_detail.html",
        {
            "organisation": organisation,
            "by_indicator": by_indicator,
            "evidence_total": public.count(),
            "recent": recent,
            "reports": published_reports_of(organisation),
        },
    )


@require_safe
def organisation_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The logo of an organisation with a public page (a PNG the site re-encoded; portal/logos.py)."""
    organisation = (
        Organisation.objects.filter(slug=slug).first() if is_moderator(request.user) else _public_organisation(slug)
    )
    if organisation is None or not organisation.logo:
        raise Http404
    try:
        with organisation.logo.open("rb") as stored:
            data = stored.read()
    except STORAGE_ERRORS as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
