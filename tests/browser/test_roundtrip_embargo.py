"""Browser round trips of an embargoed version's page, in Spanish and English (issue 17, item 4): moving the embargo
(asked by one reviewer, approved by another) and creating and revoking a private preview link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from monitoring.models import EmbargoPreviewLink, ReportVersion
from monitoring.services import reports as svc
from monitoring.views.reports import embargo_words
from tests.browser.roundtrip import (
    LANGUAGES,
    PUBLISH_TIMEOUT,
    expect_values,
    fill_by_name,
    log_in_as,
    nothing_changes,
    second_person,
)
from tests.reporting import create_accepted_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGE_FORM = "form#embargo-form"
LINK_FORM = "form#link-form"

SAYS = {
    "es": {
        "ask": "Solicitar este cambio",
        "asked": "Cambio de embargo solicitado. Otra revisora debe aprobarlo.",
        "approve": "Aprobar el cambio",
        "rescheduled": "Versión 1 reprogramada para el {when} (hora de la Ciudad de México).",
        "create": "Crear un enlace de vista previa",
        "revoke": "Revocar",
        "not_public": "no es pública",
        "nothing": "No se solicitó el cambio de embargo: consulta el motivo abajo.",
        "already": "El embargo ya termina en esa fecha: no hay nada que cambiar.",
    },
    "en": {
        "ask": "Ask for this change",
        "asked": "Embargo change requested. Another reviewer must approve it.",
        "approve": "Approve the change",
        "rescheduled": "Version 1 rescheduled for {when} (Mexico City time).",
        "create": "Create a preview link",
        "revoke": "Revoke",
        "not_public": "not public",
        "nothing": "The embargo change was not requested: see the reason below.",
        "already": "The embargo already ends then: nothing to change.",
    },
}


@pytest.fixture(autouse=True)
def no_smooth_scrolling(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")


def embargoed_version(cast, plan) -> ReportVersion:
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe sombra 2021",
            "slug": "informe-sombra-2021",
            "plan": plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    svc.request_publication(report=report, actor=cast.reviewer, public_from=timezone.now() + dt.timedelta(days=30))
    return svc.approve_publication(report=report, actor=cast.other_reviewer)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_moving_the_embargo_reads_back_and_an_untouched_request_changes_nothing(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang
):
    says, base = SAYS[lang], live_server.url
    version = embargoed_version(cast, mx_plan)
    url = f"{base}/{lang}/workspace/reports/{version.report.uuid}/v1/embargo/"
    typed = {"action": "move", "public_from": "2030-01-15T10:00", "note": f"Conferencia de prensa ({lang})"}
    when = timezone.make_aware(dt.datetime(2030, 1, 15, 10, 0))

    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(url)
    expect(page.locator("#embargo-status")).to_contain_text(says["not_public"])
    fill_by_name(page, typed, CHANGE_FORM)
    page.get_by_role("button", name=says["ask"]).click()
    expect(page.locator("main .messages")).to_contain_text(says["asked"])
    with translation.override(lang):
        words = embargo_words(when)
    expect(page.locator("#pending-change")).to_contain_text(words)
    expect(page.get_by_role("button", name=says["approve"])).to_have_count(0)  # not to the one who asked

    with second_person(browser, base, cast.other_reviewer.email, lang) as second:
        second.goto(url)
        # Publishing (or re-publishing) renders PDFs in both languages; in tests the worker runs eagerly, inside this request,
        # which takes far longer than any other click on a loaded machine.
        second.get_by_role("button", name=says["approve"]).click(timeout=PUBLISH_TIMEOUT)
        expect(second.locator("main .messages")).to_contain_text(says["rescheduled"].format(when=words))
    version.refresh_from_db()
    assert version.public_from == when

    # Reopened: the form holds the embargo as it now is; asking for it again untouched changes nothing.
    page.goto(url)
    expect_values(page, {"action": "move", "public_from": "2030-01-15T10:00"}, CHANGE_FORM)
    with nothing_changes(version):
        page.get_by_role("button", name=says["ask"]).click()
        expect(page.locator("main .messages")).to_contain_text(says["already"])
    expect_values(page, {"action": "move", "public_from": "2030-01-15T10:00"}, CHANGE_FORM)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_embargo_change_keeps_what_was_typed(live_server, mx_plan, cast, page: Page, lang):
    says, base = SAYS[lang], live_server.url
    version = embargoed_version(cast, mx_plan)
    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(f"{base}/{lang}/workspace/reports/{version.report.uuid}/v1/embargo/")
    typed = {"action": "move", "public_from": "", "note": "Sin fecha todavía"}
    fill_by_name(page, typed, CHANGE_FORM)
    with nothing_changes(version):
        page.get_by_role("button", name=says["ask"]).click()
        expect(page.locator("main .messages")).to_contain_text(says["nothing"])
    expect_values(page, typed, CHANGE_FORM)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_preview_link_is_created_read_back_opened_and_revoked(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang
):
    says, base = SAYS[lang], live_server.url
    version = embargoed_version(cast, mx_plan)
    url = f"{base}/{lang}/workspace/reports/{version.report.uuid}/v1/embargo/"
    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(url)
    expect_values(page, {"days": "7"}, LINK_FORM)
    fill_by_name(page, {"label": f"Ana Pérez, El Diario ({lang})", "days": "12"}, LINK_FORM)
    page.get_by_role("button", name=says["create"]).click()
    link_url = page.locator("#new-link-url").input_value()
    assert "/reports/preview/" in link_url

    link = EmbargoPreviewLink.objects.get()
    assert link.label == f"Ana Pérez, El Diario ({lang})"
    assert abs((link.expires_at - link.created_at) - dt.timedelta(days=12)) < dt.timedelta(seconds=1)

    page.goto(url)  # reopened: the link is listed with its label and expiry, and never shown again
    expect(page.locator("#new-link-url")).to_have_count(0)
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text(link.label)
    with translation.override(lang):
        expect(row).to_contain_text(embargo_words(link.expires_at))

    with second_person(browser, base, cast.outsider.email, lang) as journalist_like:
        journalist_like.goto(link_url)
        expect(journalist_like.locator(".embargo-banner")).to_contain_text(says["not_public"])

    page.get_by_role("button", name=says["revoke"]).click()
    link.refresh_from_db()
    assert link.revoked_at is not None
    response = page.request.get(link_url)
    assert response.status == 404
