"""A member searches her organisation's evidence (a GET form) in Spanish and in English, and downloads what she
found as CSV and as Excel: the round trip of the search form read from the browser, then the files themselves."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from monitoring import search
from monitoring.models import EvidenceStatus, Indicator
from portal.models import AuditEvent
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, form_values, log_in
from tests.factories import EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "main form[role=search]"
SEARCH = {"es": "Buscar", "en": "Search"}


def _items(cast, mx_plan) -> None:
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    made = [
        EvidenceFactory(
            organisation=organisation,
            submitted_by=cast.member,
            plan=mx_plan,
            title=title,
            status=status,
            visibility=visibility,
            submitted_at=timezone.now(),
            indicators=[i13],
        )
        for organisation, title, status, visibility in [
            (cast.intersecta, "Participación de mujeres en misiones de paz", "submitted", "confidential"),
            (cast.intersecta, "=Participación según la SEDENA", "submitted", "public"),
            (cast.intersecta, "Participación: borrador", "draft", "public"),
            (cast.intersecta, "Presupuesto 2024", "submitted", "public"),
            (cast.data_civica, "Participación en Data Cívica", "submitted", "public"),
        ]
    ]
    search.refresh([e.pk for e in made])


def _listed(page: Page) -> list[str]:
    return sorted(page.locator("main table tbody th").all_inner_texts())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_searches_her_evidence_and_downloads_it_as_csv_and_excel(
    live_server, cast, mx_plan, page: Page, lang: str
):
    _items(cast, mx_plan)
    base = live_server.url
    log_in(page, base, cast.member.email, lang)
    page.goto(f"{base}/{lang}/workspace/evidence/")
    values = {"q": "participacion", "status": EvidenceStatus.SUBMITTED}
    fill_by_name(page, values, FORM)
    page.locator(FORM).get_by_role("button", name=SEARCH[lang]).click()
    page.wait_for_url("**/workspace/evidence/?*")
    listed = _listed(page)
    assert len(listed) == 2 and all("Participación" in text for text in listed)
    assert not any("Data Cívica" in text or "borrador" in text for text in listed)
    expect(page.locator("main table mark").first).to_have_text("Participación")
    address = page.url

    # Reopened, every value is still there; sent again untouched, nothing moves.
    page.reload()
    expect_values(page, values, FORM)
    shown = form_values(page, FORM)
    with page.expect_navigation():
        page.locator(FORM).get_by_role("button", name=SEARCH[lang]).click()
    assert page.url == address and form_values(page, FORM) == shown and _listed(page) == listed

    with page.expect_download() as csv_download:
        page.locator("main a[href*='/workspace/evidence/export/intersecta.csv']").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    body = Path(csv_download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(r["title"] for r in rows) == [
        "'=Participación según la SEDENA",  # neutralised: a spreadsheet does not run it
        "Participación de mujeres en misiones de paz",
    ]
    assert {r["status"] for r in rows} == {"submitted"} and {r["visibility"] for r in rows} == {
        "confidential",
        "public",
    }

    with page.expect_download() as xlsx_download:
        page.locator("main a[href*='/workspace/evidence/export/intersecta.xlsx']").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    sheet = workbook["evidence"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    titles = sorted(row[header.index("title")].value for row in sheet.iter_rows(min_row=2))
    assert titles == ["=Participación según la SEDENA", "Participación de mujeres en misiones de paz"]
    assert workbook.sheetnames == ["evidence", "attachments", "moderation", "columns"]

    exports = AuditEvent.objects.filter(action="portal.organisation.evidence_exported").order_by("pk")
    assert [e.changes["format"][1] for e in exports] == ["csv", "xlsx"]
    assert all(e.changes["rows"][1] == 2 and "q=participacion" in e.changes["filters"][1] for e in exports)
