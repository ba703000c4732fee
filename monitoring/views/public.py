"""Public pages of the catalogue: home, plans, indicators, institutions. No login, no JavaScript."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from monitoring import published_files, search
from monitoring.deadlines import load_calendar
from monitoring.exports.bulk import ASSESSMENT_COLUMNS, EVIDENCE_COLUMNS, evidence_csv
from monitoring.forms.filters import PublicEvidenceFilterForm
from monitoring.models import (
    Evidence,
    Indicator,
    Institution,
    LineOfAction,
    Pillar,
    Plan,
    PlanInstitution,
    ReportVersion,
    ReportVersionIndicator,
    TransparencyRequest,
)
from monitoring.models.evidence import PublicIndicatorEvidence
from monitoring.presentation import indicator_history, present, series_chart
from monitoring.querysets import plan_tree
from monitoring.search import highlight
from monitoring.stats import institution_record, record_rows
from monitoring.views import downloads
from portal.links import kept_params, query_params
from portal.storage import serves_files


def _plans_with_counts() -> QuerySet[Plan]:
    active = Q(indicator__retired_at__isnull=True)
    return Plan.objects.annotate(
        official_count=Count("indicator", filter=active & Q(indicator__is_official=True), distinct=True),
        civil_society_count=Count("indicator", filter=active & Q(indicator__is_official=False), distinct=True),
        pillar_count=Count("pillar", filter=Q(pillar__retired_at__isnull=True), distinct=True),
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    plans = list(_plans_with_counts())
    featured = plans[0] if plans else None
    pillars = []
    # The grid is the snapshot's (ratings and texts as published), so the snapshot is read; cutting it down in SQL
    # to what the grid shows (no narratives, no citations) was measured no faster at 100k items (bench/explain).
    latest = ReportVersion.objects.visible().select_related("report").order_by("-published_at").first()
    view = present(latest.snapshot, translation.get_language() or "es") if latest else None
    if featured is not None and view is None:
        pillars = list(
            Pillar.objects.active()
            .filter(plan=featured)
            .order_by("position")
            .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.active().order_by("position")))
        )
    recent = (
        Evidence.objects.public()
        .listing()
        .select_related("organisation")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.only("pk", "code").order_by("position")))
        .order_by("-submitted_at", "-pk")[:5]
    )
    return render(
        request,
        "monitoring/home.html",
        {"plans": plans, "featured": featured, "pillars": pillars, "latest": latest, "view": view, "recent": recent},
    )


@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/plan_list.html", {"plans": _plans_with_counts()})


@require_safe
def plan_detail(request: HttpRequest, plan_slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=plan_slug)
    pillars = plan_tree(plan)
    counts = {"objectives": 0, "lines": 0, "indicators": 0, "civil_society": 0}
    for pillar in pillars:
        objectives = list(pillar.objectives.all())
        counts["objectives"] += len(objectives)
        pillar.indicator_total = 0
        for objective in objectives:
            lines = list(objective.lines.all())
            counts["lines"] += len(lines)
            for line in lines:
                pillar.indicator_total += len(line.indicators.all())
        counts["indicators"] += pillar.indicator_total
        counts["civil_society"] += len(pillar.civil_society_indicators)
    return render(request, "monitoring/plan_detail.html", {"plan": plan, "pillars": pillars, "counts": counts})


@require_safe
def indicator_detail(request: HttpRequest, plan_slug: str, code: str) -> HttpResponse:
    indicator = get_object_or_404(
        Indicator.objects.select_related("plan", "pillar", "line_of_action__objective").prefetch_related(
            Prefetch("responsible", queryset=Institution.objects.select_related("successor"))
        ),
        plan__slug=plan_slug,
        code=code,
    )
    lang = translation.get_language() or "es"
    rows = list(
        ReportVersionIndicator.objects.filter(
            code=indicator.code,
            version__report__plan=indicator.plan,
            version__in=ReportVersion.objects.visible(),
        )
        .select_related("version__report")
        .defer("version__snapshot")
        .order_by("-version__published_at", "-version__number")
    )
    history = indicator_history(rows, lang)
    requests = TransparencyRequest.objects.public().filter(indicators=indicator)
    facts = record_rows(requests)
    transparency = institution_record(facts, timezone.localdate(), load_calendar())["total"] if facts else None
    # The newest 20 by period, through the indicator's denormalised public list and its index (never a sort of
    # every public item of the indicator); .public() again, so a row can only ever narrow what is shown.
    listed = PublicIndicatorEvidence.objects.filter(indicator=indicator)
    evidence = (
        Evidence.objects.public()
        .listing()
        .filter(public_indicator_rows__indicator=indicator)
        .select_related("organisation")
        .order_by("-public_indicator_rows__period_start", "-public_indicator_rows__evidence_id")
    )
    return render(
        request,
        "monitoring/indicator_detail.html",
        {
            "indicator": indicator,
            "plan": indicator.plan,
            "history": history,
            "series": series_chart(history, indicator.target_value, indicator.unit),
            "evidence": evidence[:EVIDENCE_ON_INDICATOR],
            "evidence_count": listed.count(),
            "replies": [h for h in history if h["reply_text"] or h["reply_requested_on"]],
            "transparency": transparency,
            "requests": requests.select_related("institution").order_by("-filed_on", "-pk")[:10],
        },
    )


EVIDENCE_ON_INDICATOR = 20
EVIDENCE_PAGE = 25


def page_number(value: str | None) -> int | None:
    """``?page=N`` of older links: a whole number (search.listing() bounds it), or None (the first page)."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):
        return 1
    return int(value) if len(value) < 7 else 10**6  # far past the last page number listing() allows


