"""Round trips through every account form, in Spanish and in English, read back from the browser.

Invitations (a moderator invites, the new person sets her name and password), the profile, the password
change and the two-factor set-up: each is filled in completely, saved, reopened and read back as the browser
holds it; each also gets one failing submission that must keep what was typed and say what is wrong.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Locator, Page, expect

from portal import services
from portal.models import AuditEvent, Invitation, Membership, OutgoingMail, Role, User
from tests.browser.roundtrip import (
    LANGUAGES,
    WORDS,
    expect_values,
    fill_by_name,
    form_values,
    log_in,
    nothing_changes,
    required_label,
    round_trip,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Accents, typographic and straight quotes, an apostrophe, markup-like text and an ampersand: all must survive.
NAME = "María José O'Connor “Pepa” <Ñúñez> & Cía."
NEW_PASSWORD = "ñandú-lúcido 1325 «nueva»"

TEXT = {
    "es": {
        "send_invitation": "Enviar la invitación",
        "invitation_sent": "Se envió una invitación a {email}. El enlace sirve una sola vez, durante 7 días.",
        "invalid_email": "Introduzca una dirección de correo electrónico válida.",
        "join": "Únete a {org}",
        "create_and_join": "Crear mi cuenta y unirme",
        "welcome": "Te damos la bienvenida a {org} en Observatorio 1325.",
        "passwords_differ": "Las dos contraseñas no coinciden.",
        "reviewer": "Revisora",
        "save": "Guardar",
        "profile_saved": "Se guardó tu perfil.",
        "too_long": "menos de 200 caracteres (tiene 201)",
        "change_password_link": "Cambiar tu contraseña",
        "change_password": "Cambiar la contraseña",
        "password_changed": "Se cambió tu contraseña.",
        "wrong_old_password": "Su contraseña antigua es incorrecta.",
        "log_out": "Cerrar sesión",
        "login_refused": "El correo y la contraseña no corresponden a una cuenta activa.",
        "code": "Código",
        "turn_on": "Activar",
        "recovery_codes": "Tus códigos de recuperación",
        "two_factor_on": "Activada. Cada inicio de sesión pide un código de tu aplicación de autenticación.",
        "codes_left": "Quedan {n} códigos de recuperación.",
        "wrong_code": "Ese código no es válido. Revisa la hora de tu teléfono e intenta con el código actual.",
        "enter_code": "Escribe tu código",
        "continue": "Continuar",
        "problem": "Hay un problema en 1 campo. No se perdió nada de lo que escribiste.",
    },
    "en": {
        "send_invitation": "Send the invitation",
        "invitation_sent": "An invitation was sent to {email}. The link works once, for 7 days.",
        "invalid_email": "Enter a valid email address.",
        "join": "Join {org}",
        "create_and_join": "Create my account and join",
        "welcome": "Welcome to {org} on Observatorio 1325.",
        "passwords_differ": "The two passwords differ.",
        "reviewer": "Reviewer",
        "save": "Save",
        "profile_saved": "Your profile was saved.",
        "too_long": "at most 200 characters (it has 201)",
        "change_password_link": "Change your password",
        "change_password": "Change the password",
        "password_changed": "Your password was changed.",
        "wrong_old_password": "Your old password was entered incorrectly.",
        "log_out": "Log out",
        "login_refused": "The e-mail address and password do not match an active account.",
        "code": "Code",
        "turn_on": "Turn on",
        "recovery_codes": "Your recovery codes",
        "two_factor_on": "On. Each login asks for a code from your authenticator app.",
        "codes_left": "{n} recovery codes left.",
        "wrong_code": "That code is not valid. Check the time on your phone and try the current code.",
        "enter_code": "Enter your code",
        "continue": "Continue",
        "problem": "There is a problem with 1 field. Nothing you typed was lost.",
    },
}


def other(lang: str) -> str:
    return "en" if lang == "es" else "es"


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    """Another person's browser, with its own cookies."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def submit_log_in(page: Page, base: str, email: str, password: str, lang: str) -> None:
    """Fill and send the real log-in form with a password other than the factories' one (new or changed)."""
    page.goto(f"{base}/{lang}/accounts/login/")
    page.get_by_label(required_label(WORDS[lang]["email"])).fill(email)
    page.get_by_label(required_label(WORDS[lang]["password"])).fill(password)
    page.get_by_role("button", name=WORDS[lang]["log_in"]).click()


