"""Writing evidence: create, edit, attach files, submit and delete drafts.

Each function runs in one transaction, locks the row it changes, checks the
version the user edited (so two tabs never silently overwrite each other),
and writes the audit trail. Moderation decisions live in services/moderation.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import attachments, notifications, previews, search
from monitoring.files import CheckedFile
from monitoring.models import (
    ALL_KIND_FIELDS,
    EDITABLE_STATUSES,
    KIND_FIELDS,
    EntryKind,
    Evidence,
    EvidenceAttachment,
    EvidenceKind,
    EvidenceStatus,
    ModerationEntry,
    PreviewPage,
    Visibility,
    transition_allowed,
)
from portal import audit
from portal.errors import DomainError, StaleVersion
from portal.fields import plain_decimal
from portal.models import Organisation, User

# Fields compared for the audit trail's before/after.
TRACKED_FIELDS = [
    "kind",
    "title",
    "summary",
    "source_url",
    "source_date",
    "source_date_precision",
    "period_start",
    "period_start_precision",
    "period_end",
    "period_end_precision",
    "reported_value",
    "value_unit",
    "language",
    "visibility",
    *ALL_KIND_FIELDS,
    "source_reliability",
    "information_credibility",
]
TRACKED_M2M = ["indicators", "regions", "institutions"]


class EvidenceError(DomainError):
    """A domain rule refused the change; ``message`` is shown to the user."""


class StaleEdit(EvidenceError, StaleVersion):
    """Someone saved the item after this user opened it."""


def _snapshot(evidence: Evidence) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(evidence, name) for name in TRACKED_FIELDS}
    if evidence.pk:
        for name in TRACKED_M2M:
            data[name] = sorted(str(obj) for obj in getattr(evidence, name).all())
    return {k: _plain_value(v) for k, v in data.items()}


def _plain_value(value: Any) -> Any:
    """Comparable, JSON-ready values: 22 and 22.00 are the same number, so no change is recorded between them."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value) if value is not None and not isinstance(value, (str, list, bool)) else value


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def _apply(evidence: Evidence, fields: dict[str, Any]) -> dict[str, Any]:
    m2m = {name: fields.pop(name) for name in TRACKED_M2M if name in fields}
    for name, value in fields.items():
        setattr(evidence, name, value)
    return m2m


def _store_files(evidence: Evidence, files: Iterable[CheckedFile], actor: User, stored: list[str]) -> None:
    for checked in files:
        attachments.store(EvidenceAttachment, checked, actor, stored, evidence=evidence)
        audit.record(
            action="monitoring.evidence.attachment_added",
            obj=evidence,
            actor=actor,
            changes={"attachment": [None, checked.name], "sha256": [None, checked.sha256]},
        )


_discard = attachments.discard


DEFAULT_CURRENCY = "MXN"  # of budget documents


def empty_kind_value(name: str) -> Any:
    """What a kind field holds on an item of another kind: blank, null, unticked or an empty list."""
    field = Evidence._meta.get_field(name)
    if field.get_internal_type() == "BooleanField":
        return False
    if field.get_internal_type() == "JSONField":
        return []
    return None if field.null else ""


def kind_missing(values: dict[str, Any]) -> list[str]:
    """Names of the kind fields a submission of this kind needs but ``values`` lacks."""
    kind = values.get("kind") or ""
    missing = []
    if kind == EvidenceKind.NEWS_REPORT and values.get("relays_source") and not values.get("relayed_source"):
        missing.append("relayed_source")
    if kind == EvidenceKind.TESTIMONY:
        if not values.get("consent_recorded"):
            missing.append("consent_recorded")
        else:
            missing += [name for name in ("consent_date", "consent_recorded_by") if not values.get(name)]
    return missing


