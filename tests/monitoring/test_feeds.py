"""Atom feeds (issue 19, part 6): new report versions and new public evidence (whole site, per indicator, per
institution), in both languages; valid Atom, public state only, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import public_state
from monitoring.models import Institution
from monitoring.services import reports as svc
from tests.factories import EvidenceFactory
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

NS = {"a": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HOSTILE = "Budget <2021> & \"quotes\" 'too'"


@pytest.fixture
def site(world, cast):
    """v1 public, v2 embargoed; public, confidential, reviewers-only, waiting and hostile-titled evidence."""
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast, note="First edition")
    assess(world, cast.reviewer, [world["public"]], narrative="Corrected narrative.")
    svc.request_publication(
        report=world["report"],
        actor=cast.reviewer,
        public_from=timezone.now() + dt.timedelta(days=40),
        change_note="Fix",
    )
    svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    institution = Institution.objects.order_by("code").first()
    make = lambda **kw: EvidenceFactory(  # noqa: E731
        organisation=cast.intersecta, submitted_by=cast.member, plan=world["i13"].plan, indicators=[world["i13"]], **kw
    )
    hostile = make(title=HOSTILE, summary="Less <b>than</b> & more", status="approved", visibility="public")
    reviewers = make(title="REVIEWERS-ONLY note", status="approved", visibility="reviewers")
    for item in (world["public"], world["confidential"], reviewers, hostile):
        item.institutions.add(institution)
    return {**world, "institution": institution, "hostile": hostile, "reviewers": reviewers}


def feed_urls(site, lang):
    plan = site["i13"].plan.slug
    return [
        f"/{lang}/feeds/reports.atom",
        f"/{lang}/feeds/evidence.atom",
        f"/{lang}/feeds/indicators/{plan}/I13.atom",
        f"/{lang}/feeds/institutions/{site['institution'].code}.atom",
    ]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    return response, ET.fromstring(response.content)  # noqa: S314 (our own response)


def entries(root):
    return root.findall("a:entry", NS)


def text(node, path):
    found = node.find(path, NS)
    assert found is not None and (found.text or "").strip(), path
    return found.text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_feed_is_valid_atom_in_its_language(client, site, lang):
    for url in feed_urls(site, lang):
        _, root = parse(client, url)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
        assert root.get(XML_LANG) == lang
        text(root, "a:id"), text(root, "a:title")
        assert RFC3339.match(text(root, "a:updated")), url
        assert root.find("a:link[@rel='self']", NS).get("href") == f"http://testserver{url}"
        assert entries(root), url
        for entry in entries(root):
            assert text(entry, "a:id").startswith(f"http://testserver/{lang}/")
            assert entry.find("a:link", NS).get("href") == text(entry, "a:id")
            text(entry, "a:title"), text(entry, "a:author/a:name")
            assert RFC3339.match(text(entry, "a:updated")), url
            assert RFC3339.match(text(entry, "a:published")), url


def test_the_english_feeds_are_titled_in_english(client, site):
    titles = [text(parse(client, url)[1], "a:title") for url in feed_urls(site, "en")]
    assert titles == [
        "Observatorio 1325: new report versions",
        "Observatorio 1325: new public evidence",
        "Observatorio 1325: new public evidence on indicator I13",
        f"Observatorio 1325: new public evidence on {site['institution'].name_en}",
    ]


def test_the_reports_feed_lists_public_versions_only(client, site):
    _, root = parse(client, "/en/feeds/reports.atom")
    [entry] = entries(root)
    assert text(entry, "a:title") == "Shadow report 2021, version 1"
    assert text(entry, "a:id") == f"http://testserver/en/reports/{SLUG}/v1/"
    authors = text(entry, "a:author/a:name")
    assert "Intersecta" in authors
    assert "First edition" in text(entry, "a:summary")
    assert b"/v2/" not in client.get("/es/feeds/reports.atom").content


@pytest.mark.parametrize("index", [1, 2, 3])
def test_evidence_feeds_carry_public_evidence_only(client, site, index):
    for lang in ("es", "en"):
        response, root = parse(client, feed_urls(site, lang)[index])
        titles = {text(e, "a:title") for e in entries(root)}
        assert {"INMUJERES: 84 new networks", HOSTILE} <= titles
        body = response.content.decode()
        for hidden in ("SECRET testimony", "REVIEWERS-ONLY", "Still in the queue"):
            assert hidden not in body
        for hidden in ("confidential", "reviewers", "waiting"):
            assert str(site[hidden].uuid) not in body


def test_titles_and_summaries_are_escaped(client, site):
    response, root = parse(client, "/en/feeds/evidence.atom")
    [entry] = [e for e in entries(root) if text(e, "a:title") == HOSTILE]  # read back exactly as written
    assert entry.find("a:title", NS).get("type") in (None, "text")
    summary = entry.find("a:summary", NS)
    assert summary.get("type") == "html"
    assert summary.text == "Less &lt;b&gt;than&lt;/b&gt; &amp; more"  # the item's own markup stays text
    assert b"<b>" not in response.content and b"<2021>" not in response.content


def test_the_entry_ids_are_stable(client, site):
    first = [text(e, "a:id") for e in entries(parse(client, "/es/feeds/evidence.atom")[1])]
    again = [text(e, "a:id") for e in entries(parse(client, "/es/feeds/evidence.atom")[1])]
    assert first == again
    assert f"http://testserver/es/evidence/{site['hostile'].uuid}/" in first


def test_unknown_indicator_or_institution_is_a_404(client, site):
    plan = site["i13"].plan.slug
    assert client.get(f"/es/feeds/indicators/{plan}/NOPE.atom").status_code == 404
    assert client.get("/es/feeds/institutions/NOPE.atom").status_code == 404


def test_a_feed_costs_the_same_queries_whatever_the_data_size(client, site, cast):
    def counts():
        out = []
        for url in feed_urls(site, "es"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    small = counts()
    for _ in range(8):
        item = EvidenceFactory(
            organisation=cast.data_civica, plan=site["i13"].plan, indicators=[site["i13"]], status="approved"
        )
        item.institutions.add(site["institution"])
    assert counts() == small


def test_at_most_fifty_entries(client, site, cast):
    for _ in range(52):
        EvidenceFactory(organisation=cast.intersecta, plan=site["i13"].plan, status="approved")
    assert len(entries(parse(client, "/es/feeds/evidence.atom")[1])) == 50


def test_feeds_are_served_from_the_public_page_cache_until_evidence_changes(
    client, site, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    plan = site["i13"].plan.slug
    urls = ["/es/feeds/evidence.atom", f"/es/feeds/indicators/{plan}/I13.atom", "/es/feeds/reports.atom"]
    assert [client.get(url)["X-Page-Cache"] for url in urls] == ["miss"] * 3
    assert [client.get(url)["X-Page-Cache"] for url in urls] == ["hit"] * 3
    with django_capture_on_commit_callbacks(execute=True):
        public_state.evidence_changed([site["hostile"]])
    assert [client.get(url)["X-Page-Cache"] for url in urls] == ["miss", "miss", "hit"]


def test_every_page_links_the_site_feeds_and_indicator_and_institution_pages_their_own(client, site):
    plan = site["i13"].plan.slug
    home = client.get("/en/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/en/feeds/reports.atom"' in home and 'href="/en/feeds/evidence.atom"' in home
    indicator = client.get(f"/en/plans/{plan}/indicators/I13/").content.decode()
    assert f'href="/en/feeds/indicators/{plan}/I13.atom"' in indicator and "Subscribe (Atom)" in indicator
    institution = client.get(f"/en/institutions/{site['institution'].code}/").content.decode()
    assert f'href="/en/feeds/institutions/{site["institution"].code}.atom"' in institution
    assert "Subscribe (Atom)" in institution
    for url in ("/en/reports/", "/en/evidence/"):
        assert "Subscribe (Atom)" in client.get(url).content.decode()