def expect_logged_in(page: Page) -> None:
    expect(page.locator("form[action$='/accounts/logout/']").first).to_be_attached()


def log_out(page: Page, lang: str) -> None:
    menu = page.locator("header summary.menu-button")
    if menu.is_visible():  # on a phone the account menu is behind the menu button
        menu.click()
    page.locator("header").get_by_role("button", name=TEXT[lang]["log_out"]).click()
    expect(page.locator("form[action$='/accounts/logout/']")).to_have_count(0)


def messages(page: Page) -> Locator:
    """The messages the site shows after an action (success, information)."""
    return page.locator("main .messages")


def error_summary(page: Page) -> Locator:
    return page.locator("#error-summary")


def codes_for(key: bytes) -> set[str]:
    """The codes an authenticator app could show now (TOTPDevice accepts one step either side)."""
    return {f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}" for drift in (-1, 0, 1)}


def key_on_page(page: Page) -> bytes:
    """The key the set-up page shows for typing into an app, decoded as the app would."""
    shown = page.locator("code.hash").inner_text()
    return base64.b32decode("".join(shown.split()))


def accept_url_from_mail(email: str) -> str:
    """The link as delivered: the outbox itself only keeps a placeholder (the link is sealed until delivery)."""
    assert "/accounts/invitation/" not in OutgoingMail.objects.get(to=email).body
    delivered = [m.body for m in mail.outbox if m.to == [email]]
    assert delivered, f"no mail delivered to {email}"
    match = re.search(r"https?://\S+/accounts/invitation/\S+/", delivered[-1])
    assert match, delivered[-1]
    return match.group(0)


