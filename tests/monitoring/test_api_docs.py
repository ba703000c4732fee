"""The API reference inside the site (/<lang>/api/docs/), its permalink /api/docs/, and the guide with examples."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.utils import timezone, translation

from monitoring.models import EvidenceStatus, Indicator
from monitoring.templatetags.api_guide import rate_limit_text
from tests.factories import EvidenceFactory
from tests.reporting import publish

pytestmark = pytest.mark.django_db

OTHER = {"es": "en", "en": "es"}
LIST_KEYS = {"licence", "count", "next", "previous", "results"}


class Page(HTMLParser):
    """What the CSP cares about in a page: its scripts, its stylesheets, any inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.inline_scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.examples: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes:
            self.style_attributes.append(tag)
        if any(name.startswith("on") for name in attributes):
            self.inline_scripts.append(f"{tag} handler")
        if tag == "script":
            self.scripts.append(attributes.get("src"))
            self._in = "script"
        elif tag == "style":
            self.style_elements += 1
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"] or "")
        elif tag == "pre" and "api-example" in (attributes.get("class") or ""):
            self._in = "pre"
            self.examples.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "pre"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script" and data.strip():
            self.inline_scripts.append(data)
        elif self._in == "pre":
            self.examples[-1] += data


def parsed(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    return page


def example_urls(response) -> list[str]:
    """Every address of the API the guide's examples fetch (curl, Python, R), as a reader would copy it."""
    text = "\n".join(parsed(response).examples)
    found = re.findall(r'"(http://testserver/api/v1/[^"]*)"', html.unescape(text))
    return [url.removeprefix("http://testserver") for url in found]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_reference_is_a_page_of_the_site_in_each_language(client, mx_plan, lang):
    response = client.get(f"/{lang}/api/docs/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'<html lang="{lang}">' in text
    assert 'class="site-header"' in text and 'class="site-footer"' in text
    other = OTHER[lang]
    assert f'<a href="/{other}/api/docs/" hreflang="{other}" lang="{other}">' in text  # the language switch
    assert f'<li class="breadcrumb-item"><a href="/{lang}/data/">' in text
    assert 'id="swagger-ui" class="api-docs-ui" data-schema-url="/api/schema/"' in text


def test_the_page_says_what_the_api_is_without_javascript(client, mx_plan):
    with translation.override("en"):
        response = client.get("/en/api/docs/")
    text = response.content.decode()
    assert "The open-data API serves everything public on this site as JSON" in text
    assert "The interactive reference needs JavaScript." in text
    assert '<a href="/api/schema/">OpenAPI 3 description</a>' in text
    # The guide follows: what the API offers, its licence and limit, and the examples.
    for heading in ("What it offers", "Pages", "Licence and limits", "Examples"):
        assert f">{heading}</h3>" in text
    assert example_urls(response)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_page_has_no_inline_script_or_style_and_its_files_are_static_files(client, mx_plan, lang):
    page = parsed(client.get(f"/{lang}/api/docs/"))
    assert page.inline_scripts == [] and page.style_attributes == [] and page.style_elements == 0
    assert "/static/js/api-docs.js" in page.scripts
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.scripts
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in page.stylesheets
    assert "/static/css/api-docs.css" in page.stylesheets
    for url in [*page.scripts, *page.stylesheets]:
        assert url is not None and url.startswith("/static/")
        assert finders.find(url.removeprefix("/static/")), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) if response.streaming else response.content


def test_the_data_page_has_no_inline_style_either_and_links_the_reference_in_its_language(client, mx_plan):
    response = client.get("/en/data/")
    page = parsed(response)
    assert page.inline_scripts == [] and page.style_attributes == [] and page.style_elements == 0
    text = response.content.decode()
    assert '<a href="/en/api/docs/">Interactive documentation</a>' in text
    assert '/api/docs/"' not in text.replace('/en/api/docs/"', "")  # no link to the language-free permalink


@pytest.mark.parametrize(
    ("headers", "target"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}, "/en/api/docs/"),
        ({"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}, "/es/api/docs/"),
        ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, "/es/api/docs/"),
        ({}, "/es/api/docs/"),
        ({"HTTP_ACCEPT_LANGUAGE": "<script>alert(1)</script>"}, "/es/api/docs/"),
        ({"HTTP_ACCEPT_LANGUAGE": "en;q=" + "9" * 5000}, "/es/api/docs/"),
        ({"HTTP_ACCEPT_LANGUAGE": "zz-" + "x" * 5000}, "/es/api/docs/"),
    ],
)
def test_the_permalink_leads_to_the_reference_in_the_readers_language(client, headers, target):
    response = client.get("/api/docs/", **headers)
    assert response.status_code == 302
    assert response["Location"] == target
    assert "Accept-Language" in response["Vary"]


