"""Serializers of the open-data API. Only public fields of public objects exist here."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.models import (
    PUBLIC_EVIDENCE_FIELDS,
    Disaggregation,
    Evidence,
    EvidenceKind,
    Indicator,
    Institution,
    Pillar,
    Plan,
    Report,
    ReportVersion,
    TransparencyRequest,
)


class InstitutionSerializer(serializers.ModelSerializer):
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Institution
        fields = ["code", "country", "name_es", "name_en", "successor"]


class IndicatorSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pillar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    line_of_action = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    responsible = serializers.SlugRelatedField(slug_field="code", read_only=True, many=True)
    official = serializers.BooleanField(source="is_official")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "plan",
            "code",
            "url",
            "pillar",
            "line_of_action",
            "official",
            "text_es",
            "text_en",
            "rationale_es",
            "rationale_en",
            "unit",
            "direction",
            "target_value",
            "target_comparator",
            "target_period",
            "target_text_es",
            "target_text_en",
            "baseline_value",
            "baseline_year",
            "responsible",
            "disaggregation",
            "wording",
            "placement",
            "sources",
            "retired_at",
        ]

    def get_url(self, obj: Indicator) -> str:
        request = self.context.get("request")
        path = f"/es/plans/{obj.plan.slug}/indicators/{obj.code}/"
        return request.build_absolute_uri(path) if request else path


class PillarTreeSerializer(serializers.ModelSerializer):
    objectives = serializers.SerializerMethodField()
    civil_society_indicators = serializers.SerializerMethodField()

    class Meta:
        model = Pillar
        fields = [
            "code",
            "name_es",
            "name_en",
            "description_es",
            "description_en",
            "objectives",
            "civil_society_indicators",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_objectives(self, pillar: Pillar) -> list[dict[str, Any]]:
        return [
            {
                "code": o.code,
                "text_es": o.text_es,
                "text_en": o.text_en,
                "wording": o.wording,
                "placement": o.placement,
                "lines_of_action": [
                    {
                        "code": line.code,
                        "text_es": line.text_es,
                        "text_en": line.text_en,
                        "wording": line.wording,
                        "placement": line.placement,
                        "responsible": [i.code for i in line.responsible.all()],
                        "indicators": [i.code for i in line.indicators.all()],
                    }
                    for line in o.lines.all()
                ],
            }
            for o in pillar.objectives.all()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_civil_society_indicators(self, pillar: Pillar) -> list[str]:
        return [i.code for i in pillar.civil_society_indicators]  # type: ignore[attr-defined]


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = [
            "slug",
            "country",
            "short_name",
            "title_es",
            "title_en",
            "adopted",
            "period_start",
            "period_end",
            "review_due",
            "summary_es",
            "summary_en",
            "wording_note_es",
            "wording_note_en",
            "sources",
        ]


class PlanTreeSerializer(PlanSerializer):
    pillars = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "pillars"]

    @extend_schema_field(PillarTreeSerializer(many=True))
    def get_pillars(self, plan: Plan) -> list[dict[str, Any]]:
        return list(PillarTreeSerializer(self.context["pillars"], many=True).data)


class PartialDateSerializerField(serializers.CharField):
    """A date as precise as its source, in reduced-precision ISO 8601 (``2023``, ``2021-04``, ``2021-04-15``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)


class AttachmentSerializer(serializers.Serializer):
    """A file of public evidence and its chain of custody (who uploaded it is not public)."""

    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Size in bytes of the stored file.")
    sha256 = serializers.CharField(help_text="SHA-256 of the stored file, as anyone downloading it gets it.")
    original_sha256 = serializers.CharField(
        help_text="SHA-256 of the file as uploaded. Differs from sha256 when hidden metadata (location, author) "
        "was removed before storing it."
    )
    url = serializers.SerializerMethodField(help_text="Where to download the stored file.")

    def get_url(self, obj: Any) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class RelatedCodesField(serializers.ListField):
    """The codes of a many-to-many relation: from the list attach_related() set on a listed item, or from the
    relation itself for a single item."""

    def __init__(self, attribute: str, relation: str, **kwargs: Any) -> None:
        self.attribute, self.relation = attribute, relation
        super().__init__(child=serializers.CharField(), read_only=True, source="*", **kwargs)

    def to_representation(self, evidence: Any) -> list[str]:
        codes = getattr(evidence, self.attribute, None)
        if codes is None:
            codes = [related.code for related in getattr(evidence, self.relation).all()]
        return list(codes)


