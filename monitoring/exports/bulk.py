"""Bulk CSV downloads, streamed row by row: constant memory whatever the number of rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from monitoring.exports.report import neutralise
from monitoring.models import (
    PUBLIC_EVIDENCE_FIELDS,
    Evidence,
    EvidenceKind,
    Indicator,
    Institution,
    Region,
    ReportVersion,
)
from monitoring.presentation import present
from monitoring.querysets import PUBLIC_REQUEST, matches

CHUNK = 2000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows_to_csv(header: list[str], rows: Iterator[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row]).encode("utf-8")


# The public fields, plus the item's permalink after its identifier.
EVIDENCE_COLUMNS = [PUBLIC_EVIDENCE_FIELDS[0], "url", *PUBLIC_EVIDENCE_FIELDS[1:]]


def _decimal(value: Any) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _kind_cells(e: Evidence, base_url: str) -> list[Any]:
    """The public kind fields, as exports/copy.py writes them too: lists joined by ";", the answering institution
    by its code, the request as its public page (empty unless the request is public), a relay as yes/no (news
    reports only), dates as ISO 8601."""
    request = e.transparency_request
    return [
        e.series_name,
        ";".join(e.disaggregation or []),
        e.producing_body,
        e.folio,
        e.answering_institution.code if e.answering_institution else "",
        e.answer_type,
        f"{base_url}/transparency/requests/{request.uuid}/" if request and matches(request, PUBLIC_REQUEST) else "",
        e.issuing_body,
        e.document_reference,
        _decimal(e.amount),
        e.currency,
        "" if e.fiscal_year is None else e.fiscal_year,
        e.budget_programme,
        e.budget_stage,
        e.outlet,
        e.author,
        ("yes" if e.relays_source else "no") if e.kind == EvidenceKind.NEWS_REPORT else "",
        e.relayed_source,
        e.pseudonym,
        e.method,
        e.sample,
        e.fieldwork_start.isoformat() if e.fieldwork_start else "",
        e.fieldwork_end.isoformat() if e.fieldwork_end else "",
        e.source_reliability,
        e.information_credibility,
    ]


def evidence_csv(queryset: QuerySet[Evidence], base_url: str) -> Iterator[bytes]:
    """Public evidence only: the caller passes `Evidence.objects.public()` (filtered or not)."""
    items = (
        queryset.select_related("plan", "organisation", "answering_institution", "transparency_request")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.only("pk", "code")),
            Prefetch("regions", queryset=Region.objects.only("pk", "code")),
            Prefetch("institutions", queryset=Institution.objects.only("pk", "code")),
        )
        .order_by("pk")
    )

    def rows() -> Iterator[list[Any]]:
        for e in items.iterator(chunk_size=CHUNK):
            yield [
                e.uuid,
                f"{base_url}/evidence/{e.uuid}/",
                e.plan.slug,
                " ".join(i.code for i in e.indicators.all()),
                e.kind,
                e.title,
                e.summary,
                e.source_url,
                e.source_date_iso or "",
                e.period_start_iso or "",
                e.period_end_iso or "",
                _decimal(e.reported_value),
                e.value_unit,
                " ".join(r.code for r in e.regions.all()),
                " ".join(i.code for i in e.institutions.all()),
                e.language,
                e.organisation.name,
                *_kind_cells(e, base_url),
            ]

    return _rows_to_csv(EVIDENCE_COLUMNS, rows())


ASSESSMENT_COLUMNS = [
    "report",
    "version",
    "published_at",
    "period_start",
    "period_end",
    "plan",
    "pillar",
    "indicator",
    "indicator_text",
    "official",
    "rating",
    "rating_label",
    "observed_value",
    "target",
    "evidence_uuids",
    "reply_institution",
    "reply_received_on",
    "reply_requested_on",
    "url",
]


def assessments_csv(lang: str, base_url: str) -> Iterator[bytes]:
    """Every assessment of every published (non-embargoed) version, one version in memory at a time."""
    versions = ReportVersion.objects.visible().select_related("report").order_by("report__slug", "number")

    def rows() -> Iterator[list[Any]]:
        for version in versions.iterator(chunk_size=50):
            snapshot = version.snapshot
            view = present(snapshot, lang)
            raw = {a["indicator"]["code"]: a for p in snapshot["pillars"] for a in p["assessments"]}
            for pillar in view["pillars"]:
                for a in pillar["assessments"]:
                    source = raw[a["code"]]
                    yield [
                        snapshot["report"]["slug"],
                        version.number,
                        version.published_at.isoformat(),
                        snapshot["report"]["period_start"],
                        snapshot["report"]["period_end"],
                        snapshot["plan"]["slug"],
                        pillar["code"],
                        a["code"],
                        a["text"],
                        "yes" if a["official"] else "no",
                        a["rating"]["value"],
                        a["rating"]["label"],
                        source.get("observed_value") or "",
                        a["target_text"],
                        " ".join(e["uuid"] for e in a["evidence"]),
                        a["reply"]["institution_code"],
                        a["reply"]["received_on"] or "",
                        a["reply"]["requested_on"] or "",
                        f"{base_url}/reports/{snapshot['report']['slug']}/v{version.number}/#{a['anchor']}",
                    ]

    return _rows_to_csv(ASSESSMENT_COLUMNS, rows())
