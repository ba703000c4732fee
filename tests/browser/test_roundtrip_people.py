"""Round trips through the organisation form and the invitation form, in Spanish and in English, read back from the
browser: filled completely, saved, reopened, every value still there, saved again untouched and nothing changes."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from PIL import Image
from playwright.sync_api import Page, expect

from portal.models import AuditEvent, Invitation, InvitationRole, Organisation
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, log_in, nothing_changes
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Accents, typographic and straight quotes, an apostrophe, markup-like text and an ampersand: all must survive.
NAME = "Mujeres “Libres” de O'Higgins <Sur> & Cía."
VALUES = {
    "name": NAME,
    "acronym": "MLOS",
    "website": "https://mujeres-libres.example.org/quiénes",
    "description_es": "Defensoras de derechos humanos.\n\nTrabajamos en «Oaxaca» & Chiapas.",
    "description_en": "Women human rights defenders.\n\nWe work in “Oaxaca” & Chiapas.",
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _submit(page: Page) -> None:
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_organisation_form_round_trip(live_server, cast, page: Page, lang: str):
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/manage/organisations/new/")
    fill_by_name(page, VALUES)
    page.set_input_files("input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}])
    _submit(page)
    org = Organisation.objects.get(acronym="MLOS")
    assert page.url.endswith(f"/{lang}/manage/organisations/{org.slug}/")
    # Browsers send textarea line breaks as CRLF; the form stores them as LF.
    assert {k: getattr(org, k) for k in VALUES} == VALUES
    assert org.logo.name.startswith(f"logos/{org.slug}-")

    edit = f"{base}/{lang}/manage/organisations/{org.slug}/edit/"
    page.goto(edit)
    expect_values(page, VALUES)
    expect(page.locator(f"main img[src='/{lang}/organisations/{org.slug}/logo/']")).to_be_visible()
    with nothing_changes(org):
        _submit(page)
    assert page.url.endswith(f"/{lang}/manage/organisations/{org.slug}/")
    page.goto(edit)
    expect_values(page, VALUES)

    # An edit, then the same form opened before it is saved again: refused, nothing overwritten.
    page.goto(edit)
    fill_by_name(page, {"acronym": "MLS"})
    stale = page.context.new_page()
    stale.goto(edit)
    _submit(page)
    fill_by_name(stale, {"name": "Otra cosa"})
    _submit(stale)
    expect(stale.locator(".alert-danger, .alert-error").first).to_be_visible()
    expect_values(stale, {**VALUES, "acronym": "MLS"})  # the form shows the saved version
    org.refresh_from_db()
    assert (org.name, org.acronym, org.version) == (NAME, "MLS", 2)
    assert AuditEvent.objects.filter(action="portal.organisation.updated").count() == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_organisation_form_keeps_what_was_typed_when_a_field_is_wrong(live_server, cast, page: Page, lang: str):
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/manage/organisations/new/")
    typed = {**VALUES, "website": "javascript:alert(1)"}
    fill_by_name(page, typed)
    _submit(page)
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_website")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect_values(page, typed)
    assert not Organisation.objects.filter(acronym="MLOS").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_invitation_form_round_trip_for_a_moderator_invitation(live_server, cast, page: Page, lang: str):
    second = UserFactory(email="segunda@observatorio.test", is_staff=True)
    second.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/accounts/invitations/new/")
    chosen = {"email": "nueva.moderadora@example.test", "role": "moderator", "organisation": "", "language": lang}
    fill_by_name(page, chosen)
    expect_values(page, chosen)
    _submit(page)
    assert page.url.endswith(f"/{lang}/manage/people/")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation, invitation.language) == (
        "nueva.moderadora@example.test",
        InvitationRole.MODERATOR,
        None,
        lang,
    )
    assert invitation.needs_confirmation
    # Listed for the moderators, waiting; its author cannot confirm it.
    link = page.locator(f"main a[href='/{lang}/accounts/invitations/{invitation.uuid}/']")
    expect(link).to_have_text("nueva.moderadora@example.test")
    link.click()
    expect(page.locator(f"form[action='/{lang}/accounts/invitations/{invitation.uuid}/confirm/']")).to_have_count(0)

    # A member invitation with a wrong combination keeps every choice.
    page.goto(f"{base}/{lang}/accounts/invitations/new/")
    typed = {"email": "ana@example.test", "role": "reviewer", "organisation": "", "language": lang}
    fill_by_name(page, typed)
    _submit(page)
    expect(page.locator("#error-summary")).to_be_visible()
    expect_values(page, typed)
    assert Invitation.objects.count() == 1
