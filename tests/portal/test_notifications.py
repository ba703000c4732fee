"""Notifications (issue 17, item 1): each event reaches the right people, in the site and by e-mail in their language.

E-mail is read from the outbox rows (written in the event's transaction; portal/mail.py delivers them after
commit). Titles whose wording already existed (new submission, decision, co-authorship, transparency reminders)
are asserted in Spanish; for the new wordings the Spanish reader is shown to get the Spanish rendering and links.
"""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from monitoring import notifications as events
from monitoring.services import moderation
from monitoring.services import reports as report_svc
from monitoring.services.evidence import submit_evidence
from monitoring.services.transparency import record_answer
from portal import mail as outbox
from portal.models import MailStatus, Notification, NotificationPreference, OutgoingMail, Role
from portal.notifications import KINDS, notify, render_title, send_daily_digests
from tests.factories import (
    EvidenceFactory,
    MembershipFactory,
    ReportVersionFactory,
    TransparencyRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def mails_to(user):
    return list(OutgoingMail.objects.filter(to=user.email).order_by("pk"))


def inbox_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def spanish(kind, **params):
    with translation.override("es"):
        return render_title(kind, params)


@pytest.fixture
def english_moderator(cast):
    from django.contrib.auth.models import Permission

    user = UserFactory(email="mod-en@observatorio.test", is_staff=True, preferred_language="en")
    user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    return user


@pytest.fixture
def second(cast):
    """A second Intersecta reviewer, who reads English."""
    return MembershipFactory(
        organisation=cast.intersecta,
        role=Role.REVIEWER,
        user__email="bea@intersecta.test",
        user__preferred_language="en",
    ).user


def draft(cast, mx_plan, **kwargs):
    kwargs.setdefault("submitted_by", cast.member)
    return EvidenceFactory(
        organisation=cast.intersecta,
        plan=mx_plan,
        status="draft",
        indicators=[mx_plan.indicator_set.get(code="I01")],
        **kwargs,
    )


# ------------------------------------------------------------------------------------------------------- evidence
def test_a_submission_reaches_every_moderator_in_her_language_and_nobody_else(cast, mx_plan, english_moderator):
    evidence = draft(cast, mx_plan, title="Informe de la SRE")
    submit_evidence(evidence=evidence, actor=cast.member, expected_version=evidence.version)

    (es_note,) = inbox_of(cast.moderator)
    assert es_note.kind == "evidence.submitted" and es_note.read_at is None
    (es_mail,) = mails_to(cast.moderator)
    assert es_mail.subject == "Evidencia por revisar: “Informe de la SRE”"
    assert f"/es/moderation/{evidence.uuid}/" in es_mail.body
    (en_mail,) = mails_to(english_moderator)
    assert en_mail.subject == "Evidence to review: “Informe de la SRE”"
    assert f"/en/moderation/{evidence.uuid}/" in en_mail.body
    for nobody in (cast.member, cast.reviewer, cast.other_member, cast.outsider):
        assert inbox_of(nobody) == [] and mails_to(nobody) == []


def test_a_decision_reaches_the_submitter_in_her_language(cast, mx_plan):
    cast.member.preferred_language = "en"
    cast.member.save()
    evidence = EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="submitted", submitted_by=cast.member)
    moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    (note,) = inbox_of(cast.member)
    assert note.kind == "evidence.decided" and note.params["decision"] == "approved"
    (message,) = mails_to(cast.member)
    assert message.subject == f"Approved: “{evidence.title}”"
    assert f"/en/evidence/{evidence.uuid}/" in message.body
    assert inbox_of(cast.moderator) == []  # the actor is never told about her own act

    other = EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="submitted", submitted_by=cast.reviewer)
    moderation.reject_evidence(evidence=other, actor=cast.moderator, reason="Fuera del periodo.")
    (spanish_mail,) = mails_to(cast.reviewer)
    assert spanish_mail.subject == spanish("evidence.decided", title=other.title, decision="rejected")
    assert "Fuera del periodo." not in spanish_mail.body


def test_a_withdrawal_by_a_moderator_reaches_the_organisation_and_by_a_member_the_moderators(cast, mx_plan):
    evidence = EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="approved", submitted_by=cast.member)
    moderation.withdraw_evidence(evidence=evidence, actor=cast.moderator, reason="Fuente retirada.")
    for person in (cast.member, cast.reviewer):
        assert [n.kind for n in inbox_of(person)] == ["evidence.withdrawn"]
        (message,) = mails_to(person)
        assert message.subject == spanish("evidence.withdrawn", title=evidence.title)
        assert f"/es/evidence/{evidence.uuid}/" in message.body
    assert inbox_of(cast.moderator) == [] and inbox_of(cast.other_member) == []

    cast.moderator.preferred_language = "en"
    cast.moderator.save()
    second = EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="approved", submitted_by=cast.member)
    moderation.withdraw_evidence(evidence=second, actor=cast.member, reason="Duplicada.")
    assert [n.kind for n in inbox_of(cast.moderator)] == ["evidence.withdrawn"]
    assert mails_to(cast.moderator)[-1].subject == f"Evidence “{second.title}” was withdrawn"
    assert len(inbox_of(cast.member)) == 1  # not told of her own withdrawal


