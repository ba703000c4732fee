"""Organisations and people in the site: who reaches what (404 outside), roles, removal, leaving, deactivation
(sessions end), moderator invitations confirmed by a second moderator, audit rows with before and after."""

from __future__ import annotations

import re
import typing

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from portal import services, services_people
from portal.errors import StaleVersion
from portal.models import AuditEvent, Invitation, InvitationRole, Membership, Role, User
from portal.notifications import Notification
from portal.permissions import is_moderator
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _moderator(email: str = "second@observatorio.test") -> User:
    user = typing.cast(User, UserFactory(email=email, is_staff=True))
    user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    return user


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --------------------------------------------------------------------------------------------- who reaches what


def _who(cast, name: str) -> User | None:
    if name == "anonymous":
        return None
    if name == "superuser":
        return User.objects.create_superuser("root@observatorio.test", "x")
    return getattr(cast, name)


MODERATOR_GETS = [
    "/en/manage/people/",
    "/en/manage/organisations/",
    "/en/manage/organisations/new/",
    "/en/manage/organisations/intersecta/",
    "/en/manage/organisations/intersecta/edit/",
]


@pytest.mark.parametrize("path", MODERATOR_GETS)
@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("member", 404), ("reviewer", 404), ("outsider", 404), ("moderator", 200), ("superuser", 200)],
)
def test_the_management_pages_are_for_moderators_only(cast, path, who, status):
    response = _client(_who(cast, who)).get(path)
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["member", "reviewer", "other_reviewer", "outsider"])
def test_every_management_action_is_a_404_outside_a_moderators_reach(cast, who):
    client = _client(_who(cast, who))
    uuid = cast.member.uuid
    posts = [
        f"/en/manage/people/{uuid}/deactivate/",
        f"/en/manage/people/{uuid}/reactivate/",
        f"/en/manage/organisations/intersecta/people/{uuid}/role/",
        f"/en/manage/organisations/intersecta/people/{uuid}/remove/",
    ]
    for path in posts:
        assert client.post(path, {"role": "reviewer", "expected": "member"}).status_code == 404, path
    assert client.get(f"/en/manage/people/{uuid}/").status_code == 404
    cast.member.refresh_from_db()
    assert cast.member.is_active
    assert Membership.objects.get(user=cast.member).role == Role.MEMBER


def test_unknown_people_and_organisations_are_404_for_moderators(cast):
    client = _client(cast.moderator)
    assert client.get("/en/manage/organisations/no-such-org/").status_code == 404
    assert client.get("/en/manage/people/00000000-0000-0000-0000-000000000000/").status_code == 404
    # A person who is not in that organisation: no membership to change.
    assert (
        client.post(
            f"/en/manage/organisations/intersecta/people/{cast.other_member.uuid}/role/",
            {"role": "reviewer", "expected": "member"},
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("member", 200), ("outsider", 200), ("moderator", 200)]
)
def test_my_organisations_is_for_anyone_logged_in(cast, who, status):
    assert _client(_who(cast, who)).get("/en/accounts/organisations/").status_code == status


def test_a_person_cannot_leave_an_organisation_she_is_not_in(cast):
    client = _client(cast.other_member)
    assert client.get("/en/accounts/organisations/intersecta/leave/").status_code == 404
    assert client.post("/en/accounts/organisations/intersecta/leave/").status_code == 404


# --------------------------------------------------------------------------------------------- the people page


def test_the_people_page_shows_last_login_second_factor_and_state(cast, django_assert_max_num_queries):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=cast.reviewer, name="phone", confirmed=True)
    cast.outsider.is_active = False
    cast.outsider.save()
    client = _client(cast.moderator)
    html = client.get("/en/manage/people/").content.decode()
    row = re.search(r"reviewer@intersecta\.test.*?</tr>", html, re.S).group(0)
    assert "Intersecta (Reviewer)" in row and "Set up" in row and "Never" in row
    outsider_row = re.search(r"outsider@example\.test.*?</tr>", html, re.S).group(0)
    assert "Deactivated" in outsider_row and "Not set up" in outsider_row
    moderator_row = re.search(r"moderator@observatorio\.test.*?</tr>", html, re.S).group(0)
    assert "Moderator" in moderator_row and "Never" not in moderator_row  # force_login set last_login


