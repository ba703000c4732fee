"""Member submits; moderator asks for changes; member edits and resubmits; moderator approves; member sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from monitoring.models import EvidenceStatus, Indicator
from tests.factories import PASSWORD, EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_whole_moderation_round_trip(live_server, mx_plan, cast, browser: Browser):
    draft = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        title="SEMAR: 50% women among deployed personnel",
        indicators=[Indicator.objects.get(plan=mx_plan, code="I08")],
    )
    member = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    moderator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    base = live_server.url

    log_in(member, base, cast.member.email)
    member.goto(f"{base}/en/evidence/{draft.uuid}/")
    member.get_by_label("Note for the moderators (optional)").fill("First figure for SEMAR.")
    member.get_by_role("button", name="Submit for review").click()
    expect(member.get_by_text("Submitted for review. A moderator will check it.")).to_be_visible()

    log_in(moderator, base, cast.moderator.email)
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    moderator.get_by_role("link", name=draft.title).click()
    expect(moderator.get_by_text("First figure for SEMAR.")).to_be_visible()
    moderator.get_by_label(re.compile("^Reason")).fill("Say it covers SEMAR only, not all institutions.")
    moderator.get_by_role("button", name="Ask for changes").click()
    expect(moderator.get_by_text("Decision recorded: Changes requested.")).to_be_visible()

    member.reload()
    expect(member.get_by_text("Say it covers SEMAR only, not all institutions.").first).to_be_visible()
    member.get_by_role("link", name="Edit").click()
    member.get_by_label("Title").fill("SEMAR only: 50% women among its deployed personnel")
    member.get_by_role("button", name="Submit for review").click()
    expect(member.get_by_text("Submitted for review.").first).to_be_visible()

    moderator.goto(f"{base}/en/moderation/")
    moderator.get_by_role("link", name="SEMAR only: 50% women among its deployed personnel").click()
    # Approving confirms a reliability assessment (docs/RELIABILITY.md): the member gave none, the moderator sets it.
    moderator.get_by_label("Reliability of the source").select_option("usually_reliable")
    moderator.get_by_label("Credibility of the information").select_option("probably_true")
    moderator.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_text("Decision recorded: Approved.")).to_be_visible()

    member.goto(f"{base}/en/workspace/evidence/")
    expect(member.get_by_role("row", name=re.compile("SEMAR only"))).to_contain_text("Approved")
    draft.refresh_from_db()
    assert draft.status == EvidenceStatus.APPROVED
