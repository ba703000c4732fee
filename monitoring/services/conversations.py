"""Working on an item together: messages on its thread, moderators' internal notes, claims, decisions that respect
a claim, and marking an item as a duplicate of another.

The thread is between the item's organisation and the moderators (``permissions.can_converse``). Internal notes
are written and read by moderators only: they are audited on the note itself (never on the item, whose history
its organisation reads) and notify no one. A claim lapses ``MODERATION_CLAIM_MINUTES`` after it was made, computed
when read; a decision closes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.markdown import render_markdown
from monitoring.models import (
    MAX_COMMENT,
    CommentKind,
    DuplicateMark,
    EntryKind,
    Evidence,
    EvidenceClaim,
    EvidenceComment,
    EvidenceStatus,
    ModerationEntry,
    TextFormat,
)
from monitoring.permissions import can_converse
from monitoring.services import moderation
from monitoring.services.evidence import EvidenceError
from portal import audit
from portal.fields import normalize_newlines
from portal.models import User
from portal.notifications import notify
from portal.permissions import is_moderator, moderators, organisations_of

RESUBMITTED = gettext_lazy("Resubmitted")


class ConversationError(EvidenceError):
    """A message, claim or duplicate mark was refused; ``message`` says why."""


class ClaimedByOther(EvidenceError):
    """Another moderator holds the item: deciding needs an explicit confirmation."""


# --- the thread ---------------------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """What a message box sent, as it will be stored: line breaks counted as one character, outer blanks dropped."""
    return normalize_newlines(text or "").strip()


def validate_text(text: str) -> str:
    text = clean_text(text)
    if not text:
        raise ConversationError(_("Write a message first."))
    if len(text) > MAX_COMMENT:
        raise ConversationError(
            _("The message is too long: %(length)s characters, at most %(max)s.")
            % {"length": f"{len(text):,}", "max": f"{MAX_COMMENT:,}"}
        )
    return text


def comment_html(comment: EvidenceComment) -> SafeString:
    """A message as HTML: escaped plain text with its line breaks, or Markdown through the sanitising renderer."""
    if comment.text_format == TextFormat.MARKDOWN:
        return mark_safe(render_markdown(comment.text))  # noqa: S308 - nh3 allow-list (monitoring/markdown.py)
    return linebreaksbr(escape(comment.text))


def _members_of(evidence: Evidence) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation_id=evidence.organisation_id, is_active=True).distinct()


def post_comment(
    *,
    evidence: Evidence,
    actor: User,
    text: str,
    text_format: str = TextFormat.PLAIN,
    kind: str = CommentKind.MESSAGE,
    internal: bool = False,
) -> EvidenceComment:
    """Add a message to an item's thread (or, ``internal``, a moderators-only note) and tell the other side."""
    text = validate_text(text)
    if text_format not in TextFormat.values or kind not in CommentKind.values:
        raise ConversationError(_("Choose a format and a kind of message from the list."))
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().select_related("organisation").get(pk=evidence.pk)
        if internal and not is_moderator(actor):
            raise ConversationError(_("Only moderators can write internal notes."))
        if not can_converse(actor, locked):
            raise ConversationError(_("You cannot write on this item's thread."))
        if not locked.was_submitted:
            raise ConversationError(_("Submit the item first: moderators do not see drafts."))
        comment = EvidenceComment.objects.create(
            evidence=locked, author=actor, kind=kind, internal=internal, text_format=text_format, text=text
        )
        if internal:
            # On the note, never on the item: the item's history is read by its organisation.
            audit.record(
                action="monitoring.evidence.internal_note_added",
                obj=comment,
                actor=actor,
                changes={"evidence": [None, str(locked.uuid)]},
            )
            return comment
        audit.record(
            action="monitoring.evidence.commented",
            obj=locked,
            actor=actor,
            changes={"comment": [None, str(comment.uuid)], "kind": [None, kind]},
        )
        from_member = organisations_of(actor).filter(pk=locked.organisation_id).exists()
        # Everyone told may read the item: moderators read every submitted item, members their organisation's.
        # The title only, never the message: e-mails and inbox rows stay short and carry no thread text.
        if from_member:
            notify(
                "evidence.commented",
                moderators(),
                actor=actor,
                target=locked,
                url_name="monitoring:moderation_item",
                url_kwargs={"uuid": locked.uuid},
                params={"title": locked.title},
            )
        else:
            notify(
                "evidence.commented",
                _members_of(locked),
                actor=actor,
                target=locked,
                url_name="monitoring:evidence_detail",
                url_kwargs={"uuid": locked.uuid},
                params={"title": locked.title},
            )
    return comment


