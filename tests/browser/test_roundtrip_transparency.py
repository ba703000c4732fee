"""Transparency requests, round trip in a real browser, in Spanish and in English.

A member files one question with several institutions, records the answer (date, summary, a PDF), the
extension, the appeal and a withdrawal, and turns an answer into evidence. Every form that can be reopened
reads back exactly as saved, and saving it again untouched changes nothing and audits nothing; every one-shot
action shows exactly what it recorded; every failing submission keeps what was typed, says in the page's
language what is wrong, and names the files to choose again.

The request is filed on Monday 2 June 2025: the thirty working days after it hold no holiday, so its due dates
(30 June, extended to 14 July) do not depend on which holidays the calendar table holds when the test runs.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from monitoring.files import inspect_upload
from monitoring.models import Evidence, EvidenceStatus, Indicator, Institution, RequestStatus, TransparencyRequest
from monitoring.services import transparency as svc
from portal.models import AuditEvent
from tests import files
from tests.browser.roundtrip import LANGUAGES, form_values, log_in_as, nothing_changes, required_label
from tests.files import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILED_ON = dt.date(2025, 6, 2)
QUESTION = "¿Cuántas mujeres desplegó la institución en operaciones de paz en 2024, por grado?"
FOLIOS = {"SRE": "330026425000101", "SEDENA": "330026425000102", "SEMAR": "330026425000103"}
ANSWER_SUMMARY = "Se desplegaron 12 mujeres: 3 oficiales y 9 de tropa.\nAnexa el oficio de respuesta."
PDF_NAME = "respuesta-sedena.pdf"

# One URL per verb: each form is found by where it posts.
ANSWER_FORM = "main form[action$='/answer/']"
APPEAL_FORM = "main form[action$='/appeal/']"

# What each language's pages call the controls and say back. Dates are written as each language shows them.
WORDS = {
    "es": {
        "question": "Pregunta",
        "filed_on": "Presentada el",
        "folio_at": "Folio en {code}",
        "public": "Hacer públicas la pregunta y la respuesta",
        "record_requests": "Registrar las solicitudes",
        "requests_recorded": "3 solicitudes registradas; vencen el 2025-06-30.",
        "future": "La fecha no puede estar en el futuro.",
        "status": "Qué respondió la institución",
        "answered_on": "Respondida el",
        "summary": "Qué dice la respuesta",
        "files": "Archivos de la respuesta",
        "save_answer": "Guardar la respuesta",
        "answer_recorded": "Respuesta registrada.",
        "before_filing": "La respuesta no puede tener fecha anterior a la presentación de la solicitud.",
        "choose_again": "Los navegadores no conservan los archivos cuando un envío falla. "
        "Vuelve a elegir estos archivos: " + PDF_NAME,
        "appeal_filed_on": "Recurso presentado el",
        "outcome": "Resultado",
        "decided_on": "Resuelto el",
        "save_appeal": "Guardar el recurso",
        "appeal_recorded": "Recurso registrado.",
        "appeal_term": "Recurso",
        "appeal_shown": "Presentado el 1 de julio de 2025 · Respuesta modificada (15 de agosto de 2025)",
        "decided_before_filed": "El recurso no puede resolverse antes de haberse presentado.",
        "extend": "La institución amplió el plazo",
        "extended": "Ampliación registrada; la fecha límite cambió.",
        "due_term": "Fecha límite legal",
        "due_shown": "30 de junio de 2025 · ampliada al 14 de julio de 2025",
        "withdraw": "Marcar como retirada",
        "withdrawn": "Solicitud marcada como retirada.",
        "withdrawn_status": "Retirada",
        "filed_shown": "2 de junio de 2025",
        "to_evidence": "Convertir la respuesta en evidencia",
        "evidence_created": "Se creó un borrador de evidencia con la respuesta. Revísalo y envíalo.",
        "edit_evidence": "Editar evidencia",
        "evidence_title": "Respuesta de SEDENA a la solicitud {folio}",
    },
    "en": {
        "question": "Question",
        "filed_on": "Filed on",
        "folio_at": "Folio at {code}",
        "public": "Make the question and answer public",
        "record_requests": "Record the requests",
        "requests_recorded": "3 requests recorded, due on 2025-06-30.",
        "future": "The date cannot be in the future.",
        "status": "What the institution answered",
        "answered_on": "Answered on",
        "summary": "What the answer says",
        "files": "The answer's files",
        "save_answer": "Save the answer",
        "answer_recorded": "Answer recorded.",
        "before_filing": "The answer cannot be dated before the request was filed.",
        "choose_again": "Browsers cannot keep files across a failed submission. Choose these files again: " + PDF_NAME,
        "appeal_filed_on": "Appeal filed on",
        "outcome": "Outcome",
        "decided_on": "Decided on",
        "save_appeal": "Save the appeal",
        "appeal_recorded": "Appeal recorded.",
        "appeal_term": "Appeal",
        "appeal_shown": "Filed on July 1, 2025 · Answer modified (Aug. 15, 2025)",
        "decided_before_filed": "The appeal cannot be decided before it was filed.",
        "extend": "The institution took the extension",
        "extended": "Extension recorded; the due date moved.",
        "due_term": "Legal due date",
        "due_shown": "June 30, 2025 · extended to July 14, 2025",
        "withdraw": "Mark as withdrawn",
        "withdrawn": "Request marked as withdrawn.",
        "withdrawn_status": "Withdrawn",
        "filed_shown": "June 2, 2025",
        "to_evidence": "Turn the answer into evidence",
        "evidence_created": "A draft of evidence was created from the answer. Check it and submit it.",
        "edit_evidence": "Edit evidence",
        "evidence_title": "Answer of SEDENA to request {folio}",
    },
}


def filed_request(cast, mx_plan, code: str = "SEDENA") -> TransparencyRequest:
    """A pending request, linked to I07, filed by Intersecta's member (the filing form has its own tests)."""
    return svc.file_requests(
        organisation=cast.intersecta,
        actor=cast.member,
        question=QUESTION,
        filed_on=FILED_ON,
        folios={Institution.objects.get(code=code): FOLIOS[code]},
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
        is_public=True,
    )[0]