@query_params(PublicEvidenceFilterForm.base_fields, "page", "cursor")
@require_safe
def evidence_list(request: HttpRequest) -> HttpResponse:
    form = PublicEvidenceFilterForm(request.GET or None)
    items = (
        form.narrow(Evidence.objects.public().listing())
        .select_related("organisation", "plan")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.only("pk", "code", "plan_id").order_by("position"))
        )
    )
    query = form.query
    number = page_number(request.GET.get("page"))
    try:
        result = search.listing(items, query, size=EVIDENCE_PAGE, cursor=request.GET.get("cursor"), page=number)
    except search.BadCursor:  # not a cursor this site wrote: the first page
        result = search.listing(items, query, size=EVIDENCE_PAGE)
    for item in result.items:
        item.title_html = highlight(item.title, query)
        item.summary_html = highlight(item.summary[:400], query)
    params = kept_params(request)  # pagination links carry the filters, nothing else
    params.pop("page", None)
    params.pop("cursor", None)
    filters = params.urlencode()

    def link(**extra: str | int) -> str:
        link_params = params.copy()
        for key, value in extra.items():
            link_params[key] = str(value)
        return "?" + link_params.urlencode()

    previous = None
    if result.previous_cursor:
        previous = link(cursor=result.previous_cursor)
    elif result.previous_page:
        previous = link(page=result.previous_page) if result.previous_page > 1 else "?" + filters
    return render(
        request,
        "monitoring/evidence_public_list.html",
        {
            "form": form,
            "items": result.items,
            "listing": result,
            "count_cap": f"{search.COUNT_CAP:,}",
            "next_url": link(cursor=result.next_cursor) if result.next_cursor else None,
            "previous_url": previous,
            "first_url": "?" + filters if (request.GET.get("cursor") and result.previous_cursor) else None,
            "query": filters,
            "q": query,
        },
    )


@require_safe
def data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/data.html",
        {"evidence_columns": EVIDENCE_COLUMNS, "assessment_columns": ASSESSMENT_COLUMNS},
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/") + "/" + (translation.get_language() or "es")


@require_safe
@serves_files
def evidence_csv_download(request: HttpRequest) -> HttpResponseBase:
    """The whole file is generated in the background and served from storage; a filtered subset is streamed."""
    lang = translation.get_language() or "es"
    if not request.GET:
        return downloads.serve(
            request,
            lambda: published_files.stored(published_files.evidence_key(lang)),
            filename="observatorio1325-evidence.csv",
            content_type="text/csv; charset=utf-8",
            prepare=published_files.schedule_bulk_rebuild,
        )
    form = PublicEvidenceFilterForm(request.GET, widgets=False)
    rows = evidence_csv(form.apply(Evidence.objects.public()), _base_url(request))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="observatorio1325-evidence.csv"'
    return response


@require_safe
@serves_files
def assessments_csv_download(request: HttpRequest) -> HttpResponseBase:
    lang = translation.get_language() or "es"
    return downloads.serve(
        request,
        lambda: published_files.stored(published_files.assessments_key(lang)),
        filename="observatorio1325-assessments.csv",
        content_type="text/csv; charset=utf-8",
        prepare=published_files.schedule_bulk_rebuild,
    )


@require_safe
def institution_list(request: HttpRequest) -> HttpResponse:
    institutions = Institution.objects.select_related("successor").annotate(
        indicator_count=Count("indicators", filter=Q(indicators__retired_at__isnull=True), distinct=True),
        line_count=Count("lines_of_action", filter=Q(lines_of_action__retired_at__isnull=True), distinct=True),
        signatory_count=Count("plan_roles", filter=Q(plan_roles__signatory=True), distinct=True),
    )
    return render(request, "monitoring/institution_list.html", {"institutions": institutions})


@require_safe
def institution_detail(request: HttpRequest, code: str) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.select_related("successor"), code=code)
    predecessors = list(institution.predecessors.all())
    answerable = [institution, *predecessors]
    lines = (
        LineOfAction.objects.active()
        .filter(responsible__in=answerable)
        .select_related("plan", "objective")
        .distinct()
        .order_by("plan", "position")
    )
    indicators = (
        Indicator.objects.active()
        .filter(responsible__in=answerable)
        .select_related("plan")
        .distinct()
        .order_by("plan", "position")
    )
    roles = PlanInstitution.objects.filter(institution=institution).select_related("plan")
    public_requests = TransparencyRequest.objects.public().filter(institution=institution)
    rows = record_rows(public_requests)
    record = institution_record(rows, timezone.localdate(), load_calendar()) if rows else None
    return render(
        request,
        "monitoring/institution_detail.html",
        {
            "institution": institution,
            "predecessors": predecessors,
            "lines": lines,
            "indicators": indicators,
            "roles": roles,
            "record": record,
            "public_requests": public_requests.order_by("-filed_on", "-pk")[:20],
        },
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    for prefix in ("/es/", "/en/"):
        for private in ("workspace/", "moderation/", "accounts/", "admin/", "files/"):
            lines.append(f"Disallow: {prefix}{private}")
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
