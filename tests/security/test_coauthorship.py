"""Co-authorship by consent (issue 15, item 4).

Two Intersecta reviewers must not be able to publish a report "by" Justicia Transicional MX without it accepting:
until one of JTMX's reviewers accepts, JTMX has no right on the report (its reviewers get a 404 on the editor) and
its name appears nowhere public. Accepting, declining and withdrawing are audited, and mailed to the right people in
their language.
"""

from __future__ import annotations

import datetime as dt

import pytest

from monitoring.models import CoAuthorship, ReportVersion
from monitoring.services import reports as svc
from portal.models import AuditEvent, OutgoingMail, Role
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

JTMX = "Justicia Transicional MX"


@pytest.fixture
def jtmx():
    org = OrganisationFactory(name=JTMX, slug="jtmx")
    english = MembershipFactory(
        organisation=org, role=Role.REVIEWER, user__email="ana@jtmx.test", user__preferred_language="en"
    ).user
    spanish = MembershipFactory(
        organisation=org, role=Role.REVIEWER, user__email="luz@jtmx.test", user__preferred_language="es"
    ).user
    member = MembershipFactory(organisation=org, role=Role.MEMBER, user__email="member@jtmx.test").user
    return {"org": org, "en": english, "es": spanish, "member": member}


@pytest.fixture
def second(cast):
    """A second Intersecta reviewer: with cast.reviewer, the two people a publication needs."""
    return MembershipFactory(organisation=cast.intersecta, role=Role.REVIEWER, user__email="bea@intersecta.test").user


@pytest.fixture
def report(cast, mx_plan, jtmx):
    return svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, jtmx["org"]],
        fields={
            "title": "Informe por consentimiento",
            "slug": "informe-consentimiento",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )


def publish(report, requester, approver, note=""):
    svc.request_publication(report=report, actor=requester, change_note=note)
    return svc.approve_publication(report=report, actor=approver)


def public_texts(client, report, number):
    page = client.get(f"/es/reports/{report.slug}/v{number}/")
    data = client.get(f"/es/reports/{report.slug}/v{number}/download.json")
    api = client.get(f"/api/v1/reports/{report.slug}/")
    assert page.status_code == data.status_code == api.status_code == 200
    return page.content.decode() + data.content.decode() + api.content.decode()


def test_a_pending_coauthor_has_no_rights_and_is_not_named(client, cast, report, jtmx, second):
    coauthorship = CoAuthorship.objects.get(report=report, organisation=jtmx["org"])
    assert coauthorship.status == "pending" and coauthorship.invited_by == cast.reviewer
    assert list(report.organisations.all()) == [cast.intersecta]

    for who in (jtmx["en"], jtmx["es"]):
        client.force_login(who)
        assert client.get(f"/en/workspace/reports/{report.uuid}/").status_code == 404
        assert client.get(f"/en/workspace/reports/{report.uuid}/preview/").status_code == 404
        with pytest.raises(svc.ReportError):
            svc.update_report(report=report, actor=who, fields={"title": "Mine"}, expected_version=report.version)
        with pytest.raises(svc.ReportError):
            svc.request_publication(report=report, actor=who)
    # The workspace of the invited lists the invitation, not the report.
    page = client.get("/en/workspace/reports/").content.decode()
    assert "invited, awaiting answer" in page and f"/en/workspace/reports/{report.uuid}/coauthorship/" in page
    assert client.get(f"/en/workspace/reports/{report.uuid}/coauthorship/").status_code == 200
    # A member of JTMX (not a reviewer) cannot answer for it.
    client.force_login(jtmx["member"])
    assert client.get(f"/en/workspace/reports/{report.uuid}/coauthorship/").status_code == 404
    assert client.post(f"/en/workspace/reports/{report.uuid}/coauthorship/accept/").status_code == 404

    # Intersecta's page says the invitation awaits an answer.
    client.force_login(cast.reviewer)
    assert f"{JTMX}: invited, awaiting answer" in client.get(f"/en/workspace/reports/{report.uuid}/").content.decode()

    # Two Intersecta reviewers publish: the version does not carry JTMX's name, anywhere.
    version = publish(report, cast.reviewer, second)
    assert version.snapshot["report"]["organisations"] == [{"name": "Intersecta", "slug": "intersecta"}]
    client.logout()
    assert JTMX not in public_texts(client, report, 1)
    assert JTMX not in client.get("/es/reports/").content.decode()
    assert JTMX not in client.get("/api/v1/reports/").content.decode()