def answered_request(cast, mx_plan) -> TransparencyRequest:
    item = filed_request(cast, mx_plan)
    return svc.record_answer(
        request=item,
        actor=cast.member,
        status=RequestStatus.ANSWERED,
        answered_on=dt.date(2025, 6, 20),
        summary=ANSWER_SUMMARY,
        files=[inspect_upload(files.pdf(PDF_NAME))],
    )


def open_request(page: Page, live_server, cast, lang: str, item: TransparencyRequest) -> str:
    log_in_as(page, live_server.url, cast.member.email, lang)
    url = f"{live_server.url}/{lang}/workspace/requests/{item.uuid}/"
    page.goto(url)
    return url


def facts(page: Page, term: str):
    """The value the request's summary shows for one term (``<dt>`` → its ``<dd>``)."""
    return page.locator("dl.facts dt", has_text=re.compile(rf"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def pdf_on_disk(tmp_path: Path) -> Path:
    path = tmp_path / PDF_NAME
    path.write_bytes(PDF_BYTES)
    return path


def fill_filing_form(page: Page, words: dict[str, str], filed_on: str) -> None:
    page.get_by_label(required_label(words["question"])).fill(QUESTION)
    page.get_by_label(required_label(words["filed_on"])).fill(filed_on)
    for code, folio in FOLIOS.items():
        page.get_by_label(re.compile(rf"^{code} — ")).check()
        page.get_by_label(required_label(words["folio_at"].format(code=code))).fill(folio)
    page.get_by_label(re.compile(r"^I07 — ")).check()
    page.get_by_label(required_label(words["public"])).check()


def fill_answer_form(page: Page, words: dict[str, str], status: str, answered_on: str, pdf: Path) -> None:
    form = page.locator(ANSWER_FORM)
    form.get_by_label(required_label(words["status"])).select_option(status)
    form.get_by_label(required_label(words["answered_on"])).fill(answered_on)
    form.get_by_label(required_label(words["summary"])).fill(ANSWER_SUMMARY)
    form.get_by_label(required_label(words["files"])).set_input_files(str(pdf))


def fill_appeal_form(page: Page, words: dict[str, str], filed_on: str, outcome: str, decided_on: str) -> None:
    form = page.locator(APPEAL_FORM)
    form.get_by_label(required_label(words["appeal_filed_on"])).fill(filed_on)
    form.get_by_label(required_label(words["outcome"])).select_option(outcome)
    form.get_by_label(required_label(words["decided_on"])).fill(decided_on)


# --------------------------------------------------------------------------- filing with several institutions


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_question_filed_with_three_institutions_records_one_request_each_exactly_as_typed(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    log_in_as(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/requests/new/")
    fill_filing_form(page, words, FILED_ON.isoformat())
    page.get_by_role("button", name=words["record_requests"]).click()

    expect(page.get_by_text(words["requests_recorded"])).to_be_visible()
    for code, folio in FOLIOS.items():
        expect(page.get_by_role("row", name=re.compile(rf"{code} {folio}"))).to_be_visible()

    requests = TransparencyRequest.objects.order_by("folio")
    assert [(r.institution.code, r.folio) for r in requests] == list(FOLIOS.items())
    for item in requests:
        assert (item.question, item.filed_on, item.due_on, item.is_public) == (
            QUESTION,
            FILED_ON,
            dt.date(2025, 6, 30),
            True,
        )
        assert list(item.indicators.values_list("code", flat=True)) == ["I07"]
        page.goto(f"{live_server.url}/{lang}/workspace/requests/{item.uuid}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{item.institution.code} · folio {item.folio}")
        expect(facts(page, words["question"])).to_have_text(QUESTION)
        expect(facts(page, words["filed_on"])).to_have_text(words["filed_shown"])
        expect(page.locator("dl.facts")).to_contain_text("I07")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_filing_dated_in_the_future_keeps_everything_typed_and_says_why_in_the_pages_language(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    log_in_as(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/requests/new/")
    next_month = timezone.localdate() + dt.timedelta(days=30)
    fill_filing_form(page, words, next_month.isoformat())
    typed = form_values(page)
    page.get_by_role("button", name=words["record_requests"]).click()

    expect(page.locator("#error-summary")).to_contain_text(f"{words['filed_on']}: {words['future']}")
    assert form_values(page) == typed
    assert typed["filed_on"] == next_month.isoformat() and len(typed["institutions"]) == 3
    expect(page.get_by_text(words["choose_again"].split(":")[0])).to_have_count(0)  # this form takes no files
    assert not TransparencyRequest.objects.exists()


# --------------------------------------------------------------------------- the answer


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_with_its_date_summary_and_pdf_reopens_as_saved_and_an_untouched_save_changes_nothing(
    lang, live_server, mx_plan, cast, page: Page, tmp_path
):
    words = WORDS[lang]
    item = filed_request(cast, mx_plan)
    url = open_request(page, live_server, cast, lang, item)
    fill_answer_form(page, words, "partial", "2025-06-20", pdf_on_disk(tmp_path))
    typed = form_values(page, ANSWER_FORM)
    page.locator(ANSWER_FORM).get_by_role("button", name=words["save_answer"]).click()
    expect(page.get_by_text(words["answer_recorded"])).to_be_visible()

    page.goto(url)
    assert (
        form_values(page, ANSWER_FORM)
        == typed
        == {
            "status": "partial",
            "answered_on": "2025-06-20",
            "summary": ANSWER_SUMMARY,
            "strip_metadata": [],
        }
    )
    expect(facts(page, words["summary"])).to_have_text(ANSWER_SUMMARY.replace("\n", ""))
    expect(page.get_by_role("link", name=PDF_NAME)).to_be_visible()
    item.refresh_from_db()
    assert (item.status, item.answered_on, item.answer_summary.replace("\r\n", "\n")) == (
        "partial",
        dt.date(2025, 6, 20),
        ANSWER_SUMMARY,
    )
    attachment = item.attachments.get()
    assert attachment.original_name == PDF_NAME and attachment.size == len(PDF_BYTES)

    with nothing_changes(item, attachment):
        page.locator(ANSWER_FORM).get_by_role("button", name=words["save_answer"]).click()
        expect(page.get_by_text(words["answer_recorded"])).to_be_visible()
    assert item.attachments.count() == 1
    page.goto(url)
    assert form_values(page, ANSWER_FORM) == typed


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_dated_before_the_filing_keeps_everything_typed_and_names_the_file_to_choose_again(
    lang, live_server, mx_plan, cast, page: Page, tmp_path
):
    words = WORDS[lang]
    item = filed_request(cast, mx_plan)
    open_request(page, live_server, cast, lang, item)
    fill_answer_form(page, words, "answered", "2025-05-30", pdf_on_disk(tmp_path))
    typed = form_values(page, ANSWER_FORM)
    page.locator(ANSWER_FORM).get_by_role("button", name=words["save_answer"]).click()

    expect(page.locator("#error-summary")).to_contain_text(f"{words['answered_on']}: {words['before_filing']}")
    expect(page.locator(ANSWER_FORM).locator(".invalid-feedback")).to_have_text(words["before_filing"])
    expect(page.get_by_role("alert").filter(has_text=PDF_NAME)).to_have_text(words["choose_again"])
    assert form_values(page, ANSWER_FORM) == typed
    assert page.locator(ANSWER_FORM).locator("input[type=file]").evaluate("el => el.files.length") == 0
    item.refresh_from_db()
    assert item.status == RequestStatus.PENDING and not item.attachments.exists()


# --------------------------------------------------------------------------- the appeal


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_appeal_with_its_outcome_and_dates_reopens_as_saved_and_an_untouched_save_changes_nothing(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    item = answered_request(cast, mx_plan)
    url = open_request(page, live_server, cast, lang, item)
    fill_appeal_form(page, words, "2025-07-01", "modified", "2025-08-15")
    typed = form_values(page, APPEAL_FORM)
    page.locator(APPEAL_FORM).get_by_role("button", name=words["save_appeal"]).click()
    expect(page.get_by_text(words["appeal_recorded"])).to_be_visible()

    page.goto(url)
    assert (
        form_values(page, APPEAL_FORM)
        == typed
        == {
            "appeal_filed_on": "2025-07-01",
            "appeal_outcome": "modified",
            "appeal_outcome_on": "2025-08-15",
        }
    )
    expect(facts(page, words["appeal_term"])).to_have_text(words["appeal_shown"])
    item.refresh_from_db()
    assert (item.appeal_filed_on, item.appeal_outcome, item.appeal_outcome_on) == (
        dt.date(2025, 7, 1),
        "modified",
        dt.date(2025, 8, 15),
    )

    with nothing_changes(item):
        page.locator(APPEAL_FORM).get_by_role("button", name=words["save_appeal"]).click()
        expect(page.get_by_text(words["appeal_recorded"])).to_be_visible()
    page.goto(url)
    assert form_values(page, APPEAL_FORM) == typed
    # The answer's form on the same page was not touched by the appeal.
    assert form_values(page, ANSWER_FORM)["answered_on"] == "2025-06-20"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_appeal_decided_before_it_was_filed_keeps_everything_typed_and_says_why_in_the_pages_language(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    item = answered_request(cast, mx_plan)
    open_request(page, live_server, cast, lang, item)
    fill_appeal_form(page, words, "2025-07-01", "revoked", "2025-06-25")
    typed = form_values(page, APPEAL_FORM)
    page.locator(APPEAL_FORM).get_by_role("button", name=words["save_appeal"]).click()

    expect(page.locator(APPEAL_FORM).locator(".invalid-feedback")).to_have_text(words["decided_before_filed"])
    expect(page.locator("#error-summary")).to_contain_text(f"{words['decided_on']}: {words['decided_before_filed']}")
    assert form_values(page, APPEAL_FORM) == typed
    expect(page.get_by_text(words["choose_again"].split(":")[0])).to_have_count(0)  # this form takes no files
    item.refresh_from_db()
    assert item.appeal_filed_on is None and item.appeal_outcome == ""


# --------------------------------------------------------------------------- one-shot actions


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_extension_moves_the_due_date_and_the_request_shows_exactly_the_new_date(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    item = filed_request(cast, mx_plan)
    open_request(page, live_server, cast, lang, item)
    page.get_by_role("button", name=words["extend"]).click()

    expect(page.get_by_text(words["extended"])).to_be_visible()
    expect(facts(page, words["due_term"])).to_have_text(words["due_shown"])
    expect(page.get_by_role("button", name=words["extend"])).to_have_count(0)  # an extension is taken once
    item.refresh_from_db()
    assert item.extended_due_on == dt.date(2025, 7, 14) and item.version == 2
    event = AuditEvent.objects.get(action="monitoring.transparency.extended")
    assert event.changes == {"extended_due_on": [None, "2025-07-14"]}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_withdrawn_request_shows_it_is_withdrawn_and_offers_no_second_withdrawal(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    item = filed_request(cast, mx_plan)
    open_request(page, live_server, cast, lang, item)
    page.get_by_role("button", name=words["withdraw"]).click()

    expect(page.get_by_text(words["withdrawn"])).to_be_visible()
    expect(page.locator("main p:has(strong)").first).to_contain_text(words["withdrawn_status"])
    expect(page.get_by_role("button", name=words["withdraw"])).to_have_count(0)
    item.refresh_from_db()
    assert item.status == RequestStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="monitoring.transparency.withdrawn")
    assert event.changes == {"status": ["pending", "withdrawn"]}


# --------------------------------------------------------------------------- from answer to evidence


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_turned_into_evidence_opens_a_draft_showing_the_answers_title_summary_date_and_file(
    lang, live_server, mx_plan, cast, page: Page
):
    words = WORDS[lang]
    item = answered_request(cast, mx_plan)
    open_request(page, live_server, cast, lang, item)
    page.get_by_role("button", name=words["to_evidence"]).click()

    expect(page.get_by_text(words["evidence_created"])).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["edit_evidence"])
    evidence = Evidence.objects.get(transparency_request=item)
    assert evidence.status == EvidenceStatus.DRAFT
    assert page.url.endswith(f"/{lang}/workspace/evidence/{evidence.uuid}/edit/")
    shown = form_values(page)
    assert shown["title"] == words["evidence_title"].format(folio=item.folio) == evidence.title
    assert shown["summary"].startswith(ANSWER_SUMMARY) and QUESTION in shown["summary"]
    # The answer's day is the source date; the year it was answered is the period reported on.
    assert (shown["source_date"], shown["period_start"], shown["period_end"]) == ("2025-06-20", "2025", "")
    expect(
        page.get_by_role("listitem").filter(has_text=re.compile(rf"^{re.escape(PDF_NAME)} \("))
    ).to_be_visible()  # copied with the draft