def test_the_permalink_follows_the_language_the_reader_chose_on_the_site(client, mx_plan):
    client.cookies["django_language"] = "en"
    response = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE="es", follow=True)
    assert response.redirect_chain == [("/en/api/docs/", 302)]
    assert response.status_code == 200 and '<html lang="en">' in response.content.decode()


def test_the_permalink_and_the_page_answer_only_reading_methods(client):
    assert client.post("/api/docs/").status_code == 405
    assert client.post("/en/api/docs/").status_code == 405


def public_evidence(cast, plan, **fields):
    values = {
        "organisation": cast.intersecta,
        "submitted_by": cast.member,
        "plan": plan,
        "status": EvidenceStatus.APPROVED,
        "submitted_at": timezone.now(),
        "indicators": [Indicator.objects.get(plan=plan, code="I13")],
        **fields,
    }
    return EvidenceFactory(**values)


@pytest.mark.parametrize("where", ["/en/data/", "/es/data/", "/en/api/docs/"])
def test_every_example_address_of_the_guide_answers_with_the_documented_keys(client, cast, mx_plan, world, where):
    publish(world, cast)
    public_evidence(cast, mx_plan, title="Reliable item", source_reliability="reliable")
    public_evidence(cast, mx_plan, title="Unassessed item", source_reliability="", information_credibility="")
    urls = example_urls(client.get(where))
    assert len(urls) == 8
    seen = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        body = response.json()
        if url.startswith("/api/v1/institutions/SEMAR/"):
            assert {"code", "name_es", "name_en", "successor"} <= set(body)
            continue
        assert set(body) >= LIST_KEYS, url
        assert body["licence"]["name"] == "CC BY 4.0"
        assert body["results"], f"{url} finds nothing in the shipped catalogue"
        if url.startswith("/api/v1/evidence/"):
            assert "count_capped" in body and body["count_capped"] is False
        if url.startswith("/api/v1/indicators/"):
            # The fields the Python and R examples read.
            assert {"code", "pillar", "text_es", "unit"} <= set(body["results"][0])
        seen.add(url.partition("?")[0])
    assert seen == {"/api/v1/indicators/", "/api/v1/evidence/", "/api/v1/reports/"}


def test_the_documented_pagination_reaches_every_item_by_following_next(client, cast, mx_plan):
    titles = {f"Item {n}" for n in range(5)}
    for title in titles:
        public_evidence(cast, mx_plan, title=title)
    url: str | None = f"/api/v1/evidence/?plan={mx_plan.slug}&page_size=2"
    found, pages = set(), 0
    while url:
        page = client.get(url).json()
        assert set(page) == {*LIST_KEYS, "count_capped"}
        assert page["count"] == 5
        found |= {item["title"] for item in page["results"]}
        url = page["next"]
        pages += 1
    assert found == titles and pages == 3


def test_every_reliability_value_the_guide_lists_is_a_filter_the_api_accepts(client, cast, mx_plan):
    public_evidence(cast, mx_plan, title="Doubtful item", source_reliability="doubtful")
    text = client.get("/en/data/").content.decode()
    for field in ("source_reliability", "information_credibility"):
        listed = re.search(rf"<code>{field}</code> \(((?:<code>[a-z_]+</code>(?:, )?)+)\)", text)
        assert listed, field
        values = re.findall(r"<code>([a-z_]+)</code>", listed.group(1))
        assert "not_assessed" in values and len(values) >= 5
        for value in values:
            assert client.get(f"/api/v1/evidence/?{field}={value}").status_code == 200, value
    doubtful = client.get("/api/v1/evidence/?source_reliability=doubtful").json()
    assert [item["title"] for item in doubtful["results"]] == ["Doubtful item"]


def test_the_guide_states_the_licence_and_the_configured_rate_limit(client, mx_plan, settings):
    text = client.get("/en/data/").content.decode()
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in text
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]
    number, _, period = rate.partition("/")
    assert f"Limit per client address: {number} requests per {period}." in text
    assert "<code>429 Too Many Requests</code>" in text
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/min"}}):
        assert "Limit per client address: 1 request per minute." in client.get("/en/data/").content.decode()


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        ("600/hour", "600 requests per hour"),
        ("1/second", "1 request per second"),
        ("20/m", "20 requests per minute"),
        ("5000/day", "5000 requests per day"),
        (None, "no limit is set on this server"),
        ("", "no limit is set on this server"),
        ("many/hour", "no limit is set on this server"),
        ("10/fortnight", "no limit is set on this server"),
    ],
)
def test_the_rate_limit_is_said_in_words(rate, words):
    with translation.override("en"):
        assert rate_limit_text(rate) == words
