"""Spreadsheet import in a real browser, in Spanish and English: upload, dry run, confirm, the drafts it made;
and an upload refused keeps the options the person chose."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from monitoring.models import Evidence, EvidenceStatus, ImportJob, ImportStatus
from tests.browser.roundtrip import LANGUAGES, form_values, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UPLOAD_FORM = "main form[enctype='multipart/form-data']"
HEADERS = {
    "es": ["Título", "Resumen", "Indicadores", "Tipo de evidencia"],
    "en": ["Title", "Summary", "Indicators", "Kind of evidence"],
}


def sheet(lang: str) -> bytes:
    book = openpyxl.Workbook()
    rows = book.active
    rows.append(HEADERS[lang])
    rows.append([f"SEMAR {lang} 1", "Mitad del personal", "I13", "official_statistic"])
    rows.append([f"SEMAR {lang} 2", "Informe anual", "I07; I13", "news_report"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def choose_file(page: Page, name: str, content: bytes, mime: str) -> None:
    page.locator(f"{UPLOAD_FORM} input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_spreadsheet_is_uploaded_checked_confirmed_and_becomes_drafts(live_server, mx_plan, cast, page, lang):
    log_in(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/import/")

    # A refused upload (not a spreadsheet) comes back with the options chosen.
    page.locator(f"{UPLOAD_FORM} input[name=submit][value=submit]").check()
    choose_file(page, "notes.pdf", b"%PDF-1.7 not a sheet", "application/pdf")
    page.locator(f"{UPLOAD_FORM} button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert form_values(page, UPLOAD_FORM)["submit"] == ["submit"]
    assert ImportJob.objects.count() == 0

    page.locator(f"{UPLOAD_FORM} input[name=submit][value=draft]").check()
    choose_file(
        page, f"equipo-{lang}.xlsx", sheet(lang), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    page.locator(f"{UPLOAD_FORM} button[type=submit]").click()

    # The dry run: what would be created, nothing written yet.
    expect(page.locator("#import-preview tbody tr")).to_have_count(2)
    expect(page.locator("#import-preview")).to_contain_text(f"SEMAR {lang} 2")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.READY and job.language == lang and Evidence.objects.count() == 0

    page.locator("main form[action$='/confirm/'] button[type=submit]").click()
    links = page.locator("#import-created a")
    expect(links).to_have_count(2)
    assert page.locator("meta[http-equiv=refresh]").count() == 0  # finished: the page no longer refreshes
    links.first.click()
    expect(page.locator("h1")).to_contain_text(f"SEMAR {lang} 1")
    items = Evidence.objects.order_by("title")
    assert [(e.title, e.status, e.organisation) for e in items] == [
        (f"SEMAR {lang} 1", EvidenceStatus.DRAFT, cast.intersecta),
        (f"SEMAR {lang} 2", EvidenceStatus.DRAFT, cast.intersecta),
    ]
    assert sorted(i.code for i in items[1].indicators.all()) == ["I07", "I13"]
