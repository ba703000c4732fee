"""The evidence form in a real browser, in Spanish and English: nothing typed is ever lost.

The product's main loop — draft, submit, changes requested, correct, resubmit — with every field filled and a
date at each precision, read back from the browser itself (a date it cannot parse would read back empty).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from monitoring.models import Evidence, EvidenceStatus, Indicator, Institution, Region
from monitoring.services.moderation import request_changes
from portal.models import AuditEvent
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, form_values, log_in, nothing_changes
from tests.files import PDF_BYTES, real_pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "main form[enctype='multipart/form-data']"

TEXT = {
    "es": {
        "draft": "Guardar borrador",
        "submit": "Enviar a revisión",
        "draft_saved": "Borrador guardado.",
        "changes_saved": "Cambios guardados.",
        "submitted": "Enviada a revisión.",
        "edit": "Editar",
        "removed": "Se quitó el archivo",
        "impossible": "Ese día no existe. Revisa el día y el mes.",
        "again": "Los navegadores no conservan los archivos",
        "title": "Unas 22 mujeres entre 117 despliegues (2015 a febrero de 2021)",
        "summary": "Cifra «acumulada» reportada por la prensa.\nNo es anual: revisar contra el informe oficial & la SRE.",
    },
    "en": {
        "draft": "Save draft",
        "submit": "Submit for review",
        "draft_saved": "Draft saved.",
        "changes_saved": "Changes saved.",
        "submitted": "Submitted for review.",
        "edit": "Edit",
        "removed": "was removed",
        "impossible": "That day does not exist. Check the day and the month.",
        "again": "Browsers cannot keep files across a failed submission",
        "title": "About 22 women among 117 deployments (2015 to February 2021)",
        "summary": 'A "cumulative" figure reported by the press.\nNot annual: check it against the official report & SRE.',
    },
}


def open_every_section(page: Page) -> None:
    """The long checkbox lists fold into <details>; a person opens them to tick a box."""
    page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")


def every_field(mx_plan, lang: str) -> dict:
    words = TEXT[lang]
    return {
        "indicators": [str(Indicator.objects.get(plan=mx_plan, code="I07").pk)],
        "period_start": "2021-02",  # a month
        "period_end": "2021-04-30",  # a day
        "kind": "news_report",
        "title": words["title"],
        "summary": words["summary"],
        "source_url": "https://example.org/nota?id=22&lang=es",
        "source_date": "2023",  # a year
        "language": "es",
        "reported_value": "22",
        "regions": [str(Region.objects.get(code="MX-CHP").pk), str(Region.objects.get(code="MX-OAX").pk)],
        "institutions": [str(Institution.objects.get(code="SEDENA").pk)],
        "visibility": "public",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_evidence_survives_draft_edit_submit_changes_requested_and_resubmission(
    live_server, mx_plan, cast, regions, browser: Browser, tmp_path, lang
):
    words = TEXT[lang]
    first = tmp_path / "oficio-sedena.pdf"
    first.write_bytes(real_pdf_bytes("Ana Pérez"))
    second = tmp_path / "respuesta-ampliada.pdf"
    second.write_bytes(PDF_BYTES)
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang, reduced_motion="reduce").new_page()
    log_in(page, live_server.url, cast.member.email, lang)

    # Create as a draft, with every field and a file.
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/new/")
    open_every_section(page)
    values = every_field(mx_plan, lang)
    fill_by_name(page, values, FORM)
    page.locator(f"{FORM} [name=attachments]").set_input_files(str(first))
    page.locator(f"{FORM} [name=strip_metadata]").check()
    page.get_by_role("button", name=words["draft"]).click()
    expect(page.get_by_text(words["draft_saved"])).to_be_visible()
    item = Evidence.objects.get()
    assert (item.source_date_iso, item.period_start_iso, item.period_end_iso) == ("2023", "2021-02", "2021-04-30")
    assert item.summary == words["summary"] and item.status == EvidenceStatus.DRAFT

    # Reopen: every value exactly as saved, as the browser holds it.
    edit = f"{live_server.url}/{lang}/workspace/evidence/{item.uuid}/edit/"
    page.goto(edit)
    expect_values(page, values, FORM)
    expect(page.get_by_text("oficio-sedena.pdf").first).to_be_visible()

    # Save again untouched: nothing changes, nothing is audited as a change.
    with nothing_changes(item):
        page.get_by_role("button", name=words["draft"]).click()
        expect(page.get_by_text(words["changes_saved"])).to_be_visible()

    # Remove the file and add another one.
    page.goto(edit)
    page.locator("form[action*='/remove/'] button").first.click()
    expect(page.get_by_text(words["removed"])).to_be_visible()
    page.locator(f"{FORM} [name=attachments]").set_input_files(str(second))
    page.get_by_role("button", name=words["draft"]).click()
    expect(page.get_by_text(words["changes_saved"])).to_be_visible()
    assert [a.original_name for a in item.attachments.all()] == ["respuesta-ampliada.pdf"]

    # Submit, and a moderator asks for changes.
    page.goto(edit)
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.get_by_text(words["submitted"]).first).to_be_visible()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED
    request_changes(evidence=item, actor=cast.moderator, reason="Aclara el periodo.", expected_version=item.version)

    # The member corrects only the summary and resubmits: every saved date is still in the form.
    page.goto(edit)
    expect_values(page, values, FORM)
    corrected = words["summary"] + "\nPeriodo: febrero a abril de 2021."
    page.locator(f"{FORM} [name=summary]").fill(corrected)
    page.locator(f"{FORM} [name=note]").fill("Periodo aclarado.")
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.get_by_text(words["submitted"]).first).to_be_visible()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED and item.summary == corrected
    assert (item.source_date_iso, item.period_start_iso, item.period_end_iso) == ("2023", "2021-02", "2021-04-30")
    assert item.reported_value == 22 and item.kind == "news_report"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_failed_submission_keeps_every_value_and_names_the_files_to_choose_again(
    live_server, mx_plan, cast, regions, browser: Browser, tmp_path, lang
):
    words = TEXT[lang]
    pdf = tmp_path / "acta-firmada.pdf"
    pdf.write_bytes(PDF_BYTES)
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale=lang, reduced_motion="reduce").new_page()
    log_in(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/new/")
    open_every_section(page)
    values = {**every_field(mx_plan, lang), "source_date": "31/02/2021"}
    fill_by_name(page, values, FORM)
    page.locator(f"{FORM} [name=attachments]").set_input_files(str(pdf))
    page.get_by_role("button", name=words["submit"]).click()

    expect(page.get_by_text(words["impossible"]).first).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=words["again"])).to_contain_text("acta-firmada.pdf")
    open_every_section(page)
    expect_values(page, values, FORM)  # the impossible date too: the person sees what to correct
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="monitoring.evidence").exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dates_typed_in_words_are_shown_back_in_the_one_form_the_field_accepts(
    live_server, mx_plan, cast, browser: Browser, lang
):
    page = browser.new_context(locale=lang, reduced_motion="reduce").new_page()
    log_in(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/new/")
    fill_by_name(
        page,
        {"title": "Fechas escritas con palabras", "source_date": "15 de abril de 2021", "period_start": "abril 2021"},
        FORM,
    )
    page.get_by_role("button", name=TEXT[lang]["draft"]).click()
    expect(page.get_by_text(TEXT[lang]["draft_saved"])).to_be_visible()
    item = Evidence.objects.get()
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/{item.uuid}/edit/")
    shown = form_values(page, FORM)
    assert (shown["source_date"], shown["period_start"], shown["period_end"]) == ("2021-04-15", "2021-04", "")
    page.goto(f"{live_server.url}/{lang}/evidence/{item.uuid}/")
    expected = {"es": ("15 de abril de 2021", "abril de 2021"), "en": ("April 15, 2021", "April 2021")}[lang]
    for text in expected:
        expect(page.locator("main")).to_contain_text(text)
