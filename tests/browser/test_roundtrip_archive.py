"""The "archive again" button of an item's page, in Spanish and in English: click it, and the page lists one more
archived copy of the source (fetched from a local server on 127.0.0.1), the earlier copy still there."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from monitoring.models import EvidenceStatus, SourceArchive
from tests.browser.roundtrip import LANGUAGES, log_in
from tests.monitoring.conversations_kit import item, small_plan
from tests.monitoring.test_archiving import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "#archived-copies form button[type=submit]"


@pytest.fixture(scope="module")
def source_server():
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_archive_again_lists_a_new_copy_beside_the_earlier_one(lang, page, live_server, cast, settings, source_server):
    settings.ARCHIVE_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ARCHIVE_TIMEOUT = 5
    address = f"http://127.0.0.1:{source_server.server_port}/page.html"
    evidence = item(cast, small_plan(), status=EvidenceStatus.SUBMITTED, source_url=address)
    log_in(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/evidence/{evidence.uuid}/")
    copies = page.locator("#archived-copies li[data-archive-status]")
    expect(copies).to_have_count(0)

    page.locator(BUTTON).click()  # "Archive the source now"
    expect(copies).to_have_count(1)
    expect(copies.first).to_have_attribute("data-archive-status", "archived")
    first = SourceArchive.objects.get(evidence=evidence)
    expect(page.locator("#archived-copies")).to_contain_text(first.sha256)
    assert page.url.endswith(f"/{lang}/evidence/{evidence.uuid}/#archived-copies")

    page.locator(BUTTON).click()  # "Archive the source again"
    expect(copies).to_have_count(2)
    second = SourceArchive.objects.filter(evidence=evidence).exclude(pk=first.pk).get()
    assert (second.status, second.requested_by, second.sha256) == ("archived", cast.member, first.sha256)
    # Newest first; both downloads listed.
    expect(copies.nth(0).locator(f"a[href$='/archives/{second.uuid}/copy.warc.gz']")).to_have_count(1)
    expect(copies.nth(1).locator(f"a[href$='/archives/{first.uuid}/copy.warc.gz']")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", lang)
