"""Log in, log out, reset a password, accept an invitation, edit a profile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.models import AuditEvent, Invitation, Membership, OutgoingMail, Role, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"


def test_a_member_logs_in_with_email_and_lands_on_her_evidence(client, cast):
    response = client.post(LOGIN, {"username": "MEMBER@intersecta.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/workspace/evidence/"


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, cast):
    wrong = client.post(LOGIN, {"username": "member@intersecta.test", "password": "wrong-password"})
    unknown = client.post(LOGIN, {"username": "nobody@nowhere.test", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 200
    message = "do not match an active account"
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert 'value="nobody@nowhere.test"' in unknown.content.decode()  # what was typed is kept


def test_an_inactive_account_gets_the_same_answer_too(client, cast):
    cast.member.is_active = False
    cast.member.save()
    response = client.post(LOGIN, {"username": "member@intersecta.test", "password": PASSWORD})
    assert "do not match an active account" in response.content.decode()


@pytest.mark.parametrize(
    "payload", ["", "x" * 300 + "@example.org", "'; DROP TABLE portal_user; --", "a\x00b@example.org"]
)
def test_malformed_login_input_is_refused_calmly(client, cast, payload):
    response = client.post(LOGIN, {"username": payload, "password": payload})
    assert response.status_code == 200
    assert User.objects.filter(email="member@intersecta.test").exists()


def test_login_ignores_a_next_parameter_pointing_elsewhere(client, cast):
    response = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"username": "member@intersecta.test", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/en/workspace/evidence/"


def test_logout_is_a_post_and_ends_the_session(client, cast):
    client.force_login(cast.member)
    assert client.get("/en/accounts/logout/").status_code == 405
    client.post("/en/accounts/logout/")
    assert client.get("/en/workspace/evidence/").status_code == 302


def test_password_reset_does_not_reveal_whether_an_account_exists(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/en/accounts/password/reset/", {"email": "member@intersecta.test"})
        unknown = client.post("/en/accounts/password/reset/", {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/en/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["member@intersecta.test"]
    # Like every mail it went through the outbox, so a mail server that is down delays it, never loses it.
    assert OutgoingMail.objects.get().to == "member@intersecta.test"


def test_the_reset_link_sets_a_new_password(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/password/reset/", {"email": "member@intersecta.test"})
    link = re.search(r"http://testserver(/en/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url, {"new_password1": "a brand new passphrase 42", "new_password2": "a brand new passphrase 42"}
    )
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password("a brand new passphrase 42")
    assert cast.member.password.startswith("md5$")  # test hasher; production uses Argon2


def test_production_hashes_passwords_with_argon2():
    from django.conf import settings

    from portal import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "portal.User"


def _invite(client, cast, email="nueva@intersecta.test", role=Role.MEMBER, language="es"):
    client.force_login(cast.moderator)
    response = client.post(
        "/en/accounts/invitations/new/",
        {"email": email, "organisation": cast.intersecta.pk, "role": role, "language": language},
    )
    client.logout()
    return response


def _link(message) -> str:
    return re.search(r"http://testserver(/\w\w/accounts/invitation/[\w-]+/)", message.body).group(1)


def test_a_moderator_invites_and_the_invitee_sets_a_password_and_joins(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, cast)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "Te invitaron a unirte a Intersecta" in mail.outbox[0].subject  # in the invitation's language
    link = _link(mail.outbox[0])
    assert link.startswith("/es/")
    response = client.post(
        link, {"full_name": "Ana Nueva", "password1": "una frase larga 1325", "password2": "una frase larga 1325"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="nueva@intersecta.test")
    assert Membership.objects.filter(user=user, organisation=cast.intersecta, role=Role.MEMBER).exists()
    assert client.get("/en/workspace/evidence/").status_code == 200  # logged in
    assert AuditEvent.objects.filter(action="portal.invitation.accepted").exists()


def test_an_invitation_link_works_only_once(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast)
    link = _link(mail.outbox[0])
    data = {"full_name": "Ana", "password1": "una frase larga 1325", "password2": "una frase larga 1325"}
    client.post(link, data)
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert (
        "has expired or has already been used" in again.content.decode()
        or "venció o ya se usó" in again.content.decode()
    )


def test_an_expired_invitation_is_refused(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(
        _link(mail.outbox[0]),
        {"full_name": "Ana", "password1": "una frase larga 1325", "password2": "una frase larga 1325"},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="nueva@intersecta.test").exists()


def test_a_made_up_invitation_token_is_404(client):
    assert client.get("/en/accounts/invitation/not-a-real-token/").status_code == 404


def test_an_existing_account_joins_after_logging_in(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast, email="member@datacivica.test", role=Role.REVIEWER)
    link = _link(mail.outbox[0])
    assert client.post(link)["Location"].startswith("/en/accounts/login/") or client.post(link).status_code == 302
    client.force_login(cast.other_member)
    client.post(link)
    assert Membership.objects.filter(user=cast.other_member, organisation=cast.intersecta, role=Role.REVIEWER).exists()


def test_the_invitation_form_checks_passwords(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, cast)
    link = _link(mail.outbox[0])
    response = client.post(link, {"full_name": "Ana", "password1": "una frase larga 1325", "password2": "otra cosa"})
    assert response.status_code == 200
    assert not User.objects.filter(email="nueva@intersecta.test").exists()
    response = client.post(link, {"full_name": "Ana", "password1": "123", "password2": "123"})
    assert not User.objects.filter(email="nueva@intersecta.test").exists()


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "reviewer"])
def test_only_moderators_can_invite(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    response = client.get("/en/accounts/invitations/new/")
    assert response.status_code == (302 if role == "anonymous" else 404)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("not-an-address", "Enter a valid email address."),
        ("a" * 260 + "@x.org", "at most 254 characters"),
    ],
)
def test_the_invitation_form_refuses_bad_addresses(client, cast, email, message):
    client.force_login(cast.moderator)
    response = client.post(
        "/en/accounts/invitations/new/",
        {"email": email, "organisation": cast.intersecta.pk, "role": "member", "language": "en"},
    )
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_profile_changes_name_and_language(client, cast):
    client.force_login(cast.member)
    response = client.post("/es/accounts/profile/", {"full_name": "  Ana Ruiz  ", "preferred_language": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/profile/"
    cast.member.refresh_from_db()
    assert cast.member.full_name == "Ana Ruiz" and cast.member.preferred_language == "en"
    assert AuditEvent.objects.filter(action="portal.user.profile_updated", actor=cast.member).exists()


def test_the_profile_refuses_an_unknown_language_and_an_overlong_name(client, cast):
    client.force_login(cast.member)
    response = client.post("/en/accounts/profile/", {"full_name": "x" * 201, "preferred_language": "fr"})
    html = response.content.decode()
    assert "Select a valid choice." in html and "at most 200 characters" in html


def test_password_change_keeps_the_session(client, cast):
    client.force_login(cast.member)
    response = client.post(
        "/en/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "otra frase muy larga 9",
            "new_password2": "otra frase muy larga 9",
        },
    )
    assert response.status_code == 302
    assert client.get("/en/accounts/profile/").status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_account_pages_are_never_cached(client, cast, role):
    if role == "member":
        client.force_login(cast.member)
        response = client.get("/en/accounts/profile/")
    else:
        response = client.get("/en/workspace/evidence/")
    assert "no-store" in response.get("Cache-Control", "") or response.status_code == 302
