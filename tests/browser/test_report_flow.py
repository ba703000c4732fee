"""A reviewer assesses an indicator citing evidence; a second reviewer approves; the public reads and downloads."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, expect

from monitoring.models import Indicator
from tests.browser.test_moderation_flow import log_in
from tests.factories import EvidenceFactory
from tests.reporting import create_accepted_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assess_publish_read_and_download(live_server, mx_plan, cast, browser: Browser, tmp_path):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[i13],
        title="INMUJERES: 84 new MUCPAZ networks in 2021",
    )
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Shadow report 2021",
            "slug": "shadow-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    base = live_server.url

    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(reviewer, base, cast.reviewer.email)
    reviewer.goto(f"{base}/en/workspace/reports/{report.uuid}/pillars/P2/")
    card = reviewer.locator("article", has=reviewer.get_by_role("heading", name=re.compile("^I13")))
    card.get_by_label("Rating").select_option("achieved")
    card.get_by_label("Observed value").fill("84")
    card.get_by_label("Narrative").fill("INMUJERES reported **84** new networks, above the target of 50.")
    card.get_by_label("INMUJERES: 84 new MUCPAZ networks in 2021").check()
    card.get_by_role("button", name="Save I13").click()
    expect(reviewer.get_by_text("Assessment of I13 saved.")).to_be_visible()
    reviewer.goto(f"{base}/en/workspace/reports/{report.uuid}/")
    expect(reviewer.get_by_role("heading", name="1 of 33 indicators assessed")).to_be_visible()
    reviewer.get_by_role("button", name="Ask for publication").click()
    expect(reviewer.get_by_text("Publication requested. Another reviewer must approve it.")).to_be_visible()

    second = browser.new_context().new_page()
    log_in(second, base, cast.other_reviewer.email)
    second.goto(f"{base}/en/workspace/reports/{report.uuid}/")
    second.get_by_role("button", name="Approve and publish").click()
    expect(second.get_by_text("Version 1 published.")).to_be_visible()

    public = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{base}/en/reports/")
    public.get_by_role("link", name="Shadow report 2021").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Shadow report 2021")
    expect(public.locator("#ind-I13").get_by_text("Achieved")).to_be_visible()
    expect(public.get_by_role("link", name="INMUJERES: 84 new MUCPAZ networks in 2021")).to_be_visible()
    with public.expect_download() as info:
        public.get_by_role("link", name="PDF").click()
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
