"""WCAG 2.2 AA: an axe-core scan of the key pages in both languages, and keyboard-only walks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from monitoring.models import Indicator
from tests.browser.test_moderation_flow import log_in
from tests.factories import EvidenceFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"


@pytest.fixture
def published(mx_plan, cast):
    from monitoring.services import reports as svc

    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    evidence = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[i13],
        title="84 redes MUCPAZ",
    )
    report = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "Informe 2021",
            "slug": "informe-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )
    a = report.assessments.get(indicator=i13)
    svc.save_assessment(
        assessment=a,
        actor=cast.reviewer,
        fields={"rating": "achieved", "observed_value": 84, "narrative": "Texto."},
        cited=[evidence],
        expected_version=1,
    )
    svc.request_publication(report=report, actor=cast.reviewer)
    svc.approve_publication(report=report, actor=MembershipFactory(organisation=cast.intersecta, role="reviewer").user)
    return report


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))
            }));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def scanner(browser: Browser):
    context = browser.new_context(
        bypass_csp=True, viewport={"width": 1280, "height": 900}
    )  # axe is injected by the test only
    yield context.new_page()
    context.close()


PAGES = [
    "/{lang}/",
    "/{lang}/plans/mx-pna-1325-2021/",
    "/{lang}/plans/mx-pna-1325-2021/indicators/I13/",
    "/{lang}/reports/informe-2021/",
    "/{lang}/evidence/?q=redes",
    "/{lang}/accounts/login/",
    "/{lang}/transparency/",
]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_key_public_pages_have_no_serious_accessibility_violations(live_server, published, scanner, lang):
    problems = {}
    for template in PAGES:
        path = template.format(lang=lang)
        scanner.goto(live_server.url + path)
        found = axe_violations(scanner)
        if found:
            problems[path] = found
    assert problems == {}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_evidence_form_has_no_serious_accessibility_violations(live_server, mx_plan, cast, scanner, lang):
    log_in(scanner, live_server.url, cast.member.email)
    scanner.goto(f"{live_server.url}/{lang}/workspace/evidence/new/")
    assert axe_violations(scanner) == []


def test_the_evidence_form_can_be_filled_and_submitted_with_the_keyboard_alone(live_server, mx_plan, cast, page: Page):
    log_in(page, live_server.url, cast.member.email)
    page.goto(f"{live_server.url}/en/workspace/evidence/new/")
    page.locator("body").focus()
    reached = []
    for _ in range(200):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const e = document.activeElement;
                const s = getComputedStyle(e);
                return {tag: e.tagName, name: e.name || '', text: (e.innerText || '').trim().slice(0, 40),
                        outline: s.outlineStyle !== 'none' || s.boxShadow !== 'none'}; }"""
        )
        reached.append(info)
        if info["tag"] == "BUTTON" and info["name"] == "action" and "Submit" in info["text"]:
            break
    names = {r["name"] for r in reached}
    assert {"title", "summary", "source_url", "attachments", "visibility"} <= names
    assert reached[-1]["text"].startswith("Submit for review")
    invisible = [
        r for r in reached if r["tag"] in ("INPUT", "SELECT", "TEXTAREA", "BUTTON", "A", "SUMMARY") and not r["outline"]
    ]
    assert invisible == []
    page.keyboard.press("Shift+Tab")  # back to "Save draft", then press it with Enter
    page.keyboard.press("Enter")
    expect(page.get_by_text("There is a problem")).to_be_visible()  # a draft needs a title: the summary says so


def test_the_report_page_works_with_the_keyboard(live_server, published, page: Page):
    page.goto(f"{live_server.url}/en/reports/informe-2021/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "PDF":
            break
    expect(page.get_by_role("link", name="PDF")).to_be_focused()
    toc = page.get_by_role("link", name="P2 · Participation").first
    toc.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/en/reports/informe-2021/#pillar-P2")
