"""The public catalogue pages, in Spanish and English, without logging in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from monitoring.models import Indicator
from monitoring.services.catalogue_import import import_catalogue, parse_catalogue
from tests.catalogue_factory import dump, make_catalogue

pytestmark = pytest.mark.django_db

LANGS = ["es", "en"]


def url(name: str, lang: str, **kwargs: str) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("home", {}, {"es": "de un vistazo", "en": "The plan at a glance"}),
        ("monitoring:plan_list", {}, {"es": "Planes nacionales de acción", "en": "National action plans"}),
        ("monitoring:plan_detail", {"plan_slug": "mx-pna-1325-2021"}, {"es": "Prevención", "en": "Prevention"}),
        (
            "monitoring:indicator_detail",
            {"plan_slug": "mx-pna-1325-2021", "code": "I13"},
            {"es": "redes de mujeres constructoras de paz", "en": "networks of women peacebuilders"},
        ),
        ("monitoring:institution_list", {}, {"es": "Secretaría de Marina", "en": "Secretariat of the Navy"}),
        (
            "monitoring:institution_detail",
            {"code": "SEMAR"},
            {"es": "Secretaría de Marina", "en": "Secretariat of the Navy"},
        ),
        ("portal:about", {}, {"es": "Acerca de Observatorio 1325", "en": "About Observatorio 1325"}),
    ],
)
def test_every_public_page_answers_in_both_languages(client, mx_plan, lang, name, kwargs, expected):
    response = client.get(url(name, lang, **kwargs))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert expected[lang] in html
    assert 'href="#main"' in html  # skip link
    assert "<script>" not in html


def test_urls_carry_the_language_prefix():
    assert url("monitoring:plan_detail", "es", plan_slug="mx-pna-1325-2021") == "/es/plans/mx-pna-1325-2021/"
    assert url("monitoring:plan_detail", "en", plan_slug="mx-pna-1325-2021") == "/en/plans/mx-pna-1325-2021/"


def test_the_bare_root_redirects_to_spanish(client, mx_plan):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/es/"


def test_all_23_official_and_10_civil_society_indicators_are_linked_from_the_plan_page(client, mx_plan):
    html = client.get("/es/plans/mx-pna-1325-2021/").content.decode()

    linked = set(re.findall(r'href="/es/plans/mx-pna-1325-2021/indicators/([A-Z0-9.]+)/"', html))
    assert linked == {f"I{n:02d}" for n in range(1, 24)} | {f"CS{n:02d}" for n in range(1, 11)}
    for code in linked:
        assert client.get(f"/es/plans/mx-pna-1325-2021/indicators/{code}/").status_code == 200


def test_the_plan_page_shows_counts_flags_and_the_wording_note(client, mx_plan):
    html = client.get("/en/plans/mx-pna-1325-2021/").content.decode()
    assert '<span class="stat">10</span> strategic objectives' in html
    assert '<span class="stat">16</span> lines of action' in html
    assert '<span class="stat">23</span> official indicators' in html
    assert "Provisional reconstruction" in html
    assert "From a secondary source" in html
    assert "not the plan&#x27;s official wording" in html
    assert "Civil-society indicators (not part of the official plan)" in html


def test_the_language_switch_leads_to_the_same_page_in_the_other_language(client, mx_plan):
    html = client.get("/es/plans/mx-pna-1325-2021/indicators/I07/").content.decode()
    assert 'href="/en/plans/mx-pna-1325-2021/indicators/I07/" hreflang="en"' in html


def test_an_indicator_page_shows_target_baseline_institutions_and_empty_places(client, mx_plan):
    html = client.get("/en/plans/mx-pna-1325-2021/indicators/I13/").content.decode()
    assert "50 civilian women&#x27;s networks integrated per year" in html
    assert "257 (2020)" in html
    assert "INMUJERES" in html and "Now answered for by SECMUJERES" in html
    assert "From a secondary source" in html
    assert "No published shadow report has assessed this indicator yet." in html
    assert "No approved public evidence has been logged for this indicator yet." in html


def test_a_civil_society_indicator_is_clearly_marked_as_not_official(client, mx_plan):
    html = client.get("/es/plans/mx-pna-1325-2021/indicators/CS01/").content.decode()
    assert "Indicador de la sociedad civil: no forma parte del plan oficial" in html
    assert "Protocolo de Bogotá" in html


def test_an_institution_page_lists_what_its_predecessor_answered_for(client, mx_plan):
    html = client.get("/en/institutions/SECMUJERES/").content.decode()
    assert "INMUJERES" in html
    assert "I13" in html  # INMUJERES answers for I13; SECMUJERES now answers for it


@pytest.mark.parametrize(
    "path",
    [
        "/es/plans/no-such-plan/",
        "/en/plans/mx-pna-1325-2021/indicators/I99/",
        "/es/plans/no-such-plan/indicators/I01/",
        "/es/institutions/NOPE/",
    ],
)
def test_unknown_plans_codes_and_institutions_are_404(client, mx_plan, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() or "Página no encontrada" in response.content.decode()


def test_a_retired_indicator_disappears_from_the_plan_but_keeps_its_permalink(client, mx_plan):
    from django.utils import timezone

    Indicator.objects.filter(plan=mx_plan, code="I05").update(retired_at=timezone.now())
    plan_html = client.get("/es/plans/mx-pna-1325-2021/").content.decode()
    assert "/indicators/I05/" not in plan_html
    response = client.get("/en/plans/mx-pna-1325-2021/indicators/I05/")
    assert response.status_code == 200
    assert "This indicator has been retired" in response.content.decode()


def _load_big_plan() -> None:
    data = make_catalogue(
        slug="big-plan",
        pillars=6,
        objectives_per_pillar=4,
        lines_per_objective=3,
        indicators_per_line=4,
        civil_society=20,
    )
    import_catalogue(data=parse_catalogue(dump(data)))


def _count(django_assert_max_num_queries, client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("small", "big"),
    [
        ("/es/plans/mx-pna-1325-2021/", "/es/plans/big-plan/"),
        ("/es/plans/mx-pna-1325-2021/indicators/I01/", "/es/plans/big-plan/indicators/I01/"),
        ("/es/", "/es/"),
        ("/es/institutions/", "/es/institutions/"),
        ("/es/institutions/SRE/", "/es/institutions/big-plan-A/"),
    ],
)
def test_public_pages_make_a_constant_number_of_queries_whatever_the_plan_size(
    client, mx_plan, django_assert_max_num_queries, small, big
):
    small_count = _count(django_assert_max_num_queries, client, small)
    _load_big_plan()  # 288 indicators, 72 lines: about ten times Mexico's plan
    big_count = _count(django_assert_max_num_queries, client, big)

    assert big_count == small_count
    assert small_count <= 10


def test_the_plan_page_query_budget(client, mx_plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get("/es/plans/mx-pna-1325-2021/")


def test_pages_load_nothing_from_other_hosts(client, mx_plan):
    for path in ["/es/", "/en/plans/mx-pna-1325-2021/", "/es/plans/mx-pna-1325-2021/indicators/I01/"]:
        html = client.get(path).content.decode()
        # A link (<a href>) loads nothing until the reader follows it: the footer's source code link may leave the site.
        loaded = re.sub(r"<a\b[^>]*>", "", html)
        for match in re.findall(r'(?:src|href)="(https?://[^"]+)"', loaded):
            assert match.startswith("http://testserver/"), match
        for tag in re.findall(r"<(?:script|link|img)[^>]*>", html):
            assert 'src="//' not in tag and 'href="//' not in tag
            assert re.findall(r'(?:src|href)="(https?://[^/"]+)', tag) in ([], ["http://testserver"]), tag
