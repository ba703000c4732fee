"""Shadow reports: create, edit texts and assessments, ask for and approve publication.

Publishing freezes the report into an immutable ReportVersion in one transaction: a snapshot
(built by ``monitoring/snapshots.py``) of every text, rating, value, reply and the *public fields* of
cited evidence that is approved and public at that moment. Restricted or confidential evidence may be
cited while editing, for the reviewers' own reference, and never enters a snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import notifications, public_state, published_files, rules
from monitoring.models import (
    Assessment,
    CoAuthorship,
    CoAuthorshipStatus,
    Evidence,
    Indicator,
    Report,
    ReportStatus,
    ReportVersion,
)
from monitoring.snapshots import build_snapshot, index_version, snapshot_sha256
from portal import audit
from portal.errors import DomainError, StaleVersion
from portal.models import Organisation, User
from portal.permissions import reviewer_organisation_ids

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


class StaleReport(ReportError, StaleVersion):
    """The report changed after this reviewer opened it: another reviewer saved its texts, or asked for, withdrew or
    approved its publication."""


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
    """Create a report with an empty assessment for every indicator of its plan.

    The creator's own organisations (those she reviews for) author it at once; every other organisation listed is
    only *invited*: a pending co-authorship, with no rights on the report and no public mention until one of its
    reviewers accepts (``accept_coauthorship``). Its reviewers are told by e-mail.
    """
    organisations = list(dict.fromkeys(organisations))
    own = reviewer_organisation_ids(actor)
    if not any(org.pk in own for org in organisations):
        raise ReportError(_("At least one authoring organisation must be one you review for."))
    mine = [org for org in organisations if org.pk in own]
    invited = [org for org in organisations if org.pk not in own]
    with transaction.atomic():
        report = Report.objects.create(created_by=actor, **fields)
        report.organisations.set(mine)
        now = timezone.now()
        CoAuthorship.objects.bulk_create(
            [
                CoAuthorship(
                    report=report,
                    organisation=org,
                    status=CoAuthorshipStatus.ACCEPTED,
                    invited_by=actor,
                    decided_by=actor,
                    invited_at=now,
                    decided_at=now,
                )
                for org in mine
            ]
        )
        indicators = Indicator.objects.active().filter(plan=report.plan)
        Assessment.objects.bulk_create([Assessment(report=report, indicator=i) for i in indicators])
        audit.record(
            action="monitoring.report.created",
            obj=report,
            actor=actor,
            changes={
                **{k: [None, _jsonable(v)] for k, v in fields.items()},
                "organisations": [None, sorted(org.slug for org in mine)],
            },
        )
        for org in invited:
            _invite(report, org, actor)
    return report


# --------------------------------------------------------------------------- co-authorship by consent


def _invite(report: Report, organisation: Organisation, actor: User) -> CoAuthorship:
    coauthorship = CoAuthorship.objects.create(
        report=report, organisation=organisation, status=CoAuthorshipStatus.PENDING, invited_by=actor
    )
    audit.record(
        action="monitoring.report.coauthor_invited",
        obj=report,
        actor=actor,
        changes={"coauthor": [None, organisation.slug], "coauthorship": [None, CoAuthorshipStatus.PENDING]},
    )
    notifications.coauthorship_invited(coauthorship)
    return coauthorship


def invite_coauthor(*, report: Report, organisation: Organisation, actor: User) -> CoAuthorship:
    """An author invites another organisation after the report exists (again, if it declined or withdrew)."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        row = CoAuthorship.objects.select_for_update().filter(report=locked, organisation=organisation).first()
        if row is None:
            return _invite(locked, organisation, actor)
        if row.status in (CoAuthorshipStatus.PENDING, CoAuthorshipStatus.ACCEPTED):
            raise StaleReport(
                _("%(organisation)s is already an author or already invited.") % {"organisation": organisation.name}
            )
        before = row.status
        row.status = CoAuthorshipStatus.PENDING
        row.invited_by = actor
        row.decided_by = None
        row.decided_at = None
        row.save(update_fields=["status", "invited_by", "decided_by", "decided_at"])
        audit.record(
            action="monitoring.report.coauthor_invited",
            obj=locked,
            actor=actor,
            changes={"coauthor": [organisation.slug, organisation.slug], "coauthorship": [before, row.status]},
        )
        notifications.coauthorship_invited(row)
    return row


