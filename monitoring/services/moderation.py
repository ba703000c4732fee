"""Moderation decisions: approve, reject, ask for changes, withdraw; the reliability assessment confirmed at
approval (docs/RELIABILITY.md) and a testimony's visibility, which only a moderator changes.

Each decision runs in one transaction that locks the evidence row, checks the
transition against the lifecycle table, records a ModerationEntry and an audit
event, and queues the submitter's e-mail (delivered after commit). When two
moderators decide the same item at once, the row lock serialises them: the
second sees the first's decision and gets AlreadyDecided naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from monitoring import notifications, public_state
from monitoring.models import (
    EntryKind,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    InformationCredibility,
    ModerationEntry,
    SourceReliability,
    Visibility,
    transition_allowed,
)
from monitoring.services.evidence import EvidenceError
from portal import audit
from portal.errors import StaleVersion
from portal.fields import normalize_newlines
from portal.models import User
from portal.permissions import is_moderator, organisations_of

MAX_REASON = 5000


class AlreadyDecided(EvidenceError, StaleVersion):
    """Another decision won the race (or the item changed after the moderator opened it): a conflict, HTTP 409."""


@dataclass(frozen=True)
class Decision:
    status: str
    entry_kind: str
    action: str
    needs_reason: bool


DECISIONS = {
    "approve": Decision(EvidenceStatus.APPROVED, EntryKind.APPROVED, "monitoring.evidence.approved", False),
    "reject": Decision(EvidenceStatus.REJECTED, EntryKind.REJECTED, "monitoring.evidence.rejected", True),
    "request_changes": Decision(
        EvidenceStatus.CHANGES_REQUESTED, EntryKind.CHANGES_REQUESTED, "monitoring.evidence.changes_requested", True
    ),
    "withdraw": Decision(EvidenceStatus.WITHDRAWN, EntryKind.WITHDRAWN, "monitoring.evidence.withdrawn", True),
    # Marked as a duplicate of another item: a rejection with its reason (services/conversations.py mark_duplicate).
    "duplicate": Decision(EvidenceStatus.REJECTED, EntryKind.REJECTED, "monitoring.evidence.marked_duplicate", True),
}


def _last_decision(evidence: Evidence) -> ModerationEntry | None:
    return (
        ModerationEntry.objects.filter(evidence=evidence)
        .exclude(kind=EntryKind.SUBMITTED)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )


def _decide(*, evidence: Evidence, actor: User, decision: str, reason: str, expected_version: int | None) -> Evidence:
    rule = DECISIONS[decision]
    # Count line breaks as the box does (one character each), not as the browser sends them.
    reason = normalize_newlines(reason or "").strip()
    if rule.needs_reason and not reason:
        raise EvidenceError(_("Give a reason: the submitter will read it."))
    if len(reason) > MAX_REASON:
        raise EvidenceError(_("The reason is too long (at most %(max)s characters).") % {"max": MAX_REASON})
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().select_related("organisation", "submitted_by").get(pk=evidence.pk)
        if not transition_allowed(locked.status, rule.status) or (
            expected_version is not None and locked.version != expected_version
        ):
            last = _last_decision(locked)
            if last is not None and locked.status != EvidenceStatus.SUBMITTED:
                raise AlreadyDecided(
                    _(
                        "This item was already decided: %(decision)s by %(who)s on %(when)s. "
                        "Your decision was not recorded."
                    )
                    % {
                        "decision": last.get_kind_display().lower(),
                        "who": last.author,
                        "when": date_format(localtime(last.created_at), "DATETIME_FORMAT"),
                    }
                )
            raise AlreadyDecided(
                _("This item changed while you were looking at it (now: %(status)s). Reload it and decide again.")
                % {"status": locked.get_status_display().lower()}
            )
        if decision == "approve" and locked.submitted_by_id == actor.pk:
            raise EvidenceError(_("You cannot approve evidence you submitted yourself; another moderator must."))
        before = locked.status
        locked.status = rule.status
        locked.version += 1
        fields = ["status", "version", "updated_at"]
        if decision == "approve" and locked.source_reliability and locked.information_credibility:
            # Approval confirms the assessment the item carries now: the member's, or the moderator's when she
            # changed it on the decision page (approve_assessed, same transaction, audited there). The decision page
            # and bulk approval refuse an item without one; an item approved otherwise stays "not assessed".
            locked.reliability_confirmed_by = actor
            locked.reliability_confirmed_at = timezone.now()
            fields += ["reliability_confirmed_by", "reliability_confirmed_at"]
        locked.save(update_fields=fields)
        entry = ModerationEntry.objects.create(evidence=locked, author=actor, kind=rule.entry_kind, text=reason)
        audit.record(
            action=rule.action, obj=locked, actor=actor, changes={"status": [before, rule.status]}, reason=reason
        )
        notifications.decision_made(locked, entry)
        if EvidenceStatus.APPROVED in (before, rule.status):  # public pages and the public CSVs change
            public_state.evidence_changed([locked])
    return locked


def _require_moderator(actor: User) -> None:
    if not is_moderator(actor):
        raise EvidenceError(_("Only moderators can decide on evidence."))


def approve_evidence(
    *, evidence: Evidence, actor: User, note: str = "", expected_version: int | None = None
) -> Evidence:
    """Approve a submitted item. A moderator may not approve what she submitted."""
    _require_moderator(actor)
    return _decide(evidence=evidence, actor=actor, decision="approve", reason=note, expected_version=expected_version)


def checked_assessment(source_reliability: str, information_credibility: str) -> tuple[str, str]:
    """Both values of an assessment, each one of its scale (docs/RELIABILITY.md); anything else is refused."""
    if source_reliability not in SourceReliability.values:
        raise EvidenceError(_("Choose how reliable the source is, from the list."))
    if information_credibility not in InformationCredibility.values:
        raise EvidenceError(_("Choose how credible the information is, from the list."))
    return source_reliability, information_credibility


def _store_assessment(
    *, evidence: Evidence, actor: User, source: str, information: str, expected_version: int | None
) -> None:
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.status != EvidenceStatus.SUBMITTED or (
        expected_version is not None and locked.version != expected_version
    ):
        return  # decided or changed meanwhile: the decision that follows refuses it and says why
    changes = {
        field: [getattr(locked, field), value]
        for field, value in (("source_reliability", source), ("information_credibility", information))
        if getattr(locked, field) != value
    }
    if not changes:
        return
    locked.source_reliability, locked.information_credibility = source, information
    locked.save(update_fields=["source_reliability", "information_credibility", "updated_at"])
    audit.record(action="monitoring.evidence.reliability_changed", obj=locked, actor=actor, changes=changes)


def approve_assessed(
    *,
    evidence: Evidence,
    actor: User,
    note: str,
    expected_version: int | None,
    source_reliability: str,
    information_credibility: str,
    confirm_claim: bool = False,
) -> Evidence:
    """The decision page's approval: the moderator confirms or changes the member's reliability assessment and
    approves, in one transaction. A change is audited with the values before and after; the approval records who
    confirmed the assessment and when. Claims are checked by conversations.decide, as for every decision."""
    from monitoring.services import conversations  # it imports this module

    _require_moderator(actor)
    source, information = checked_assessment(source_reliability, information_credibility)
    with transaction.atomic():
        _store_assessment(
            evidence=evidence, actor=actor, source=source, information=information, expected_version=expected_version
        )
        return conversations.decide(
            evidence=evidence,
            actor=actor,
            decision="approve",
            reason=note,
            expected_version=expected_version,
            confirm_claim=confirm_claim,
        )


def change_visibility(
    *, evidence: Evidence, actor: User, visibility: str, reason: str, expected_version: int | None
) -> Evidence:
    """A moderator changes a testimony's visibility (making it public, or confidential again), with a reason that
    the audit trail keeps. A testimony is confidential until then; organisations set other items' visibility."""
    _require_moderator(actor)
    reason = normalize_newlines(reason or "").strip()
    if visibility not in Visibility.values:
        raise EvidenceError(_("Choose a visibility from the list."))
    if not reason:
        raise EvidenceError(_("Give the reason for changing the visibility: the audit trail keeps it."))
    if len(reason) > MAX_REASON:
        raise EvidenceError(_("The reason is too long (at most %(max)s characters).") % {"max": MAX_REASON})
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if expected_version is not None and locked.version != expected_version:
            raise AlreadyDecided(
                _("This item changed while you were looking at it (now: %(status)s). Reload it and decide again.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.kind != EvidenceKind.TESTIMONY:
            raise EvidenceError(_("Only a testimony's visibility is changed here; its organisation sets the others'."))
        if not locked.was_submitted:
            raise EvidenceError(_("This item is a draft: it has not been submitted yet."))
        before = locked.visibility
        if before == visibility:
            return locked
        was_public = locked.is_public
        locked.visibility = visibility
        locked.version += 1
        locked.save(update_fields=["visibility", "version", "updated_at"])
        audit.record(
            action="monitoring.evidence.visibility_changed",
            obj=locked,
            actor=actor,
            changes={"visibility": [before, visibility]},
            reason=reason,
        )
        if was_public or locked.is_public:  # public pages and the public CSVs change
            public_state.evidence_changed([locked])
    return locked


def reject_evidence(*, evidence: Evidence, actor: User, reason: str, expected_version: int | None = None) -> Evidence:
    """Reject a submitted item, with a reason the submitter reads."""
    _require_moderator(actor)
    return _decide(evidence=evidence, actor=actor, decision="reject", reason=reason, expected_version=expected_version)


def request_changes(*, evidence: Evidence, actor: User, reason: str, expected_version: int | None = None) -> Evidence:
    """Send a submitted item back to its organisation, saying what to change."""
    _require_moderator(actor)
    return _decide(
        evidence=evidence, actor=actor, decision="request_changes", reason=reason, expected_version=expected_version
    )


def withdraw_evidence(*, evidence: Evidence, actor: User, reason: str, expected_version: int | None = None) -> Evidence:
    """Withdraw approved evidence (never delete it). Moderators and members of its organisation may."""
    if not is_moderator(actor) and not organisations_of(actor).filter(pk=evidence.organisation_id).exists():
        raise EvidenceError(_("Only moderators or the organisation's members can withdraw this evidence."))
    return _decide(
        evidence=evidence, actor=actor, decision="withdraw", reason=reason, expected_version=expected_version
    )


def mark_duplicate_decision(
    *, evidence: Evidence, actor: User, reason: str, expected_version: int | None = None
) -> Evidence:
    """Reject a submitted item as repeating another (services/conversations.py mark_duplicate records which)."""
    _require_moderator(actor)
    return _decide(
        evidence=evidence, actor=actor, decision="duplicate", reason=reason, expected_version=expected_version
    )


def decide_evidence(
    *, evidence: Evidence, actor: User, decision: str, reason: str, expected_version: int | None
) -> Evidence:
    """Dispatch a decision named by a form button."""
    if decision == "approve":
        return approve_evidence(evidence=evidence, actor=actor, note=reason, expected_version=expected_version)
    if decision == "reject":
        return reject_evidence(evidence=evidence, actor=actor, reason=reason, expected_version=expected_version)
    if decision == "request_changes":
        return request_changes(evidence=evidence, actor=actor, reason=reason, expected_version=expected_version)
    if decision == "withdraw":
        return withdraw_evidence(evidence=evidence, actor=actor, reason=reason, expected_version=expected_version)
    raise EvidenceError(_("Unknown decision."))