def test_the_people_page_makes_the_same_queries_for_few_and_many_people(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(cast.moderator)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/en/manage/people/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _n in range(60):
        MembershipFactory(organisation=cast.intersecta)
    assert count() == few
    assert few <= 20  # the header (session, user, roles, inbox) and the page (count, people, memberships, moderators…)


def test_the_people_page_searches_by_name_or_address(cast):
    html = _client(cast.moderator).get("/en/manage/people/?q=datacivica").content.decode()
    assert "member@datacivica.test" in html and "member@intersecta.test" not in html


# --------------------------------------------------------------------------------------------- roles and removal


def test_a_moderator_changes_a_role_and_it_is_audited(cast):
    response = _client(cast.moderator).post(
        f"/en/manage/organisations/intersecta/people/{cast.member.uuid}/role/",
        {"prefix": "p", "p-role": "reviewer", "p-expected": "member"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=cast.member, organisation=cast.intersecta)
    assert membership.role == Role.REVIEWER
    event = AuditEvent.objects.get(action="portal.membership.role_changed")
    assert event.actor == cast.moderator and event.changes["role"] == ["member", "reviewer"]


def test_a_role_change_from_a_stale_page_is_refused(cast):
    membership = Membership.objects.get(user=cast.member, organisation=cast.intersecta)
    services_people.change_role(membership=membership, role=Role.REVIEWER, expected=Role.MEMBER, actor=cast.moderator)
    # A second moderator, whose page still says "member", wants to make her… a member (or anything).
    client = _client(_moderator())
    response = client.post(
        f"/en/manage/organisations/intersecta/people/{cast.member.uuid}/role/",
        {"prefix": "p", "p-role": "member", "p-expected": "member"},
        follow=True,
    )
    assert "Someone else changed this person&#x27;s role" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.REVIEWER
    assert AuditEvent.objects.filter(action="portal.membership.role_changed").count() == 1


@pytest.mark.parametrize("role", ["", "moderator", "owner", "<script>alert(1)</script>", "x" * 5000])
def test_an_invalid_role_is_refused_and_nothing_changes(cast, role):
    response = _client(cast.moderator).post(
        f"/en/manage/organisations/intersecta/people/{cast.member.uuid}/role/",
        {"prefix": "p", "p-role": role, "p-expected": "member"},
        follow=True,
    )
    assert "Choose a valid role." in response.content.decode()
    assert Membership.objects.get(user=cast.member, organisation=cast.intersecta).role == Role.MEMBER


def test_a_moderator_removes_a_membership_and_the_account_stays(cast):
    response = _client(cast.moderator).post(f"/en/manage/organisations/intersecta/people/{cast.member.uuid}/remove/")
    assert response.status_code == 302
    assert not Membership.objects.filter(user=cast.member, organisation=cast.intersecta).exists()
    assert User.objects.get(pk=cast.member.pk).is_active
    event = AuditEvent.objects.get(action="portal.membership.removed")
    assert event.changes["membership"] == ["Intersecta (member)", None]
    # The member's own page no longer lists it; the organisation's pages are now out of her reach.
    assert _client(cast.member).get("/en/accounts/organisations/intersecta/leave/").status_code == 404


# --------------------------------------------------------------------------------------------- leaving


def test_a_member_leaves_after_a_confirmation_step(cast):
    client = _client(cast.member)
    page = client.get("/en/accounts/organisations/intersecta/leave/").content.decode()
    assert "Yes, leave Intersecta" in page
    assert Membership.objects.filter(user=cast.member, organisation=cast.intersecta).exists()  # GET changes nothing
    response = client.post("/en/accounts/organisations/intersecta/leave/", follow=True)
    assert "You left Intersecta." in response.content.decode()
    assert not Membership.objects.filter(user=cast.member, organisation=cast.intersecta).exists()
    event = AuditEvent.objects.get(action="portal.membership.left")
    assert event.actor == cast.member and event.changes["membership"] == ["Intersecta (member)", None]


def test_the_only_reviewer_cannot_leave_while_others_remain(cast):
    client = _client(cast.reviewer)
    page = client.get("/en/accounts/organisations/intersecta/leave/").content.decode()
    assert "You are the only reviewer of Intersecta" in page and "Yes, leave" not in page
    response = client.post("/en/accounts/organisations/intersecta/leave/", follow=True)
    assert "You are the only reviewer of Intersecta" in response.content.decode()
    assert Membership.objects.filter(user=cast.reviewer, organisation=cast.intersecta).exists()
    # Once the member has gone too, the reviewer is the last person and may leave (the organisation stays).
    _client(cast.member).post("/en/accounts/organisations/intersecta/leave/")
    page = client.get("/en/accounts/organisations/intersecta/leave/").content.decode()
    assert "You are the last person in Intersecta" in page
    client.post("/en/accounts/organisations/intersecta/leave/")
    assert not Membership.objects.filter(organisation=cast.intersecta).exists()
    assert cast.intersecta.__class__.objects.filter(pk=cast.intersecta.pk).exists()


def test_one_of_two_reviewers_may_leave(cast):
    MembershipFactory(organisation=cast.intersecta, role=Role.REVIEWER)
    _client(cast.reviewer).post("/en/accounts/organisations/intersecta/leave/")
    assert not Membership.objects.filter(user=cast.reviewer, organisation=cast.intersecta).exists()


# --------------------------------------------------------------------------------------------- deactivation


def test_deactivation_ends_every_session_of_the_account_and_is_audited(cast):
    first, second = _client(cast.member), _client(cast.member)
    bystander = _client(cast.other_member)
    assert first.get("/en/accounts/profile/").status_code == 200
    assert Session.objects.count() == 3
    response = _client(cast.moderator).post(
        f"/en/manage/people/{cast.member.uuid}/deactivate/", {"reason": "Left the country"}, follow=True
    )
    assert "2 open session(s) ended" in response.content.decode()
    cast.member.refresh_from_db()
    assert not cast.member.is_active
    for client in (first, second):
        assert client.get("/en/accounts/profile/").status_code == 302  # logged out: sent to the login page
    assert bystander.get("/en/accounts/profile/").status_code == 200
    event = AuditEvent.objects.get(action="portal.user.deactivated")
    assert event.changes["is_active"] == [True, False] and event.reason == "Left the country"
    assert event.actor == cast.moderator


def test_a_deactivated_account_cannot_log_in_and_reactivation_lets_it(cast):
    services_people.deactivate_account(person=cast.member, actor=cast.moderator)
    credentials = {"username": "member@intersecta.test", "password": "a-long-test-password-1325"}
    refused = Client().post("/en/accounts/login/", credentials)
    assert refused.status_code == 200 and "do not match an active account" in refused.content.decode()
    _client(cast.moderator).post(f"/en/manage/people/{cast.member.uuid}/reactivate/")
    assert Client().post("/en/accounts/login/", credentials).status_code == 302
    assert AuditEvent.objects.get(action="portal.user.reactivated").changes == {"is_active": [False, True]}


def test_a_moderator_cannot_deactivate_herself_or_an_administrator(cast):
    root = User.objects.create_superuser("root@observatorio.test", "x")
    client = _client(cast.moderator)
    own = client.post(f"/en/manage/people/{cast.moderator.uuid}/deactivate/", {"reason": ""}, follow=True)
    assert "You cannot deactivate your own account." in own.content.decode()
    other = client.post(f"/en/manage/people/{root.uuid}/deactivate/", {"reason": ""}, follow=True)
    assert "Only an administrator can change an administrator" in other.content.decode()
    assert User.objects.get(pk=cast.moderator.pk).is_active and User.objects.get(pk=root.pk).is_active
    assert not AuditEvent.objects.filter(action="portal.user.deactivated").exists()


def test_a_deactivation_reason_that_is_too_long_is_refused(cast):
    response = _client(cast.moderator).post(
        f"/en/manage/people/{cast.member.uuid}/deactivate/", {"reason": "x" * 501}, follow=True
    )
    assert "at most 500 characters" in response.content.decode()
    assert User.objects.get(pk=cast.member.pk).is_active


def test_deactivating_twice_says_so(cast):
    services_people.deactivate_account(person=cast.member, actor=cast.moderator)
    with pytest.raises(services_people.PeopleError):
        services_people.deactivate_account(person=cast.member, actor=cast.moderator)


# --------------------------------------------------------------------------------------------- invitations


def _invite_moderator(client: Client, email: str = "nuevo@observatorio.test"):
    return client.post(
        "/en/accounts/invitations/new/", {"email": email, "role": "moderator", "organisation": "", "language": "en"}
    )


def test_a_moderator_invitation_waits_for_a_second_moderator(cast, django_capture_on_commit_callbacks):
    second = _moderator()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite_moderator(_client(cast.moderator))
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="nuevo@observatorio.test")
    assert invitation.role == InvitationRole.MODERATOR and invitation.organisation is None
    assert invitation.needs_confirmation and not invitation.is_usable
    assert [m.to for m in mail.outbox if "nuevo@" in m.to[0]] == []  # nothing sent to the invitee yet
    # The other moderator is notified, not the one who wrote it.
    notes = Notification.objects.filter(kind="organisation.invitation_to_confirm")
    assert list(notes.values_list("recipient", flat=True)) == [second.pk]
    # The author cannot confirm it herself.
    author = _client(cast.moderator)
    page = author.get(f"/en/accounts/invitations/{invitation.uuid}/").content.decode()
    assert "another moderator must confirm it" in page
    author.post(f"/en/accounts/invitations/{invitation.uuid}/confirm/")
    invitation.refresh_from_db()
    assert invitation.confirmed_at is None
    # The second moderator confirms: now the link is created and sent.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _client(second).post(f"/en/accounts/invitations/{invitation.uuid}/confirm/")
    invitation.refresh_from_db()
    assert invitation.confirmed_by == second and invitation.is_usable
    assert [m.to for m in mail.outbox] == [["nuevo@observatorio.test"]]
    assert "moderate Observatorio 1325" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/\w\w/accounts/invitation/[\w-]+/)", mail.outbox[0].body).group(1)
    # Accepting makes the person a moderator (site staff with the permission), with no membership.
    Client().post(
        link, {"full_name": "Nuevo", "password1": "una frase larga 1325", "password2": "una frase larga 1325"}
    )
    person = User.objects.get(email="nuevo@observatorio.test")
    assert is_moderator(person) and not person.memberships.exists()
    actions = list(AuditEvent.objects.filter(object_type="portal.invitation").values_list("action", flat=True))
    assert actions == ["portal.invitation.created", "portal.invitation.confirmed", "portal.invitation.accepted"]


