"""Link-preview images (issue 19, part 6): a 1200×630 PNG per public report version and per indicator, cached,
announced with ``og:image`` on their pages; never for an embargoed version."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from monitoring.services import reports as svc
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(world, cast):
    """v1 public, v2 embargoed."""
    world["report"].title = 'Shadow report <2021> & "friends"'
    world["report"].save(update_fields=["title"])
    assess(world, cast.reviewer, [world["public"]], rating="achieved")
    publish(world, cast)
    assess(world, cast.reviewer, [world["public"]], narrative="Corrected narrative.")
    svc.request_publication(
        report=world["report"],
        actor=cast.reviewer,
        public_from=timezone.now() + dt.timedelta(days=40),
        change_note="Fix",
    )
    svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    return world


def image_urls(site, lang):
    return [f"/{lang}/og/reports/{SLUG}/v1.png", f"/{lang}/og/indicators/{site['i13'].plan.slug}/I13.png"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_images_are_1200_by_630_pngs_with_cache_headers(client, site, lang):
    version, indicator = (client.get(url) for url in image_urls(site, lang))
    for response in (version, indicator):
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["ETag"]
        image = Image.open(io.BytesIO(response.content))
        assert (image.format, image.size) == ("PNG", (1200, 630))
    assert version["Cache-Control"] == "public, max-age=31536000, immutable"
    assert indicator["Cache-Control"] == "public, max-age=3600"


def test_the_same_bytes_twice_and_per_language(client, site):
    es = [client.get(url).content for url in image_urls(site, "es")]
    assert [client.get(url).content for url in image_urls(site, "es")] == es
    en = [client.get(url).content for url in image_urls(site, "en")]
    assert en[0] != es[0] and en[1] != es[1]  # the labels are in the reader's language


def test_a_revalidation_is_a_304(client, site):
    for url in image_urls(site, "es"):
        tag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304


@pytest.mark.parametrize("role", [None, "reviewer", "moderator", "outsider"])
def test_an_embargoed_version_has_no_image_for_anyone(client, site, cast, role):
    if role:
        client.force_login(getattr(cast, role))
    response = client.get(f"/en/og/reports/{SLUG}/v2.png")
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/en/og/reports/{SLUG}/v9.png").status_code == 404
    assert client.get(f"/en/og/indicators/{site['i13'].plan.slug}/NOPE.png").status_code == 404


def test_the_indicator_image_follows_its_latest_rating(client, site, cast):
    url = image_urls(site, "en")[1]
    before = client.get(url)
    site["i13"].text_en = "A different wording of the indicator"
    site["i13"].save()
    after = client.get(url)
    assert after["ETag"] != before["ETag"] and after.content != before.content


def test_a_constant_number_of_queries_cached_or_not(client, site):
    for url in image_urls(site, "es"):
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        with CaptureQueriesContext(connection) as second:
            client.get(url)
        assert len(second) <= len(first) <= 4, url


def meta(page: str, name: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("lang", ["es", "en"])
def test_version_and_indicator_pages_announce_their_image(client, site, lang):
    plan = site["i13"].plan.slug
    version = client.get(f"/{lang}/reports/{SLUG}/v1/").content.decode()
    assert meta(version, "og:image") == f"http://testserver/{lang}/og/reports/{SLUG}/v1.png"
    assert meta(version, "og:image:width") == "1200" and meta(version, "og:image:height") == "630"
    assert 'Shadow report <2021> & "friends"' in meta(version, "og:image:alt")  # escaped once, read back whole
    assert meta(version, "twitter:card") == "summary_large_image"
    latest = client.get(f"/{lang}/reports/{SLUG}/").content.decode()
    assert meta(latest, "og:image") == f"http://testserver/{lang}/og/reports/{SLUG}/v1.png"
    indicator = client.get(f"/{lang}/plans/{plan}/indicators/I13/").content.decode()
    assert meta(indicator, "og:image") == f"http://testserver/{lang}/og/indicators/{plan}/I13.png"
    assert "I13" in meta(indicator, "og:image:alt")
    assert meta(indicator, "twitter:card") == "summary_large_image"


def test_an_embargoed_version_page_announces_no_image(client, site, cast):
    client.force_login(cast.reviewer)
    page = client.get(f"/en/reports/{SLUG}/v2/").content.decode()
    assert "og:image" not in page and "/og/" not in page