def _apply_kind_rules(evidence: Evidence, kept_visibility: str | None = None) -> None:
    """Every writer gets the same rules: fields of other kinds saved empty, a testimony confidential by default and
    never opened by its organisation (a moderator does that, with a reason, in services/moderation.py)."""
    own = set(KIND_FIELDS.get(evidence.kind, ()))
    for name in ALL_KIND_FIELDS:
        if name not in own:
            setattr(evidence, name, empty_kind_value(name))
    if evidence.kind == EvidenceKind.TESTIMONY:
        if not evidence.visibility:
            evidence.visibility = Visibility.CONFIDENTIAL
        elif evidence.visibility != Visibility.CONFIDENTIAL and evidence.visibility != kept_visibility:
            raise EvidenceError(
                _(
                    "A testimony is confidential: only a moderator can open it to reviewers or make it public, "
                    "with a reason."
                )
            )


def _check_member(evidence_org: Organisation, actor: User) -> None:
    if not actor.memberships.filter(organisation=evidence_org).exists():
        raise EvidenceError(_("Only members of the organisation can change its evidence."))


def create_evidence(
    *,
    organisation: Organisation,
    actor: User,
    fields: dict[str, Any],
    files: list[CheckedFile],
    submit: bool,
    note: str = "",
    creation_key: uuid.UUID | None = None,
    reason: str = "",
) -> Evidence:
    """Create an item as a draft (or submitted straight away) with its attachments.

    ``creation_key`` comes from the form: a double-clicked or re-sent form returns the item already created.
    ``reason`` says in the audit trail where the item came from (e.g. a transparency request's answer).
    """
    _check_member(organisation, actor)
    if creation_key is not None:
        existing = Evidence.objects.filter(organisation=organisation, creation_key=creation_key).first()
        if existing is not None:
            return existing
    stored: list[str] = []
    try:
        with transaction.atomic():
            evidence = Evidence(
                organisation=organisation, submitted_by=actor, status=EvidenceStatus.DRAFT, creation_key=creation_key
            )
            m2m = _apply(evidence, dict(fields))
            _apply_kind_rules(evidence)
            evidence.save()
            for name, values in m2m.items():
                getattr(evidence, name).set(values)
            search.refresh([evidence.pk])
            audit.record(
                action="monitoring.evidence.created",
                obj=evidence,
                actor=actor,
                changes={k: [None, v] for k, v in _snapshot(evidence).items() if v not in (None, "", [], False)},
                reason=reason,
            )
            _store_files(evidence, files, actor, stored)
            if submit:
                _submit_locked(evidence, actor, note)
    except IntegrityError:
        _discard(stored)
        existing = Evidence.objects.filter(organisation=organisation, creation_key=creation_key).first()
        if creation_key is None or existing is None:
            raise
        return existing  # the same form arrived twice at once; the other request created it
    except BaseException:
        _discard(stored)
        raise
    return evidence


