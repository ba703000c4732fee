"""The evidence lifecycle: every transition, reasons, self-approval, audit rows, e-mail after commit."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from monitoring.models import EntryKind, EvidenceStatus, ModerationEntry
from monitoring.services import moderation
from monitoring.services.evidence import EvidenceError
from portal.models import AuditEvent, MailStatus, OutgoingMail
from tests.factories import EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in EvidenceStatus]


@pytest.fixture(autouse=True)
def english():
    """Service messages follow the active language; these tests read them in English."""
    with translation.override("en"):
        yield


ALLOWED = {
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "request_changes"): "changes_requested",
    ("approved", "withdraw"): "withdrawn",
}


def item(cast, mx_plan, status="submitted", **kwargs):
    kwargs.setdefault("submitted_by", cast.member)
    return EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status=status, **kwargs)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("decision", ["approve", "reject", "request_changes", "withdraw"])
def test_every_allowed_and_every_forbidden_decision(cast, mx_plan, status, decision):
    evidence = item(cast, mx_plan, status=status)
    expected = ALLOWED.get((status, decision))
    if expected:
        result = moderation.decide_evidence(
            evidence=evidence, actor=cast.moderator, decision=decision, reason="Because.", expected_version=None
        )
        assert result.status == expected
        assert ModerationEntry.objects.filter(evidence=evidence, kind=expected, author=cast.moderator).exists()
    else:
        with pytest.raises(EvidenceError):
            moderation.decide_evidence(
                evidence=evidence, actor=cast.moderator, decision=decision, reason="Because.", expected_version=None
            )
        evidence.refresh_from_db()
        assert evidence.status == status
        assert not ModerationEntry.objects.filter(evidence=evidence).exists()


@pytest.mark.parametrize("decision", ["reject", "request_changes"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_and_ask_for_changes_require_a_reason(cast, mx_plan, decision, reason):
    evidence = item(cast, mx_plan)
    with pytest.raises(EvidenceError, match="reason"):
        moderation.decide_evidence(
            evidence=evidence, actor=cast.moderator, decision=decision, reason=reason, expected_version=None
        )
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


def test_an_overlong_reason_is_refused(cast, mx_plan):
    with pytest.raises(EvidenceError, match="too long"):
        moderation.reject_evidence(evidence=item(cast, mx_plan), actor=cast.moderator, reason="x" * 5001)


def test_a_moderator_may_not_approve_what_she_submitted(cast, mx_plan):
    evidence = item(cast, mx_plan, submitted_by=cast.moderator)
    with pytest.raises(EvidenceError, match="submitted yourself"):
        moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    evidence.refresh_from_db()
    assert evidence.status == "submitted"


@pytest.mark.parametrize("role", ["member", "reviewer", "other_reviewer", "outsider"])
def test_only_moderators_decide(cast, mx_plan, role):
    with pytest.raises(EvidenceError, match="Only moderators"):
        moderation.approve_evidence(evidence=item(cast, mx_plan), actor=getattr(cast, role))


def test_members_of_the_organisation_may_withdraw_approved_evidence_but_others_not(cast, mx_plan):
    with pytest.raises(EvidenceError):
        moderation.withdraw_evidence(evidence=item(cast, mx_plan, "approved"), actor=cast.other_member, reason="no")
    withdrawn = moderation.withdraw_evidence(
        evidence=item(cast, mx_plan, "approved"), actor=cast.member, reason="Safety"
    )
    assert withdrawn.status == "withdrawn"


@pytest.mark.parametrize(
    ("decision", "action"),
    [
        ("approve", "monitoring.evidence.approved"),
        ("reject", "monitoring.evidence.rejected"),
        ("request_changes", "monitoring.evidence.changes_requested"),
    ],
)
def test_every_decision_writes_an_audit_row_with_actor_fields_and_reason(cast, mx_plan, decision, action):
    evidence = item(cast, mx_plan)
    moderation.decide_evidence(
        evidence=evidence, actor=cast.moderator, decision=decision, reason="Checked the source.", expected_version=None
    )
    event = AuditEvent.objects.get(action=action)
    assert event.actor == cast.moderator
    assert event.object_id == str(evidence.pk) and event.object_type == "monitoring.evidence"
    assert event.changes["status"][0] == "submitted"
    assert event.reason == "Checked the source."


def test_a_stale_version_is_refused_with_the_decision_that_won(cast, mx_plan):
    evidence = item(cast, mx_plan)
    version = evidence.version
    moderation.approve_evidence(evidence=evidence, actor=cast.moderator, expected_version=version)
    second = UserFactory(is_staff=True, is_superuser=True)
    with translation.override("en"), pytest.raises(moderation.AlreadyDecided) as excinfo:
        moderation.reject_evidence(evidence=evidence, actor=second, reason="No", expected_version=version)
    assert "already decided: approved by" in excinfo.value.message
    assert ModerationEntry.objects.exclude(kind=EntryKind.SUBMITTED).count() == 1


def test_the_submitter_is_mailed_after_commit_in_her_language(cast, mx_plan, django_capture_on_commit_callbacks):
    cast.member.preferred_language = "es"
    cast.member.save()
    evidence = item(cast, mx_plan)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation.request_changes(evidence=evidence, actor=cast.moderator, reason="Falta la fuente original.")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.member.email]
    assert message.subject.startswith("Cambios solicitados")
    # The e-mail holds the title and the link (portal/notifications.py); the reason is read on the item's page.
    assert "Falta la fuente original." not in message.body
    assert f"/es/evidence/{evidence.uuid}/" in message.body


def test_english_readers_get_english_mail(cast, mx_plan, django_capture_on_commit_callbacks):
    cast.member.preferred_language = "en"
    cast.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve_evidence(evidence=item(cast, mx_plan), actor=cast.moderator)
    assert mail.outbox[0].subject.startswith("Approved")


def test_a_rolled_back_decision_sends_nothing(cast, mx_plan, django_capture_on_commit_callbacks):
    evidence = item(cast, mx_plan)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
        raise RuntimeError("something failed after the decision")
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    assert mail.outbox == [] and not OutgoingMail.objects.exists()


def test_a_failing_mail_server_never_loses_the_decision_and_the_mail_is_retried(
    cast, mx_plan, django_capture_on_commit_callbacks
):
    evidence = item(cast, mx_plan)
    with (
        mock.patch("portal.mail.send_mail", side_effect=ConnectionRefusedError("smtp down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    queued = OutgoingMail.objects.get()
    assert queued.status == MailStatus.PENDING and "smtp down" in queued.last_error and queued.attempts == 1
    assert mail.outbox == []

    out = io.StringIO()
    call_command("send_queued_mail", stdout=out)
    assert "Sent 1; 0 still pending." in out.getvalue()
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.status == MailStatus.SENT


def test_moderators_who_want_it_are_mailed_on_each_submission(cast, mx_plan, django_capture_on_commit_callbacks):
    from monitoring.services.evidence import submit_evidence

    # "immediately" is the default for new submissions (portal.notifications.KINDS)
    draft = item(cast, mx_plan, status="draft", indicators=[mx_plan.indicator_set.get(code="I01")])
    with django_capture_on_commit_callbacks(execute=True):
        submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version, note="Primera versión")
    assert [m.to for m in mail.outbox] == [[cast.moderator.email]]
    assert f"/moderation/{draft.uuid}/" in mail.outbox[0].body
    entry = ModerationEntry.objects.get(evidence=draft)
    assert entry.kind == "submitted" and entry.text == "Primera versión"


def test_the_daily_digest_goes_once_to_moderators_who_chose_it(cast, mx_plan, django_capture_on_commit_callbacks):
    from monitoring.services.evidence import submit_evidence
    from portal.models import NotificationPreference

    NotificationPreference.objects.create(user=cast.moderator, kind="evidence.submitted", frequency="daily")
    for title in ("Waiting one", "Waiting two"):
        draft = item(cast, mx_plan, status="draft", title=title, indicators=[mx_plan.indicator_set.get(code="I01")])
        submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)
    assert mail.outbox == [] and not OutgoingMail.objects.filter(to=cast.moderator.email).exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "Waiting one" in mail.outbox[0].body and "Waiting two" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_moderation_digest", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # nothing new since the last digest


def test_resubmission_after_changes_goes_back_to_the_queue(cast, mx_plan):
    from monitoring.services.evidence import submit_evidence

    evidence = item(cast, mx_plan, indicators=[mx_plan.indicator_set.get(code="I01")])
    evidence = moderation.request_changes(evidence=evidence, actor=cast.moderator, reason="Add the PDF")
    evidence = submit_evidence(evidence=evidence, actor=cast.member, expected_version=evidence.version, note="Done")
    assert evidence.status == "submitted"
    kinds = list(ModerationEntry.objects.filter(evidence=evidence).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["changes_requested", "submitted"]
