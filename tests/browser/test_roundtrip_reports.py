"""Browser round trips of the report editor, in Spanish and in English (issue 12, reports part).

Every form of the editor is filled in a real browser, saved, reopened and read back *as the browser holds it*
(an ``<input type="date">`` or ``datetime-local`` whose value the browser cannot parse reads back as ''), then
saved again untouched: neither the row nor the audit trail may move. Each form also gets one refused
submission, which must keep everything else that was typed and say what is wrong in the page's language.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Browser, Page, expect

from monitoring.models import Assessment, Indicator, Institution, Report, ReportStatus
from monitoring.services import reports as svc
from monitoring.views.reports import embargo_words as embargo_message_words
from portal.models import AuditEvent
from tests.browser.roundtrip import (
    LANGUAGES,
    PUBLISH_TIMEOUT,
    expect_values,
    fill_by_name,
    log_in_as,
    nothing_changes,
    round_trip,
    second_person,
)
from tests.factories import EvidenceFactory
from tests.reporting import create_accepted_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREATE_FORM = "main form[method=post]"
TEXTS_FORM = "section[aria-labelledby='texts-heading'] form"
PUBLICATION_FORM = "section[aria-labelledby='publication-heading'] form"

# What each language's pages say: typed here, not looked up, so an untranslated string fails the Spanish run.
SAYS = {
    "es": {
        "create": "Crear el informe",
        "created": "Informe creado con una evaluación vacía para cada indicador.",
        "save_texts": "Guardar los textos",
        "texts_saved": "Textos del informe guardados.",
        "save_indicator": "Guardar {code}",
        "assessment_saved": "Evaluación de {code} guardada.",
        "ask": "Solicitar publicación",
        "asked": "Publicación solicitada. Otra revisora debe aprobarla.",
        "approve": "Aprobar y publicar",
        "published": "Versión {number} publicada.",
        "scheduled": "Versión {number} programada para el {when} (hora de la Ciudad de México).",
        "in_review": "Publicación solicitada",
        "embargoed": "Embargado hasta el {when}.",
        "version_embargoed": "embargada hasta el {when}",
        "change_note": "Nota de cambios:",
        "one_problem": "Hay un problema en 1 campo. No se perdió nada de lo que escribiste.",
        "slug_taken": "Otro informe ya usa esta dirección.",
        "period_reversed": "El fin del periodo es anterior a su inicio.",
        "future_date": "La fecha no puede estar en el futuro.",
        "needs_note": "Una corrección necesita una nota que diga qué cambió y por qué.",
        "not_requested": "No se solicitó la publicación: consulta el motivo abajo.",
    },
    "en": {
        "create": "Create the report",
        "created": "Report created with an empty assessment for every indicator.",
        "save_texts": "Save the texts",
        "texts_saved": "Report texts saved.",
        "save_indicator": "Save {code}",
        "assessment_saved": "Assessment of {code} saved.",
        "ask": "Ask for publication",
        "asked": "Publication requested. Another reviewer must approve it.",
        "approve": "Approve and publish",
        "published": "Version {number} published.",
        "scheduled": "Version {number} scheduled for {when} (Mexico City time).",
        "in_review": "Publication requested",
        "embargoed": "Embargoed until {when}.",
        "version_embargoed": "embargoed until {when}",
        "change_note": "Change note:",
        "one_problem": "There is a problem with 1 field. Nothing you typed was lost.",
        "slug_taken": "Another report already uses this address.",
        "period_reversed": "The end of the period is before its start.",
        "future_date": "The date cannot be in the future.",
        "needs_note": "A correction needs a change note saying what changed and why.",
        "not_requested": "Publication was not requested: see the reason below.",
    },
}

# Texts as seed_demo and the services write them: several paragraphs, "\n" line ends, Markdown.
SERVICE_TEXTS = {
    "executive_summary": "La mayoría de los indicadores **no tiene información pública**.\n\n*Demostración*.",
    "methodology": "Cada indicador se califica con evidencia aprobada.\nLas cifras se citan.",
    "recommendations": "1. Publicar los informes anuales.\n2. Conciliar las cifras.",
}


@pytest.fixture(autouse=True)
def no_smooth_scrolling(page: Page) -> None:
    """Bootstrap scrolls smoothly; a click Playwright aims while the page still glides lands beside the box."""
    page.emulate_media(reduced_motion="reduce")


def messages(page: Page):
    return page.locator("main .messages")


def make_report(cast, plan, slug: str = "informe-sombra-2021", **fields: Any) -> Report:
    return create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe sombra 2021",
            "slug": slug,
            "plan": plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            **SERVICE_TEXTS,
            **fields,
        },
    )


def texts_values(lang: str) -> dict[str, str]:
    """Every field of the texts form, with days above 12 so a day/month swap cannot pass for a date."""
    return {
        "title": f"Informe sombra 2021–2022 ({lang})",
        "period_start": "2021-01-16",
        "period_end": "2022-11-30",
        "executive_summary": "Resumen con **negritas** y *cursivas*.\n\nSegundo párrafo: «comillas» y 50 %.",
        "methodology": "- Evidencia aprobada\n- Citada por indicador",
        "recommendations": "Publicar los informes anuales del plan [PNA](https://example.org/pna).",
    }


def i13_assessment(report: Report) -> Assessment:
    return Assessment.objects.select_related("indicator").get(report=report, indicator__code="I13")


def pillar_url(base: str, lang: str, report: Report) -> str:
    return f"{base}/{lang}/workspace/reports/{report.uuid}/pillars/P2/"


# --------------------------------------------------------------------------- creating a report


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_new_report_reopens_with_every_value_it_was_created_with_and_an_untouched_save_changes_nothing(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(f"{base}/{lang}/workspace/reports/new/")
    texts = texts_values(lang)
    fill_by_name(
        page,
        {
            **texts,
            "slug": f"informe-{lang}-2021",
            "plan": str(mx_plan.pk),
            "organisations": [str(cast.intersecta.pk), str(cast.data_civica.pk)],
        },
        CREATE_FORM,
    )
    page.get_by_role("button", name=says["create"]).click()
    expect(messages(page)).to_contain_text(says["created"])

    report = Report.objects.get(slug=f"informe-{lang}-2021")
    assert report.plan == mx_plan
    assert report.period_start == dt.date(2021, 1, 16)
    assert report.period_end == dt.date(2022, 11, 30)
    # Data Cívica is only invited: it authors the report once one of its reviewers accepts.
    assert set(report.organisations.all()) == {cast.intersecta}
    assert set(report.coauthorships.values_list("organisation", "status")) == {
        (cast.intersecta.pk, "accepted"),
        (cast.data_civica.pk, "pending"),
    }
    assert report.executive_summary.replace("\r\n", "\n") == texts["executive_summary"]

    page.goto(f"{base}/{lang}/workspace/reports/{report.uuid}/")
    expect_values(page, texts, TEXTS_FORM)

    with nothing_changes(report):
        page.get_by_role("button", name=says["save_texts"]).click()
        expect(messages(page)).to_contain_text(says["texts_saved"])
    expect_values(page, texts, TEXTS_FORM)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_new_report_at_an_address_already_taken_is_refused_keeping_every_other_value(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    make_report(cast, mx_plan, slug="informe-tomado")
    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(f"{base}/{lang}/workspace/reports/new/")
    typed = {
        **texts_values(lang),
        "slug": "informe-tomado",
        "plan": str(mx_plan.pk),
        "organisations": [str(cast.intersecta.pk), str(cast.data_civica.pk)],
    }
    fill_by_name(page, typed, CREATE_FORM)
    events = AuditEvent.objects.count()
    page.get_by_role("button", name=says["create"]).click()

    expect(page.locator("#error-summary")).to_contain_text(says["one_problem"])
    expect(page.locator("#error-summary")).to_contain_text(says["slug_taken"])
    expect_values(page, typed, CREATE_FORM)
    assert Report.objects.count() == 1
    assert AuditEvent.objects.count() == events


# --------------------------------------------------------------------------- the report texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_texts_read_back_exactly_as_saved_and_an_untouched_save_changes_nothing(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    report = make_report(cast, mx_plan)
    url = f"{base}/{lang}/workspace/reports/{report.uuid}/"
    log_in_as(page, base, cast.reviewer.email, lang)

    # Untouched first, as written by the services ("\n" line ends): the browser sends "\r\n" back.
    page.goto(url)
    with nothing_changes(report):
        page.get_by_role("button", name=says["save_texts"]).click()
        expect(messages(page)).to_contain_text(says["texts_saved"])

    values = texts_values(lang)

    def save(p: Page) -> None:
        p.get_by_role("button", name=says["save_texts"]).click()
        expect(messages(p)).to_contain_text(says["texts_saved"])

    round_trip(page, url, values, save, TEXTS_FORM)
    report.refresh_from_db()
    assert (report.title, report.period_start, report.period_end) == (
        values["title"],
        dt.date(2021, 1, 16),
        dt.date(2022, 11, 30),
    )
    assert report.version == 2

    with nothing_changes(report):
        save(page)
    expect_values(page, values, TEXTS_FORM)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_texts_whose_period_ends_before_it_starts_are_refused_keeping_every_other_value(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    report = make_report(cast, mx_plan)
    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(f"{base}/{lang}/workspace/reports/{report.uuid}/")
    typed = {**texts_values(lang), "period_start": "2022-11-30", "period_end": "2021-01-16"}
    fill_by_name(page, typed, TEXTS_FORM)

    with nothing_changes(report):
        page.get_by_role("button", name=says["save_texts"]).click()
        expect(page.locator("#error-summary")).to_contain_text(says["one_problem"])
    expect(page.locator("#error-summary")).to_contain_text(says["period_reversed"])
    expect_values(page, typed, TEXTS_FORM)


# --------------------------------------------------------------------------- an assessment


def assessment_values(prefix: str, cited: str, institution: Institution, lang: str) -> dict[str, Any]:
    return {
        f"{prefix}-rating": "in_progress",
        f"{prefix}-observed_value": "84",
        f"{prefix}-narrative": f"El INMUJERES reportó **84** redes nuevas ({lang}).\n\nLa SSPC reporta otra cifra.",
        f"{prefix}-cited": [cited],
        f"{prefix}-reply_institution": str(institution.pk),
        f"{prefix}-reply_text": "La institución remitió su informe anual.\nSin desglose por estado.",
        f"{prefix}-reply_requested_on": "2022-02-14",
        f"{prefix}-reply_received_on": "2022-03-28",
    }


def citable_pair(cast, plan) -> tuple[Any, Any]:
    i13 = Indicator.objects.get(plan=plan, code="I13")
    common = {"organisation": cast.intersecta, "submitted_by": cast.member, "plan": plan, "status": "approved"}
    cited = EvidenceFactory(**common, indicators=[i13], title="INMUJERES: 84 redes MUCPAZ nuevas en 2021")
    other = EvidenceFactory(**common, indicators=[i13], title="SSPC: 257 redes MUCPAZ acumuladas")
    return cited, other


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_assessment_reads_back_exactly_as_saved_and_an_untouched_save_changes_nothing(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    cited, _other = citable_pair(cast, mx_plan)
    report = make_report(cast, mx_plan)
    assessment = i13_assessment(report)
    institution = Institution.objects.filter(plan_roles__plan=mx_plan).order_by("code").first()
    prefix = f"a{assessment.pk}"
    form = f"article#{prefix} form[method=post]"
    values = assessment_values(prefix, str(cited.pk), institution, lang)
    save_button = says["save_indicator"].format(code="I13")

    def save(p: Page) -> None:
        p.locator(f"article#{prefix}").get_by_role("button", name=save_button).click()
        expect(messages(p)).to_contain_text(says["assessment_saved"].format(code="I13"))

    log_in_as(page, base, cast.reviewer.email, lang)
    round_trip(page, pillar_url(base, lang, report), values, save, form)

    assessment.refresh_from_db()
    assert assessment.rating == "in_progress"
    assert assessment.observed_value == 84
    assert assessment.reply_institution == institution
    assert (assessment.reply_requested_on, assessment.reply_received_on) == (dt.date(2022, 2, 14), dt.date(2022, 3, 28))
    assert list(assessment.cited_evidence.all()) == [cited]

    with nothing_changes(assessment, report):
        save(page)
    expect_values(page, values, form)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_assessment_with_a_reply_received_in_the_future_is_refused_keeping_every_other_value(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    cited, _other = citable_pair(cast, mx_plan)
    report = make_report(cast, mx_plan)
    assessment = i13_assessment(report)
    institution = Institution.objects.filter(plan_roles__plan=mx_plan).order_by("code").first()
    prefix = f"a{assessment.pk}"
    form = f"article#{prefix} form[method=post]"
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    typed = {**assessment_values(prefix, str(cited.pk), institution, lang), f"{prefix}-reply_received_on": tomorrow}

    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(pillar_url(base, lang, report))
    fill_by_name(page, typed, form)
    with nothing_changes(assessment, report):
        page.locator(f"article#{prefix}").get_by_role("button", name=says["save_indicator"].format(code="I13")).click()
        expect(page.locator(f"article#{prefix} #error-summary")).to_contain_text(says["one_problem"])
    expect(page.locator(f"article#{prefix} #error-summary")).to_contain_text(says["future_date"])
    expect_values(page, typed, form)


# --------------------------------------------------------------------------- publication


def embargo_words(lang: str, when: dt.datetime) -> str:
    with translation.override(lang):
        return str(formats.date_format(timezone.localtime(when), "DATETIME_FORMAT"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_publication_with_an_embargo_and_a_change_note_is_approved_by_a_second_reviewer(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang
):
    says, base = SAYS[lang], live_server.url
    cited, _other = citable_pair(cast, mx_plan)
    report = make_report(cast, mx_plan)
    assessment = i13_assessment(report)
    svc.save_assessment(
        assessment=assessment,
        actor=cast.reviewer,
        fields={"rating": "achieved", "observed_value": 84, "narrative": "Primera línea.\nSegunda línea."},
        cited=[cited],
        expected_version=assessment.version,
    )
    edit_url = f"{base}/{lang}/workspace/reports/{report.uuid}/"
    note = f"Primera versión ({lang}): 33 indicadores, embargo hasta la presentación."
    embargo = "2030-01-15T09:30"
    embargo_at = timezone.make_aware(dt.datetime(2030, 1, 15, 9, 30))

    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(edit_url)
    fill_by_name(page, {"change_note": note, "public_from": embargo}, PUBLICATION_FORM)
    page.get_by_role("button", name=says["ask"]).click()
    expect(messages(page)).to_contain_text(says["asked"])

    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert report.publication_change_note == note
    assert report.publication_public_from == embargo_at
    assert report.publication_requested_by == cast.reviewer

    page.goto(edit_url)
    box = page.locator("section[aria-labelledby='publication-heading']")
    expect(box).to_contain_text(says["embargoed"].format(when=embargo_words(lang, embargo_at)))
    expect(box).to_contain_text(f"{says['change_note']} {note}")
    expect(box.get_by_role("button", name=says["approve"])).to_have_count(0)  # not to the one who asked

    # Saving the texts and the assessment untouched is no edit: the request stays pending.
    with nothing_changes(report, assessment):
        page.get_by_role("button", name=says["save_texts"]).click()
        expect(messages(page)).to_contain_text(says["texts_saved"])
        page.goto(pillar_url(base, lang, report))
        page.locator(f"article#a{assessment.pk}").get_by_role(
            "button", name=says["save_indicator"].format(code="I13")
        ).click()
        expect(messages(page)).to_contain_text(says["assessment_saved"].format(code="I13"))

    with second_person(browser, base, cast.other_reviewer.email, lang) as second:
        second.goto(edit_url)
        expect(second.locator("main")).to_contain_text(says["in_review"])
        # Publishing renders the version's PDFs in both languages; in tests the worker runs eagerly, inside this request,
        # which takes far longer than any other click on a loaded machine.
        second.get_by_role("button", name=says["approve"]).click(timeout=PUBLISH_TIMEOUT)
        with translation.override(lang):  # embargoed: the message says when it becomes public (issue 17)
            scheduled = says["scheduled"].format(number=1, when=embargo_message_words(embargo_at))
        expect(messages(second)).to_contain_text(scheduled)
        versions = second.locator("section[aria-labelledby='publication-heading'] ul")
        expect(versions).to_contain_text(says["version_embargoed"].format(when=embargo_words(lang, embargo_at)))
        expect(versions).to_contain_text(note)

    version = report.versions.get()
    assert (version.number, version.public_from, version.change_note) == (1, embargo_at, note)
    assert (version.requested_by, version.approved_by) == (cast.reviewer, cast.other_reviewer)
    assert dt.datetime.fromisoformat(version.snapshot["version"]["public_from"]) == embargo_at
    report.refresh_from_db()
    assert report.status == ReportStatus.PUBLISHED


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_correction_requested_without_a_change_note_is_refused_keeping_the_embargo(
    live_server, mx_plan, cast, page: Page, lang
):
    says, base = SAYS[lang], live_server.url
    report = make_report(cast, mx_plan)
    svc.request_publication(report=report, actor=cast.reviewer)
    svc.approve_publication(report=report, actor=cast.other_reviewer)
    report.refresh_from_db()
    svc.update_report(
        report=report, actor=cast.reviewer, fields={"title": "Informe sombra 2021 (corregido)"}, expected_version=1
    )

    log_in_as(page, base, cast.reviewer.email, lang)
    page.goto(f"{base}/{lang}/workspace/reports/{report.uuid}/")
    typed = {"change_note": "", "public_from": "2030-01-15T09:30"}
    fill_by_name(page, typed, PUBLICATION_FORM)
    with nothing_changes(report):
        page.get_by_role("button", name=says["ask"]).click()
        expect(messages(page)).to_contain_text(says["not_requested"])
    expect(page.locator(PUBLICATION_FORM).locator("#id_change_note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(PUBLICATION_FORM)).to_contain_text(says["needs_note"])
    expect_values(page, typed, PUBLICATION_FORM)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("corregido"))
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
