"""The three workflows answer a stale page alike.

Evidence (and its moderation), shadow reports and transparency requests each post one verb to one URL, carrying
the version the page was opened at (``portal.http.expected_version``). When someone changed the object since, the
service refuses with a ``StaleVersion``; the view (``portal.http.refusal``) shows the page again with status 409 and
the service's reason in the page's language, and nothing is written: no row changes, no audit event, no new object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict

from monitoring.models import (
    Assessment,
    Evidence,
    EvidenceStatus,
    Indicator,
    Institution,
    ModerationEntry,
    ReportVersion,
    RequestStatus,
    TransparencyRequest,
)
from monitoring.services import evidence as evidence_service
from monitoring.services import moderation
from monitoring.services import reports as report_service
from monitoring.services import transparency as transparency_service
from portal.models import AuditEvent
from tests.factories import EvidenceFactory, UserFactory
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db

LANGUAGES = ["es", "en"]

# The services' words, typed here rather than looked up, so a missing translation fails the Spanish run.
EVIDENCE_SAVED = {
    "en": "Someone saved this item after you opened it. Your changes were not saved: "
    "review the current version below and apply them again.",
    "es": "Alguien guardó este registro después de que lo abriste. Tus cambios no se guardaron: "
    "revisa la versión actual y vuelve a aplicarlos.",
}
EVIDENCE_CHANGED = {
    "en": "Someone changed this item after you opened it. Check it and submit again.",
    "es": "Alguien cambió este registro después de que lo abriste. Revísalo y vuelve a enviarlo.",
}
ITEM_CHANGED = {
    "en": "This item changed while you were looking at it",
    "es": "Este registro cambió mientras lo revisabas",
}
ALREADY_DECIDED = {"en": "This item was already decided: approved by", "es": "Este registro ya tiene decisión: "}
TEXTS_SAVED = {
    "en": "Another reviewer saved these texts after you opened them. Reload and apply your changes again.",
    "es": "Otra revisora guardó estos textos después de que los abriste. Vuelve a cargar y aplica tus cambios de nuevo.",
}
ASSESSMENT_SAVED = {
    "en": "Another reviewer saved this assessment while you were editing. Your text was not saved; "
    "compare it with hers below.",
    "es": "Otra revisora guardó esta evaluación mientras editabas. Tu texto no se guardó; compáralo con el suyo abajo.",
}
ALREADY_REQUESTED = {
    "en": "Publication has already been requested, or nothing changed since the last version.",
    "es": "Ya se solicitó la publicación, o nada cambió desde la última versión.",
}
NOT_PENDING = {"en": "There is no pending publication request.", "es": "No hay una solicitud de publicación pendiente."}
NOT_REQUESTED = {
    "en": "Publication has not been requested, or it was already approved.",
    "es": "No se ha solicitado la publicación, o ya se aprobó.",
}
REQUEST_CHANGED = {
    "en": "Someone changed this request after you opened it. Reload it and try again.",
    "es": "Alguien cambió esta solicitud después de que la abriste. Vuelve a cargarla e inténtalo de nuevo.",
}


@dataclass
class Stale:
    """A page opened before someone else's change, and what it posts."""

    actor: Any
    url: str  # without the language prefix
    data: dict[str, Any]
    rows: list[Any]  # whose state must not move
    message: dict[str, str]
    kept: str | None = None  # typed text the page shows again
    counted: list[Any] = field(default_factory=list)  # models that must gain no row


# --------------------------------------------------------------------------- evidence and moderation


def i13(mx_plan) -> Indicator:
    return Indicator.objects.get(plan=mx_plan, code="I13")


def intersecta_evidence(cast, mx_plan, **kwargs) -> Any:
    return EvidenceFactory(
        organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, indicators=[i13(mx_plan)], **kwargs
    )


def saved_in_another_tab(cast, evidence: Evidence) -> None:
    evidence_service.update_evidence(
        evidence=evidence,
        actor=cast.member,
        fields={"title": "Saved in the other tab"},
        files=[],
        expected_version=evidence.version,
        submit=False,
    )


def evidence_edit(cast, mx_plan) -> Stale:
    item = intersecta_evidence(cast, mx_plan)
    saved_in_another_tab(cast, item)
    data = {
        "indicators": [str(i13(mx_plan).pk)],
        "period_start": "2021",
        "kind": "official_statistic",
        "title": "Typed in this tab",
        "summary": "What the source says.",
        "language": "es",
        "visibility": "public",
        "action": "draft",
        "version": "1",
    }
    return Stale(
        cast.member, f"/workspace/evidence/{item.uuid}/edit/", data, [item], EVIDENCE_SAVED, "Typed in this tab"
    )