# --------------------------------------------------------------------------- invitations


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_moderator_invites_a_person_who_joins_with_her_name_and_password_as_typed(
    live_server, cast, page: Page, second_page: Page, lang: str
):
    base = live_server.url
    email = "ana.lopez+1325@example.test"
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/accounts/invitations/new/")
    chosen = {
        "email": email,
        "organisation": str(cast.data_civica.pk),
        "role": Role.REVIEWER,
        "language": lang,
    }
    fill_by_name(page, chosen)
    expect_values(page, chosen)
    page.get_by_role("button", name=TEXT[lang]["send_invitation"]).click()
    expect(messages(page)).to_have_text(TEXT[lang]["invitation_sent"].format(email=email))
    expect_values(page, {"email": ""})  # the form is fresh again: no second invitation by accident

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.organisation, invitation.role, invitation.language) == (
        email,
        cast.data_civica,
        Role.REVIEWER,
        lang,
    )
    assert invitation.invited_by == cast.moderator
    created = AuditEvent.objects.get(action="portal.invitation.created")
    assert created.changes == {
        "email": [None, email],
        "organisation": [None, "Data Cívica"],
        "role": [None, Role.REVIEWER],
    }

    url = accept_url_from_mail(email)
    assert f"/{lang}/accounts/invitation/" in url
    second_page.goto(url)
    expect(second_page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["join"].format(org="Data Cívica"))
    fill_by_name(second_page, {"full_name": NAME, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    second_page.get_by_role("button", name=TEXT[lang]["create_and_join"]).click()
    expect(messages(second_page)).to_have_text(TEXT[lang]["welcome"].format(org="Data Cívica"))

    user = User.objects.get(email=email)
    assert (user.full_name, user.preferred_language) == (NAME, lang)
    assert Membership.objects.get(user=user).organisation == cast.data_civica
    assert AuditEvent.objects.filter(action="portal.invitation.accepted", object_id=str(invitation.pk)).exists()

    second_page.goto(f"{base}/{lang}/accounts/profile/")
    expect_values(second_page, {"full_name": NAME, "preferred_language": lang})
    expect(second_page.locator("main li", has_text="Data Cívica")).to_have_text(
        f"Data Cívica — {TEXT[lang]['reviewer']}"
    )

    log_out(second_page, lang)
    submit_log_in(second_page, base, email, NEW_PASSWORD, lang)
    expect_logged_in(second_page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invitation_to_a_malformed_address_keeps_every_choice_and_says_what_is_wrong(
    live_server, cast, page: Page, lang: str
):
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/accounts/invitations/new/")
    typed = {
        "email": "ana.lopez@",
        "organisation": str(cast.data_civica.pk),
        "role": Role.REVIEWER,
        "language": other(lang),
    }
    fill_by_name(page, typed)
    page.get_by_role("button", name=TEXT[lang]["send_invitation"]).click()

    expect(error_summary(page)).to_contain_text(TEXT[lang]["problem"])
    expect(error_summary(page)).to_contain_text(TEXT[lang]["invalid_email"])
    expect(page.locator("#id_email")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect_values(page, typed)
    assert not Invitation.objects.exists()
    assert not OutgoingMail.objects.exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_accepting_with_two_different_passwords_keeps_the_name_and_says_they_differ(
    live_server, cast, page: Page, lang: str
):
    email = "ana.lopez@example.test"
    _invitation, token = services.create_invitation(
        email=email,
        organisation=cast.intersecta,
        role=Role.MEMBER,
        language=lang,
        actor=cast.moderator,
        accept_url_for=lambda token: token,
    )
    url = f"{live_server.url}/{lang}/accounts/invitation/{token}/"
    page.goto(url)
    fill_by_name(page, {"full_name": NAME, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"})
    page.get_by_role("button", name=TEXT[lang]["create_and_join"]).click()

    expect(error_summary(page)).to_contain_text(TEXT[lang]["passwords_differ"])
    # The name is kept; passwords are never sent back to the browser, so both boxes are empty again.
    expect_values(page, {"full_name": NAME, "password1": "", "password2": ""})
    assert not User.objects.filter(email=email).exists()

    fill_by_name(page, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    page.get_by_role("button", name=TEXT[lang]["create_and_join"]).click()
    expect(messages(page)).to_have_text(TEXT[lang]["welcome"].format(org="Intersecta"))
    assert User.objects.get(email=email).full_name == NAME


# --------------------------------------------------------------------------- profile

# A moderator's e-mail preferences (portal.notifications.KINDS): one changed, the others at their defaults
# (tests/browser/test_roundtrip_notifications.py changes them all).
MODERATOR_PREFERENCES = {
    "notify_evidence_submitted": "daily",
    "notify_evidence_commented": "immediate",
    "notify_evidence_archive_failed": "daily",
    "notify_mail_delivery_failed": "daily",
    "notify_organisation_invitation_to_confirm": "immediate",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_profile_reads_back_every_field_as_saved_and_an_untouched_save_changes_nothing(
    live_server, cast, page: Page, lang: str
):
    user = cast.moderator  # moderators see every field, their e-mail preferences included
    old_name = user.full_name
    User.objects.filter(pk=user.pk).update(preferred_language=other(lang))
    base = live_server.url
    url = f"{base}/{lang}/accounts/profile/"
    values = {"full_name": NAME, "preferred_language": lang, **MODERATOR_PREFERENCES}
    log_in(page, base, user.email, lang)
    page.goto(url)
    assert set(form_values(page)) == set(values), "the test must fill every field of the profile"

    def save(page: Page) -> None:
        page.get_by_role("button", name=TEXT[lang]["save"]).click()
        expect(messages(page)).to_have_text(TEXT[lang]["profile_saved"])

    round_trip(page, url, values, save)
    user.refresh_from_db()
    assert (user.full_name, user.preferred_language) == (NAME, lang)
    event = AuditEvent.objects.get(action="portal.user.profile_updated")
    assert event.changes == {
        "full_name": [old_name, NAME],
        "preferred_language": [other(lang), lang],
        "notifications:evidence.submitted": ["immediate", "daily"],
    }

    with nothing_changes(user, exclude=("updated_at", "last_login")):
        save(page)
    assert page.url == url
    expect_values(page, values)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_name_too_long_for_the_profile_is_refused_and_the_other_choices_stay_as_chosen(
    live_server, cast, page: Page, lang: str
):
    user = cast.moderator
    base = live_server.url
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/profile/")
    # The box stops typing at 200 characters; a pasted or scripted value can still be longer.
    page.locator("#id_full_name").evaluate("el => el.removeAttribute('maxlength')")
    typed = {"full_name": "Ñ" * 201, "preferred_language": other(lang), "notify_evidence_submitted": "never"}
    with nothing_changes(user, exclude=("updated_at", "last_login")):
        fill_by_name(page, typed)
        page.get_by_role("button", name=TEXT[lang]["save"]).click()
        expect(error_summary(page)).to_contain_text(TEXT[lang]["too_long"])
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect_values(page, typed)


# --------------------------------------------------------------------------- password


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_changed_password_is_the_one_that_logs_in_next_time(live_server, cast, page: Page, lang: str):
    base = live_server.url
    user = cast.member
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/profile/")
    page.get_by_role("link", name=TEXT[lang]["change_password_link"]).click()
    fill_by_name(page, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    page.get_by_role("button", name=TEXT[lang]["change_password"]).click()

    expect(messages(page)).to_have_text(TEXT[lang]["password_changed"])
    assert page.url == f"{base}/{lang}/accounts/profile/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="portal.user.password_changed", object_id=str(user.pk)).exists()

    log_out(page, lang)
    submit_log_in(page, base, user.email, PASSWORD, lang)
    expect(error_summary(page)).to_contain_text(TEXT[lang]["login_refused"])
    submit_log_in(page, base, user.email, NEW_PASSWORD, lang)
    expect_logged_in(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_wrong_current_password_is_refused_and_the_password_stays_the_same(live_server, cast, page: Page, lang: str):
    base = live_server.url
    user = cast.member
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/password/change/")
    with nothing_changes(user, exclude=("updated_at", "last_login")):
        fill_by_name(
            page, {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        page.get_by_role("button", name=TEXT[lang]["change_password"]).click()
        expect(error_summary(page)).to_contain_text(TEXT[lang]["wrong_old_password"])
    # Passwords are never sent back to the browser: every box is empty, none keeps a stale value.
    expect_values(page, {"old_password": "", "new_password1": "", "new_password2": ""})
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


# --------------------------------------------------------------------------- two-factor


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_factor_set_up_with_the_key_shown_turns_it_on_and_its_recovery_codes_work(
    live_server, cast, page: Page, lang: str
):
    base = live_server.url
    user = cast.reviewer
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/two-factor/")
    key = key_on_page(page)
    assert key == TOTPDevice.objects.get(user=user, confirmed=False).bin_key
    page.get_by_label(required_label(TEXT[lang]["code"])).fill(f"{totp(key, step=30, t0=0, digits=6):06d}")
    page.get_by_role("button", name=TEXT[lang]["turn_on"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["recovery_codes"])
    shown = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(shown) == 10
    assert sorted(shown) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert TOTPDevice.objects.get(user=user).confirmed
    assert AuditEvent.objects.filter(action="portal.user.two_factor_enabled", object_id=str(user.pk)).count() == 1

    page.goto(f"{base}/{lang}/accounts/two-factor/")
    expect(page.locator("main")).to_contain_text(TEXT[lang]["two_factor_on"])
    expect(page.locator("main")).to_contain_text(TEXT[lang]["codes_left"].format(n=10))

    log_out(page, lang)
    log_in(page, base, user.email, lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["enter_code"])
    page.get_by_label(required_label(TEXT[lang]["code"])).fill(shown[0])
    page.get_by_role("button", name=TEXT[lang]["continue"]).click()
    expect(page).to_have_url(re.compile(rf"/{lang}/workspace/evidence/$"))
    page.goto(f"{base}/{lang}/accounts/two-factor/")
    expect(page.locator("main")).to_contain_text(TEXT[lang]["codes_left"].format(n=9))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_wrong_two_factor_code_is_refused_and_the_key_already_in_the_app_still_works(
    live_server, cast, page: Page, lang: str
):
    base = live_server.url
    user = cast.reviewer
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/two-factor/")
    key = key_on_page(page)
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in codes_for(key))
    page.get_by_label(required_label(TEXT[lang]["code"])).fill(wrong)
    page.get_by_role("button", name=TEXT[lang]["turn_on"]).click()

    expect(error_summary(page)).to_contain_text(TEXT[lang]["wrong_code"])
    assert key_on_page(page) == key, "a failed attempt must not replace the key already typed into the app"
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="portal.user.two_factor_enabled").exists()

    # django_otp makes the next attempt wait after a failure; end the pause instead of sleeping through it.
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    page.get_by_label(required_label(TEXT[lang]["code"])).fill(f"{totp(key, step=30, t0=0, digits=6):06d}")
    page.get_by_role("button", name=TEXT[lang]["turn_on"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT[lang]["recovery_codes"])
