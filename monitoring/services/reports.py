"""Shadow reports: create, edit texts and assessments, ask for and approve publication.

Publishing freezes the report into an immutable ReportVersion in one transaction: a snapshot of
every text, rating, value, reply and the *public fields* of cited evidence that is approved and
public at that moment. Restricted or confidential evidence may be cited while editing, for the
reviewers' own reference, and never enters a snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.markdown import render_markdown
from monitoring.models import (
    Assessment,
    Evidence,
    Indicator,
    Pillar,
    Report,
    ReportStatus,
    ReportVersion,
    ReportVersionIndicator,
)
from portal import audit
from portal.errors import DomainError, StaleVersion
from portal.models import Organisation, User
from portal.permissions import reviewer_organisation_ids

SNAPSHOT_SCHEMA = "observatorio1325/report-version/1"
REPORT_TEXT_FIELDS = ["title", "period_start", "period_end", "executive_summary", "methodology", "recommendations"]
ASSESSMENT_FIELDS = [
    "rating",
    "observed_value",
    "narrative",
    "reply_institution",
    "reply_text",
    "reply_received_on",
    "reply_requested_on",
]


class ReportError(DomainError):
    """A rule of this workflow refused the change."""


class StaleAssessment(ReportError, StaleVersion):
    """Another reviewer saved this assessment first; ``current`` is what she saved."""

    def __init__(self, message: str, current: Assessment):
        super().__init__(message)
        self.current = current


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return value


def is_author(user: User, report: Report) -> bool:
    """Reviewers of an authoring organisation may edit and publish the report."""
    return report.organisations.filter(pk__in=reviewer_organisation_ids(user)).exists()


def _require_author(user: User, report: Report) -> None:
    if not is_author(user, report):
        raise ReportError(_("Only reviewers of the authoring organisations can change this report."))


def _reopen(report: Report, actor: User) -> None:
    """An edit after a publication request (or after publishing) returns the working copy to draft."""
    if report.status != ReportStatus.DRAFT:
        before = report.status
        report.status = ReportStatus.DRAFT
        report.publication_requested_by = None
        report.publication_requested_at = None
        report.save(update_fields=["status", "publication_requested_by", "publication_requested_at", "updated_at"])
        audit.record(
            action="monitoring.report.reopened", obj=report, actor=actor, changes={"status": [before, "draft"]}
        )


# --------------------------------------------------------------------------- writing


def create_report(*, actor: User, organisations: Iterable[Organisation], fields: dict[str, Any]) -> Report:
    """Create a report with an empty assessment for every indicator of its plan."""
    organisations = list(organisations)
    own = reviewer_organisation_ids(actor)
    if not any(org.pk in own for org in organisations):
        raise ReportError(_("At least one authoring organisation must be one you review for."))
    with transaction.atomic():
        report = Report.objects.create(created_by=actor, **fields)
        report.organisations.set(organisations)
        indicators = Indicator.objects.active().filter(plan=report.plan)
        Assessment.objects.bulk_create([Assessment(report=report, indicator=i) for i in indicators])
        audit.record(
            action="monitoring.report.created",
            obj=report,
            actor=actor,
            changes={k: [None, _jsonable(v)] for k, v in fields.items()},
        )
    return report


def update_report(*, report: Report, actor: User, fields: dict[str, Any], expected_version: int) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if locked.version != expected_version:
            raise ReportError(
                _("Another reviewer saved these texts after you opened them. Reload and apply your changes again.")
            )
        changes = {}
        for name, value in fields.items():
            if getattr(locked, name) != value:
                changes[name] = [_jsonable(getattr(locked, name)), _jsonable(value)]
                setattr(locked, name, value)
        if changes:
            locked.version += 1
            locked.save()
            audit.record(action="monitoring.report.updated", obj=locked, actor=actor, changes=changes)
            _reopen(locked, actor)
    return locked


def citable_evidence(*, report: Report, user: User, indicators: Iterable[Indicator]) -> Any:
    """Approved evidence the reviewer may read, about these indicators, overlapping the report's period."""
    return (
        Evidence.objects.visible_to(user)
        .approved()
        .filter(indicators__in=list(indicators))
        .filter(Q(period_start__isnull=True) | Q(period_start__lte=report.period_end))
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=report.period_start))
        .distinct()
    )