@dataclass
class ThreadItem:
    """One line of the thread: a moderation entry (submission, decision) or a message."""

    created_at: dt.datetime
    entry: ModerationEntry | None = None
    comment: EvidenceComment | None = None
    label: str = ""
    html: str = ""


def thread(evidence: Evidence, *, internal: bool = False) -> list[ThreadItem]:
    """The item's thread in time order: submissions (a resubmission named so), decisions and messages.

    With ``internal`` the moderators' notes only (kept apart: never merged into the shared thread)."""
    comments = EvidenceComment.objects.filter(evidence=evidence, internal=internal).select_related("author")
    items = [
        ThreadItem(c.created_at, comment=c, label=c.get_kind_display(), html=comment_html(c))
        for c in comments.order_by("created_at", "pk")
    ]
    if internal:
        return items
    changes_seen = False
    for entry in (
        ModerationEntry.objects.filter(evidence=evidence).select_related("author").order_by("created_at", "pk")
    ):
        label = entry.get_kind_display()
        if entry.kind == EntryKind.SUBMITTED and changes_seen:
            label = str(RESUBMITTED)
        changes_seen = changes_seen or entry.kind == EntryKind.CHANGES_REQUESTED
        items.append(ThreadItem(entry.created_at, entry=entry, label=label))
    return sorted(items, key=lambda item: item.created_at)


# --- claims -------------------------------------------------------------------------------------------------------


def claim_duration() -> dt.timedelta:
    return dt.timedelta(minutes=settings.MODERATION_CLAIM_MINUTES)


def active_claims(now: dt.datetime | None = None) -> QuerySet[EvidenceClaim]:
    """Claims that are open and have not lapsed."""
    now = now or timezone.now()
    return EvidenceClaim.objects.filter(released_at__isnull=True, claimed_at__gt=now - claim_duration())


def active_claim(evidence: Evidence) -> EvidenceClaim | None:
    return active_claims().filter(evidence=evidence).select_related("moderator").first()


def claims_by_item(evidence_ids: list[int]) -> dict[int, EvidenceClaim]:
    """The active claim of each of these items (one query, for the queue)."""
    return {c.evidence_id: c for c in active_claims().filter(evidence_id__in=evidence_ids).select_related("moderator")}


def claim_expires_at(claim: EvidenceClaim) -> dt.datetime:
    return claim.claimed_at + claim_duration()


def describe_claim(claim: EvidenceClaim) -> str:
    return _("Claimed by %(who)s since %(when)s (until %(until)s).") % {
        "who": claim.moderator,
        "when": date_format(localtime(claim.claimed_at), "DATETIME_FORMAT"),
        "until": date_format(localtime(claim_expires_at(claim)), "TIME_FORMAT"),
    }


def _require_moderator(actor: User) -> None:
    if not is_moderator(actor):
        raise ConversationError(_("Only moderators can do this."))


