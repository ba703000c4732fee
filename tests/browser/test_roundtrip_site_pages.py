"""Round trip through the editor of the site's own pages (privacy notice, contact and corrections), in Spanish and
in English, read back from the browser: filled, saved, reopened, every value still there, saved again untouched and
nothing changes; then a stale save (another moderator saved meanwhile) keeps what was typed."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from playwright.sync_api import Browser, Page, expect

from monitoring.models import SitePage
from portal.models import AuditEvent
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, log_in, nothing_changes
from tests.browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Accents, typographic quotes, markup-like text, an ampersand, Markdown and several paragraphs: all must survive.
VALUES = {
    "title_es": "Aviso de privacidad “integral” <v2> & más",
    "body_es": "## Responsable\n\nEl Observatorio 1325 & sus aliadas.\n\n- acceso\n- rectificación <b>no</b>",
    "title_en": "Privacy notice “full” <v2> & more",
    "body_en": "## Who is responsible\n\nObservatorio 1325 & its allies.\n\n- access\n- rectification <b>no</b>",
}


def _save(page: Page) -> None:
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_site_page_editor_round_trip(live_server, cast, page: Page, lang: str):
    importlib.import_module("monitoring.migrations.0025_site_pages").create_pages(apps, None)  # flushed by others
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    edit = f"{base}/{lang}/moderation/pages/privacy/"
    page.goto(edit)
    fill_by_name(page, VALUES)
    _save(page)
    assert page.url == f"{base}/{lang}/privacy/"
    expect(page.locator("main h1")).to_have_text(VALUES[f"title_{lang}"])
    expect(page.locator("main .prose ul li").last).to_have_text(
        "rectification <b>no</b>" if lang == "en" else "rectificación <b>no</b>"
    )
    saved = SitePage.objects.get(slug="privacy")
    assert {k: getattr(saved, k) for k in VALUES} == VALUES  # CR LF from the browser stored as LF
    assert AuditEvent.objects.filter(action="monitoring.site_page.updated").count() == 1

    page.goto(edit)
    expect_values(page, VALUES)
    with nothing_changes(saved):
        _save(page)
    assert AuditEvent.objects.filter(action="monitoring.site_page.updated").count() == 1
    page.goto(edit)
    expect_values(page, VALUES)

    # Another moderator's tab saves first; this one's text is refused but stays in the form, and saves on a second go.
    stale = page.context.new_page()
    stale.goto(edit)
    fill_by_name(page, {"title_en": "First saved"})
    _save(page)
    fill_by_name(stale, {"body_en": "My longer rewrite, typed meanwhile."})
    _save(stale)
    expect(stale.locator(".alert-danger").first).to_be_visible()
    expect_values(stale, {**VALUES, "body_en": "My longer rewrite, typed meanwhile."})
    saved.refresh_from_db()
    assert (saved.title_en, saved.body_en) == ("First saved", VALUES["body_en"])
    _save(stale)
    saved.refresh_from_db()
    assert (saved.title_en, saved.body_en) == (VALUES["title_en"], "My longer rewrite, typed meanwhile.")
    assert AuditEvent.objects.filter(action="monitoring.site_page.updated").count() == 3


@pytest.fixture
def scanner(browser: Browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})  # axe is injected
    yield context.new_page()
    context.close()


def test_the_pages_and_the_cite_block_pass_an_accessibility_scan(live_server, mx_plan, scanner: Page):
    importlib.import_module("monitoring.migrations.0025_site_pages").create_pages(apps, None)
    for path in ("/es/privacy/", "/en/contact/", f"/es/plans/{mx_plan.slug}/indicators/I13/"):
        scanner.goto(f"{live_server.url}{path}")
        assert axe_violations(scanner) == [], path
    scanner.locator(".cite-box summary").click()  # the BibTeX opens without any script of ours
    expect(scanner.locator(".cite-box pre")).to_contain_text("@misc{obs1325-")
