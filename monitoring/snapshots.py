"""A published report version as plain data: built from the working copy, hashed, and indexed per indicator.

The snapshot is the JSON contract of docs/report-json.md (schema ``observatorio1325/report-version/1``): what the
public pages, the CSV, the JSON and the PDF of a version read, frozen at publication. Only approved *public*
evidence enters it, and its Markdown is rendered once, here, so later edits, withdrawals or a change to the renderer
never alter a published version.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from monitoring.markdown import render_markdown
from monitoring.models import (
    Assessment,
    Evidence,
    EvidenceAttachment,
    Indicator,
    Pillar,
    Report,
    ReportVersion,
    ReportVersionCitation,
    ReportVersionIndicator,
)

SNAPSHOT_SCHEMA = "observatorio1325/report-version/1"


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def snapshot_sha256(snapshot: dict[str, Any]) -> str:
    """The version's content hash: SHA-256 of its canonical JSON (keys sorted, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def build_snapshot(report: Report, version: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a published version shows, as plain data. Used for the preview and for publishing.

    A fixed number of queries whatever the number of assessments or citations.
    """
    plan = report.plan
    files = Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("created_at", "pk"))
    public_evidence = Evidence.objects.public().select_related("organisation").prefetch_related(files)
    assessments = (
        Assessment.objects.filter(report=report)
        .select_related("indicator", "reply_institution")
        .prefetch_related(Prefetch("cited_evidence", queryset=public_evidence.order_by("period_start", "title")))
    )
    by_indicator = {a.indicator_id: a for a in assessments}
    pillars = Pillar.objects.filter(plan=plan, retired_at__isnull=True).order_by("position")
    indicators = (
        Indicator.objects.filter(pk__in=by_indicator.keys())
        .select_related("pillar")
        .order_by("pillar__position", "-is_official", "position")
    )
    grouped: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in pillars}
    for indicator in indicators:
        a = by_indicator[indicator.pk]
        grouped.setdefault(indicator.pillar_id, []).append(
            {
                "indicator": {
                    "code": indicator.code,
                    "text_es": indicator.text_es,
                    "text_en": indicator.text_en,
                    "official": indicator.is_official,
                    "wording": indicator.wording,
                    "placement": indicator.placement,
                    "unit": indicator.unit,
                    "direction": indicator.direction,
                    "target_value": _dec(indicator.target_value),
                    "target_comparator": indicator.target_comparator,
                    "target_period": indicator.target_period,
                    "target_text_es": indicator.target_text_es,
                    "target_text_en": indicator.target_text_en,
                    "baseline_value": _dec(indicator.baseline_value),
                    "baseline_year": indicator.baseline_year,
                },
                "rating": a.rating or "no_information",
                "assessed": bool(a.rating),
                "observed_value": _dec(a.observed_value),
                "narrative": a.narrative,
                "narrative_html": render_markdown(a.narrative),
                "evidence": [
                    {
                        "uuid": str(e.uuid),
                        "title": e.title,
                        "kind": e.kind,
                        "organisation": e.organisation.name,
                        "source_url": e.source_url,
                        # Reduced-precision ISO 8601 ("2023", "2021-04", "2021-04/2021-06"): the language-
                        # neutral form; pages word it in the reader's language.
                        "source_date": e.source_date_iso,
                        "period": e.period_iso,
                        "reported_value": _dec(e.reported_value),
                        "value_unit": e.value_unit,
                        # The reliability assessment (docs/RELIABILITY.md; since December 2026, older versions have
                        # no keys and read as "not assessed"); "" when the item was never assessed.
                        "source_reliability": e.source_reliability,
                        "information_credibility": e.information_credibility,
                        # The public chain of custody (since December 2026; older versions have no key).
                        "attachments": [
                            {"name": f.original_name, "sha256": f.sha256, "original_sha256": f.original_sha256}
                            for f in e.attachments.all()
                        ],
                    }
                    for e in a.cited_evidence.all()
                ],
                "reply": {
                    "institution": (
                        {
                            "code": a.reply_institution.code,
                            "name_es": a.reply_institution.name_es,
                            "name_en": a.reply_institution.name_en,
                        }
                        if a.reply_institution
                        else None
                    ),
                    "text": a.reply_text,
                    "received_on": a.reply_received_on.isoformat() if a.reply_received_on else None,
                    "requested_on": a.reply_requested_on.isoformat() if a.reply_requested_on else None,
                },
            }
        )
    organisations = list(report.organisations.order_by("name"))
    return {
        "schema": SNAPSHOT_SCHEMA,
        "licence": "CC BY 4.0",
        "report": {
            "slug": report.slug,
            "title": report.title,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "organisations": [{"name": o.name, "slug": o.slug} for o in organisations],
            "executive_summary": report.executive_summary,
            "executive_summary_html": render_markdown(report.executive_summary),
            "methodology": report.methodology,
            "methodology_html": render_markdown(report.methodology),
            "recommendations": report.recommendations,
            "recommendations_html": render_markdown(report.recommendations),
        },
        "version": version or {"number": None, "published_at": None, "public_from": None, "change_note": ""},
        "plan": {
            "slug": plan.slug,
            "short_name": plan.short_name,
            "title_es": plan.title_es,
            "title_en": plan.title_en,
            "wording_note_es": plan.wording_note_es,
            "wording_note_en": plan.wording_note_en,
        },
        "pillars": [
            {"code": p.code, "name_es": p.name_es, "name_en": p.name_en, "assessments": grouped.get(p.pk, [])}
            for p in pillars
        ],
    }


def index_version(version: ReportVersion) -> None:
    """Copy each indicator's rating, value and reply out of the snapshot, for the indicator pages, and the cited
    evidence, for the tombstones of items withdrawn later."""
    rows = []
    cited: set[str] = set()
    for pillar in version.snapshot["pillars"]:
        for a in pillar["assessments"]:
            value = a.get("observed_value")
            rows.append(
                ReportVersionIndicator(
                    version=version,
                    code=a["indicator"]["code"],
                    unit=a["indicator"].get("unit", ""),
                    rating=a["rating"],
                    observed_value=Decimal(value) if value not in (None, "") else None,
                    reply=a.get("reply") or {},
                )
            )
            cited.update(e["uuid"] for e in a.get("evidence", []))
    ReportVersionIndicator.objects.bulk_create(rows)
    ReportVersionCitation.objects.bulk_create(
        ReportVersionCitation(version=version, evidence_uuid=u) for u in sorted(cited)
    )
