"""Login throttling per account and per address, from many client addresses, and the owner's way back in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/en/accounts/login/"
OWNER = "member@intersecta.test"
ADDRESSES = [f"198.51.100.{n}" for n in range(1, 11)]  # ten distinct client addresses


def attempt(client, email, password, ip, path=LOGIN):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def lock_the_owner(capture, attacker=None):
    """Eleven wrong passwords for one account, spread over ten addresses (never five from one)."""
    attacker = attacker or Client()
    with capture(execute=True):
        return [attempt(attacker, OWNER, f"guess-{n}", ADDRESSES[n % 10]).status_code for n in range(11)]


def unlock_link():
    links = [re.search(r"https?://\S+/accounts/unlock/\S+/", m.body) for m in mail.outbox if m.to == [OWNER]]
    assert len(links) == 1 and links[0] is not None, [m.body for m in mail.outbox]
    return links[0].group(0).replace("http://testserver", "")


def test_rotating_addresses_does_not_multiply_the_guesses(client, cast, django_capture_on_commit_callbacks):
    statuses = lock_the_owner(django_capture_on_commit_callbacks)
    assert statuses == [200] * 9 + [429, 429]  # the tenth failure for the account locks it, whatever the address
    # the right password is refused now, from yet another address
    assert attempt(client, OWNER, PASSWORD, "192.0.2.200").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_owner_is_mailed_one_single_use_unlock_link_that_lets_them_in(
    client, cast, django_capture_on_commit_callbacks
):
    cast.member.preferred_language = "en"
    cast.member.save()
    lock_the_owner(django_capture_on_commit_callbacks)
    link = unlock_link()  # one mail, although every refused attempt after the lock reported it again
    assert link.startswith("/en/accounts/unlock/")
    assert mail.outbox[0].subject == "Your Observatorio 1325 account was locked"
    page = client.get(link)  # opening the link (a mail scanner does) uses nothing up
    assert page.status_code == 200 and "Unlock and log in" in page.content.decode()
    assert client.post(link)["Location"] == LOGIN
    assert attempt(client, OWNER, PASSWORD, "192.0.2.200").status_code == 302
    assert client.session["_auth_user_id"] == str(cast.member.pk)

    client.post("/en/accounts/logout/")
    assert client.post(link).status_code == 410  # the link works once
    assert client.get(link).status_code == 410
    assert client.get("/en/accounts/unlock/not-a-real-token/").status_code == 404


def test_an_attacker_who_goes_on_guessing_cannot_keep_the_owner_out(client, cast, django_capture_on_commit_callbacks):
    attacker = Client()
    lock_the_owner(django_capture_on_commit_callbacks, attacker)
    client.post(unlock_link())
    # the attacker locks the account again before the owner types the password …
    with django_capture_on_commit_callbacks(execute=True):
        again = [attempt(attacker, OWNER, f"more-{n}", ADDRESSES[n % 10]).status_code for n in range(11)]
    assert again[-1] == 429
    assert attempt(attacker, OWNER, PASSWORD, "192.0.2.201").status_code == 429
    # … and the owner's browser, which used the link, still gets in
    assert attempt(client, OWNER, PASSWORD, "192.0.2.200").status_code == 302


def test_the_unlock_mail_is_in_the_owners_language(client, cast, django_capture_on_commit_callbacks):
    cast.member.preferred_language = "es"
    cast.member.save()
    lock_the_owner(django_capture_on_commit_callbacks)
    assert "/es/accounts/unlock/" in unlock_link()
    assert mail.outbox[0].subject == "Tu cuenta de Observatorio 1325 fue bloqueada"


def test_a_password_reset_unlocks_the_account(client, cast, django_capture_on_commit_callbacks):
    lock_the_owner(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/password/reset/", {"email": OWNER})
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get(link.replace("http://testserver", ""), follow=True)
    new = "a brand new passphrase 77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert attempt(client, OWNER, new, "192.0.2.200").status_code == 302
    # and for everyone: the account's failures are gone
    assert attempt(Client(), OWNER, new, "192.0.2.202").status_code == 302


def test_failures_for_unknown_or_empty_usernames_never_lock_a_real_account(
    client, cast, django_capture_on_commit_callbacks
):
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for ip in ADDRESSES:
            for k in range(6):
                attempt(attacker, f"nobody{k}@example.org", "x", ip)
                attempt(attacker, "", "x", ip)
                attempt(attacker, "  ", "x", ip)
            attempt(attacker, "NOBODY0@example.org ", "x", ip)  # one unknown "account" guessed from everywhere
    assert attempt(attacker, "nobody0@example.org", "x", "192.0.2.99").status_code == 429  # that one is locked
    assert mail.outbox == []  # nobody to write to
    # the real owner, from another address, is not affected; nor is another real user
    assert attempt(client, OWNER, PASSWORD, "192.0.2.44").status_code == 302
    assert attempt(Client(), "member@datacivica.test", PASSWORD, "192.0.2.45").status_code == 302


def test_a_success_from_an_address_does_not_wipe_the_count_of_another_account(
    client, cast, django_capture_on_commit_callbacks
):
    """An attacker with an account of their own logs in between guesses from the same addresses."""
    attacker = Client()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = []
        for n in range(11):
            statuses.append(attempt(attacker, OWNER, f"guess-{n}", ADDRESSES[n % 10]).status_code)
            attempt(attacker, "member@datacivica.test", PASSWORD, ADDRESSES[n % 10])
            attacker.post("/en/accounts/logout/")
    assert statuses[-1] == 429
    assert attempt(client, OWNER, PASSWORD, "192.0.2.200").status_code == 429


def test_the_account_limit_is_configurable(client, cast, settings):
    settings.LOGIN_ACCOUNT_LIMIT = 3
    statuses = [attempt(client, OWNER, f"guess-{n}", ADDRESSES[n]).status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("en", "Too many attempts", "we have sent its e-mail address a link that unlocks it"),
        ("es", "Demasiados intentos", "enviamos a su dirección de correo un enlace"),
    ],
)
def test_the_lockout_page_is_translated(client, cast, language, title, text):
    login = f"/{language}/accounts/login/"
    for n in range(10):
        response = attempt(client, "nobody@example.org", f"guess-{n}", ADDRESSES[n], path=login)
    assert response.status_code == 429
    page = response.content.decode()
    assert title in page and text in page
    assert response["Content-Language"] == language


def test_reauthentication_is_throttled_like_the_login(client, cast):
    import time

    client.force_login(cast.reviewer)
    session = client.session
    session["auth_at"] = 0
    session.save()
    statuses = [
        client.post("/en/accounts/reauthenticate/", {"password": f"wrong-{n}"}, REMOTE_ADDR="192.0.2.50").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    right = client.post("/en/accounts/reauthenticate/", {"password": PASSWORD}, REMOTE_ADDR="192.0.2.50")
    assert right.status_code == 429
    assert time.time() - client.session.get("auth_at", 0) > 60  # not re-authenticated