def test_the_token_of_an_unconfirmed_moderator_invitation_does_not_work(cast):
    _invitation, token = services.create_invitation(
        email="x@observatorio.test",
        organisation=None,
        role=InvitationRole.MODERATOR,
        language="es",
        actor=cast.moderator,
        accept_url_for=lambda t: t,
    )
    assert Client().get(f"/en/accounts/invitation/{token}/").status_code == 410


def test_the_confirmation_page_is_a_404_for_non_moderators(cast):
    invitation, _token = services.create_invitation(
        email="x@observatorio.test",
        organisation=None,
        role=InvitationRole.MODERATOR,
        language="es",
        actor=cast.moderator,
        accept_url_for=lambda t: t,
    )
    for who in (cast.member, cast.reviewer, None):
        client = _client(who)
        assert client.get(f"/en/accounts/invitations/{invitation.uuid}/").status_code in (302, 404)
        client.post(f"/en/accounts/invitations/{invitation.uuid}/confirm/")
        client.post(f"/en/accounts/invitations/{invitation.uuid}/cancel/")
    invitation.refresh_from_db()
    assert invitation.confirmed_at is None and invitation.cancelled_at is None


def test_a_moderator_cancels_an_invitation_and_its_link_stops_working(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.create_invitation(
            email="nueva@intersecta.test",
            organisation=cast.intersecta,
            role=Role.MEMBER,
            language="es",
            actor=cast.moderator,
            accept_url_for=lambda t: t,
        )
    page = _client(cast.moderator).get("/en/manage/organisations/intersecta/").content.decode()
    assert "nueva@intersecta.test" in page
    _client(cast.moderator).post(f"/en/accounts/invitations/{invitation.uuid}/cancel/")
    invitation.refresh_from_db()
    assert invitation.cancelled_by == cast.moderator
    assert Client().get(f"/en/accounts/invitation/{token}/").status_code == 410
    assert AuditEvent.objects.filter(action="portal.invitation.cancelled", object_id=str(invitation.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "member", "organisation": ""}, "Choose the organisation the person will join."),
        ({"role": "moderator", "organisation": "ORG"}, "Moderators do not belong to an organisation"),
        ({"role": "admin", "organisation": ""}, "Select a valid choice"),
        ({"role": "member", "organisation": "999999"}, "Select a valid choice"),
        ({"role": "member", "organisation": "ORG", "email": "<script>@x"}, "Enter a valid email address."),
    ],
)
def test_the_invitation_form_refuses_bad_combinations_and_keeps_what_was_typed(cast, data, message):
    data = {"email": "nueva@intersecta.test", "language": "en", **data}
    if data["organisation"] == "ORG":
        data["organisation"] = str(cast.intersecta.pk)
    response = _client(cast.moderator).post("/en/accounts/invitations/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert 'value="' + data["email"].replace("<", "&lt;").replace(">", "&gt;") + '"' in html
    assert not Invitation.objects.exists()


def test_the_invitation_form_preselects_the_organisation_it_came_from(cast):
    html = _client(cast.moderator).get("/en/accounts/invitations/new/?organisation=data-civica").content.decode()
    assert re.search(rf'<option value="{cast.data_civica.pk}" selected>', html)


def test_a_stale_organisation_edit_raises_stale_version(cast):
    services_people.update_organisation(
        organisation=cast.intersecta, version=1, data={"name": "Intersecta A.C."}, actor=cast.moderator
    )
    with pytest.raises(StaleVersion):
        services_people.update_organisation(
            organisation=cast.intersecta, version=1, data={"name": "Intersecta B"}, actor=_moderator()
        )
