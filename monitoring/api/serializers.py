"""Serializers of the open-data API. Only public fields of public objects exist here."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring.models import (
    PUBLIC_EVIDENCE_FIELDS,
    Evidence,
    Indicator,
    Institution,
    Pillar,
    Plan,
    Report,
    ReportVersion,
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

    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [*PUBLIC_EVIDENCE_FIELDS, "attachments"]

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
