"""Links to the page being shown (language switch, hreflang, canonical, pagination) come from the resolved view and
the query parameters it declares (portal/links.py), never from the address as sent."""

from __future__ import annotations

import re

import pytest

from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

HOSTILE = ["//evil.example/", "///evil.example/", "/es//evil.example/", "//evil.example/es/"]


def language_links(body: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)" hreflang="', body) + re.findall(r'hreflang="\w+" href="([^"]*)"', body)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", HOSTILE)
def test_a_scheme_relative_path_is_a_404_whose_links_lead_home(client, lang, path):
    # The test client would read "//evil.example/" as a host; PATH_INFO is what a server passes on.
    response = client.get("/", PATH_INFO=path, HTTP_ACCEPT_LANGUAGE=lang)
    body = response.content.decode()
    assert response.status_code == 404
    assert "evil.example" not in body
    shown = "es" if path.startswith("/es/") else lang  # a language prefix wins over Accept-Language
    assert f'<html lang="{shown}">' in body
    other = "en" if shown == "es" else "es"
    assert set(language_links(body)) == {f"/{other}/", "http://testserver/en/", "http://testserver/es/"}
    assert 'rel="canonical"' not in body


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_encoded_scheme_relative_path_is_a_404_whose_links_lead_home(client, lang):
    response = client.get("/%2F%2Fevil.example/", HTTP_ACCEPT_LANGUAGE=lang)
    body = response.content.decode()
    assert response.status_code == 404
    assert "evil.example" not in body
    assert all(link.startswith(("/en/", "/es/", "http://testserver/")) for link in language_links(body))


def test_the_evidence_list_keeps_its_filters_and_drops_everything_else(client, mx_plan):
    response = client.get("/es/evidence/?q=agua&year=2022&page=1&utm_source=X&next=//evil.example/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "utm_source" not in body and "evil.example" not in body
    assert 'href="/en/evidence/?q=agua&amp;year=2022&amp;page=1" hreflang="en"' in body
    assert '<link rel="canonical" href="http://testserver/es/evidence/?q=agua&amp;year=2022&amp;page=1">' in body


def test_a_page_without_parameters_links_without_any(client, mx_plan):
    body = client.get("/en/plans/?utm_source=X&q=agua").content.decode()
    assert "utm_source" not in body and "agua" not in body
    assert 'href="/es/plans/" hreflang="es"' in body
    assert '<link rel="canonical" href="http://testserver/en/plans/">' in body


def test_the_login_page_keeps_a_next_that_stays_in_the_portal(client):
    body = client.get("/en/accounts/login/?next=/en/workspace/&utm_source=X").content.decode()
    assert 'href="/es/accounts/login/?next=%2Fen%2Fworkspace%2F" hreflang="es"' in body
    assert "utm_source" not in body
    for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example/"]:
        body = client.get("/en/accounts/login/", {"next": hostile}).content.decode()
        assert 'href="/es/accounts/login/" hreflang="es"' in body, hostile
        assert "evil.example" not in body.split("</head>")[0]  # the form may keep it; its links do not


def test_a_404_inside_a_resolved_page_links_to_the_same_address_in_the_other_language(client, mx_plan):
    body = client.get("/en/plans/no-such-plan/?utm_source=X").content.decode()
    assert 'href="/es/plans/no-such-plan/" hreflang="es"' in body
    assert "utm_source" not in body and 'rel="canonical"' not in body


def test_a_tracking_parameter_never_reaches_a_later_readers_cached_report_page(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    tracked = client.get(f"/en/reports/{SLUG}/v1/?utm_source=X")
    assert tracked.status_code == 200 and b"utm_source" not in tracked.content
    clean = client.get(f"/en/reports/{SLUG}/v1/")
    assert clean.status_code == 200 and b"utm_source" not in clean.content
    assert f'<meta property="og:url" content="http://testserver/en/reports/{SLUG}/v1/">'.encode() in clean.content


def test_the_latest_page_and_the_version_page_are_cached_apart(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    version = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    latest = client.get(f"/en/reports/{SLUG}/").content.decode()
    assert f'href="/es/reports/{SLUG}/v1/" hreflang="es"' in version
    assert f'href="/es/reports/{SLUG}/" hreflang="es"' in latest
    assert f'<link rel="canonical" href="http://testserver/en/reports/{SLUG}/">' in latest