def save_assessment(
    *,
    assessment: Assessment,
    actor: User,
    fields: dict[str, Any],
    cited: Iterable[Evidence],
    expected_version: int,
) -> Assessment:
    """Save one assessment. The second of two reviewers saving the same version is refused with the first's text."""
    cited = list(cited)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("report", "indicator").get(pk=assessment.pk)
        report = Report.objects.select_for_update().get(pk=locked.report_id)
        _require_author(actor, report)
        if locked.version != expected_version:
            raise StaleAssessment(
                _(
                    "Another reviewer saved this assessment while you were editing. "
                    "Your text was not saved; compare it with hers below."
                ),
                current=locked,
            )
        allowed = set(
            citable_evidence(report=report, user=actor, indicators=[locked.indicator]).values_list("pk", flat=True)
        )
        refused = [e for e in cited if e.pk not in allowed]
        if refused:
            raise ReportError(
                _("Only approved evidence about this indicator and from the report's period can be cited: %(titles)s.")
                % {"titles": ", ".join(f"“{e.title}”" for e in refused)}
            )
        before_cited = sorted(str(u) for u in locked.cited_evidence.values_list("uuid", flat=True))
        # Citations a co-author made of evidence this reviewer cannot see stay: she could not have removed them.
        cited += list(locked.cited_evidence.exclude(pk__in=Evidence.objects.visible_to(actor).values("pk")))
        # Compared as values, not as text: 84 typed is the 84.00 stored.
        changes = {
            name: [_jsonable(getattr(locked, name)), _jsonable(value)]
            for name, value in fields.items()
            if name in ASSESSMENT_FIELDS and getattr(locked, name) != value
        }
        after_cited = sorted({str(e.uuid) for e in cited})
        if after_cited != before_cited:
            changes["cited_evidence"] = [before_cited, after_cited]
        if not changes:
            # Saved untouched: no new version (a co-author's save stays accepted), no audit, no reopening.
            return locked
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        locked.cited_evidence.set(cited)
        audit.record(action="monitoring.assessment.updated", obj=locked, actor=actor, changes=changes)
        _reopen(report, actor)
    return locked


def request_publication(
    *, report: Report, actor: User, change_note: str = "", public_from: dt.datetime | None = None
) -> Report:
    """A reviewer asks for publication; a different reviewer must approve it."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if locked.status != ReportStatus.DRAFT:
            raise ReportError(_("Publication has already been requested, or nothing changed since the last version."))
        has_versions = locked.versions.exists()
        if has_versions and not change_note.strip():
            raise ReportError(_("A correction needs a change note saying what changed and why."))
        locked.status = ReportStatus.IN_REVIEW
        locked.publication_requested_by = actor
        locked.publication_requested_at = timezone.now()
        locked.publication_change_note = change_note.strip()
        locked.publication_public_from = public_from
        locked.save()
        audit.record(
            action="monitoring.report.publication_requested",
            obj=locked,
            actor=actor,
            changes={"status": ["draft", "in_review"]},
            reason=change_note,
        )
    return locked


def cancel_publication_request(*, report: Report, actor: User) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if locked.status != ReportStatus.IN_REVIEW:
            raise ReportError(_("There is no pending publication request."))
        _reopen(locked, actor)
    return locked


def approve_publication(*, report: Report, actor: User) -> ReportVersion:
    """The second pair of eyes: freeze the report into the next immutable version, all or nothing."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if locked.status != ReportStatus.IN_REVIEW:
            raise ReportError(_("Publication has not been requested, or it was already approved."))
        if locked.publication_requested_by_id == actor.pk:
            raise ReportError(_("Another reviewer must approve the publication you requested."))
        requester = locked.publication_requested_by
        if requester is None:  # guarded by the status check; kept for the type checker
            raise ReportError(_("Publication has not been requested, or it was already approved."))
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        published_at = timezone.now()
        snapshot = build_snapshot(
            locked,
            version={
                "number": number,
                "published_at": published_at.isoformat(),
                "public_from": locked.publication_public_from.isoformat() if locked.publication_public_from else None,
                "change_note": locked.publication_change_note,
            },
        )
        encoded = canonical_json(snapshot)
        version = ReportVersion.objects.create(
            report=locked,
            number=number,
            snapshot=snapshot,
            content_sha256=hashlib.sha256(encoded.encode()).hexdigest(),
            change_note=locked.publication_change_note,
            published_at=published_at,
            public_from=locked.publication_public_from,
            requested_by=requester,
            approved_by=actor,
        )
        index_version(version)
        locked.status = ReportStatus.PUBLISHED
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            action="monitoring.report.published",
            obj=locked,
            actor=actor,
            changes={"status": ["in_review", "published"], "version": [number - 1 or None, number]},
            reason=locked.publication_change_note,
        )
    return version


def index_version(version: ReportVersion) -> None:
    """Copy each indicator's rating, value and reply out of the snapshot, for the indicator pages."""
    rows = []
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
    ReportVersionIndicator.objects.bulk_create(rows)


# --------------------------------------------------------------------------- snapshot


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def build_snapshot(report: Report, version: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a published version shows, as plain data. Used for the preview and for publishing.

    A fixed number of queries whatever the number of assessments or citations.
    """
    plan = report.plan
    public_evidence = Evidence.objects.public().select_related("organisation")
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
