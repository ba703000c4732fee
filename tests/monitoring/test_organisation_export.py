"""Members download all of their organisation's evidence (CSV and XLSX): every status and visibility, custody
hashes, the moderation history and nothing moderators keep to themselves, through the workspace filters."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from monitoring import search
from monitoring.choices import EvidenceStatus, Visibility
from monitoring.exports.organisation import columns
from monitoring.models import (
    ALL_KIND_FIELDS,
    EvidenceAttachment,
    EvidenceComment,
    Indicator,
    ModerationEntry,
)
from portal.models import AuditEvent
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

CSV_URL = "/en/workspace/evidence/export/intersecta.csv"
XLSX_URL = "/en/workspace/evidence/export/intersecta.xlsx"
STORED = "a" * 64
ORIGINAL = "b" * 64


def make(cast, mx_plan, organisation=None, **kwargs):
    organisation = organisation or cast.intersecta
    evidence = EvidenceFactory(
        organisation=organisation,
        submitted_by=cast.member if organisation == cast.intersecta else cast.other_member,
        plan=mx_plan,
        indicators=[Indicator.objects.get(plan=mx_plan, code="I13")],
        **kwargs,
    )
    search.refresh([evidence.pk])
    return evidence


@pytest.fixture
def items(cast, mx_plan):
    """One item of Intersecta per status and visibility, one with files and history; Data Cívica's own."""
    made = [
        make(cast, mx_plan, status=status, visibility=visibility, title=f"Intersecta {status} {visibility}")
        for status in EvidenceStatus.values
        for visibility in Visibility.values
    ]
    custody = make(
        cast,
        mx_plan,
        status=EvidenceStatus.APPROVED,
        visibility=Visibility.PUBLIC,
        title="Presupuesto de la Secretaría de las Mujeres",
        kind="budget_document",
        amount=Decimal("1500000.50"),
        currency="MXN",
        fiscal_year=2024,
        budget_programme="E015",
        budget_stage="approved",
        source_reliability="usually_reliable",
        information_credibility="probably_true",
        submitted_at=timezone.now(),
    )
    attachment = EvidenceAttachment(
        evidence=custody,
        original_name="pef-2024.pdf",
        content_type="application/pdf",
        size=10,
        sha256=STORED,
        original_sha256=ORIGINAL,
        uploaded_by=cast.member,
    )
    attachment.file.name = "evidence/aa/pef"
    attachment.save()
    ModerationEntry.objects.create(evidence=custody, author=cast.member, kind="submitted", text="Lista para revisar")
    ModerationEntry.objects.create(evidence=custody, author=cast.moderator, kind="approved", text="Fuente oficial")
    EvidenceComment.objects.create(evidence=custody, author=cast.moderator, internal=True, text="NOTA INTERNA secreta")
    testimony = make(
        cast,
        mx_plan,
        kind="testimony",
        title="Testimonio de una defensora",
        visibility=Visibility.CONFIDENTIAL,
        consent_recorded=True,
        consent_date=dt.date(2024, 5, 2),
        pseudonym="Flor",
        risk_level="high",
    )
    for status in (EvidenceStatus.APPROVED, EvidenceStatus.DRAFT):
        make(cast, mx_plan, organisation=cast.data_civica, status=status, title=f"Data Cívica {status}")
    return {"all": [*made, custody, testimony], "custody": custody, "testimony": testimony}


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel reads the accents right
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response):
    body = b"".join(response.streaming_content)
    return body, load_workbook(io.BytesIO(body))