def test_another_organisation_never_hears_of_a_restricted_item_and_mail_holds_only_title_and_link(cast, mx_plan):
    secret = "Nombre de la persona denunciante"
    evidence = draft(cast, mx_plan, title="Caso confidencial", visibility="confidential", summary=secret)
    submit_evidence(evidence=evidence, actor=cast.member, expected_version=evidence.version)
    evidence.refresh_from_db()
    moderation.request_changes(evidence=evidence, actor=cast.moderator, reason=secret)
    evidence.refresh_from_db()
    submit_evidence(evidence=evidence, actor=cast.member, expected_version=evidence.version)
    evidence.refresh_from_db()
    moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    evidence.refresh_from_db()
    moderation.withdraw_evidence(evidence=evidence, actor=cast.moderator, reason=secret)

    outsiders = (cast.other_member, cast.other_reviewer, cast.outsider)
    for person in outsiders:
        assert inbox_of(person) == [] and mails_to(person) == []
    assert OutgoingMail.objects.exists()
    for message in OutgoingMail.objects.all():
        assert secret not in message.body and secret not in message.subject
        lines = [line for line in message.body.splitlines() if line.strip()]
        # The title, the link, the inbox link and the note on preferences: nothing of the item beyond its title.
        assert lines[0] == message.subject
        assert lines[1].split(" ")[-1].startswith("http") and lines[2].split(" ")[-1].startswith("http")
        assert len(lines) == 4


# -------------------------------------------------------------------------------------------------------- reports
@pytest.fixture
def report(cast, mx_plan, second):
    return report_svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "Informe sombra 2021",
            "slug": "informe-sombra-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )


def test_a_publication_request_reaches_the_other_reviewers(cast, report, second):
    report_svc.request_publication(report=report, actor=cast.reviewer)
    (note,) = inbox_of(second)
    assert note.kind == "report.publication_requested"
    (message,) = mails_to(second)
    assert message.subject == "Version 1 of “Informe sombra 2021” awaits your approval"
    assert f"/en/workspace/reports/{report.uuid}/" in message.body
    assert inbox_of(cast.reviewer) == [] and inbox_of(cast.other_reviewer) == [] and inbox_of(cast.member) == []


def test_an_approval_reaches_the_requester_in_her_language(cast, report, second):
    report_svc.request_publication(report=report, actor=cast.reviewer)
    version = report_svc.approve_publication(report=report, actor=second)
    (note,) = inbox_of(cast.reviewer)
    assert note.kind == "report.publication_approved"
    (message,) = mails_to(cast.reviewer)
    assert message.subject == spanish("report.publication_approved", title=report.title, number="1")
    assert f"/es/reports/{report.slug}/v{version.number}/" in message.body
    assert [n.kind for n in inbox_of(second)] == ["report.publication_requested"]


def test_a_request_withdrawn_by_another_reviewer_is_a_refusal_told_to_the_requester(cast, report, second):
    report_svc.request_publication(report=report, actor=second)
    report_svc.cancel_publication_request(report=report, actor=cast.reviewer)
    (note,) = inbox_of(second)
    assert note.kind == "report.publication_refused"
    assert mails_to(second)[-1].subject == "Publication of version 1 of “Informe sombra 2021” was refused"
    # The requester withdrawing her own request refuses nothing.
    report.refresh_from_db()
    report_svc.request_publication(report=report, actor=second)
    report_svc.cancel_publication_request(report=report, actor=second)
    assert [n.kind for n in inbox_of(second)] == ["report.publication_refused"]


def test_coauthorship_invitations_and_answers_reach_the_reviewers_of_each_side(cast, report, second):
    report_svc.invite_coauthor(report=report, organisation=cast.data_civica, actor=cast.reviewer)
    assert [n.kind for n in inbox_of(cast.other_reviewer)] == ["report.coauthorship_invited"]
    assert mails_to(cast.other_reviewer)[0].subject == "Invitación a ser coautora de «Informe sombra 2021»"
    assert inbox_of(cast.other_member) == []  # members do not decide on co-authorship
    report_svc.decline_coauthorship(report=report, actor=cast.other_reviewer)
    assert [n.kind for n in inbox_of(second)] == ["report.coauthorship_declined"]
    assert mails_to(second)[-1].subject == "Data Cívica declined to co-author “Informe sombra 2021”"
    assert mails_to(cast.reviewer)[-1].subject == "Data Cívica rechazó ser coautora de «Informe sombra 2021»"

    report.refresh_from_db()
    report_svc.invite_coauthor(report=report, organisation=cast.data_civica, actor=cast.reviewer)
    report_svc.accept_coauthorship(report=report, actor=cast.other_reviewer)
    assert inbox_of(second)[-1].kind == "report.coauthorship_accepted"
    assert mails_to(cast.reviewer)[-1].subject == "Data Cívica aceptó ser coautora de «Informe sombra 2021»"


