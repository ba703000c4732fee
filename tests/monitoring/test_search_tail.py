"""The public evidence list and the API's evidence list at any size: a capped count, keyset pages that keep the
filters, ranking only for rare terms, and malformed cursors that never break a page."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import search
from monitoring.models import Evidence, Indicator, Region
from monitoring.models.evidence import PublicIndicatorEvidence

pytestmark = pytest.mark.django_db


def _bulk(cast, mx_plan, count: int, *, start: int = 0, title: str = "Despliegue de mujeres", **kw) -> list[Evidence]:
    """Public items about I13 in Chiapas; three share each source date (ties for the keyset)."""
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    created = Evidence.objects.bulk_create(
        [
            Evidence(
                plan=mx_plan,
                organisation=cast.intersecta,
                submitted_by=cast.member,
                status="approved",
                visibility="public",
                kind="news_report",
                title=f"{title} {start + n}",
                summary="Operaciones de paz.",
                source_date=dt.date(2021, 1, 1) + dt.timedelta(days=(start + n) // 3),
                period_start=dt.date(2021, 1, 1),
                language="es",
                **kw,
            )
            for n in range(count)
        ]
    )
    ids = [e.pk for e in created]
    Evidence.indicators.through.objects.bulk_create(
        [Evidence.indicators.through(evidence_id=pk, indicator_id=i13.pk) for pk in ids]
    )
    chiapas = Region.objects.get(code="MX-CHP")
    Evidence.regions.through.objects.bulk_create(
        [Evidence.regions.through(evidence_id=pk, region_id=chiapas.pk) for pk in ids]
    )
    search.refresh(ids)
    PublicIndicatorEvidence.sync(ids)
    return created


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="h5 mb-1"><a href="/\w\w/evidence/[0-9a-f-]+/">(.+?)</a></h2>', page)


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a class="page-link" href="([^"]+)" rel="{rel}">', page)
    return htmllib.unescape(found.group(1)) if found else None


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("monitoring.views.public.EVIDENCE_PAGE", 4)


def test_next_and_previous_links_walk_every_item_once_and_keep_the_filters(client, cast, mx_plan, small_pages):
    _bulk(cast, mx_plan, 11)
    _bulk(cast, mx_plan, 2, start=100, title="Otra cosa")  # filtered out by q
    query = "?q=despliegue&state=MX-CHP&indicator=I13&utm_source=newsletter"
    page = client.get("/en/evidence/" + query).content.decode()
    assert '<nav aria-label="Pages of results">' in page
    seen = [_titles(page)]
    pages = [page]
    while (after := _link(page, "next")) is not None:
        assert after.startswith("?") and "cursor=" in after
        assert "q=despliegue" in after and "state=MX-CHP" in after and "indicator=I13" in after
        assert "utm_source" not in after and "page=" not in after
        page = client.get("/en/evidence/" + after).content.decode()
        seen.append(_titles(page))
        pages.append(page)
    flat = [title for titles in seen for title in titles]
    expected = [f"<mark>Despliegue</mark> de mujeres {n}" for n in range(10, -1, -1)]
    assert sorted(flat) == sorted(expected) and len(flat) == 11  # every item once
    assert [len(titles) for titles in seen] == [4, 4, 3]
    # and back: each previous link shows the page before, with the filters
    back = _link(pages[-1], "prev")
    assert back is not None and "q=despliegue" in back and "state=MX-CHP" in back
    assert _titles(client.get("/en/evidence/" + back).content.decode()) == seen[1]
    back = _link(client.get("/en/evidence/" + back).content.decode(), "prev")
    first = client.get("/en/evidence/" + back).content.decode()
    assert _titles(first) == seen[0]
    assert _link(first, "prev") is None


def test_the_list_is_newest_source_first_across_pages_with_ties(client, cast, mx_plan, small_pages):
    items = _bulk(cast, mx_plan, 10)
    expected = [e.pk for e in sorted(items, key=lambda e: (e.source_date, e.pk), reverse=True)]
    uuids = {str(e.uuid): e.pk for e in items}
    order = []
    url = "/en/evidence/"
    while url:
        page = client.get(url).content.decode()
        order += [uuids[u] for u in re.findall(r'<h2 class="h5 mb-1"><a href="/en/evidence/([0-9a-f-]+)/">', page)]
        after = _link(page, "next")
        url = "/en/evidence/" + after if after else ""
    assert order == expected


def test_old_page_numbers_still_work_and_are_bounded(client, cast, mx_plan, small_pages):
    _bulk(cast, mx_plan, 10)
    first = _titles(client.get("/en/evidence/").content.decode())
    second = client.get("/en/evidence/?page=2").content.decode()
    assert len(_titles(second)) == 4 and not set(_titles(second)) & set(first)
    assert "Page 2" in second
    assert _link(second, "prev") == "?"
    assert _titles(client.get("/en/evidence/?page=1").content.decode()) == first
    for page in ("abc", "0", "-3", "99999999999", "1e9", "9" * 5000, "٣", "²"):
        assert client.get(f"/en/evidence/?page={page}").status_code == 200, page
    # a page past the bound reads no deeper than search.MAX_OFFSET rows
    assert client.get("/en/evidence/?page=999999").status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "n.d.1.1",
        "n.d.99999999.1",
        "n.d.-.0",
        "p.r.zzzzzzzz.1",
        "n.r.7fc00000.5",  # NaN: a well-formed rank, matches nothing odd
        "n.r.7f800000.5",  # infinity
        "n.d.737911.99999999999999999999999",
        "'; DROP TABLE monitoring_evidence; --",
        "ñ" * 100,
        "n.d.737911.1\n",
        "",
    ],
)
def test_hostile_cursors_give_the_first_page_or_a_clear_400_never_an_error(client, cast, mx_plan, cursor):
    _bulk(cast, mx_plan, 3)
    for path in ("/en/evidence/", "/en/evidence/?q=despliegue&state=MX-CHP"):
        response = client.get(path, {"cursor": cursor} if "?" not in path else None)
        assert response.status_code == 200
    response = client.get("/en/evidence/", {"cursor": cursor, "q": "despliegue"})
    assert response.status_code == 200
    api = client.get("/api/v1/evidence/", {"cursor": cursor})
    assert api.status_code in (200, 400), api.status_code
    if api.status_code == 400:
        assert "cursor" in api.json()


@pytest.mark.parametrize(("lang", "wording"), [("en", "More than 2,000 results"), ("es", "Más de 2,000 resultados")])
def test_more_than_2000_matches_are_not_counted(client, cast, mx_plan, lang, wording):
    _bulk(cast, mx_plan, 2001, title="Redes")
    page = client.get(f"/{lang}/evidence/").content.decode()
    assert wording in page
    assert "2001" not in page and "2,001" not in page
    assert client.get(f"/{lang}/evidence/?state=MX-CHP").content.decode().count(wording) == 1
    api = client.get("/api/v1/evidence/").json()
    assert api["count"] is None and api["count_capped"] is True and len(api["results"]) == 50


@pytest.mark.parametrize(("lang", "wording"), [("en", "More than 3 results"), ("es", "Más de 3 resultados")])
def test_the_cap_applies_to_searches_too(client, cast, mx_plan, monkeypatch, lang, wording):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "ESTIMATE_COMMON", 10_000)
    _bulk(cast, mx_plan, 5)
    assert wording in client.get(f"/{lang}/evidence/?q=despliegue").content.decode()
    exact = client.get(f"/{lang}/evidence/?q=despliegue&indicator=I01").content.decode()
    assert wording not in exact and ("0 items" in exact or "0 registros" in exact)


@pytest.mark.postgres
def test_a_rare_term_is_ranked_and_a_common_one_is_newest_first(client, cast, mx_plan, monkeypatch):
    older = _bulk(cast, mx_plan, 1, title="Presupuesto presupuesto presupuesto")[0]
    newer = _bulk(cast, mx_plan, 1, start=30, title="Informe")[0]
    Evidence.objects.filter(pk=newer.pk).update(summary="Presupuesto de paz.")
    search.refresh([newer.pk])
    assert older.source_date < newer.source_date

    def order(page: str) -> list[str]:
        return re.findall(r'<a href="/en/evidence/([0-9a-f-]+)/">', page.split("evidence-results", 1)[1])

    rare = client.get("/en/evidence/?q=presupuesto").content.decode()
    assert order(rare) == [str(older.uuid), str(newer.uuid)]  # best first
    assert "newest source first" not in rare
    monkeypatch.setattr(search, "LISTING_RANK_LIMIT", 1)  # the same term, now "common"
    common = client.get("/en/evidence/?q=presupuesto").content.decode()
    assert order(common) == [str(newer.uuid), str(older.uuid)]
    assert "newest source first" in common


@pytest.mark.postgres
def test_ranked_pages_follow_a_rank_cursor(client, cast, mx_plan, small_pages):
    _bulk(cast, mx_plan, 9)
    page = client.get("/en/evidence/?q=despliegue").content.decode()
    after = _link(page, "next")
    assert after is not None and "cursor=n.r." in after
    rest = []
    while after:
        page = client.get("/en/evidence/" + after).content.decode()
        rest += _titles(page)
        after = _link(page, "next")
    assert len(rest) == 5


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200, path
    return len(ctx)


def test_searches_and_their_later_pages_make_the_same_queries_at_10_and_1000_items(client, cast, mx_plan):
    def paths() -> list[str]:
        out = []
        for base in ("/es/evidence/?q=despliegue", "/es/evidence/?state=MX-CHP&indicator=I13", "/api/v1/evidence/"):
            out.append(base)
            if base.startswith("/api/"):
                nxt = client.get(base, {"page_size": 5}).json()["next"]
                out.append(nxt.removeprefix("http://testserver"))
            else:
                page = client.get(base).content.decode()
                after = _link(page, "next")
                out.append(base.split("?")[0] + after if after else base)
        return out

    _bulk(cast, mx_plan, 30)
    at_30 = {i: _queries(client, path) for i, path in enumerate(paths())}
    _bulk(cast, mx_plan, 970, start=30)
    at_1000 = {i: _queries(client, path) for i, path in enumerate(paths())}
    assert at_1000 == at_30
    assert max(at_1000.values()) <= 10, at_1000


def test_the_api_follows_cursors_and_keeps_its_filters(client, cast, mx_plan):
    items = _bulk(cast, mx_plan, 7)
    body = client.get("/api/v1/evidence/", {"q": "despliegue", "state": "MX-CHP", "page_size": 3}).json()
    assert body["count"] == 7 and body["count_capped"] is False and body["previous"] is None
    assert body["licence"]["name"] == "CC BY 4.0"
    seen = [r["uuid"] for r in body["results"]]
    pages = [body]
    while body["next"]:
        assert "q=despliegue" in body["next"] and "state=MX-CHP" in body["next"] and "page_size=3" in body["next"]
        body = client.get(body["next"]).json()
        seen += [r["uuid"] for r in body["results"]]
        pages.append(body)
    assert sorted(seen) == sorted(str(e.uuid) for e in items) and len(seen) == 7
    back = client.get(pages[-1]["previous"]).json()
    assert [r["uuid"] for r in back["results"]] == [r["uuid"] for r in pages[-2]["results"]]
    assert client.get("/api/v1/evidence/", {"cursor": "not-a-cursor"}).status_code == 400
    for page in ("0", "abc", "²", "9" * 5000):
        assert client.get("/api/v1/evidence/", {"page": page}).status_code == 400, page
        assert client.get("/api/v1/evidence/", {"page_size": page}).status_code == 400, page
    second = client.get("/api/v1/evidence/", {"page": 2, "page_size": 3}).json()
    assert [r["uuid"] for r in second["results"]] == [r["uuid"] for r in pages[1]["results"]]