def sheet_rows(sheet) -> list[dict[str, object]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


def test_the_csv_holds_every_item_of_the_organisation_with_hashes_and_history_but_no_internal_note(client, cast, items):
    client.force_login(cast.member)
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="observatorio1325-intersecta-evidence-' in response["Content-Disposition"]
    rows = read_csv(response)
    assert {r["uuid"] for r in rows} == {str(e.uuid) for e in items["all"]}
    assert {(r["status"], r["visibility"]) for r in rows} >= {
        (s, v) for s in EvidenceStatus.values for v in Visibility.values
    }
    assert not any(r["title"].startswith("Data Cívica") for r in rows)
    assert list(rows[0]) == columns()
    assert set(ALL_KIND_FIELDS) <= set(rows[0]) and {"source_reliability", "information_credibility"} <= set(rows[0])
    row = next(r for r in rows if r["uuid"] == str(items["custody"].uuid))
    assert json.loads(row["attachments"]) == [
        {
            "name": "pef-2024.pdf",
            "size": 10,
            "sha256": STORED,
            "original_sha256": ORIGINAL,
            "uploaded_at": json.loads(row["attachments"])[0]["uploaded_at"],
        }
    ]
    history = json.loads(row["moderation_history"])
    assert [(h["kind"], h["who"], h["text"]) for h in history] == [
        ("submitted", cast.member.get_full_name(), "Lista para revisar"),
        ("approved", cast.moderator.get_full_name(), "Fuente oficial"),
    ]
    assert dt.datetime.fromisoformat(history[0]["when"]).tzinfo is not None
    assert (row["kind"], row["amount"], row["currency"], row["fiscal_year"], row["budget_stage"]) == (
        "budget_document",
        "1500000.5",
        "MXN",
        "2024",
        "approved",
    )
    assert (row["source_reliability"], row["information_credibility"]) == ("usually_reliable", "probably_true")
    assert row["url"] == f"http://testserver/en/evidence/{items['custody'].uuid}/"
    assert row["indicators"] == "I13" and row["organisation"] == "intersecta"
    testimony = next(r for r in rows if r["uuid"] == str(items["testimony"].uuid))
    assert (testimony["consent_recorded"], testimony["consent_date"], testimony["pseudonym"]) == (
        "yes",
        "2024-05-02",
        "Flor",
    )
    assert "NOTA INTERNA" not in json.dumps(rows, ensure_ascii=False)


def test_the_xlsx_holds_the_same_rows_and_sheets_for_files_history_and_columns(client, cast, items):
    client.force_login(cast.member)
    response = client.get(XLSX_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    body, workbook = read_xlsx(response)
    assert workbook.sheetnames == ["evidence", "attachments", "moderation", "columns"]
    evidence = sheet_rows(workbook["evidence"])
    assert list(evidence[0]) == columns()
    assert {r["uuid"] for r in evidence} == {str(e.uuid) for e in items["all"]}
    custody = next(r for r in evidence if r["uuid"] == str(items["custody"].uuid))
    assert custody["amount"] == 1500000.5 and custody["fiscal_year"] == 2024  # numbers stay numbers
    assert sheet_rows(workbook["attachments"])[0] | {"uploaded_at": None} == {
        "evidence_uuid": str(items["custody"].uuid),
        "name": "pef-2024.pdf",
        "size": 10,
        "sha256": STORED,
        "original_sha256": ORIGINAL,
        "uploaded_at": None,
    }
    assert [(r["kind"], r["text"]) for r in sheet_rows(workbook["moderation"])] == [
        ("submitted", "Lista para revisar"),
        ("approved", "Fuente oficial"),
    ]
    explained = {r["Column"]: r for r in sheet_rows(workbook["columns"]) if r["Column"]}
    assert set(columns()) <= set(explained)
    assert explained["title"]["Label"] == "Title"
    assert "approved (Approved)" in explained["status"]["What it holds"]
    assert "NOTA INTERNA" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet3.xml").decode()
    assert b"NOTA INTERNA" not in b"".join(
        zipfile.ZipFile(io.BytesIO(body)).read(name) for name in zipfile.ZipFile(io.BytesIO(body)).namelist()
    )


def test_the_columns_sheet_is_in_the_readers_language(client, cast, items):
    client.force_login(cast.member)
    _, workbook = read_xlsx(client.get(XLSX_URL.replace("/en/", "/es/")))
    rows = list(workbook["columns"].iter_rows(values_only=True))
    end = next(n for n, row in enumerate(rows) if row[0] is None)  # the columns; then the other sheets
    labels = {row[0]: row[1] for row in rows[1:end]}
    assert labels["source_url"] == "URL de la fuente"  # a label the catalogue already translates
    assert set(columns()) <= set(labels) and all(labels[name] for name in columns())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=approved&visibility=confidential", {"Intersecta approved confidential"}),
        ("kind=testimony", {"Testimonio de una defensora"}),
        ("q=presupuesto+mujeres", {"Presupuesto de la Secretaría de las Mujeres"}),
        ("q=secretaria&status=draft", set()),
        ("q=secretaria&status=approved", {"Presupuesto de la Secretaría de las Mujeres"}),
    ],
)
def test_the_export_takes_the_workspace_filters_and_records_them(client, cast, items, query, expected):
    client.force_login(cast.member)
    rows = read_csv(client.get(f"{CSV_URL}?{query}"))
    assert {r["title"] for r in rows} == expected
    event = AuditEvent.objects.get(action="portal.organisation.evidence_exported")
    assert (event.actor, event.object_type, event.object_id) == (
        cast.member,
        "portal.organisation",
        str(cast.intersecta.pk),
    )
    assert event.changes == {"filters": [None, query], "rows": [None, len(expected)], "format": [None, "csv"]}


def test_every_export_is_audited_with_its_format_and_row_count(client, cast, items):
    client.force_login(cast.reviewer)  # a reviewer of the organisation is one of its people too
    read_xlsx(client.get(XLSX_URL))
    event = AuditEvent.objects.get(action="portal.organisation.evidence_exported")
    assert event.actor == cast.reviewer
    assert event.changes == {"filters": [None, "—"], "rows": [None, len(items["all"])], "format": [None, "xlsx"]}


