"""Public pages of the catalogue: home, plans, indicators, institutions. No login, no JavaScript."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from monitoring.models import Indicator, Institution, LineOfAction, Pillar, Plan, PlanInstitution
from monitoring.querysets import plan_tree


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
    if featured is not None:
        pillars = list(
            Pillar.objects.active()
            .filter(plan=featured)
            .order_by("position")
            .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.active().order_by("position")))
        )
    return render(request, "monitoring/home.html", {"plans": plans, "featured": featured, "pillars": pillars})


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
    return render(request, "monitoring/indicator_detail.html", {"indicator": indicator, "plan": indicator.plan})


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
    return render(
        request,
        "monitoring/institution_detail.html",
        {
            "institution": institution,
            "predecessors": predecessors,
            "lines": lines,
            "indicators": indicators,
            "roles": roles,
        },
    )
