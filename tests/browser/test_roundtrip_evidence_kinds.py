"""The fields of each kind of evidence in a real browser, in Spanish and English: filled, saved as a draft, reopened,
every value read back from the browser as typed, saved again untouched without any change. With JavaScript only the
chosen kind's fields are shown; without it, every kind's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from monitoring.models import KIND_FIELDS, Evidence, EvidenceKind, Indicator, Institution
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, log_in, nothing_changes
from tests.factories import TransparencyRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "main form[enctype='multipart/form-data']"
SAVE = {"es": "Guardar borrador", "en": "Save draft"}


def values_for(kind: str, cast, mx_plan) -> dict[str, object]:
    sedena = Institution.objects.get(code="SEDENA")
    request_pk = ""
    if kind == EvidenceKind.TRANSPARENCY_ANSWER:  # the organisation's own request, to link the answer to
        request_pk = str(
            TransparencyRequestFactory(
                organisation=cast.intersecta,
                created_by=cast.member,
                institution=sedena,
                indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
            ).pk
        )
    table: dict[str, dict[str, object]] = {
        EvidenceKind.OFFICIAL_STATISTIC: {
            "series_name": "Censo Nacional de Seguridad Pública Estatal «tabulado 3.2»",
            "disaggregation": ["age", "sex"],
            "producing_body": "INEGI",
        },
        EvidenceKind.TRANSPARENCY_ANSWER: {
            "folio": "330026425000123",
            "answering_institution": str(sedena.pk),
            "answer_type": "nonexistent",
            "transparency_request": request_pk,
        },
        EvidenceKind.OFFICIAL_DOCUMENT: {
            "issuing_body": "Secretaría de Gobernación",
            "document_reference": "DOF 29/11/2021",
        },
        EvidenceKind.BUDGET_DOCUMENT: {
            "issuing_body": "SHCP",
            "document_reference": "PEF 2023 & anexo 13",
            "amount": "1250000.5",
            "currency": "MXN",
            "fiscal_year": "2023",
            "budget_programme": "E015",
            "budget_stage": "modified",
        },
        EvidenceKind.NEWS_REPORT: {
            "outlet": "La Jornada",
            "author": "Ana Pérez <corresponsal>",
            "relays_source": True,
            "relayed_source": "Comunicado de SEMAR",
        },
        EvidenceKind.TESTIMONY: {
            "consent_recorded": True,
            "consent_date": "2024-05-02",
            "consent_recorded_by": "Coordinadora de campo",
            "pseudonym": "Rosa",
            "risk_level": "high",
        },
        EvidenceKind.OWN_RESEARCH: {
            "method": "Entrevistas semiestructuradas",
            "sample": "40 policías de 5 estados",
            "fieldwork_start": "2023-02-01",
            "fieldwork_end": "2023-06-30",
        },
    }
    return table[kind]


KINDS = [k for k in EvidenceKind.values if KIND_FIELDS[k]]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_fields_survive_a_draft_and_an_untouched_save(
    live_server, mx_plan, cast, browser: Browser, kind, lang, request
):
    fields = values_for(kind, cast, mx_plan)
    values = {
        "kind": kind,
        "title": f"Prueba {kind}",
        "source_reliability": "usually_reliable",
        "information_credibility": "possibly_true",
        **fields,
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=lang, reduced_motion="reduce")
    request.addfinalizer(context.close)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, cast.member.email, lang)
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/new/")
    fill_by_name(page, values, FORM)
    page.get_by_role("button", name=SAVE[lang]).click()
    item = Evidence.objects.get()
    expect(page).to_have_url(f"{live_server.url}/{lang}/evidence/{item.uuid}/")

    edit = f"{live_server.url}/{lang}/workspace/evidence/{item.uuid}/edit/"
    page.goto(edit)
    # A ticked box reads back as its value, "on".
    expect_values(page, {k: ["on"] if v is True else v for k, v in values.items()}, FORM)
    with nothing_changes(item):
        page.get_by_role("button", name=SAVE[lang]).click()
        expect(page).to_have_url(f"{live_server.url}/{lang}/evidence/{item.uuid}/")
    assert all(getattr(item, name) not in (None, "", [], False) for name in KIND_FIELDS[kind])


def test_with_javascript_only_the_chosen_kinds_fields_show_and_without_it_every_kinds(
    live_server, mx_plan, cast, browser: Browser, request
):
    context = browser.new_context(locale="en", reduced_motion="reduce")
    request.addfinalizer(context.close)
    page = context.new_page()
    log_in(page, live_server.url, cast.member.email, "en")
    page.goto(f"{live_server.url}/en/workspace/evidence/new/")
    fieldsets = page.locator("fieldset[data-kinds]")
    expect(fieldsets).to_have_count(7)
    expect(fieldsets.first).to_be_hidden()  # no kind chosen yet
    page.locator("select[name=kind]").select_option("budget_document")
    visible = [f.get_attribute("data-kinds") for f in fieldsets.all() if f.is_visible()]
    assert visible == ["official_document budget_document", "budget_document"]
    page.locator("select[name=kind]").select_option("testimony")
    expect(page.locator("[name=pseudonym]")).to_be_visible()
    expect(page.locator("[name=outlet]")).to_be_hidden()
    expect(page.locator("input[name=visibility][value=confidential]")).to_be_checked()

    plain_context = browser.new_context(locale="en", java_script_enabled=False)
    request.addfinalizer(plain_context.close)
    plain = plain_context.new_page()
    log_in(plain, live_server.url, cast.member.email, "en")
    plain.goto(f"{live_server.url}/en/workspace/evidence/new/")
    sets = plain.locator("fieldset[data-kinds]")
    assert sets.count() == 7 and all(f.is_visible() for f in sets.all())
    expect(plain.get_by_text("Only for: Testimony")).to_be_visible()
