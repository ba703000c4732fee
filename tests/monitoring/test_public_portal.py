"""The public portal: home, indicator history, evidence search and filters, bulk CSV, sitemap, robots, metadata."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from monitoring import search
from monitoring.exports.bulk import EVIDENCE_COLUMNS
from monitoring.models import Evidence, Indicator, Institution, Region
from monitoring.models.evidence import PublicIndicatorEvidence
from monitoring.services import reports as svc
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(cast, mx_plan):
    """One public item and one of every non-public kind, all about I07 in 2021, all mentioning 'despliegue'."""
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    sedena = Institution.objects.get(code="SEDENA")
    chiapas = Region.objects.get(code="MX-CHP")

    def make(title, **kw):
        e = EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            indicators=[i07],
            title=title,
            summary="Despliegue de mujeres en operaciones de paz.",
            **kw,
        )
        e.institutions.set([sedena])
        e.regions.set([chiapas])
        search.refresh([e.pk])
        # Made public without the moderation service: fill the indicator pages' list as approval would.
        PublicIndicatorEvidence.sync([e.pk])
        return e

    return {
        "public": make(
            "Mujeres en el despliegue de 2021", status="approved", visibility="public", kind="official_statistic"
        ),
        "reviewers": make("RESTRICTED reviewers-only despliegue", status="approved", visibility="reviewers"),
        "confidential": make("RESTRICTED confidential despliegue", status="approved", visibility="confidential"),
        "submitted": make("RESTRICTED submitted despliegue", status="submitted", visibility="public"),
        "draft": make("RESTRICTED draft despliegue", status="draft", visibility="public"),
        "withdrawn": make("RESTRICTED withdrawn despliegue", status="withdrawn", visibility="public"),
    }


def test_the_public_list_shows_only_approved_public_evidence_even_in_counts(client, items):
    html = client.get("/en/evidence/").content.decode()
    assert "Mujeres en el despliegue de 2021" in html
    assert "RESTRICTED" not in html
    assert "1 item" in html


@pytest.mark.parametrize(
    "query",
    [
        "q=despliegue",
        "indicator=I07",
        "institution=SEDENA",
        "state=MX-CHP",
        "year=2021",
        "pillar=P2",
        "plan=mx-pna-1325-2021",
    ],
)
def test_no_filter_or_search_reveals_restricted_items(client, items, query):
    html = client.get(f"/en/evidence/?{query}").content.decode()
    assert "RESTRICTED" not in html
    assert "1 item" in html
    api = client.get(f"/api/v1/evidence/?{query}").json()
    assert api["count"] == 1 and "RESTRICTED" not in str(api)
    assert b"RESTRICTED" not in b"".join(client.get(f"/en/data/evidence.csv?{query}").streaming_content)


def test_restricted_items_are_absent_from_the_api_detail_csv_and_sitemap(client, items):
    for key, item in items.items():
        status = client.get(f"/api/v1/evidence/{item.uuid}/").status_code
        assert status == (200 if key == "public" else 404), key
    body = b"".join(client.get("/en/data/evidence.csv").streaming_content).decode("utf-8-sig")
    assert "RESTRICTED" not in body
    sitemap = client.get("/sitemap.xml").content.decode()
    assert str(items["public"].uuid) in sitemap
    for key, item in items.items():
        if key != "public":
            assert str(item.uuid) not in sitemap


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=Despliegue", True),
        ("q=DESPLIEGUE+mujeres", True),
        ("q=mujeres+2021", True),
        ("q=inexistente", False),
        ("kind=official_statistic", True),
        ("kind=testimony", False),
        ("indicator=I01", False),
        ("institution=SEMAR", False),
        ("state=MX-OAX", False),
        ("year=2019", False),
        ("pillar=P1", False),
    ],
)
def test_filters_and_search(client, items, query, found):
    html = client.get(f"/en/evidence/?{query}").content.decode()
    assert (f"/en/evidence/{items['public'].uuid}/" in html) is found


@pytest.mark.parametrize(
    "payload",
    [
        "'; DROP TABLE monitoring_evidence; --",
        "%' OR 1=1 --",
        "<script>alert(1)</script>",
        "a" * 5000,
        "\x00",
        "ñ" * 300,
    ],
)
def test_hostile_search_and_filter_input_is_harmless(client, items, payload):
    for param in ("q", "indicator", "pillar", "year", "state", "kind"):
        response = client.get("/en/evidence/", {param: payload})
        # A NUL in a query string is a 400 before any query (tests/security/test_control_characters.py).
        assert response.status_code == (400 if "\x00" in payload else 200)
        assert "<script>alert(1)</script>" not in response.content.decode()
        assert client.get("/api/v1/evidence/", {param: payload}).status_code in (200, 400)
    assert Evidence.objects.count() == 6


def test_results_are_highlighted_safely():
    html = str(search.highlight("<b>Despliegue</b> de mujeres", "despliegues mujer"))
    assert html == "&lt;b&gt;<mark>Despliegue</mark>&lt;/b&gt; de <mark>mujeres</mark>"


def test_search_ignores_accents_and_case():
    assert search.normalise("Operación de PAZ") == "operacion de paz"
    assert search.terms("¿Despliegue,  MUJERES?") == ["despliegue", "mujeres"]


@pytest.mark.postgres
def test_postgresql_search_stems_and_ignores_accents(client, items):
    assert connection.vendor == "postgresql"
    # plural → singular stem, accents and case ignored
    for query in ["despliegues", "DESPLIEGUE MUJERES", "operacion", "mujer despliegue paz"]:
        html = client.get("/en/evidence/", {"q": query}).content.decode()
        assert "1 item" in html, query
        assert "RESTRICTED" not in html
    assert "0 items" in client.get("/en/evidence/", {"q": "presupuesto"}).content.decode()


def test_the_home_page_shows_the_latest_report_grid_recent_evidence_and_downloads(client, cast, mx_plan, items):
    report = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "Informe 2021",
            "slug": "informe-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    a = report.assessments.get(indicator__code="I07")
    svc.save_assessment(
        assessment=a,
        actor=cast.reviewer,
        fields={"rating": "insufficient"},
        cited=[items["public"]],
        expected_version=1,
    )
    svc.request_publication(report=report, actor=cast.reviewer)
    from tests.factories import MembershipFactory

    second = MembershipFactory(organisation=cast.intersecta, role="reviewer").user
    svc.approve_publication(report=report, actor=second)
    html = client.get("/en/").content.decode()
    assert "Informe 2021" in html
    assert 'class="grid-cell rating-insufficient"' in html
    assert "Mujeres en el despliegue de 2021" in html and "RESTRICTED" not in html
    assert "/en/data/" in html
    indicator = client.get("/en/plans/mx-pna-1325-2021/indicators/I07/").content.decode()
    assert "Ratings in shadow reports" in indicator and "Insufficient" in indicator
    assert "Mujeres en el despliegue de 2021" in indicator and "RESTRICTED" not in indicator


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/en/plans/mx-pna-1325-2021/indicators/I07/",
        "/en/evidence/",
        "/en/evidence/?q=despliegue&state=MX-CHP",
        "/api/v1/evidence/",
        "/api/v1/indicators/",
        "/api/v1/plans/",
        "/api/v1/institutions/",
        "/api/v1/reports/",
        "/api/v1/report-versions/",
    ],
)
def test_public_pages_and_api_lists_make_a_constant_number_of_queries(client, cast, mx_plan, items, path):
    small = _queries(client, path)
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    for n in range(30):
        e = EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            status="approved",
            indicators=[i07],
            title=f"Despliegue {n}",
        )
        e.regions.set([Region.objects.get(code="MX-CHP")])
        search.refresh([e.pk])
    assert _queries(client, path) == small
    assert small <= 10


def test_the_bulk_evidence_csv_is_a_stored_file_of_10000_rows_and_a_filtered_one_streams(client, cast, mx_plan):
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    template = EvidenceFactory.build(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan)
    rows = []
    for n in range(10_000):
        item = Evidence(
            **{
                f.attname: getattr(template, f.attname)
                for f in Evidence._meta.concrete_fields
                if f.attname not in ("id", "uuid")
            },
        )
        item.title = f"=cmd|' /C calc'!A{n}" if n == 0 else f"Item {n}"
        item.status = "approved"
        item.visibility = "public"
        rows.append(item)
    created = Evidence.objects.bulk_create(rows, batch_size=2000)
    Evidence.indicators.through.objects.bulk_create(
        [Evidence.indicators.through(evidence_id=e.pk, indicator_id=i07.pk) for e in created], batch_size=5000
    )

    response = client.get("/en/data/evidence.csv")

    # Generated once (here at once: no broker in the tests), then served from storage with its checksum.
    assert isinstance(response, FileResponse) and response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfuuid,")
    assert body.count(b"\n") == 10_001
    assert hashlib.sha256(body).hexdigest() == response["X-Content-SHA256"]
    assert int(response["Content-Length"]) == len(body) and response["Last-Modified"]
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert parsed[1][EVIDENCE_COLUMNS.index("title")] == "'=cmd|' /C calc'!A0"
    assert {r[EVIDENCE_COLUMNS.index("indicators")] for r in parsed[1:]} == {"I07"}

    EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="approved", title="The I01 one").indicators.set(
        [Indicator.objects.get(plan=mx_plan, code="I01")]
    )
    filtered = client.get("/en/data/evidence.csv", {"indicator": "I01"})
    assert isinstance(filtered, StreamingHttpResponse)  # a subset is streamed from the database, always current
    subset = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))))
    assert [r[EVIDENCE_COLUMNS.index("title")] for r in subset[1:]] == ["The I01 one"]


def test_csv_formula_cells_are_neutralised_in_bulk_downloads(client, items):
    Evidence.objects.filter(pk=items["public"].pk).update(
        title='=HYPERLINK("https://evil.example")', summary="+1-2", source_url=""
    )
    body = b"".join(client.get("/en/data/evidence.csv").streaming_content).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(body)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_the_data_page_describes_each_file(client):
    html = client.get("/es/data/").content.decode()
    assert "/es/data/evidence.csv" in html and "/es/data/assessments.csv" in html
    assert "reported_value" in html and "rating_label" in html and "CC BY 4.0" in html


def test_the_sitemap_lists_public_pages_in_both_languages_with_hreflang(client, mx_plan):
    xml = client.get("/sitemap.xml").content.decode()
    assert "/es/plans/mx-pna-1325-2021/indicators/I13/" in xml
    assert "/en/plans/mx-pna-1325-2021/indicators/I13/" in xml
    assert 'hreflang="en"' in xml and 'hreflang="es"' in xml
    assert "workspace" not in xml and "moderation" not in xml


def test_robots_txt_keeps_crawlers_out_of_private_areas(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /es/workspace/" in body and "Disallow: /en/moderation/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_indicator_pages_have_link_preview_metadata(client, mx_plan):
    html = client.get("/en/plans/mx-pna-1325-2021/indicators/I13/").content.decode()
    assert '<meta property="og:title" content="I13 · Number of networks' in html
    # A generated preview card of the indicator (monitoring/og_images.py), large on link previews.
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image" content="http://testserver/en/og/indicators/mx-pna-1325-2021/I13.png">' in html


def _bulk_public_evidence(cast, mx_plan, count: int) -> None:
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    chiapas = Region.objects.get(code="MX-CHP")
    rows = [
        Evidence(
            plan=mx_plan,
            organisation=cast.intersecta,
            submitted_by=cast.member,
            status="approved",
            visibility="public",
            kind="news_report",
            title=f"Despliegue de mujeres {n}",
            summary="Mujeres en operaciones de paz.",
            source_url="https://example.org",
            source_date=dt.date(2021, 5, 1),
            period_start=dt.date(2021, 1, 1),
            period_end=dt.date(2021, 12, 31),
            language="es",
            search_text=f"despliegue de mujeres {n} mujeres en operaciones de paz.",
        )
        for n in range(count)
    ]
    created = Evidence.objects.bulk_create(rows)
    Evidence.indicators.through.objects.bulk_create(
        [Evidence.indicators.through(evidence_id=e.pk, indicator_id=i13.pk) for e in created]
    )
    Evidence.regions.through.objects.bulk_create(
        [Evidence.regions.through(evidence_id=e.pk, region_id=chiapas.pk) for e in created]
    )
    search.refresh([e.pk for e in created])
    PublicIndicatorEvidence.sync([e.pk for e in created])  # as approval would


BUDGET_PATHS = [
    "/es/",
    "/es/plans/mx-pna-1325-2021/",
    "/es/plans/mx-pna-1325-2021/indicators/I13/",
    "/es/evidence/",
    "/es/evidence/?q=despliegue+mujeres",
    "/es/evidence/?state=MX-CHP&indicator=I13",
    "/es/institutions/SRE/",
    "/es/transparency/",
    "/api/v1/evidence/",
    "/api/v1/evidence/?q=despliegue",
]


def test_public_pages_stay_within_ten_queries_at_10_and_1000_items(client, cast, mx_plan):
    _bulk_public_evidence(cast, mx_plan, 10)
    at_10 = {path: _queries(client, path) for path in BUDGET_PATHS}
    _bulk_public_evidence(cast, mx_plan, 990)
    at_1000 = {path: _queries(client, path) for path in BUDGET_PATHS}
    assert at_1000 == at_10
    assert max(at_1000.values()) <= 10, at_1000