def test_invalid_search_words_show_the_list_with_the_error_and_export_nothing(client, cast, items):
    client.force_login(cast.member)
    response = client.get(CSV_URL, {"q": "x" * 10_000})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="portal.organisation.evidence_exported").exists()


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def test_cells_that_look_like_formulas_stay_text_in_both_formats(client, cast, mx_plan):
    for n, text in enumerate(FORMULAS):
        make(cast, mx_plan, title=text, summary=f"=cmd|' /C calc'!A{n}", value_unit="=A1")
    client.force_login(cast.member)
    rows = read_csv(client.get(CSV_URL))
    assert sorted(r["title"] for r in rows) == sorted("'" + text for text in FORMULAS)
    assert all(r["summary"].startswith("'=cmd") and r["value_unit"] == "'=A1" for r in rows)

    body, workbook = read_xlsx(client.get(XLSX_URL))
    sheet = workbook["evidence"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    titles = []
    for row in sheet.iter_rows(min_row=2):
        cell = row[header.index("title")]
        assert cell.data_type == "s"  # a string, not a formula
        titles.append(cell.value)
        assert row[header.index("summary")].data_type == "s"
    assert sorted(titles) == sorted(FORMULAS)  # kept exactly, not prefixed
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode() and "<f " not in archive.read(name).decode()


def test_characters_a_spreadsheet_cannot_hold_are_dropped_from_the_xlsx(client, cast, mx_plan):
    make(cast, mx_plan, title="Informe\x01 con control\x1f", summary="x" * 40_000)
    client.force_login(cast.member)
    _, workbook = read_xlsx(client.get(XLSX_URL))
    row = sheet_rows(workbook["evidence"])[0]
    assert row["title"] == "Informe con control"
    assert len(row["summary"]) == 32_767 and row["summary"].endswith("…")


@pytest.mark.parametrize("user", ["other_member", "other_reviewer", "outsider"])
@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_people_outside_the_organisation_get_404(client, cast, items, user, url):
    client.force_login(getattr(cast, user))
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="portal.organisation.evidence_exported").exists()


def test_a_moderator_who_is_not_a_member_gets_404(client, cast, items):
    client.force_login(cast.moderator)
    assert client.get(CSV_URL).status_code == 404


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_anonymous_readers_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_format_is_404(client, cast):
    client.force_login(cast.member)
    assert client.get("/en/workspace/evidence/export/intersecta.pdf").status_code == 404
    assert client.get("/en/workspace/evidence/export/nobody.csv").status_code == 404


def test_a_member_of_several_organisations_exports_the_one_she_chooses(client, cast, items):
    from tests.factories import MembershipFactory

    MembershipFactory(organisation=cast.data_civica, user=cast.member)
    client.force_login(cast.member)
    page = client.get("/en/workspace/evidence/?status=draft").content.decode()
    assert "/en/workspace/evidence/export/intersecta.csv?status=draft" in page
    assert "/en/workspace/evidence/export/data-civica.xlsx?status=draft" in page
    rows = read_csv(client.get("/en/workspace/evidence/export/data-civica.csv"))
    assert {r["title"] for r in rows} == {"Data Cívica approved", "Data Cívica draft"}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_the_export_costs_the_same_number_of_queries_with_more_items(client, cast, mx_plan, url):
    def add(count: int) -> None:
        for _ in range(count):
            item = make(cast, mx_plan, status=EvidenceStatus.SUBMITTED)
            ModerationEntry.objects.create(evidence=item, author=cast.member, kind="submitted")
            EvidenceAttachment.objects.create(
                evidence=item,
                file="evidence/aa/x",
                original_name="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256=STORED,
                original_sha256=STORED,
                uploaded_by=cast.member,
            )

    add(2)
    client.force_login(cast.member)
    few = _count(client, url)
    add(25)
    assert _count(client, url) == few


def test_the_workspace_links_to_both_exports_with_its_filters_and_to_the_import(client, cast, items):
    from django.urls import reverse

    client.force_login(cast.member)
    page = client.get("/en/workspace/evidence/?q=presupuesto&kind=budget_document&page=1").content.decode()
    assert 'href="/en/workspace/evidence/export/intersecta.csv?q=presupuesto&amp;kind=budget_document"' in page
    assert 'href="/en/workspace/evidence/export/intersecta.xlsx?q=presupuesto&amp;kind=budget_document"' in page
    assert "Export (CSV)" in page and "Export (Excel)" in page
    assert f'href="{reverse("monitoring:evidence_import")}">Import a spreadsheet</a>' in page