def test_an_ending_embargo_is_told_once_per_version(cast, report, second):
    now = timezone.now()
    soon = ReportVersionFactory(report=report, number=1, public_from=now + dt.timedelta(hours=10))
    ReportVersionFactory(report=report, number=2, public_from=now + dt.timedelta(hours=30))  # not yet
    ReportVersionFactory(report=report, number=3, public_from=now - dt.timedelta(hours=1))  # already public
    assert events.send_embargo_endings(now) == 1
    assert events.send_embargo_endings(now + dt.timedelta(minutes=30)) == 1  # scanned again, told nobody again
    for person in (cast.reviewer, second):
        notes = [n for n in inbox_of(person) if n.kind == "report.embargo_ending"]
        assert len(notes) == 1 and notes[0].url_kwargs == {"slug": report.slug, "number": str(soon.number)}
    assert mails_to(second)[-1].subject == "The embargo on version 1 of “Informe sombra 2021” ends within 24 hours"
    assert "/es/reports/informe-sombra-2021/v1/" in mails_to(cast.reviewer)[-1].body
    assert inbox_of(cast.other_reviewer) == []


# ------------------------------------------------------------------------------------------ transparency requests
def test_transparency_reminders_and_answers_reach_the_organisation_only(cast, mx_plan, monkeypatch):
    from monitoring.models import Institution

    institution = Institution.objects.order_by("pk").first()
    cast.reviewer.preferred_language = "en"
    cast.reviewer.save()
    request = TransparencyRequestFactory(
        organisation=cast.intersecta, institution=institution, created_by=cast.member, folio="330002500001"
    )
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 3, 26))  # 4 working days left
    call_command("send_transparency_reminders", stdout=io.StringIO())
    assert [n.kind for n in inbox_of(cast.member)] == ["transparency.due_soon"]
    assert mails_to(cast.member)[0].subject == f"Vence pronto: solicitud 330002500001 a {institution.code}"
    assert mails_to(cast.reviewer)[0].subject == f"Due soon: request 330002500001 to {institution.code}"
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 4, 2))
    call_command("send_transparency_reminders", stdout=io.StringIO())
    call_command("send_transparency_reminders", stdout=io.StringIO())
    assert [n.kind for n in inbox_of(cast.member)] == ["transparency.due_soon", "transparency.overdue"]
    assert mails_to(cast.member)[-1].subject == f"Vencida: solicitud 330002500001 a {institution.code}"

    request.refresh_from_db()
    record_answer(
        request=request, actor=cast.member, status="answered", answered_on=dt.date(2025, 4, 3), summary="", files=[]
    )
    assert inbox_of(cast.reviewer)[-1].kind == "transparency.answered"
    assert mails_to(cast.reviewer)[-1].subject == f"Answer recorded: request 330002500001 to {institution.code}"
    assert f"/en/workspace/requests/{request.uuid}/" in mails_to(cast.reviewer)[-1].body
    assert len(inbox_of(cast.member)) == 2  # she recorded it
    for person in (cast.other_member, cast.other_reviewer, cast.moderator):
        assert inbox_of(person) == []


# ------------------------------------------------------------------------------------------------------ the mail
def test_mail_given_up_is_told_to_moderators_once_in_their_digest(cast, settings, english_moderator):
    settings.MAIL_MAX_AGE_HOURS = 1
    queued = outbox.queue_message(to="lost@example.test", subject="Hola", body="Cuerpo")
    OutgoingMail.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    with mock.patch("portal.mail.send_mail", side_effect=OSError("smtp down")):
        outbox.deliver(queued.pk, force=True)
    queued.refresh_from_db()
    assert queued.status == MailStatus.FAILED
    for moderator in (cast.moderator, english_moderator):
        (note,) = inbox_of(moderator)
        assert note.kind == "mail.delivery_failed" and note.params == {"to": "lost@example.test"}
        assert mails_to(moderator) == []  # a digest, not one e-mail per failure (the server may be down)
    assert inbox_of(cast.member) == []
    assert send_daily_digests() == 2
    (digest,) = mails_to(english_moderator)
    assert "An e-mail to lost@example.test could not be delivered" in digest.body
    assert "/en/outbox/" in digest.body
    assert "/es/outbox/" in mails_to(cast.moderator)[0].body


