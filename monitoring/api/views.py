"""The read-only open-data API (/api/v1/). Anonymous, paginated, filterable; public data only."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring.api.pagination import LICENCE, EvidenceCursorPagination, LicensedPagination
from monitoring.api.serializers import (
    EvidenceSerializer,
    IndicatorSerializer,
    InstitutionSerializer,
    PlanSerializer,
    PlanTreeSerializer,
    ReportSerializer,
    ReportVersionSerializer,
)
from monitoring.forms.filters import PublicEvidenceFilterForm
from monitoring.models import Evidence, EvidenceAttachment, Indicator, Institution, Plan, Region, Report, ReportVersion
from monitoring.querysets import plan_tree
from monitoring.reliability import NOT_ASSESSED, InformationCredibility, SourceReliability
from monitoring.tombstones import get_tombstone


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = LicensedPagination
    # Any identifier reaches the view, which answers a JSON 404 for unknown ones.
    lookup_value_regex = "[^/]+"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        repeated = [key for key in request.query_params if len(request.query_params.getlist(key)) > 1]
        if repeated:
            raise ValidationError(dict.fromkeys(repeated, "give this parameter once"))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = f'<{LICENCE["url"]}>; rel="license"'
        return response


class PlanViewSet(ReadOnly):
    """National action plans; the detail includes the whole tree (pillars → objectives → lines → indicator codes)."""

    queryset = Plan.objects.order_by("slug")
    serializer_class = PlanSerializer
    lookup_field = "slug"

    @extend_schema(responses=PlanTreeSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        return Response(PlanTreeSerializer(plan, context={"request": request, "pillars": plan_tree(plan)}).data)


class InstitutionViewSet(ReadOnly):
    queryset = Institution.objects.select_related("successor").order_by("code")
    serializer_class = InstitutionSerializer
    lookup_field = "code"


class IndicatorFilter(filters.FilterSet):
    plan = filters.CharFilter(field_name="plan__slug")
    pillar = filters.CharFilter(field_name="pillar__code")
    official = filters.TypedChoiceFilter(
        field_name="is_official", choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    code = filters.CharFilter(field_name="code")

    class Meta:
        model = Indicator
        fields = ["plan", "pillar", "official", "code", "unit"]


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("official", str, enum=["true", "false"], description="Official or civil-society")]
    )
)
class IndicatorViewSet(ReadOnly):
    """Indicators of every plan. Identify one by `plan` and `code` (the id is only the API's handle)."""

    queryset = (
        Indicator.objects.select_related("plan", "pillar", "line_of_action")
        .prefetch_related(Prefetch("responsible", queryset=Institution.objects.only("pk", "code")))
        .order_by("plan__slug", "position")
    )
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter


CODE = {"type": "string", "maxLength": 40}
EVIDENCE_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": 200},
        description="Full-text search (Spanish and English, accent-insensitive)",
    ),
    OpenApiParameter("plan", CODE, description="Plan slug"),
    OpenApiParameter("pillar", CODE, description="Pillar code, e.g. P2"),
    OpenApiParameter("indicator", CODE, description="Indicator code, e.g. I13"),
    OpenApiParameter("institution", CODE, description="Institution code, e.g. SEMAR"),
    OpenApiParameter("state", CODE, description="State code (ISO 3166-2:MX), MX-NAT or ABROAD"),
    OpenApiParameter("kind", CODE, description="Kind of evidence"),
    OpenApiParameter(
        "year", {"type": "integer", "minimum": 1900, "maximum": 2100}, description="Year the evidence reports on"
    ),
    OpenApiParameter(
        "source_reliability",
        {"type": "string", "enum": [*SourceReliability.values, NOT_ASSESSED]},
        description="Reliability of the source (docs/RELIABILITY.md); not_assessed: items nobody assessed",
    ),
    OpenApiParameter(
        "information_credibility",
        {"type": "string", "enum": [*InformationCredibility.values, NOT_ASSESSED]},
        description="Credibility of the information (docs/RELIABILITY.md); not_assessed: items nobody assessed",
    ),
]


