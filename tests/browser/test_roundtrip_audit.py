"""Round trip through the audit log's filter form (a GET form), in Spanish and in English, read from the browser.

Fill every filter, send it, reload the page: every value is still in the form as the browser holds it (the dates
as dates, the menus on the chosen option) and the same events are listed; send it again untouched: the address,
the values and the list do not move, and nothing is written. One bad submission (an end date before the start)
must keep every value typed and say what is wrong. The CSV of the same filters downloads with its BOM.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from portal.models import AuditEvent
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, form_values, log_in
from tests.browser.test_accessibility import axe_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "#audit-filters"
TEXT = {
    "es": {
        "filter": "Filtrar",
        "problem": "Hay un problema en 1 campo. No se perdió nada de lo que escribiste.",
        "download": "CSV",
    },
    "en": {
        "filter": "Filter",
        "problem": "There is a problem with 1 field. Nothing you typed was lost.",
        "download": "CSV",
    },
}
# Accents, quotes, an apostrophe and markup-like text in the person typed.
PERSON = "María “Pepa” O'Ñúñez <b>"


def _events(cast) -> None:
    ana = UserFactory(email="ana@observatorio.test", full_name="Ana " + PERSON)
    now = timezone.now()
    for days, repr_, actor, action in [
        (2, "Informe 2025 — v2", ana, "monitoring.report.published"),
        (3, "Otro informe", ana, "monitoring.report.updated"),
        (4, "Informe de otra persona", cast.member, "monitoring.report.published"),
        (40, "Informe antiguo", ana, "monitoring.report.published"),
    ]:
        AuditEvent.objects.create(
            action=action,
            object_type="monitoring.report",
            object_id="7",
            object_repr=repr_,
            actor=actor,
            created_at=now - dt.timedelta(days=days),
        )


def _listed(page: Page) -> list[str]:
    return [row.inner_text() for row in page.locator("main table tbody tr").all()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_audit_filters_round_trip_and_a_second_send_changes_nothing(live_server, cast, page: Page, lang: str):
    _events(cast)
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    today = timezone.localdate()
    values = {
        "object_type": "monitoring.report",
        "action": "monitoring.report.published",
        "actor": PERSON,
        "since": str(today - dt.timedelta(days=10)),
        "until": str(today),
    }
    page.goto(f"{base}/{lang}/moderation/audit/")
    fill_by_name(page, values, FORM)
    page.locator(FORM).get_by_role("button", name=TEXT[lang]["filter"]).click()
    page.wait_for_url("**/moderation/audit/?*")
    listed = _listed(page)
    assert len(listed) == 1 and "Informe 2025 — v2" in listed[0] and PERSON in listed[0]
    address = page.url

    page.reload()
    expect_values(page, values, FORM)
    assert _listed(page) == listed

    events_before = AuditEvent.objects.count()
    shown = form_values(page, FORM)
    with page.expect_navigation():
        page.locator(FORM).get_by_role("button", name=TEXT[lang]["filter"]).click()
    assert page.url == address
    assert form_values(page, FORM) == shown
    assert _listed(page) == listed
    assert AuditEvent.objects.count() == events_before  # reading the log writes nothing

    # The same filters as CSV: the one event, readable, with the BOM (and the download itself recorded).
    with page.expect_download() as download_info:
        page.get_by_role("link", name=TEXT[lang]["download"]).click()
    body = Path(download_info.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "Informe 2025 — v2" in lines[1] and "monitoring.report.published" in lines[1]
    exported = AuditEvent.objects.get(action="portal.audit.exported")
    assert "actor=" in exported.changes["filters"][1]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_date_range_keeps_every_value_and_says_what_is_wrong(live_server, cast, page: Page, lang: str):
    _events(cast)
    base = live_server.url
    log_in(page, base, cast.moderator.email, lang)
    values = {
        "object_type": "monitoring.report",
        "action": "monitoring.report.updated",
        "actor": PERSON,
        "since": "2026-03-01",
        "until": "2026-02-01",
    }
    page.goto(f"{base}/{lang}/moderation/audit/")
    fill_by_name(page, values, FORM)
    page.locator(FORM).get_by_role("button", name=TEXT[lang]["filter"]).click()
    page.wait_for_url("**/moderation/audit/?*")
    expect(page.locator("#error-summary")).to_contain_text(TEXT[lang]["problem"])
    expect(page.locator("#id_until-error")).to_be_visible()
    expect_values(page, values, FORM)
    assert page.get_by_role("link", name=TEXT[lang]["download"]).count() == 0
    # Corrected, the list comes back.
    fill_by_name(page, {"until": "", "since": ""}, FORM)
    with page.expect_navigation():
        page.locator(FORM).get_by_role("button", name=TEXT[lang]["filter"]).click()
    expect(page.locator("main table tbody")).to_contain_text("Otro informe")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_audit_log_with_and_without_errors_passes_an_axe_scan(live_server, cast, browser: Browser, lang: str):
    _events(cast)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})  # axe is injected
    try:
        page = context.new_page()
        log_in(page, live_server.url, cast.moderator.email, lang)
        for query in ("", "?since=2026-03-01&until=2026-02-01&actor=Ana"):
            page.goto(f"{live_server.url}/{lang}/moderation/audit/{query}")
            assert axe_violations(page) == [], query
    finally:
        context.close()