def cancel_coauthor_invitation(*, report: Report, organisation: Organisation, actor: User) -> None:
    """An author takes back an invitation nobody has answered yet (it never gave any right)."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        deleted, _rows = CoAuthorship.objects.filter(
            report=locked, organisation=organisation, status=CoAuthorshipStatus.PENDING
        ).delete()
        if not deleted:
            raise StaleReport(
                _("There is no pending invitation for %(organisation)s.") % {"organisation": organisation.name}
            )
        audit.record(
            action="monitoring.report.coauthor_invitation_cancelled",
            obj=locked,
            actor=actor,
            changes={"coauthor": [organisation.slug, None], "coauthorship": [CoAuthorshipStatus.PENDING, None]},
        )


def pending_coauthorships(report: Report) -> Any:
    """Organisations invited to author ``report`` that have not answered yet (shown to its authors only)."""
    return report.coauthorships.filter(status=CoAuthorshipStatus.PENDING).select_related("organisation")


def coauthorship_for_reviewer(user: User, report: Report) -> CoAuthorship | None:
    """The co-authorship of an organisation ``user`` reviews for on ``report`` (pending first), if any."""
    rows = report.coauthorships.filter(organisation_id__in=reviewer_organisation_ids(user)).select_related(
        "organisation"
    )
    pending = [c for c in rows if c.status == CoAuthorshipStatus.PENDING]
    accepted = [c for c in rows if c.status == CoAuthorshipStatus.ACCEPTED]
    for candidates in (pending, accepted, list(rows)):
        if candidates:
            return candidates[0]
    return None


def _decide(*, report: Report, actor: User, expected: str, new: str, action: str, reason: str = "") -> CoAuthorship:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        row = (
            CoAuthorship.objects.select_for_update()
            .select_related("organisation")
            .filter(report=locked, organisation_id__in=reviewer_organisation_ids(actor), status=expected)
            .first()
        )
        if row is None:
            if expected == CoAuthorshipStatus.PENDING:
                raise StaleReport(_("There is no pending invitation to co-author this report for your organisation."))
            raise StaleReport(_("Your organisation is not an author of this report."))
        if new == CoAuthorshipStatus.WITHDRAWN and locked.organisations.exclude(pk=row.organisation_id).count() == 0:
            raise ReportError(_("The last authoring organisation cannot withdraw: the report would have no author."))
        before = row.status
        row.status = new
        row.decided_by = actor
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "decided_by", "decided_at"])
        if new == CoAuthorshipStatus.ACCEPTED:
            locked.organisations.add(row.organisation)
        elif new == CoAuthorshipStatus.WITHDRAWN:
            locked.organisations.remove(row.organisation)
        audit.record(
            action=action,
            obj=locked,
            actor=actor,
            changes={"coauthor": [row.organisation.slug, row.organisation.slug], "coauthorship": [before, new]},
            reason=reason,
        )
        if new in (CoAuthorshipStatus.ACCEPTED, CoAuthorshipStatus.WITHDRAWN):
            # The authors changed: a pending request (or the published state) was about the old list.
            _reopen(locked, actor)
            if locked.versions.exists():  # the report list names the authors
                public_state.reports_changed()
        notifications.coauthorship_answered(row)
    return row


def accept_coauthorship(*, report: Report, actor: User) -> CoAuthorship:
    """A reviewer of an invited organisation accepts: it becomes an author (edit and approval rights, named)."""
    return _decide(
        report=report,
        actor=actor,
        expected=CoAuthorshipStatus.PENDING,
        new=CoAuthorshipStatus.ACCEPTED,
        action="monitoring.report.coauthor_accepted",
    )


def decline_coauthorship(*, report: Report, actor: User) -> CoAuthorship:
    """A reviewer of an invited organisation declines: it never gains any right, and is never named."""
    return _decide(
        report=report,
        actor=actor,
        expected=CoAuthorshipStatus.PENDING,
        new=CoAuthorshipStatus.DECLINED,
        action="monitoring.report.coauthor_declined",
    )


def withdraw_coauthorship(*, report: Report, actor: User) -> CoAuthorship:
    """An accepted organisation withdraws: from now on it has no rights and future versions do not name it.
    Versions already published are immutable and keep their authors."""
    return _decide(
        report=report,
        actor=actor,
        expected=CoAuthorshipStatus.ACCEPTED,
        new=CoAuthorshipStatus.WITHDRAWN,
        action="monitoring.report.coauthor_withdrawn",
    )


def update_report(*, report: Report, actor: User, fields: dict[str, Any], expected_version: int) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if locked.version != expected_version:
            raise StaleReport(
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
            if locked.versions.exists():  # the report list shows the report's current title and period
                public_state.reports_changed()
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
        if not rules.can_request_publication(locked):
            raise StaleReport(_("Publication has already been requested, or nothing changed since the last version."))
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
        notifications.publication_requested(locked, actor)
    return locked


def cancel_publication_request(*, report: Report, actor: User) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if not rules.can_cancel_publication(locked):
            raise StaleReport(_("There is no pending publication request."))
        notifications.publication_refused(locked, actor)  # before _reopen clears the requester
        _reopen(locked, actor)
    return locked


def approve_publication(*, report: Report, actor: User) -> ReportVersion:
    """The second pair of eyes: freeze the report into the next immutable version, all or nothing."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _require_author(actor, locked)
        if not rules.report_transition_allowed(locked.status, ReportStatus.PUBLISHED):
            raise StaleReport(_("Publication has not been requested, or it was already approved."))
        if not rules.can_approve_publication(locked, actor):
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
        version = ReportVersion.objects.create(
            report=locked,
            number=number,
            snapshot=snapshot,
            content_sha256=snapshot_sha256(snapshot),
            change_note=locked.publication_change_note,
            published_at=published_at,
            public_from=locked.publication_public_from,
            requested_by=requester,
            approved_by=actor,
        )
        index_version(version)
        published_files.after_publication(version)
        public_state.reports_changed()
        locked.status = ReportStatus.PUBLISHED
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            action="monitoring.report.published",
            obj=locked,
            actor=actor,
            changes={"status": ["in_review", "published"], "version": [number - 1 or None, number]},
            reason=locked.publication_change_note,
        )
        notifications.publication_approved(version, actor)
    return version