def evidence_submit(cast, mx_plan) -> Stale:
    item = intersecta_evidence(cast, mx_plan)
    saved_in_another_tab(cast, item)
    return Stale(
        cast.member,
        f"/workspace/evidence/{item.uuid}/submit/",
        {"version": "1", "note": "Ready."},
        [item],
        EVIDENCE_CHANGED,
        counted=[ModerationEntry],
    )


def evidence_withdraw(cast, mx_plan) -> Stale:
    item = intersecta_evidence(cast, mx_plan, status=EvidenceStatus.APPROVED)
    Evidence.objects.filter(pk=item.pk).update(version=2)  # changed after the member opened it
    return Stale(
        cast.member,
        f"/workspace/evidence/{item.uuid}/withdraw/",
        {"version": "1", "reason": "Superseded."},
        [item],
        ITEM_CHANGED,
        counted=[ModerationEntry],
    )


def moderation_decision(cast, mx_plan) -> Stale:
    item = intersecta_evidence(cast, mx_plan, status=EvidenceStatus.SUBMITTED)
    first = UserFactory(is_staff=True)
    first.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    moderation.approve_evidence(evidence=item, actor=first, expected_version=1)
    return Stale(
        cast.moderator,
        f"/moderation/{item.uuid}/",
        {"decision": "reject", "reason": "Typed by the second moderator", "version": "1"},
        [item],
        ALREADY_DECIDED,
        "Typed by the second moderator",
        counted=[ModerationEntry],
    )


# --------------------------------------------------------------------------- shadow reports


def a_report(cast, mx_plan):
    return create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Shadow report 2021",
            "slug": "shadow-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )


def report_texts(cast, mx_plan) -> Stale:
    report = a_report(cast, mx_plan)
    report_service.update_report(
        report=report, actor=cast.other_reviewer, fields={"title": "Her title"}, expected_version=1
    )
    data = {"title": "My title", "period_start": "2021-01-01", "period_end": "2021-12-31", "version": "1"}
    return Stale(cast.reviewer, f"/workspace/reports/{report.uuid}/", data, [report], TEXTS_SAVED, "My title")


def report_assessment(cast, mx_plan) -> Stale:
    report = a_report(cast, mx_plan)
    assessment = Assessment.objects.get(report=report, indicator__code="I13")
    report_service.save_assessment(
        assessment=assessment, actor=cast.other_reviewer, fields={"narrative": "Hers."}, cited=[], expected_version=1
    )
    prefix = f"a{assessment.pk}"
    data = {"assessment": assessment.pk, f"{prefix}-version": "1", f"{prefix}-narrative": "Mine, typed meanwhile."}
    return Stale(
        cast.reviewer,
        f"/workspace/reports/{report.uuid}/pillars/P2/",
        data,
        [report, assessment],
        ASSESSMENT_SAVED,
        "Mine, typed meanwhile.",
    )


def publication_request(cast, mx_plan) -> Stale:
    report = a_report(cast, mx_plan)
    report_service.request_publication(report=report, actor=cast.other_reviewer)  # she asked first
    return Stale(
        cast.reviewer,
        f"/workspace/reports/{report.uuid}/publication/request/",
        {"change_note": ""},
        [report],
        ALREADY_REQUESTED,
    )


def publication_cancel(cast, mx_plan) -> Stale:
    report = a_report(cast, mx_plan)
    report_service.request_publication(report=report, actor=cast.reviewer)
    report_service.approve_publication(report=report, actor=cast.other_reviewer)  # approved meanwhile
    return Stale(
        cast.reviewer,
        f"/workspace/reports/{report.uuid}/publication/cancel/",
        {},
        [report],
        NOT_PENDING,
        counted=[ReportVersion],
    )


def publication_approve(cast, mx_plan) -> Stale:
    report = a_report(cast, mx_plan)
    report_service.request_publication(report=report, actor=cast.reviewer)
    report_service.cancel_publication_request(report=report, actor=cast.reviewer)  # withdrawn meanwhile
    return Stale(
        cast.other_reviewer,
        f"/workspace/reports/{report.uuid}/publication/approve/",
        {},
        [report],
        NOT_REQUESTED,
        counted=[ReportVersion],
    )


# --------------------------------------------------------------------------- transparency requests


def filed(cast, mx_plan) -> TransparencyRequest:
    return transparency_service.file_requests(
        organisation=cast.intersecta,
        actor=cast.member,
        question="¿Cuántas mujeres?",
        filed_on=dt.date(2025, 3, 3),
        folios={Institution.objects.get(code="SEDENA"): "330026425000001"},
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
        is_public=True,
    )[0]


