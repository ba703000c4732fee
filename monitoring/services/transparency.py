"""Transparency requests: file (one per institution), record answers, extensions and appeals, withdraw, turn
answers into evidence. Each institution's public record is computed in ``monitoring/stats.py``.

Each write runs in one transaction, locks the row it changes, and writes the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from monitoring import attachments, notifications, public_state, rules
from monitoring.deadlines import load_calendar
from monitoring.files import CheckedFile, spooled_copy
from monitoring.models import (
    ANSWERED_STATUSES,
    AnswerType,
    Evidence,
    EvidenceKind,
    Indicator,
    Institution,
    RequestStatus,
    TransparencyAttachment,
    TransparencyRequest,
    Visibility,
)
from monitoring.partial_dates import PartialDate, partial_date_columns
from monitoring.services.evidence import create_evidence
from portal import audit, storage
from portal.errors import DomainError, StaleVersion
from portal.models import Organisation, User


class TransparencyError(DomainError):
    """A rule of this workflow refused the change."""


class StaleRequest(TransparencyError, StaleVersion):
    """Someone changed the request after this person opened it."""


def _check_member(organisation_id: int, actor: User) -> None:
    if not actor.memberships.filter(organisation_id=organisation_id).exists():
        raise TransparencyError(_("Only members of the organisation can change its requests."))


def file_requests(
    *,
    organisation: Organisation,
    actor: User,
    question: str,
    filed_on: dt.date,
    folios: dict[Institution, str],
    indicators: Iterable[Indicator],
    is_public: bool,
) -> list[TransparencyRequest]:
    """File the same question with several institutions: one request (and folio) per institution."""
    _check_member(organisation.pk, actor)
    calendar = load_calendar()
    indicators = list(indicators)
    due = calendar.add_working_days(filed_on, settings.TRANSPARENCY_ANSWER_DAYS)
    created = []
    try:
        with transaction.atomic():
            for institution, folio in folios.items():
                request = TransparencyRequest.objects.create(
                    organisation=organisation,
                    created_by=actor,
                    institution=institution,
                    folio=folio.strip(),
                    question=question,
                    filed_on=filed_on,
                    due_on=due,
                    is_public=is_public,
                )
                request.indicators.set(indicators)
                audit.record(
                    action="monitoring.transparency.filed",
                    obj=request,
                    actor=actor,
                    changes={
                        "institution": [None, institution.code],
                        "folio": [None, folio],
                        "due_on": [None, str(due)],
                    },
                )
                created.append(request)
            if is_public:
                public_state.transparency_changed()
    except IntegrityError as exc:
        raise TransparencyError(_("One of these folios is already registered for that institution.")) from exc
    return created


def _locked(request: TransparencyRequest, actor: User, expected_version: int | None) -> TransparencyRequest:
    locked = TransparencyRequest.objects.select_for_update().select_related("institution").get(pk=request.pk)
    _check_member(locked.organisation_id, actor)
    if expected_version is not None and locked.version != expected_version:
        raise StaleRequest(_("Someone changed this request after you opened it. Reload it and try again."))
    return locked


def _save(locked: TransparencyRequest, actor: User, action: str, changes: dict[str, Any]) -> TransparencyRequest:
    locked.version += 1
    locked.save()
    audit.record(action=action, obj=locked, actor=actor, changes=changes)
    public_state.transparency_changed()
    return locked


def _answer_snapshot(request: TransparencyRequest) -> dict[str, str]:
    return {
        "status": request.status,
        "answered_on": str(request.answered_on or ""),
        "answer_summary": request.answer_summary,
    }


def _appeal_snapshot(request: TransparencyRequest) -> dict[str, str]:
    return {
        "appeal_filed_on": str(request.appeal_filed_on or ""),
        "appeal_outcome": request.appeal_outcome,
        "appeal_outcome_on": str(request.appeal_outcome_on or ""),
    }


def _diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """Only what really changed, as [before, after]: an untouched save has nothing to record."""
    return {name: [before[name], after[name]] for name in after if before[name] != after[name]}


def record_answer(
    *,
    request: TransparencyRequest,
    actor: User,
    status: str,
    answered_on: dt.date | None,
    summary: str,
    files: list[CheckedFile],
    expected_version: int | None = None,
) -> TransparencyRequest:
    """Record what the institution answered (or that it did not), with the answer's files."""
    if status not in rules.RECORDED_STATUSES:
        raise TransparencyError(_("Choose what the institution answered."))
    if status in ANSWERED_STATUSES and answered_on is None:
        raise TransparencyError(_("Give the date of the answer."))
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(request, actor, expected_version)
            if not rules.request_transition_allowed(locked.status, status):
                raise TransparencyError(_("This request was withdrawn and can no longer be changed."))
            if answered_on is not None and answered_on < locked.filed_on:
                raise TransparencyError(_("The answer cannot be dated before the request was filed."))
            before = _answer_snapshot(locked)
            locked.status = status
            locked.answered_on = answered_on if status in ANSWERED_STATUSES else None
            locked.answer_summary = summary
            changes: dict[str, Any] = _diff(before, _answer_snapshot(locked))
            for checked in files:
                attachments.store(TransparencyAttachment, checked, actor, stored, request=locked)
            if files:
                changes["files"] = [None, [checked.name for checked in files]]
            if not changes:  # saved again untouched: no new version, nothing to audit
                return locked
            if before["status"] != status:
                notifications.transparency_answered(locked, actor)
            return _save(locked, actor, "monitoring.transparency.answered", changes)
    except BaseException:
        attachments.discard(stored)
        raise