@extend_schema_view(list=extend_schema(parameters=EVIDENCE_PARAMETERS))
class EvidenceViewSet(ReadOnly):
    """Approved public evidence only.

    The list is newest source first, or best first for a search term that matches few items; its pages are
    followed through the `next` and `previous` links (a cursor), and its `count` is exact up to 2,000 matches and
    null above (`count_capped`).
    """

    serializer_class = EvidenceSerializer
    lookup_field = "uuid"
    pagination_class = EvidenceCursorPagination
    search_query = ""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """An item withdrawn after a published version cited it answers 410 Gone with its tombstone record
        (monitoring/tombstones.py); anything else that is not public, 404."""
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            return Response(get_tombstone(kwargs["uuid"]).as_record(), status=410)

    def get_queryset(self) -> QuerySet[Evidence]:
        if self.action == "retrieve":
            return Evidence.objects.public().select_related("plan", "organisation")
        form = PublicEvidenceFilterForm(self.request.query_params or None, widgets=False)
        if form.is_bound and not form.is_valid():
            raise ValidationError(form.errors)
        self.search_query = form.query  # searched and ordered by the pagination (monitoring.search.listing())
        # The related codes and files of a page are read after paginating, by attach_related() (no prefetch).
        return form.narrow(Evidence.objects.public().listing()).select_related("plan", "organisation")

    def paginate_queryset(self, queryset: QuerySet[Evidence]) -> list[Evidence] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_related(page)
        return page


def attach_related(items: list[Evidence]) -> None:
    """The codes of each item's indicators, states and institutions and its files, in one query per relation.

    Django's prefetch machinery builds a related manager and a model instance per row (most of a cold API page at
    50 items); the serializer only writes codes, so rows of (item, code) are enough. Sets ``indicator_codes``,
    ``state_codes``, ``institution_codes`` and ``public_files`` on each item, in the order the relations give.
    """
    by_pk = {e.pk: e for e in items}
    for e in items:
        e.indicator_codes, e.state_codes, e.institution_codes, e.public_files = [], [], [], []  # type: ignore[attr-defined]
    relations = (
        ("indicator_codes", Evidence.indicators.through, "indicator", Indicator),
        ("state_codes", Evidence.regions.through, "region", Region),
        ("institution_codes", Evidence.institutions.through, "institution", Institution),
    )
    for attribute, through, field, model in relations:
        rows = (
            through.objects.filter(evidence_id__in=by_pk)
            .order_by(*[f"{field}__{o}" for o in model._meta.ordering or ["pk"]], "pk")
            .values_list("evidence_id", f"{field}__code")
        )
        for evidence_id, code in rows:
            getattr(by_pk[evidence_id], attribute).append(code)
    for attachment in EvidenceAttachment.objects.filter(evidence_id__in=by_pk).order_by("created_at", "pk"):
        by_pk[attachment.evidence_id].public_files.append(attachment)  # type: ignore[attr-defined]


class ReportViewSet(ReadOnly):
    """Reports with at least one published, non-embargoed version, and the numbers of those versions."""

    serializer_class = ReportSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Report]:
        visible = ReportVersion.objects.visible().order_by("number")
        return (
            Report.objects.filter(versions__in=ReportVersion.objects.visible())
            .distinct()
            .select_related("plan")
            .prefetch_related("organisations", Prefetch("versions", queryset=visible, to_attr="visible_versions"))
            .order_by("slug")
        )


class ReportVersionViewSet(ReadOnly):
    """Published versions with their frozen assessments. Filter by `report` (slug)."""

    serializer_class = ReportVersionSerializer

    def get_queryset(self) -> QuerySet[ReportVersion]:
        versions = ReportVersion.objects.visible().select_related("report").order_by("report__slug", "number")
        report = self.request.query_params.get("report")
        return versions.filter(report__slug=report) if report else versions

    def get_object(self) -> ReportVersion:
        slug, _, number = str(self.kwargs["pk"]).rpartition("-v")
        if not number.isdigit():
            number = "-1"
        return get_object_or_404(self.get_queryset(), report__slug=slug, number=int(number))