def claim_item(*, evidence: Evidence, actor: User) -> EvidenceClaim:
    """Say "I am reviewing this one". A lapsed claim of someone else is closed; an active one is refused."""
    _require_moderator(actor)
    now = timezone.now()
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.status != EvidenceStatus.SUBMITTED:
            raise ConversationError(_("Only items waiting for a decision can be claimed."))
        current = EvidenceClaim.objects.select_for_update().filter(evidence=locked, released_at__isnull=True).first()
        if current is not None:
            if current.claimed_at > now - claim_duration():
                if current.moderator_id == actor.pk:
                    return current
                raise ConversationError(describe_claim(current))
            current.released_at = claim_expires_at(current)  # it lapsed then, whoever notices it now
            current.save(update_fields=["released_at"])
        claim = EvidenceClaim.objects.create(evidence=locked, moderator=actor, claimed_at=now)
        audit.record(
            action="monitoring.evidence.claimed", obj=claim, actor=actor, changes={"evidence": [None, str(locked.uuid)]}
        )
    return claim


def release_claim(*, evidence: Evidence, actor: User) -> None:
    """Give up one's own claim (lapsed or not). Someone else's claim is hers to release."""
    _require_moderator(actor)
    with transaction.atomic():
        Evidence.objects.select_for_update().get(pk=evidence.pk)
        claim = (
            EvidenceClaim.objects.select_for_update()
            .filter(evidence=evidence, released_at__isnull=True, moderator=actor)
            .first()
        )
        if claim is None:
            raise ConversationError(_("You have no claim on this item."))
        claim.released_at = timezone.now()
        claim.save(update_fields=["released_at"])
        audit.record(
            action="monitoring.evidence.claim_released",
            obj=claim,
            actor=actor,
            changes={"evidence": [str(evidence.uuid), None]},
        )


def _check_claim(evidence: Evidence, actor: User, confirmed: bool) -> None:
    claim = active_claim(evidence)
    if claim is not None and claim.moderator_id != actor.pk and not confirmed:
        raise ClaimedByOther(
            _("%(claim)s Your decision was not recorded: tick “Decide anyway” to record it.")
            % {"claim": describe_claim(claim)}
        )


def _close_claims(evidence: Evidence) -> None:
    EvidenceClaim.objects.filter(evidence=evidence, released_at__isnull=True).update(released_at=timezone.now())


def decide(
    *,
    evidence: Evidence,
    actor: User,
    decision: str,
    reason: str,
    expected_version: int | None,
    confirm_claim: bool = False,
) -> Evidence:
    """A moderation decision (services/moderation.py) that does not silently pass over a colleague's claim."""
    with transaction.atomic():
        Evidence.objects.select_for_update().get(pk=evidence.pk)
        _check_claim(evidence, actor, confirm_claim)
        decided = moderation.decide_evidence(
            evidence=evidence, actor=actor, decision=decision, reason=reason, expected_version=expected_version
        )
        _close_claims(decided)
    return decided


def claimed_by_other(evidence: Evidence, actor: User) -> bool:
    claim = active_claim(evidence)
    return claim is not None and claim.moderator_id != actor.pk


# --- duplicates ---------------------------------------------------------------------------------------------------


def mark_duplicate(
    *,
    evidence: Evidence,
    original_uuid: Any,
    actor: User,
    reason: str,
    expected_version: int | None,
    confirm_claim: bool = False,
) -> DuplicateMark:
    """Reject a submitted item as repeating another item of the same plan, with a reason its organisation reads."""
    _require_moderator(actor)
    original = (
        Evidence.objects.visible_to(actor)
        .filter(plan_id=evidence.plan_id, uuid=original_uuid)
        .exclude(pk=evidence.pk)
        .first()
        if original_uuid
        else None
    )
    if original is None:
        raise ConversationError(_("Choose the item this one repeats, among the possible duplicates of the same plan."))
    with transaction.atomic():
        Evidence.objects.select_for_update().get(pk=evidence.pk)
        if DuplicateMark.objects.filter(evidence=original, duplicate_of=evidence).exists():
            raise ConversationError(_("That item is already marked as a duplicate of this one."))
        _check_claim(evidence, actor, confirm_claim)
        decided = moderation.mark_duplicate_decision(
            evidence=evidence, actor=actor, reason=reason, expected_version=expected_version
        )
        mark = DuplicateMark.objects.create(
            evidence=decided, duplicate_of=original, moderator=actor, reason=clean_text(reason)
        )
        _close_claims(decided)
    return mark
