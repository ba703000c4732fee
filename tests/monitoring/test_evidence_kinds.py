"""Fields per kind of evidence: saved for their kind only, validated with clear messages, public where they may be,
searchable where they are text; a testimony stays confidential and its consent and risk never leave the portal."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from monitoring import search
from monitoring.exports.bulk import EVIDENCE_COLUMNS, evidence_csv
from monitoring.models import (
    ALL_KIND_FIELDS,
    KIND_FIELDS,
    PRIVATE_KIND_FIELDS,
    PUBLIC_EVIDENCE_FIELDS,
    Evidence,
    EvidenceKind,
    Indicator,
    Institution,
    Visibility,
)
from monitoring.services.evidence import EvidenceError, create_evidence, update_evidence
from monitoring.services.transparency import create_evidence_from_answer
from portal.models import AuditEvent
from tests.factories import EvidenceFactory, TransparencyRequestFactory

pytestmark = pytest.mark.django_db

NEW = "/en/workspace/evidence/new/"


@pytest.fixture
def member_client(client, cast, mx_plan):
    client.force_login(cast.member)
    return client


def institution() -> Institution:
    return Institution.objects.get(code="SEDENA")


def kind_values(mx_plan, cast) -> dict[str, dict[str, object]]:
    """For each kind, a value for every one of its fields, as the form posts them."""
    request = TransparencyRequestFactory(
        organisation=cast.intersecta,
        created_by=cast.member,
        institution=institution(),
        folio="330026425000123",
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
    )
    return {
        "official_statistic": {
            "series_name": "Censo Nacional de Seguridad Pública Estatal, tabulado 3.2",
            "disaggregation": ["sex", "state"],
            "producing_body": "INEGI",
        },
        "transparency_answer": {
            "folio": "330026425000123",
            "answering_institution": str(institution().pk),
            "answer_type": "partial",
            "transparency_request": str(request.pk),
        },
        "official_document": {"issuing_body": "Secretaría de Gobernación", "document_reference": "DOF 29/11/2021"},
        "budget_document": {
            "issuing_body": "SHCP",
            "document_reference": "PEF 2023, anexo 13",
            "amount": "1250000.5",
            "currency": "USD",
            "fiscal_year": "2023",
            "budget_programme": "E015",
            "budget_stage": "spent",
        },
        "news_report": {
            "outlet": "La Jornada",
            "author": "Ana Pérez",
            "relays_source": "on",
            "relayed_source": "Comunicado de SEMAR",
        },
        "testimony": {
            "consent_recorded": "on",
            "consent_date": "2024-05-02",
            "consent_recorded_by": "Coordinadora de campo",
            "pseudonym": "Rosa",
            "risk_level": "high",
        },
        "own_research": {
            "method": "Entrevistas semiestructuradas",
            "sample": "40 policías de 5 estados",
            "fieldwork_start": "2023-02-01",
            "fieldwork_end": "2023-06-30",
        },
        "independent_study": {},
    }


def every_kind_field(mx_plan, cast) -> dict[str, object]:
    values: dict[str, object] = {}
    for fields in kind_values(mx_plan, cast).values():
        values.update(fields)
    return values


def draft(**fields):
    return {"title": "An item", "action": "draft", **fields}


def post_ok(client, data):
    response = client.post(NEW, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Evidence.objects.order_by("-pk").first()


@pytest.mark.parametrize("kind", list(EvidenceKind.values))
def test_each_kind_keeps_its_own_fields_and_saves_the_others_empty(member_client, cast, mx_plan, kind):
    posted = every_kind_field(mx_plan, cast)  # every kind's fields typed, as without JavaScript
    item = post_ok(member_client, draft(kind=kind, **posted))

    own = set(KIND_FIELDS[kind])
    for name in ALL_KIND_FIELDS:
        value = getattr(item, name)
        if name in own:
            assert value not in (None, "", [], False), name
        else:
            assert value in (None, "", [], False), f"{name} of another kind was kept: {value!r}"
    if kind == "budget_document":
        assert item.amount == Decimal("1250000.50") and item.currency == "USD" and item.fiscal_year == 2023
    if kind == "official_statistic":
        assert item.disaggregation == ["sex", "state"]
    if kind == "transparency_answer":
        assert item.answering_institution == institution() and item.transparency_request.folio == "330026425000123"


def test_switching_kind_on_edit_empties_the_old_kinds_fields_and_audits_it(member_client, cast, mx_plan):
    item = post_ok(member_client, draft(kind="news_report", outlet="Proceso", author="J. Gil"))
    response = member_client.post(
        f"/en/workspace/evidence/{item.uuid}/edit/",
        {**draft(kind="official_document", outlet="Proceso", issuing_body="SRE"), "version": item.version},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.outlet, item.author, item.issuing_body) == ("", "", "SRE")
    changes = AuditEvent.objects.filter(action="monitoring.evidence.updated").get().changes
    assert changes["outlet"] == ["Proceso", ""] and changes["issuing_body"] == ["", "SRE"]


def test_the_service_clears_other_kinds_fields_for_every_writer(cast, mx_plan):
    item = create_evidence(
        organisation=cast.intersecta,
        actor=cast.member,
        files=[],
        submit=False,
        fields={
            "plan": mx_plan,
            "title": "From an import",
            "language": "es",
            "visibility": "confidential",
            "kind": "own_research",
            "method": "Survey",
            "outlet": "X",
        },
    )
    assert (item.method, item.outlet) == ("Survey", "")


def test_a_budget_document_defaults_to_pesos(member_client, mx_plan):
    item = post_ok(member_client, draft(kind="budget_document", amount="100", currency=""))
    assert item.currency == "MXN"
    page = member_client.get(f"/en/workspace/evidence/{item.uuid}/edit/").content.decode()
    assert 'name="currency" value="MXN"' in page


def test_typing_kind_fields_without_a_kind_asks_for_the_kind_instead_of_losing_them(member_client, mx_plan):
    response = member_client.post(NEW, draft(outlet="La Jornada"))
    assert response.status_code == 200
    assert "Choose the kind of evidence" in response.content.decode()
    assert 'value="La Jornada"' in response.content.decode()  # what was typed is still there
    assert not Evidence.objects.exists()


BAD_INPUT = [
    # (kind, field, value, message)
    ("official_statistic", "series_name", "x" * 301, "at most 300 characters"),
    ("official_statistic", "producing_body", "x" * 201, "at most 200 characters"),
    ("official_statistic", "disaggregation", ["gender"], "Select a valid choice"),
    ("transparency_answer", "folio", "1" * 41, "at most 40 characters"),
    ("transparency_answer", "answer_type", "yes", "Select a valid choice"),
    ("transparency_answer", "answering_institution", "999999", "Select a valid choice"),
    ("transparency_answer", "transparency_request", "' OR 1=1 --", "Select a valid choice"),
    ("official_document", "issuing_body", "x" * 201, "at most 200 characters"),
    ("official_document", "document_reference", "x" * 201, "at most 200 characters"),
    ("budget_document", "amount", "-5", "The amount cannot be negative."),
    ("budget_document", "amount", "1.234", "no more than 2 decimal places"),
    ("budget_document", "amount", "12,5 millones", "Enter a number."),
    ("budget_document", "amount", "1" * 19, "no more than 18 digits"),
    ("budget_document", "currency", "PESOS", "at most 3 characters"),
    ("budget_document", "currency", "M$N", "three-letter code"),
    ("budget_document", "fiscal_year", "1999", "Give a fiscal year from 2000 to"),
    ("budget_document", "fiscal_year", "99999", "Give a fiscal year from 2000 to"),
    ("budget_document", "fiscal_year", "2023a", "Enter a whole number."),
    ("budget_document", "budget_programme", "x" * 31, "at most 30 characters"),
    ("budget_document", "budget_stage", "proposed", "Select a valid choice"),
    ("news_report", "outlet", "x" * 201, "at most 200 characters"),
    ("news_report", "author", "x" * 201, "at most 200 characters"),
    ("news_report", "relayed_source", "x" * 301, "at most 300 characters"),
    ("news_report", "outlet", "La\x00Jornada", "Null characters are not allowed."),
    ("testimony", "consent_date", "31/02/2024", "Enter a valid date."),
    ("testimony", "consent_recorded_by", "x" * 201, "at most 200 characters"),
    ("testimony", "pseudonym", "x" * 101, "at most 100 characters"),
    ("testimony", "risk_level", "extreme", "Select a valid choice"),
    ("own_research", "method", "x" * 301, "at most 300 characters"),
    ("own_research", "sample", "x" * 301, "at most 300 characters"),
    ("own_research", "fieldwork_start", "yesterday", "Enter a valid date."),
]


@pytest.mark.parametrize(("kind", "field", "value", "message"), BAD_INPUT)
def test_bad_input_in_a_kind_field_is_refused_with_a_message_and_kept(
    member_client, mx_plan, kind, field, value, message
):
    response = member_client.post(NEW, draft(kind=kind, **{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert not Evidence.objects.exists()
    assert 'value="An item"' in page  # nothing else typed is lost


def test_the_same_bad_input_in_another_kinds_field_is_ignored(member_client, mx_plan):
    item = post_ok(member_client, draft(kind="news_report", outlet="Reforma", fiscal_year="1999", amount="-5"))
    assert item.outlet == "Reforma" and item.fiscal_year is None and item.amount is None


def test_dates_of_a_kind_are_checked(member_client, mx_plan):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = member_client.post(NEW, draft(kind="testimony", consent_recorded="on", consent_date=tomorrow))
    assert "The date of consent cannot be in the future." in response.content.decode()
    response = member_client.post(
        NEW, draft(kind="own_research", fieldwork_start="2023-06-01", fieldwork_end="2023-05-31")
    )
    assert "The end of the fieldwork is before its start." in response.content.decode()
    assert not Evidence.objects.exists()


def test_hostile_text_is_stored_as_typed_and_shown_escaped(member_client, mx_plan):
    hostile = '<script>alert("x")</script>'
    item = post_ok(member_client, draft(kind="news_report", outlet=hostile, author="=cmd|' /C calc'!A0"))
    assert item.outlet == hostile
    page = member_client.get(item.get_absolute_url()).content.decode()
    assert hostile not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def submit(mx_plan, **fields):
    return {
        "indicators": [str(Indicator.objects.get(plan=mx_plan, code="I13").pk)],
        "period_start": "2021",
        "title": "An item",
        "summary": "What it says.",
        "source_url": "https://example.org/a",
        "source_date": "2022-01-10",
        "language": "es",
        "visibility": "confidential",
        "action": "submit",
        **fields,
    }


def test_conditional_fields_are_needed_at_submission_only(member_client, mx_plan):
    response = member_client.post(NEW, submit(mx_plan, kind="news_report", relays_source="on"))
    assert "Say which source the report relays." in response.content.decode()
    response = member_client.post(NEW, submit(mx_plan, kind="testimony"))
    assert "A testimony can only be submitted with the person&#x27;s recorded consent." in response.content.decode()
    response = member_client.post(NEW, submit(mx_plan, kind="testimony", consent_recorded="on"))
    page = response.content.decode()
    assert "Give the date the consent was recorded." in page and "Say who recorded the consent." in page
    assert not Evidence.objects.exists()
    # The same item saved as a draft is fine.
    item = post_ok(member_client, {**submit(mx_plan, kind="testimony", consent_recorded="on"), "action": "draft"})
    assert item.consent_recorded and item.status == "draft"
    # And with everything a testimony needs, it is submitted.
    item = post_ok(
        member_client,
        submit(
            mx_plan, kind="testimony", consent_recorded="on", consent_date="2024-01-02", consent_recorded_by="Lucía"
        ),
    )
    assert item.status == "submitted"


def test_a_testimony_is_confidential_by_default_and_its_organisation_cannot_open_it(member_client, cast, mx_plan):
    item = post_ok(member_client, {**draft(kind="testimony"), "visibility": ""})
    assert item.visibility == Visibility.CONFIDENTIAL
    for visibility in ("public", "reviewers"):
        response = member_client.post(NEW, draft(kind="testimony", visibility=visibility))
        assert response.status_code == 200
        assert "A testimony is confidential: only a moderator can" in response.content.decode()
    with pytest.raises(EvidenceError):
        update_evidence(
            evidence=item,
            actor=cast.member,
            fields={"visibility": "public"},
            files=[],
            expected_version=item.version,
            submit=False,
        )
    service_made = create_evidence(
        organisation=cast.intersecta,
        actor=cast.member,
        files=[],
        submit=False,
        fields={"plan": mx_plan, "title": "Imported testimony", "language": "es", "kind": "testimony"},
    )
    assert service_made.visibility == Visibility.CONFIDENTIAL


def test_an_item_turned_into_a_testimony_does_not_keep_a_public_visibility(member_client, cast, mx_plan):
    """Only a testimony a moderator opened keeps its visibility: a public news draft re-kinded is not one."""
    news = post_ok(member_client, draft(visibility="public"))
    assert news.visibility == Visibility.PUBLIC
    response = member_client.post(
        f"/en/workspace/evidence/{news.uuid}/edit/",
        {**draft(kind="testimony", visibility="public"), "version": news.version},
    )
    assert response.status_code == 200
    assert "A testimony is confidential: only a moderator can" in response.content.decode()
    with pytest.raises(EvidenceError):
        update_evidence(
            evidence=news,
            actor=cast.member,
            fields={"kind": "testimony", "visibility": "public"},
            files=[],
            expected_version=news.version,
            submit=False,
        )
    news.refresh_from_db()
    assert (news.kind, news.visibility) != ("testimony", "public")


def test_a_testimony_a_moderator_opened_stays_open_when_its_organisation_edits_it(cast, mx_plan):
    item = EvidenceFactory(
        organisation=cast.intersecta, plan=mx_plan, kind="testimony", visibility="public", status="changes_requested"
    )
    update_evidence(
        evidence=item, actor=cast.member, fields={"pseudonym": "Rosa"}, files=[], expected_version=1, submit=False
    )
    item.refresh_from_db()
    assert item.visibility == "public" and item.pseudonym == "Rosa"


def test_a_request_of_another_organisation_is_not_a_choice(member_client, cast, mx_plan):
    other = TransparencyRequestFactory(
        organisation=cast.data_civica, created_by=cast.other_member, institution=institution()
    )
    response = member_client.post(NEW, draft(kind="transparency_answer", transparency_request=str(other.pk)))
    assert "Select a valid choice" in response.content.decode()
    page = member_client.get(NEW).content.decode()
    assert other.folio not in page


def test_reliability_is_the_members_to_give_or_not(member_client, mx_plan):
    item = post_ok(member_client, draft(source_reliability="usually_reliable", information_credibility="probably_true"))
    assert (item.source_reliability, item.information_credibility) == ("usually_reliable", "probably_true")
    item = post_ok(member_client, draft())
    assert (item.source_reliability, item.information_credibility) == ("", "")
    response = member_client.post(NEW, draft(source_reliability="trustworthy"))
    assert "Select a valid choice" in response.content.decode()
    page = member_client.get(NEW).content.decode()
    assert "Usually reliable: accurate before, with occasional errors." in page


def test_without_javascript_the_form_shows_every_kinds_fieldset_headed_by_its_kinds(member_client, mx_plan):
    page = member_client.get(NEW).content.decode()
    assert "Only for: News report" in page and "Only for: Official document or statement; Budget document" in page
    assert 'data-kinds="news_report"' in page and "js/evidence-kinds" in page
    assert " hidden" not in page.split('data-kinds="news_report"')[1][:20]


# -- the evidence page --------------------------------------------------------------------------------------


def a_testimony(cast, mx_plan, **extra):
    return EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        kind="testimony",
        status="approved",
        visibility="public",  # as a moderator may make it, with a reason
        consent_recorded=True,
        consent_date=dt.date(2024, 5, 2),
        consent_recorded_by="CONSENT-KEEPER",
        pseudonym="Rosa",
        risk_level="high",
        **extra,
    )


def test_the_page_shows_the_kinds_fields_and_private_ones_only_to_custody(client, cast, mx_plan):
    item = a_testimony(cast, mx_plan)
    public_page = client.get(item.get_absolute_url()).content.decode()
    assert "Rosa" in public_page and "CONSENT-KEEPER" not in public_page and "Risk level" not in public_page
    for user in (cast.member, cast.moderator):
        client.force_login(user)
        page = client.get(item.get_absolute_url()).content.decode()
        assert "CONSENT-KEEPER" in page and "Risk level" in page and "High" in page
    client.force_login(cast.other_member)
    assert "CONSENT-KEEPER" not in client.get(item.get_absolute_url()).content.decode()


def test_the_page_links_the_request_for_those_who_may_read_it(client, cast, mx_plan):
    private = TransparencyRequestFactory(
        organisation=cast.intersecta, created_by=cast.member, institution=institution()
    )
    item = EvidenceFactory(
        organisation=cast.intersecta,
        plan=mx_plan,
        kind="transparency_answer",
        status="approved",
        folio=private.folio,
        transparency_request=private,
    )
    assert f"/transparency/requests/{private.uuid}/" not in client.get(item.get_absolute_url()).content.decode()
    client.force_login(cast.member)
    assert f"/workspace/requests/{private.uuid}/" in client.get(item.get_absolute_url()).content.decode()
    detail = client.get(f"/en/workspace/requests/{private.uuid}/").content.decode()
    assert item.get_absolute_url() in detail  # and back
    private.is_public = True
    private.save()
    client.logout()
    assert f"/transparency/requests/{private.uuid}/" in client.get(item.get_absolute_url()).content.decode()


def test_an_answer_becomes_evidence_of_its_kind_with_folio_and_institution(cast, mx_plan):
    request = TransparencyRequestFactory(
        organisation=cast.intersecta,
        created_by=cast.member,
        institution=institution(),
        status="partial",
        answered_on=dt.date(2025, 3, 20),
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
    )
    item = create_evidence_from_answer(request=request, actor=cast.member)
    assert item.kind == EvidenceKind.TRANSPARENCY_ANSWER and item.transparency_request == request
    assert (item.folio, item.answering_institution, item.answer_type) == (request.folio, institution(), "partial")


# -- what leaves the portal ---------------------------------------------------------------------------------


def test_the_public_fields_are_the_kind_fields_but_the_private_ones(cast, mx_plan):
    public_kind = [f for f in PUBLIC_EVIDENCE_FIELDS if f in ALL_KIND_FIELDS]
    assert public_kind == [f for f in ALL_KIND_FIELDS if f not in PRIVATE_KIND_FIELDS]
    assert not set(PRIVATE_KIND_FIELDS) & set(PUBLIC_EVIDENCE_FIELDS) & set(EVIDENCE_COLUMNS)
    assert {"source_reliability", "information_credibility"} <= set(PUBLIC_EVIDENCE_FIELDS)


def test_api_and_csv_carry_the_public_kind_fields_and_never_the_private_ones(client, cast, mx_plan):
    item = a_testimony(cast, mx_plan, source_reliability="reliable", information_credibility="confirmed")
    request = TransparencyRequestFactory(
        organisation=cast.intersecta, created_by=cast.member, institution=institution(), is_public=True
    )
    answer = EvidenceFactory(
        organisation=cast.intersecta,
        plan=mx_plan,
        kind="transparency_answer",
        status="approved",
        folio=request.folio,
        answering_institution=institution(),
        transparency_request=request,
    )
    budget = EvidenceFactory(
        organisation=cast.intersecta,
        plan=mx_plan,
        kind="official_statistic",
        status="approved",
        disaggregation=["sex", "age"],
        series_name="Serie 1",
    )
    body = client.get("/api/v1/evidence/").json()
    rows = {r["uuid"]: r for r in body["results"]}
    text = str(body)
    assert "CONSENT-KEEPER" not in text and "consent" not in text and "risk_level" not in text
    assert rows[str(item.uuid)]["pseudonym"] == "Rosa"
    assert rows[str(item.uuid)]["source_reliability"] == "reliable"
    assert rows[str(answer.uuid)]["answering_institution"] == "SEDENA"
    assert rows[str(answer.uuid)]["transparency_request"].endswith(f"/transparency/requests/{request.uuid}/")
    assert rows[str(budget.uuid)]["disaggregation"] == ["sex", "age"]
    detail = client.get(f"/api/v1/evidence/{answer.uuid}/").json()
    assert detail["answering_institution"] == "SEDENA" and detail["folio"] == request.folio

    parsed = list(
        csv.reader(
            io.StringIO(b"".join(evidence_csv(Evidence.objects.public(), "https://o.example/es")).decode("utf-8-sig"))
        )
    )
    header, data = parsed[0], parsed[1:]
    assert header == EVIDENCE_COLUMNS and "CONSENT-KEEPER" not in str(parsed)
    by_uuid = {r[0]: dict(zip(header, r, strict=True)) for r in data}
    assert by_uuid[str(budget.uuid)]["disaggregation"] == "sex;age"
    assert by_uuid[str(answer.uuid)]["answering_institution"] == "SEDENA"
    assert (
        by_uuid[str(answer.uuid)]["transparency_request"]
        == f"https://o.example/es/transparency/requests/{request.uuid}/"
    )
    request.is_public = False
    request.save()
    parsed = list(
        csv.reader(
            io.StringIO(b"".join(evidence_csv(Evidence.objects.public(), "https://o.example/es")).decode("utf-8-sig"))
        )
    )
    assert {dict(zip(parsed[0], r, strict=True))["transparency_request"] for r in parsed[1:]} == {""}
    assert client.get(f"/api/v1/evidence/{answer.uuid}/").json()["transparency_request"] is None


def test_api_list_queries_do_not_grow_with_kind_fields(client, cast, mx_plan, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            request = TransparencyRequestFactory(
                organisation=cast.intersecta, created_by=cast.member, institution=institution(), is_public=True
            )
            EvidenceFactory(
                organisation=cast.intersecta,
                plan=mx_plan,
                kind="transparency_answer",
                status="approved",
                answering_institution=institution(),
                transparency_request=request,
            )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(2)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/evidence/")
    make(8)
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/evidence/")
    assert len(large.captured_queries) == len(small.captured_queries)


# -- search --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "query"),
    [
        ("outlet", "El Sur de Acapulco", "acapulco"),
        ("series_name", "Encuesta Nacional de Victimización", "victimizacion"),
    ],
)
def test_search_finds_an_item_by_its_kind_text(cast, mx_plan, field, text, query):
    kind = "news_report" if field == "outlet" else "official_statistic"
    item = EvidenceFactory(
        organisation=cast.intersecta, plan=mx_plan, kind=kind, status="approved", title="Untitled", **{field: text}
    )
    search.refresh([item.pk])
    assert list(search.matching(Evidence.objects.public(), query)) == [item]


def test_search_never_finds_a_pseudonym(cast, mx_plan):
    item = a_testimony(cast, mx_plan, title="A testimony")
    search.refresh([item.pk])
    assert not search.matching(Evidence.objects.all(), "Rosa").exists()


@pytest.mark.postgres
def test_copy_writes_the_kind_fields_as_the_python_writer_does(cast, mx_plan):
    from monitoring.exports import copy

    public = TransparencyRequestFactory(
        organisation=cast.intersecta, created_by=cast.member, institution=institution(), is_public=True
    )
    private = TransparencyRequestFactory(
        organisation=cast.intersecta, created_by=cast.member, institution=institution()
    )
    common = {"organisation": cast.intersecta, "plan": mx_plan, "status": "approved"}
    EvidenceFactory(**common, kind="official_statistic", series_name="=1+1", disaggregation=["sex", "institution"])
    EvidenceFactory(
        **common, kind="transparency_answer", answering_institution=institution(), transparency_request=public
    )
    EvidenceFactory(**common, kind="transparency_answer", folio="-12", transparency_request=private)
    EvidenceFactory(
        **common,
        kind="budget_document",
        amount=Decimal("1000.00"),
        currency="MXN",
        fiscal_year=2023,
        budget_stage="spent",
        source_reliability="doubtful",
    )
    EvidenceFactory(**common, kind="news_report", relays_source=True, relayed_source="SEMAR")
    EvidenceFactory(
        **common, kind="own_research", fieldwork_start=dt.date(2023, 2, 1), fieldwork_end=dt.date(2023, 3, 1)
    )
    a_testimony(cast, mx_plan)
    base = "https://observatorio.example/es"

    python = b"".join(evidence_csv(Evidence.objects.public(), base)).decode("utf-8-sig")
    postgres = b"".join(copy.evidence_csv(base)).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(postgres)))
    assert parsed == list(csv.reader(io.StringIO(python)))
    assert "CONSENT-KEEPER" not in postgres
    cells = {cell for row in parsed[1:] for cell in row}
    assert {"sex;institution", "'=1+1", "'-12", "1000", "2023", "yes", "2023-02-01", "doubtful"} <= cells
    assert f"{base}/transparency/requests/{public.uuid}/" in cells
    assert f"{base}/transparency/requests/{private.uuid}/" not in cells