def test_invited_reviewers_are_mailed_in_their_language(report, jtmx, cast):
    mails = {m.to: m for m in OutgoingMail.objects.filter(to__endswith="@jtmx.test")}
    assert set(mails) == {"ana@jtmx.test", "luz@jtmx.test"}  # reviewers only, not the member
    english, spanish = mails["ana@jtmx.test"], mails["luz@jtmx.test"]
    assert english.subject == "Invitation to co-author “Informe por consentimiento”"
    assert f"/en/workspace/reports/{report.uuid}/coauthorship/" in english.body
    assert spanish.subject == "Invitación a ser coautora de «Informe por consentimiento»"
    assert f"/es/workspace/reports/{report.uuid}/coauthorship/" in spanish.body
    assert not OutgoingMail.objects.filter(to=cast.other_reviewer.email).exists()
    event = AuditEvent.objects.get(action="monitoring.report.coauthor_invited")
    assert event.actor == cast.reviewer and event.changes["coauthor"] == [None, "jtmx"]


def test_after_acceptance_the_coauthor_edits_approves_and_is_named(client, cast, report, jtmx, second):
    client.force_login(jtmx["en"])
    response = client.post(f"/en/workspace/reports/{report.uuid}/coauthorship/accept/")
    assert response.status_code == 302 and response["Location"] == f"/en/workspace/reports/{report.uuid}/"
    assert client.get(f"/en/workspace/reports/{report.uuid}/").status_code == 200
    coauthorship = CoAuthorship.objects.get(report=report, organisation=jtmx["org"])
    assert coauthorship.status == "accepted" and coauthorship.decided_by == jtmx["en"]
    assert coauthorship.decided_at is not None
    event = AuditEvent.objects.get(action="monitoring.report.coauthor_accepted")
    assert event.actor == jtmx["en"] and event.changes["coauthorship"] == ["pending", "accepted"]
    # The inviting side learns of it, each in her language; the one who accepted is not mailed about herself.
    answered = OutgoingMail.objects.filter(subject__contains=JTMX, to__endswith="@intersecta.test")
    assert set(answered.values_list("to", flat=True)) == {cast.reviewer.email, second.email}
    assert {m.subject for m in answered} == {f"{JTMX} aceptó ser coautora de «Informe por consentimiento»"}
    assert not OutgoingMail.objects.filter(to__endswith="@jtmx.test", subject__contains=JTMX).exists()
    # Accepting twice is a conflict, not a second row.
    assert client.post(f"/en/workspace/reports/{report.uuid}/coauthorship/accept/").status_code == 409

    report.refresh_from_db()
    svc.update_report(report=report, actor=jtmx["es"], fields={"title": "Edited by JTMX"}, expected_version=1)
    version = publish(report, cast.reviewer, jtmx["es"])  # a JTMX reviewer approves
    client.logout()
    assert JTMX in public_texts(client, report, version.number)


def test_a_declined_invitation_gives_nothing(client, cast, report, jtmx):
    client.force_login(jtmx["es"])
    response = client.post(f"/es/workspace/reports/{report.uuid}/coauthorship/decline/")
    assert response.status_code == 302
    coauthorship = CoAuthorship.objects.get(report=report, organisation=jtmx["org"])
    assert coauthorship.status == "declined" and coauthorship.decided_by == jtmx["es"]
    assert client.get(f"/es/workspace/reports/{report.uuid}/").status_code == 404
    assert client.get(f"/es/workspace/reports/{report.uuid}/coauthorship/").status_code == 404
    assert client.post(f"/es/workspace/reports/{report.uuid}/coauthorship/accept/").status_code == 404
    assert list(report.organisations.all()) == [cast.intersecta]
    assert AuditEvent.objects.filter(action="monitoring.report.coauthor_declined", actor=jtmx["es"]).exists()
    mail = OutgoingMail.objects.get(to=cast.reviewer.email, subject__contains=JTMX)
    assert "rechazó" in mail.subject  # cast.reviewer reads Spanish (the default)


def test_withdrawal_applies_from_the_next_version(client, cast, report, jtmx, second):
    svc.accept_coauthorship(report=report, actor=jtmx["en"])
    v1 = publish(report, cast.reviewer, jtmx["es"])
    client.force_login(jtmx["en"])
    response = client.post(f"/en/workspace/reports/{report.uuid}/coauthorship/withdraw/")
    assert response.status_code == 302
    assert client.get(f"/en/workspace/reports/{report.uuid}/").status_code == 404
    assert CoAuthorship.objects.get(report=report, organisation=jtmx["org"]).status == "withdrawn"
    assert AuditEvent.objects.filter(action="monitoring.report.coauthor_withdrawn", actor=jtmx["en"]).exists()
    assert OutgoingMail.objects.filter(to=second.email, subject__contains="se retiró de").exists()  # in Spanish
    assert OutgoingMail.objects.filter(to=second.email, subject__contains=JTMX).count() == 2  # accepted, withdrew

    # The published v1 is immutable and keeps its authors; the next version does not name JTMX.
    v1.refresh_from_db()
    assert {o["slug"] for o in v1.snapshot["report"]["organisations"]} == {"intersecta", "jtmx"}
    report.refresh_from_db()
    assert report.status == "draft"
    v2 = publish(report, cast.reviewer, second, note="JTMX withdrew.")
    assert [o["slug"] for o in v2.snapshot["report"]["organisations"]] == ["intersecta"]
    client.logout()
    assert JTMX in public_texts(client, report, 1)
    assert JTMX not in client.get(f"/es/reports/{report.slug}/v2/").content.decode()
    assert ReportVersion.objects.filter(report=report).count() == 2


