"""Accounts under attack: brute force, enumeration, session fixation and replay, second factor, re-authentication."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/en/accounts/login/"


def attempt(client, email, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_brute_force_on_one_account_is_throttled_even_with_the_right_password(client, cast):
    statuses = [attempt(client, "member@intersecta.test", f"wrong-{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    blocked = attempt(client, "member@intersecta.test", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()


def test_brute_force_from_one_address_across_accounts_is_throttled(client, cast):
    for n in range(5):
        attempt(client, f"nobody{n}@example.org", "x", ip="198.51.100.9")
    assert attempt(client, "member@intersecta.test", PASSWORD, ip="198.51.100.9").status_code == 429
    # another address and the real owner are not locked out by the attacker's address
    assert attempt(client, "member@intersecta.test", PASSWORD, ip="192.0.2.44").status_code == 302


def test_the_lock_is_temporary(client, cast):
    from axes.models import AccessAttempt

    for n in range(5):
        attempt(client, "member@intersecta.test", f"wrong-{n}")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(hours=1))
    assert attempt(client, "member@intersecta.test", PASSWORD).status_code == 302


def _strip_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def test_accounts_cannot_be_enumerated_through_login_reset_or_invitation(
    client, cast, django_capture_on_commit_callbacks
):
    known = attempt(client, "member@intersecta.test", "wrong", ip="192.0.2.1")
    unknown = attempt(client, "nobody@example.org", "wrong", ip="192.0.2.2")
    assert known.status_code == unknown.status_code == 200
    assert _strip_tokens(known.content).replace(b"member@intersecta.test", b"X") == _strip_tokens(
        unknown.content
    ).replace(b"nobody@example.org", b"X")

    known = client.post("/en/accounts/password/reset/", {"email": "member@intersecta.test"})
    unknown = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])

    client.force_login(cast.moderator)
    responses = [
        client.post(
            "/en/accounts/invitations/new/",
            {"email": email, "organisation": cast.intersecta.pk, "role": "member", "language": "en"},
        )
        for email in ("member@datacivica.test", "brand-new@example.org")
    ]
    assert [r.status_code for r in responses] == [302, 302]


def test_the_session_key_changes_at_login_no_fixation(client, cast):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    assert attempt(client, "member@intersecta.test", PASSWORD).status_code == 302
    assert client.session.session_key != before


def test_a_session_cookie_replayed_after_logout_is_worthless(client, cast):
    attempt(client, "member@intersecta.test", PASSWORD)
    stolen = client.cookies["sessionid"].value
    client.post("/en/accounts/logout/")
    from django.test import Client

    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get("/en/workspace/evidence/").status_code == 302


def test_changing_the_password_ends_other_sessions(client, cast):
    from django.test import Client

    other = Client()
    other.force_login(cast.member)
    client.force_login(cast.member)
    client.post(
        "/en/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 77",
            "new_password2": "a brand new passphrase 77",
        },
    )
    assert client.get("/en/workspace/evidence/").status_code == 200
    assert other.get("/en/workspace/evidence/").status_code == 302


def test_deactivating_an_account_ends_its_sessions(client, cast):
    client.force_login(cast.member)
    cast.member.is_active = False
    cast.member.save()
    assert client.get("/en/workspace/evidence/").status_code == 302


def test_an_idle_session_expires(client, cast, settings):
    client.force_login(cast.member)
    session = client.session
    session["last_seen"] = timezone.now().timestamp() - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get("/en/workspace/evidence/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")
    assert client.get("/en/workspace/evidence/").status_code == 302


@pytest.fixture
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _device(user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device


def _code(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.parametrize("role", ["moderator", "reviewer"])
def test_moderators_and_reviewers_must_set_up_a_second_factor(client, cast, two_factor_on, role):
    client.force_login(getattr(cast, role))
    response = client.get("/en/workspace/evidence/")
    assert response.status_code == 302 and response["Location"] == "/en/accounts/two-factor/"
    setup = client.get("/en/accounts/two-factor/").content.decode()
    assert "data:image/svg+xml;base64," in setup


def test_members_are_offered_but_not_forced(client, cast, two_factor_on):
    client.force_login(cast.member)
    assert client.get("/en/workspace/evidence/").status_code == 200


def test_setting_up_totp_gives_single_use_recovery_codes(client, cast, two_factor_on):
    client.force_login(cast.reviewer)
    client.get("/en/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=cast.reviewer)
    response = client.post("/en/accounts/two-factor/", {"token": _code(device)})
    codes = re.findall(r"<code>(\w+)</code>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/en/workspace/reports/").status_code == 200

    client.logout()
    client.force_login(cast.reviewer)
    assert client.get("/en/workspace/reports/")["Location"].startswith("/en/accounts/two-factor/verify/")
    assert client.post("/en/accounts/two-factor/verify/", {"token": codes[0]}).status_code == 302
    client.logout()
    client.force_login(cast.reviewer)
    reused = client.post("/en/accounts/two-factor/verify/", {"token": codes[0]})
    assert reused.status_code == 200 and "not valid or was already used" in reused.content.decode()


def test_a_totp_code_cannot_be_used_twice(client, cast, two_factor_on):
    device = _device(cast.moderator)
    code = _code(device)
    client.force_login(cast.moderator)
    assert client.post("/en/accounts/two-factor/verify/", {"token": code}).status_code == 302
    client.logout()
    client.force_login(cast.moderator)
    second = client.post("/en/accounts/two-factor/verify/", {"token": code})
    assert second.status_code == 200
    assert client.get("/en/moderation/")["Location"].startswith("/en/accounts/two-factor/verify/")


def test_a_wrong_totp_code_is_refused(client, cast, two_factor_on):
    _device(cast.moderator)
    client.force_login(cast.moderator)
    assert "not valid" in client.post("/en/accounts/two-factor/verify/", {"token": "000000"}).content.decode()


def test_reviewers_cannot_turn_off_the_required_second_factor(client, cast, two_factor_on):
    device = _device(cast.reviewer)
    client.force_login(cast.reviewer)
    client.post("/en/accounts/two-factor/verify/", {"token": _code(device)})
    client.post("/en/accounts/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=cast.reviewer).exists()


def test_publishing_and_inviting_need_a_recent_password(client, cast, mx_plan, settings):
    import time

    from monitoring.services import reports as svc

    report = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "R",
            "slug": "r-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    client.force_login(cast.reviewer)
    session = client.session
    session["auth_at"] = time.time() - settings.REAUTHENTICATION_MAX_AGE - 10
    session.save()
    response = client.post(f"/en/workspace/reports/{report.uuid}/publication/request/")
    assert response["Location"].startswith("/en/accounts/reauthenticate/")
    report.refresh_from_db()
    assert report.status == "draft"
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    client.post(f"/en/workspace/reports/{report.uuid}/publication/request/")
    report.refresh_from_db()
    assert report.status == "in_review"

    client.force_login(cast.moderator)
    session = client.session
    session["auth_at"] = 0
    session.save()
    assert client.get("/en/accounts/invitations/new/")["Location"].startswith("/en/accounts/reauthenticate/")
    assert len(mail.outbox) == 0
