"""Sessions: an absolute lifetime counted from the login, a new key after the second factor, staff need one."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
WORKSPACE = "/en/workspace/evidence/"


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_login_time_is_stored_at_login_and_not_moved_by_activity(client, cast):
    before = time.time()
    assert client.post("/en/accounts/login/", {"username": cast.member.email, "password": PASSWORD}).status_code == 302
    login_at = client.session["login_at"]
    assert before <= login_at <= time.time()
    client.get(WORKSPACE)
    assert client.session["login_at"] == login_at


def test_an_active_session_ends_after_the_absolute_timeout(client, cast, settings):
    client.force_login(cast.member)
    session = client.session
    session["login_at"] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 5
    session["last_seen"] = time.time()  # active a moment ago: only the absolute limit can end it
    session.save()
    response = client.get(WORKSPACE)
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")
    assert client.get(WORKSPACE).status_code == 302
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_the_absolute_timeout_is_configurable_and_counts_from_the_login(client, cast, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = 60
    client.force_login(cast.member)
    assert client.get(WORKSPACE).status_code == 200
    session = client.session
    session["login_at"] -= 61
    session.save()
    assert client.get(WORKSPACE).status_code == 302


def test_a_session_without_a_login_time_is_not_trusted(client, cast):
    client.force_login(cast.member)
    session = client.session
    del session["login_at"]
    session.save()
    assert client.get(WORKSPACE).status_code == 302


@pytest.fixture
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_the_session_key_changes_after_the_second_factor(client, cast, two_factor_on):
    device = TOTPDevice.objects.create(user=cast.moderator, name="phone", confirmed=True)
    client.force_login(cast.moderator)
    before = client.session.session_key
    assert client.post("/en/accounts/two-factor/verify/", {"token": _code(device)}).status_code == 302
    assert client.session.session_key != before
    assert client.get("/en/moderation/").status_code == 200
    # the key seen before the second factor (say, planted by someone else) is worth nothing now
    planted = Client()
    planted.cookies["sessionid"] = before
    assert planted.get("/en/moderation/").status_code == 302


def test_the_session_key_changes_when_the_second_factor_is_set_up(client, cast, two_factor_on):
    client.force_login(cast.reviewer)
    client.get("/en/accounts/two-factor/")
    before = client.session.session_key
    device = TOTPDevice.objects.get(user=cast.reviewer)
    assert client.post("/en/accounts/two-factor/", {"token": _code(device)}).status_code == 200
    assert client.session.session_key != before


def test_every_staff_account_must_set_up_a_second_factor(client, cast, two_factor_on):
    staff = UserFactory(email="staff@observatorio.test", is_staff=True)  # no role in any organisation
    client.force_login(staff)
    response = client.get("/en/accounts/profile/")
    assert response.status_code == 302 and response["Location"] == "/en/accounts/two-factor/"
    assert client.get("/en/admin/")["Location"] == "/en/accounts/two-factor/"


def test_staff_cannot_turn_off_the_second_factor(client, cast, two_factor_on):
    staff = UserFactory(email="staff@observatorio.test", is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    client.post("/en/accounts/two-factor/verify/", {"token": _code(device)})
    client.post("/en/accounts/two-factor/disable/")
    assert TOTPDevice.objects.filter(user=staff).exists()


def test_members_without_staff_access_are_still_not_forced(client, cast, two_factor_on):
    client.force_login(cast.member)
    assert client.get(WORKSPACE).status_code == 200