def test_the_last_author_cannot_withdraw(cast, report):
    with pytest.raises(svc.ReportError):
        svc.withdraw_coauthorship(report=report, actor=cast.reviewer)
    assert list(report.organisations.all()) == [cast.intersecta]


def test_a_pending_coauthor_cannot_approve_a_publication(cast, report, jtmx):
    svc.request_publication(report=report, actor=cast.reviewer)
    with pytest.raises(svc.ReportError):
        svc.approve_publication(report=report, actor=jtmx["en"])
    assert not ReportVersion.objects.filter(report=report).exists()


def test_organisations_are_the_accepted_coauthorships(cast, report, jtmx):
    """The invariant every rule relies on: Report.organisations is exactly the accepted co-authorships."""

    def accepted():
        return set(report.coauthorships.filter(status="accepted").values_list("organisation_id", flat=True))

    assert set(report.organisations.values_list("pk", flat=True)) == accepted() == {cast.intersecta.pk}
    svc.accept_coauthorship(report=report, actor=jtmx["es"])
    assert set(report.organisations.values_list("pk", flat=True)) == accepted() == {cast.intersecta.pk, jtmx["org"].pk}
    svc.withdraw_coauthorship(report=report, actor=jtmx["es"])
    assert set(report.organisations.values_list("pk", flat=True)) == accepted() == {cast.intersecta.pk}


def test_an_author_invites_later_and_can_take_back_an_unanswered_invitation(client, cast, mx_plan, jtmx):
    lone = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "Informe de Intersecta",
            "slug": "informe-solo",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    client.force_login(cast.reviewer)
    edit = client.get(f"/es/workspace/reports/{lone.uuid}/").content.decode()
    assert 'value="jtmx"' in edit  # offered in the invitation form
    response = client.post(f"/es/workspace/reports/{lone.uuid}/coauthors/invite/", {"organisation": "jtmx"})
    assert response.status_code == 302
    row = CoAuthorship.objects.get(report=lone, organisation=jtmx["org"])
    assert row.status == "pending" and list(lone.organisations.all()) == [cast.intersecta]
    assert set(OutgoingMail.objects.values_list("to", flat=True)) >= {"ana@jtmx.test", "luz@jtmx.test"}
    # Invited once: the form no longer offers it, and a second invitation is refused.
    assert 'value="jtmx"' not in client.get(f"/es/workspace/reports/{lone.uuid}/").content.decode()
    client.post(f"/es/workspace/reports/{lone.uuid}/coauthors/invite/", {"organisation": "jtmx"})
    assert CoAuthorship.objects.filter(report=lone, organisation=jtmx["org"]).count() == 1

    # Somebody who is not an author cannot invite nor cancel: 404.
    client.force_login(jtmx["en"])
    assert client.post(f"/es/workspace/reports/{lone.uuid}/coauthors/jtmx/cancel/").status_code == 404

    client.force_login(cast.reviewer)
    client.post(f"/es/workspace/reports/{lone.uuid}/coauthors/jtmx/cancel/")
    assert not CoAuthorship.objects.filter(report=lone, organisation=jtmx["org"]).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="monitoring.report.coauthor")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["monitoring.report.coauthor_invited", "monitoring.report.coauthor_invitation_cancelled"]
    # Their reviewers can no longer answer a withdrawn invitation.
    client.force_login(jtmx["es"])
    assert client.post(f"/es/workspace/reports/{lone.uuid}/coauthorship/accept/").status_code == 404
    assert list(lone.organisations.all()) == [cast.intersecta]


def test_an_organisation_that_declined_can_be_invited_again(cast, report, jtmx):
    svc.decline_coauthorship(report=report, actor=jtmx["en"])
    svc.invite_coauthor(report=report, organisation=jtmx["org"], actor=cast.reviewer)
    row = CoAuthorship.objects.get(report=report, organisation=jtmx["org"])
    assert row.status == "pending" and row.decided_by is None
    svc.accept_coauthorship(report=report, actor=jtmx["es"])
    assert set(report.organisations.values_list("name", flat=True)) == {"Intersecta", JTMX}