def update_evidence(
    *,
    evidence: Evidence,
    actor: User,
    fields: dict[str, Any],
    files: list[CheckedFile],
    expected_version: int,
    submit: bool,
    note: str = "",
) -> Evidence:
    """Save an edit of a draft (or of an item whose changes were requested), optionally submitting it."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
            _check_member(locked.organisation, actor)
            if locked.status not in EDITABLE_STATUSES:
                raise EvidenceError(
                    _("This item is %(status)s and can no longer be edited.")
                    % {"status": locked.get_status_display().lower()}
                )
            if locked.version != expected_version:
                raise StaleEdit(
                    _(
                        "Someone saved this item after you opened it. Your changes were not saved: "
                        "review the current version below and apply them again."
                    )
                )
            before = _snapshot(locked)
            # A testimony a moderator opened keeps its visibility through its organisation's edits; an item that
            # becomes a testimony now starts from the rule, whatever it was before.
            kept_visibility = locked.visibility if locked.kind == EvidenceKind.TESTIMONY else None
            m2m = _apply(locked, dict(fields))
            _apply_kind_rules(locked, kept_visibility)
            for name, values in m2m.items():
                getattr(locked, name).set(values)
            changes = _diff(before, _snapshot(locked))
            # Saving a form untouched changes nothing: no new version, no audit event, no timestamp.
            if changes or files or submit:
                locked.version += 1
                locked.save()
                search.refresh([locked.pk])
            if changes:
                audit.record(action="monitoring.evidence.updated", obj=locked, actor=actor, changes=changes)
            _store_files(locked, files, actor, stored)
            if submit:
                _submit_locked(locked, actor, note)
    except BaseException:
        _discard(stored)
        raise
    return locked


def _submit_locked(evidence: Evidence, actor: User, note: str = "") -> None:
    if not transition_allowed(evidence.status, EvidenceStatus.SUBMITTED):
        raise EvidenceError(_("Only a draft or an item with requested changes can be submitted."))
    missing = missing_for_submission(evidence)
    if missing:
        raise EvidenceError(_("Complete these fields before submitting: %(fields)s.") % {"fields": ", ".join(missing)})
    before = evidence.status
    evidence.status = EvidenceStatus.SUBMITTED
    evidence.submitted_at = timezone.now()
    evidence.save(update_fields=["status", "submitted_at", "version", "updated_at"])
    audit.record(
        action="monitoring.evidence.submitted",
        obj=evidence,
        actor=actor,
        changes={"status": [before, EvidenceStatus.SUBMITTED]},
        reason=note,
    )
    ModerationEntry.objects.create(evidence=evidence, author=actor, kind=EntryKind.SUBMITTED, text=note.strip())
    previews.request_previews(evidence)  # the moderation page's inline previews, rendered in the worker on commit
    from monitoring.services.archives import archive_on_submission  # a copy of the source URL, fetched by the worker

    archive_on_submission(evidence, actor)
    notifications.evidence_submitted(evidence, actor)


def submit_evidence(*, evidence: Evidence, actor: User, expected_version: int, note: str = "") -> Evidence:
    """Send a complete draft to the moderators."""
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        _check_member(locked.organisation, actor)
        if locked.version != expected_version:
            raise StaleEdit(_("Someone changed this item after you opened it. Check it and submit again."))
        locked.version += 1
        _submit_locked(locked, actor, note)
    return locked


def missing_for_submission(evidence: Evidence) -> list[str]:
    """Labels of the fields a submission needs but this item lacks."""
    missing = []
    for name in ("kind", "summary", "source_date", "period_start", "language", "visibility"):
        if not getattr(evidence, name):
            missing.append(str(getattr(Evidence._meta.get_field(name), "verbose_name", name)))
    for name in kind_missing({name: getattr(evidence, name) for name in ("kind", *ALL_KIND_FIELDS)}):
        missing.append(str(getattr(Evidence._meta.get_field(name), "verbose_name", name)))
    if not evidence.indicators.exists():
        missing.append(str(getattr(Evidence._meta.get_field("indicators"), "verbose_name", "indicators")))
    if not evidence.source_url and not evidence.attachments.exists():
        missing.append(_("a source URL or an attached file"))
    return missing


def delete_draft(*, evidence: Evidence, actor: User) -> None:
    """Delete a draft and its files. Anything ever submitted is never deleted."""
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        _check_member(locked.organisation, actor)
        if locked.status != EvidenceStatus.DRAFT:
            raise EvidenceError(_("Only drafts can be deleted; submitted evidence is kept."))
        names = [str(a.file.name) for a in locked.attachments.all()]
        audit.record(
            action="monitoring.evidence.draft_deleted",
            obj=locked,
            actor=actor,
            changes={"title": [locked.title, None]},
        )
        locked.delete()
        transaction.on_commit(lambda: _discard(names))


def remove_attachment(*, attachment: EvidenceAttachment, actor: User) -> None:
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=attachment.evidence_id)
        _check_member(evidence.organisation, actor)
        if evidence.status not in EDITABLE_STATUSES:
            raise EvidenceError(_("Files of submitted evidence cannot be removed."))
        name = str(attachment.file.name)
        # Its inline previews (monitoring/previews.py) go with it: rows by cascade, stored images after commit.
        preview_names = [
            str(n) for n in PreviewPage.objects.filter(preview__attachment=attachment).values_list("file", flat=True)
        ]
        audit.record(
            action="monitoring.evidence.attachment_removed",
            obj=evidence,
            actor=actor,
            changes={"attachment": [attachment.original_name, None], "sha256": [attachment.sha256, None]},
        )
        attachment.delete()
        evidence.version += 1
        evidence.save(update_fields=["version", "updated_at"])
        transaction.on_commit(lambda: _discard([name, *preview_names]))
