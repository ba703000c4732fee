"""Round trips of the two moderator forms of issue 18, part 2, in Spanish and in English: the reliability
assessment confirmed or changed at approval (docs/RELIABILITY.md), and a testimony made public with a reason."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from monitoring.models import Evidence, EvidenceStatus, Indicator
from monitoring.services.evidence import submit_evidence
from portal.models import AuditEvent
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, log_in, nothing_changes
from tests.factories import EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECISION_FORM = "form:has(textarea[name=reason])"
VISIBILITY_FORM = "form.visibility-form"
NOTE = "Cotejado con el “Informe 2021” & la nota <50 %> de l'Armada — María Ñúñez."
REASON = "Consentimiento informado para publicar: “sí”, 12/03/2024 & sin datos que la identifiquen.\nRevisado."
APPROVE = {"es": "Aprobar", "en": "Approve"}


def item(cast, plan, **fields) -> Evidence:
    draft = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=plan,
        title="SEMAR: 50 % de mujeres desplegadas",
        indicators=[Indicator.objects.get(plan=plan, code="I08")],
        **fields,
    )
    return submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version, note="")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_moderator_changes_the_assessment_at_approval_and_it_reads_back(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    evidence = item(cast, mx_plan, source_reliability="usually_reliable", information_credibility="")
    log_in(page, base, cast.moderator.email, lang)
    url = f"{base}/{lang}/moderation/{evidence.uuid}/"
    page.goto(url)
    # The member's proposal, pre-filled; the value she left blank stays blank for the moderator to choose.
    expect_values(page, {"source_reliability": "usually_reliable", "information_credibility": ""}, DECISION_FORM)
    fill_by_name(page, {"reason": NOTE, "source_reliability": "doubtful", "then": []}, DECISION_FORM)
    page.get_by_role("button", name=APPROVE[lang]).click()
    # Refused in place: the credibility is required; everything chosen and typed is still there.
    expect(page.locator("#error-summary")).to_be_visible()
    expect_values(
        page,
        {"reason": NOTE, "source_reliability": "doubtful", "information_credibility": "", "then": []},
        DECISION_FORM,
    )
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED and evidence.source_reliability == "usually_reliable"

    fill_by_name(page, {"information_credibility": "possibly_true"}, DECISION_FORM)
    page.get_by_role("button", name=APPROVE[lang]).click()
    expect(page).to_have_url(f"{base}/{lang}/moderation/")
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.APPROVED
    assert (evidence.source_reliability, evidence.information_credibility) == ("doubtful", "possibly_true")
    assert evidence.reliability_confirmed_by == cast.moderator
    event = AuditEvent.objects.get(action="monitoring.evidence.reliability_changed")
    assert event.changes == {
        "source_reliability": ["usually_reliable", "doubtful"],
        "information_credibility": ["", "possibly_true"],
    }

    page.goto(url)  # reopened: the item page reads the values back, with the link to what they mean
    mark = page.locator(".reliability-mark").first
    expect(mark.locator("a")).to_have_attribute("href", f"/{lang}/about/reliability/")
    page.goto(f"{base}/{lang}/evidence/")
    public_mark = page.locator(".evidence-results .reliability-mark").first
    if lang == "en":
        expect(public_mark).to_contain_text("Source: doubtful · Information: possibly true")
    expect(public_mark.locator("a")).to_have_attribute("href", f"/{lang}/about/reliability/")
    page.locator(".evidence-results .reliability-mark a").first.click()
    expect(page).to_have_url(f"{base}/{lang}/about/reliability/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_moderator_makes_a_testimony_public_with_a_reason_and_saving_again_changes_nothing(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    testimony = item(
        cast,
        mx_plan,
        kind="testimony",
        visibility="confidential",
        consent_recorded=True,
        consent_date=dt.date(2024, 3, 12),
        consent_recorded_by="Equipo de Intersecta",
    )
    log_in(page, base, cast.moderator.email, lang)
    url = f"{base}/{lang}/moderation/{testimony.uuid}/"
    page.goto(url)
    expect_values(page, {"visibility-visibility": "confidential", "visibility-reason": ""}, VISIBILITY_FORM)

    fill_by_name(page, {"visibility-visibility": "public", "visibility-reason": "   "}, VISIBILITY_FORM)
    page.locator(f"{VISIBILITY_FORM} button[type=submit]").click()  # a reason of blanks is refused, the choice kept
    expect(page.locator("#error-summary")).to_be_visible()
    expect_values(page, {"visibility-visibility": "public"}, VISIBILITY_FORM)
    testimony.refresh_from_db()
    assert testimony.visibility == "confidential"

    fill_by_name(page, {"visibility-reason": REASON}, VISIBILITY_FORM)
    page.locator(f"{VISIBILITY_FORM} button[type=submit]").click()
    expect(page).to_have_url(url)
    expect_values(page, {"visibility-visibility": "public", "visibility-reason": ""}, VISIBILITY_FORM)
    testimony.refresh_from_db()
    assert testimony.visibility == "public"
    event = AuditEvent.objects.get(action="monitoring.evidence.visibility_changed")
    assert (event.reason, event.changes) == (REASON, {"visibility": ["confidential", "public"]})

    with nothing_changes(testimony):  # the same choice sent again: no new version, no new audit event
        fill_by_name(page, {"visibility-reason": REASON}, VISIBILITY_FORM)
        page.locator(f"{VISIBILITY_FORM} button[type=submit]").click()
        expect(page).to_have_url(url)
    assert AuditEvent.objects.filter(action="monitoring.evidence.visibility_changed").count() == 1
    trail = page.locator("section[aria-labelledby=history-heading]")
    expect(trail).to_contain_text(re.compile("public"))
    expect(trail).not_to_contain_text("monitoring.")
