"""A reader opens the plan in Spanish, switches to English and reaches an indicator — on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_switches_language_and_reaches_an_indicator(live_server, mx_plan, page: Page):
    page.goto(f"{live_server.url}/es/plans/mx-pna-1325-2021/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=2, name="P1 · Prevención")).to_be_visible()

    page.get_by_role("link", name="English").click()

    expect(page).to_have_url(re.compile(r"/en/plans/mx-pna-1325-2021/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2, name="P1 · Prevention")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^I13 Number of networks of women peacebuilders")).click()

    expect(page).to_have_url(re.compile(r"/en/plans/mx-pna-1325-2021/indicators/I13/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Number of networks of women peacebuilders formed")
    expect(page.get_by_text("From a secondary source").first).to_be_visible()
    # Nothing overflows a 390-px phone screen horizontally.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_skip_link_moves_keyboard_focus_to_the_content(live_server, mx_plan, page: Page):
    page.goto(f"{live_server.url}/es/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Saltar al contenido principal")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