# -------------------------------------------------------------------------------------------------- preferences
def test_preferences_immediate_daily_never(cast, mx_plan):
    NotificationPreference.objects.create(user=cast.member, kind="evidence.decided", frequency="daily")
    NotificationPreference.objects.create(user=cast.reviewer, kind="evidence.decided", frequency="never")
    for submitter in (cast.member, cast.reviewer, cast.member):
        evidence = EvidenceFactory(
            organisation=cast.intersecta, plan=mx_plan, status="submitted", submitted_by=submitter
        )
        moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    # Everyone sees them in the inbox; only the e-mail follows the preference.
    assert len(inbox_of(cast.member)) == 2 and len(inbox_of(cast.reviewer)) == 1
    assert mails_to(cast.member) == [] and mails_to(cast.reviewer) == []
    assert send_daily_digests() == 1
    (digest,) = mails_to(cast.member)
    assert digest.body.count("/es/evidence/") == 2
    assert mails_to(cast.reviewer) == []


def test_the_digest_is_sent_once_lists_only_unread_and_is_idempotent(cast, mx_plan):
    NotificationPreference.objects.create(user=cast.member, kind="evidence.decided", frequency="daily")
    items = [
        EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="submitted", submitted_by=cast.member)
        for _ in range(3)
    ]
    for evidence in items:
        moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    Notification.objects.filter(recipient=cast.member, params__title=items[0].title).update(read_at=timezone.now())
    now = timezone.now()
    assert send_daily_digests(now) == 1
    assert send_daily_digests(now) == 0  # a second run the same day
    (digest,) = mails_to(cast.member)
    assert items[0].title not in digest.body and items[1].title in digest.body and items[2].title in digest.body
    # The next day, nothing new: no digest; something new: a digest with only it.
    assert send_daily_digests(now + dt.timedelta(days=1)) == 0
    later = EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="submitted", submitted_by=cast.member)
    moderation.approve_evidence(evidence=later, actor=cast.moderator)
    assert send_daily_digests(now + dt.timedelta(days=1)) == 1
    assert later.title in mails_to(cast.member)[-1].body and items[1].title not in mails_to(cast.member)[-1].body


def test_the_old_single_setting_became_the_preference_for_new_submissions():
    """The data migration: a moderator who chose the daily digest (or no e-mail) keeps her choice."""
    import importlib

    migration = importlib.import_module("portal.migrations.0008_notifications")
    from django.apps import apps as real_apps

    user = UserFactory()

    class FakeUsers:
        objects = mock.Mock()

    FakeUsers.objects.exclude.return_value.values_list.return_value = [(user.pk, "daily"), (user.pk + 1, "bogus")]

    class FakeApps:
        def get_model(self, app, name):
            return FakeUsers if name == "User" else real_apps.get_model(app, name)

    migration.copy_frequencies(FakeApps(), None)
    assert list(NotificationPreference.objects.values_list("user_id", "kind", "frequency")) == [
        (user.pk, "evidence.submitted", "daily")
    ]


# ------------------------------------------------------------------------------------------------- the service
def test_notify_refuses_unknown_kinds_and_skips_inactive_people_and_the_actor(cast):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify("evidence.nonsense", [cast.member], url_name="portal:inbox", url_kwargs={})
    cast.reviewer.is_active = False
    cast.reviewer.save()
    notify(
        "evidence.commented",
        [cast.member, cast.member, cast.reviewer, cast.moderator],
        actor=cast.moderator,
        url_name="portal:inbox",
        url_kwargs={},
        params={"title": "<script>x</script>" + "ñ" * 400},
    )
    (note,) = Notification.objects.all()
    assert note.recipient == cast.member and len(note.params["title"]) == 300


def test_every_kind_has_a_title_label_and_group():
    from portal.notifications import GROUPS

    required = {
        "evidence.submitted", "evidence.decided", "evidence.withdrawn", "evidence.commented",
        "report.publication_requested", "report.publication_approved", "report.publication_refused",
        "report.coauthorship_invited", "report.coauthorship_accepted", "report.coauthorship_declined",
        "report.embargo_ending", "report.embargo_changed", "transparency.due_soon", "transparency.overdue",
        "transparency.answered", "mail.delivery_failed", "organisation.invitation_to_confirm",
    }  # fmt: skip
    assert required <= set(KINDS)
    for code, kind in KINDS.items():
        assert kind.group in GROUPS and str(kind.label) and str(kind.title)
        params = dict.fromkeys(["title", "number", "org", "folio", "code", "to", "email", "decision"], "x")
        for language in ("es", "en"):
            with translation.override(language):
                title = render_title(code, {**params, "due_date": "2025-04-01"})
                assert title and "%(" not in title and "None" not in title
    assert render_title("gone.kind", {}) == "Notification"