def extend_request(
    *, request: TransparencyRequest, actor: User, expected_version: int | None = None
) -> TransparencyRequest:
    """The institution took the legal extension: the due date moves by the extension's working days."""
    with transaction.atomic():
        locked = _locked(request, actor, expected_version)
        if locked.extended_due_on is not None:
            raise TransparencyError(_("This request has already been extended."))
        if not rules.can_extend(locked):
            raise TransparencyError(_("Only a request still waiting for its answer can be extended."))
        locked.extended_due_on = load_calendar().add_working_days(locked.due_on, settings.TRANSPARENCY_EXTENSION_DAYS)
        return _save(
            locked, actor, "monitoring.transparency.extended", {"extended_due_on": [None, str(locked.extended_due_on)]}
        )


def record_appeal(
    *,
    request: TransparencyRequest,
    actor: User,
    filed_on: dt.date,
    outcome: str,
    outcome_on: dt.date | None,
    expected_version: int | None = None,
) -> TransparencyRequest:
    with transaction.atomic():
        locked = _locked(request, actor, expected_version)
        if not rules.can_appeal(locked):
            raise TransparencyError(_("This request was withdrawn and can no longer be changed."))
        if filed_on < locked.filed_on:
            raise TransparencyError(_("The appeal cannot be dated before the request was filed."))
        before = _appeal_snapshot(locked)
        locked.appeal_filed_on, locked.appeal_outcome, locked.appeal_outcome_on = filed_on, outcome, outcome_on
        changes = _diff(before, _appeal_snapshot(locked))
        if not changes:  # saved again untouched: no new version, nothing to audit
            return locked
        return _save(locked, actor, "monitoring.transparency.appeal", changes)


def withdraw_request(
    *, request: TransparencyRequest, actor: User, expected_version: int | None = None
) -> TransparencyRequest:
    """The organisation withdrew a request still waiting for its answer (an answered one stays in the record)."""
    with transaction.atomic():
        locked = _locked(request, actor, expected_version)
        if not rules.can_withdraw(locked):
            raise TransparencyError(_("Only a request still waiting for its answer can be withdrawn."))
        before = locked.status
        locked.status = RequestStatus.WITHDRAWN
        return _save(locked, actor, "monitoring.transparency.withdrawn", {"status": [before, RequestStatus.WITHDRAWN]})


# The request's outcome, as the answer's type on the evidence made from it.
ANSWER_TYPES: dict[str, str] = {
    RequestStatus.ANSWERED: AnswerType.FULL,
    RequestStatus.PARTIAL: AnswerType.PARTIAL,
    RequestStatus.NONEXISTENT: AnswerType.NONEXISTENT,
    RequestStatus.RESERVED: AnswerType.CLASSIFIED,
    RequestStatus.NOT_COMPETENT: AnswerType.NOT_COMPETENT,
}


def create_evidence_from_answer(
    *, request: TransparencyRequest, actor: User, expected_version: int | None = None
) -> Evidence:
    """Turn an answered request into a draft of evidence: prefilled, with copies of the answer's files, linked back."""
    with transaction.atomic():
        locked = _locked(request, actor, expected_version)
        if not rules.can_become_evidence(locked):
            raise TransparencyError(_("Only an answered request can become evidence."))
        indicators = list(locked.indicators.all())
        plan_id = indicators[0].plan_id if indicators else None
        if plan_id is None:
            raise TransparencyError(_("Link the request to at least one indicator first."))
        answered = locked.answered_on
        # Copies with the same bytes and hashes: the evidence keeps its chain of custody if the request changes.
        copies = []
        for source in locked.attachments.all():
            handle, size = storage.open_stream(str(source.file.name))
            with handle:
                content = spooled_copy(handle)  # in chunks, to a temporary file beyond a megabyte
            copies.append(
                CheckedFile(
                    name=source.original_name,
                    content_type=source.content_type,
                    file=content,
                    size=size,
                    sha256=source.sha256,
                    original_sha256=source.original_sha256,
                )
            )
        evidence = create_evidence(
            organisation=locked.organisation,
            actor=actor,
            fields={
                "plan_id": plan_id,
                "kind": EvidenceKind.TRANSPARENCY_ANSWER,
                "title": _("Answer of %(institution)s to request %(folio)s")
                % {"institution": locked.institution.code, "folio": locked.folio},
                "summary": (locked.answer_summary or "") + "\n\n" + _("Question asked:") + " " + locked.question,
                **partial_date_columns(
                    source=PartialDate(answered.year, answered.month, answered.day) if answered else None,
                    start=PartialDate(answered.year) if answered else None,
                    end=None,
                ),
                "language": "es",
                "visibility": Visibility.PUBLIC if locked.is_public else Visibility.CONFIDENTIAL,
                "transparency_request": locked,
                "folio": locked.folio,
                "answering_institution": locked.institution,
                "answer_type": ANSWER_TYPES.get(locked.status, ""),
                "indicators": [i for i in indicators if i.plan_id == plan_id],
                "institutions": [locked.institution],
            },
            files=copies,
            submit=False,
            reason="from a transparency request",
        )
        audit.record(
            action="monitoring.transparency.converted",
            obj=locked,
            actor=actor,
            changes={"evidence": [None, str(evidence.uuid)]},
        )
    return evidence