class EvidenceListSerializer(serializers.ListSerializer):
    """A page of evidence: the answering institutions' codes and the public requests of the whole page in one query
    each, instead of one per item."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if hasattr(data, "all") else data)
        institution_ids = {e.answering_institution_id for e in items if e.answering_institution_id}
        request_ids = {e.transparency_request_id for e in items if e.transparency_request_id}
        self.context["_institution_codes"] = dict(
            Institution.objects.filter(pk__in=institution_ids).values_list("pk", "code")
        )
        self.context["_public_requests"] = dict(
            TransparencyRequest.objects.public().filter(pk__in=request_ids).values_list("pk", "uuid")
        )
        return super().to_representation(items)


class EvidenceSerializer(serializers.ModelSerializer):
    """Public fields of approved public evidence. No status, visibility or submitter is exposed; the files are
    listed with their hashes (the public chain of custody)."""

    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indicators = RelatedCodesField("indicator_codes", "indicators")
    states = RelatedCodesField("state_codes", "regions")
    institutions = RelatedCodesField("institution_codes", "institutions")
    organisation = serializers.CharField(source="organisation.name")
    source_date = PartialDateSerializerField(
        source="source_date_iso",
        help_text="Date of the source, as precise as it is: 2023, 2021-04 or 2021-04-15.",
    )
    period_start = PartialDateSerializerField(
        source="period_start_iso", help_text="Start of the period reported on: 2021, 2021-04 or 2021-04-15."
    )
    period_end = PartialDateSerializerField(
        source="period_end_iso", help_text="End of the period reported on, at its own precision."
    )

    disaggregation = serializers.ListField(
        child=serializers.ChoiceField(choices=Disaggregation.values),
        read_only=True,
        help_text="Official statistics: what the figures are broken down by.",
    )
    answering_institution = serializers.SerializerMethodField(
        help_text="Answers to transparency requests: the code of the institution that answered."
    )
    transparency_request = serializers.SerializerMethodField(
        help_text="Answers to transparency requests: the public page of the request answered, when it is public."
    )
    relays_source = serializers.SerializerMethodField(
        help_text="News reports: whether the report relays another source (relayed_source); null for other kinds."
    )

    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [*PUBLIC_EVIDENCE_FIELDS, "attachments"]
        list_serializer_class = EvidenceListSerializer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_answering_institution(self, evidence: Evidence) -> str | None:
        if not evidence.answering_institution_id:
            return None
        codes = self.context.get("_institution_codes")
        if codes is not None and evidence.answering_institution_id in codes:
            return str(codes[evidence.answering_institution_id])
        return evidence.answering_institution.code if evidence.answering_institution else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_transparency_request(self, evidence: Evidence) -> str | None:
        if not evidence.transparency_request_id:
            return None
        public = self.context.get("_public_requests")
        if public is not None:
            found = public.get(evidence.transparency_request_id)
        else:
            found = (
                TransparencyRequest.objects.public()
                .filter(pk=evidence.transparency_request_id)
                .values_list("uuid", flat=True)
                .first()
            )
        if found is None:
            return None  # a request its organisation keeps private is not named
        request = self.context.get("request")
        path = f"/es/transparency/requests/{found}/"
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_relays_source(self, evidence: Evidence) -> bool | None:
        return evidence.relays_source if evidence.kind == EvidenceKind.NEWS_REPORT else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, evidence: Evidence) -> list[dict[str, Any]]:
        files = getattr(evidence, "public_files", None)  # set by attach_related() in lists
        if files is None:
            files = sorted(evidence.attachments.all(), key=lambda a: (a.created_at, a.pk))
        if not files:
            return []
        # One serializer for every item of a list (building its fields again for each item costs more than the rest).
        child = self.context.get("_attachment_serializer")
        if child is None:
            child = self.context["_attachment_serializer"] = AttachmentSerializer(context=self.context)
        return [child.to_representation(f) for f in files]


class ReportVersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportVersion
        fields = ["number", "published_at", "change_note"]


class ReportSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisations = serializers.SlugRelatedField(slug_field="name", read_only=True, many=True)
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["slug", "title", "plan", "period_start", "period_end", "organisations", "versions"]

    @extend_schema_field(ReportVersionSummarySerializer(many=True))
    def get_versions(self, report: Report) -> list[dict[str, Any]]:
        return list(ReportVersionSummarySerializer(report.visible_versions, many=True).data)  # type: ignore[attr-defined]


class ReportVersionSerializer(serializers.ModelSerializer):
    report = serializers.CharField(source="report.slug")
    predecessor = serializers.SerializerMethodField(help_text="The number of the version this one follows, or null.")
    snapshot = serializers.JSONField(help_text="The frozen content of the version; see docs/report-json.md.")

    class Meta:
        model = ReportVersion
        fields = ["report", "number", "predecessor", "published_at", "change_note", "content_sha256", "snapshot"]

    def get_predecessor(self, version: ReportVersion) -> int | None:
        return version.number - 1 if version.number > 1 else None  # numbers are consecutive and never deleted