def extended(cast, mx_plan) -> TransparencyRequest:
    """Opened at version 1, then extended by a colleague (version 2)."""
    request = filed(cast, mx_plan)
    transparency_service.extend_request(request=request, actor=cast.reviewer, expected_version=1)
    return request


def request_answer(cast, mx_plan) -> Stale:
    request = extended(cast, mx_plan)
    data = {"version": "1", "status": "answered", "answered_on": "2025-03-20", "summary": "Typed meanwhile"}
    return Stale(
        cast.member, f"/workspace/requests/{request.uuid}/answer/", data, [request], REQUEST_CHANGED, "Typed meanwhile"
    )


def request_appeal(cast, mx_plan) -> Stale:
    request = extended(cast, mx_plan)
    data = {"version": "1", "appeal_filed_on": "2025-04-10", "appeal_outcome": "pending"}
    return Stale(
        cast.member, f"/workspace/requests/{request.uuid}/appeal/", data, [request], REQUEST_CHANGED, "2025-04-10"
    )


def request_extend(cast, mx_plan) -> Stale:
    request = filed(cast, mx_plan)
    transparency_service.record_appeal(
        request=request, actor=cast.reviewer, filed_on=dt.date(2025, 3, 10), outcome="pending", outcome_on=None
    )
    return Stale(
        cast.member, f"/workspace/requests/{request.uuid}/extend/", {"version": "1"}, [request], REQUEST_CHANGED
    )


def request_withdraw(cast, mx_plan) -> Stale:
    request = extended(cast, mx_plan)
    url = f"/workspace/requests/{request.uuid}/withdraw/"
    return Stale(cast.member, url, {"version": "1"}, [request], REQUEST_CHANGED)


def request_to_evidence(cast, mx_plan) -> Stale:
    request = filed(cast, mx_plan)
    transparency_service.record_answer(
        request=request,
        actor=cast.member,
        status=RequestStatus.ANSWERED,
        answered_on=dt.date(2025, 3, 20),
        summary="12.",
        files=[],
    )  # version 2: the page was opened here
    transparency_service.record_appeal(
        request=request, actor=cast.reviewer, filed_on=dt.date(2025, 3, 25), outcome="pending", outcome_on=None
    )
    url = f"/workspace/requests/{request.uuid}/evidence/"
    return Stale(cast.member, url, {"version": "2"}, [request], REQUEST_CHANGED, counted=[Evidence])


CASES: dict[str, Callable[[Any, Any], Stale]] = {
    "evidence: edit": evidence_edit,
    "evidence: submit": evidence_submit,
    "evidence: withdraw": evidence_withdraw,
    "moderation: decide": moderation_decision,
    "report: texts": report_texts,
    "report: assessment": report_assessment,
    "report: ask for publication": publication_request,
    "report: withdraw the request": publication_cancel,
    "report: approve": publication_approve,
    "request: answer": request_answer,
    "request: appeal": request_appeal,
    "request: extend": request_extend,
    "request: withdraw": request_withdraw,
    "request: to evidence": request_to_evidence,
}


def state(rows: list[Any], counted: list[Any]) -> dict[str, Any]:
    for row in rows:
        row.refresh_from_db()
    return {
        "rows": [model_to_dict(row) | {"updated_at": getattr(row, "updated_at", None)} for row in rows],
        "counts": [model.objects.count() for model in [AuditEvent, *counted]],
    }


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_post_from_a_stale_page_answers_409_with_the_reason_and_writes_nothing(client, cast, mx_plan, case, lang):
    stale = case(cast, mx_plan)
    before = state(stale.rows, stale.counted)
    client.force_login(stale.actor)

    response = client.post(f"/{lang}{stale.url}", stale.data)

    html = response.content.decode()
    assert response.status_code == 409, html[:2000]
    assert stale.message[lang] in html
    if stale.kept:
        assert stale.kept in html  # what was typed is still in the form
    assert state(stale.rows, stale.counted) == before


@pytest.mark.parametrize("value", [None, "", "abc", "1.5", " "])
def test_a_missing_or_malformed_version_is_refused_as_stale(client, cast, mx_plan, value):
    request = filed(cast, mx_plan)
    client.force_login(cast.member)
    data = {} if value is None else {"version": value}
    response = client.post(f"/en/workspace/requests/{request.uuid}/extend/", data)
    assert response.status_code == 409
    request.refresh_from_db()
    assert request.version == 1 and request.extended_due_on is None
