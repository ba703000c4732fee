"""Transparency requests built like evidence: the answer's files go through the evidence pipeline, an answer becomes
evidence through the evidence service, and the page offers exactly what the service accepts (monitoring/rules.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from monitoring import rules
from monitoring.files import inspect_upload
from monitoring.models import Indicator, Institution, RequestStatus, TransparencyAttachment, TransparencyRequest
from monitoring.services import transparency as svc
from portal.models import AuditEvent
from tests import files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def filed(cast, mx_plan, folio: str = "330026425000001") -> TransparencyRequest:
    return svc.file_requests(
        organisation=cast.intersecta,
        actor=cast.member,
        question="¿Cuántas mujeres?",
        filed_on=dt.date(2025, 3, 3),
        folios={Institution.objects.get(code="SEDENA"): folio},
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
        is_public=True,
    )[0]


def answered(cast, mx_plan, **kwargs) -> TransparencyRequest:
    return svc.record_answer(
        request=filed(cast, mx_plan, folio=kwargs.get("folio", "330026425000001")),
        actor=cast.member,
        status=RequestStatus.ANSWERED,
        answered_on=dt.date(2025, 3, 20),
        summary="12 mujeres.",
        files=kwargs.get("files", []),
    )


def post_answer(client, request: TransparencyRequest, uploads, **extra):
    return client.post(
        f"/en/workspace/requests/{request.uuid}/answer/",
        {
            "version": request.version,
            "status": "answered",
            "answered_on": "2025-03-20",
            "summary": "Keep me",
            "attachments": uploads,
            **extra,
        },
    )


# --------------------------------------------------------------------------- the answer's files


def test_the_answer_form_refuses_files_over_the_total_per_item(client, cast, mx_plan, settings, media_storage):
    settings.MAX_UPLOAD_TOTAL_SIZE = 150
    request = filed(cast, mx_plan)
    client.force_login(cast.member)
    response = post_answer(client, request, [files.pdf("a.pdf"), files.pdf("b.pdf")])
    assert "may not exceed" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and not request.attachments.exists()


def test_the_answer_form_counts_the_files_already_stored_towards_the_item_limits(
    client, cast, mx_plan, settings, media_storage
):
    settings.MAX_ATTACHMENTS_PER_ITEM = 2
    request = svc.record_answer(
        request=filed(cast, mx_plan),
        actor=cast.member,
        status=RequestStatus.ANSWERED,
        answered_on=dt.date(2025, 3, 20),
        summary="",
        files=[inspect_upload(files.pdf("primera.pdf"))],
    )
    client.force_login(cast.member)
    response = post_answer(client, request, [files.pdf("a.pdf"), files.pdf("b.pdf")])
    assert "An item can have at most 2 files." in response.content.decode()
    assert request.attachments.count() == 1


def test_the_answer_form_refuses_a_polyglot_or_disguised_file_with_its_reason(client, cast, mx_plan, media_storage):
    request = filed(cast, mx_plan)
    client.force_login(cast.member)
    html_pdf = b"<html><script>alert(1)</script>%PDF-1.4\n%%EOF"
    response = post_answer(
        client,
        request,
        [files.upload("report.pdf", html_pdf, "application/pdf"), files.upload("foto.pdf", files.image_bytes())],
    )
    html = response.content.decode()
    assert "“report.pdf” is not an accepted type." in html
    assert "“foto.pdf” is named .pdf but its content is a PNG file." in html
    assert not TransparencyAttachment.objects.exists()


def test_the_answer_form_offers_metadata_stripping_and_removes_the_author_on_request(
    client, cast, mx_plan, media_storage
):
    request = filed(cast, mx_plan)
    client.force_login(cast.member)
    page = client.get(f"/en/workspace/requests/{request.uuid}/").content.decode()
    assert "Remove author and software details from PDF and office files" in page
    assert "Quitar" in client.get(f"/es/workspace/requests/{request.uuid}/").content.decode()
    original = files.real_pdf_bytes(author="Ana Testigo")
    response = post_answer(client, request, [files.upload("oficio.pdf", original)], strip_metadata="on")
    assert response.status_code == 302
    stored = request.attachments.get()
    content = (media_storage / stored.file.name).read_bytes()
    assert b"Ana Testigo" not in content
    metadata = PdfReader(io.BytesIO(content)).metadata
    assert metadata is None or "/Author" not in metadata
    assert stored.sha256 != stored.original_sha256 and stored.size == len(content)


def test_without_the_box_ticked_the_answers_document_is_kept_as_uploaded(client, cast, mx_plan, media_storage):
    request = filed(cast, mx_plan)
    client.force_login(cast.member)
    original = files.real_pdf_bytes(author="Ana Testigo")
    post_answer(client, request, [files.upload("oficio.pdf", original)])
    stored = request.attachments.get()
    assert (media_storage / stored.file.name).read_bytes() == original
    assert stored.sha256 == stored.original_sha256


def test_the_answers_files_are_stored_under_random_names(cast, mx_plan, media_storage):
    request = answered(cast, mx_plan, files=[inspect_upload(files.pdf("informe secreto.pdf"))])
    stored = request.attachments.get()
    assert "informe" not in stored.file.name and "upload" not in stored.file.name
    assert stored.original_name == "informe secreto.pdf"


# --------------------------------------------------------------------------- an answer becomes evidence


def test_an_answer_becomes_evidence_through_the_evidence_service_keeping_the_files_hashes(cast, mx_plan, media_storage):
    answer = inspect_upload(files.pdf("respuesta.pdf"))
    request = answered(cast, mx_plan, files=[answer])
    evidence = svc.create_evidence_from_answer(request=request, actor=cast.member)
    copy = evidence.attachments.get()
    assert (copy.sha256, copy.original_sha256) == (answer.sha256, answer.original_sha256)
    assert (media_storage / copy.file.name).read_bytes() == answer.content
    assert evidence.source_when is not None and evidence.source_when.iso() == "2025-03-20"
    assert evidence.period_label == "2025" and evidence.visibility == "public"
    created = AuditEvent.objects.get(action="monitoring.evidence.created")
    assert created.reason == "from a transparency request" and created.changes["kind"] == [None, "transparency_answer"]
    added = AuditEvent.objects.get(action="monitoring.evidence.attachment_added")
    assert added.changes == {"attachment": [None, "respuesta.pdf"], "sha256": [None, answer.sha256]}
    assert AuditEvent.objects.filter(action="monitoring.transparency.converted").count() == 1


# --------------------------------------------------------------------------- one rule for the service and the page


def test_the_service_refuses_to_withdraw_an_answered_or_withdrawn_request(cast, mx_plan):
    request = answered(cast, mx_plan)
    with pytest.raises(svc.TransparencyError, match="still waiting for its answer can be withdrawn"):
        svc.withdraw_request(request=request, actor=cast.member)
    pending = filed(cast, mx_plan, folio="330026425000002")
    svc.withdraw_request(request=pending, actor=cast.member)
    with pytest.raises(svc.TransparencyError, match="can be withdrawn"):
        svc.withdraw_request(request=pending, actor=cast.member)
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED
    assert AuditEvent.objects.filter(action="monitoring.transparency.withdrawn").count() == 1


def test_the_service_refuses_a_second_extension_and_an_extension_after_the_answer(cast, mx_plan):
    request = filed(cast, mx_plan)
    svc.extend_request(request=request, actor=cast.member)
    with pytest.raises(svc.TransparencyError, match="already been extended"):
        svc.extend_request(request=request, actor=cast.member)
    late = answered(cast, mx_plan, folio="330026425000002")
    with pytest.raises(svc.TransparencyError, match="can be extended"):
        svc.extend_request(request=late, actor=cast.member)
    late.refresh_from_db()
    assert late.extended_due_on is None


def test_a_withdrawn_request_takes_no_answer_no_appeal_and_no_extension(cast, mx_plan):
    request = svc.withdraw_request(request=filed(cast, mx_plan), actor=cast.member)
    with pytest.raises(svc.TransparencyError, match="withdrawn and can no longer be changed"):
        svc.record_answer(
            request=request,
            actor=cast.member,
            status=RequestStatus.ANSWERED,
            answered_on=dt.date(2025, 3, 20),
            summary="",
            files=[],
        )
    with pytest.raises(svc.TransparencyError, match="withdrawn and can no longer be changed"):
        svc.record_appeal(
            request=request, actor=cast.member, filed_on=dt.date(2025, 4, 10), outcome="pending", outcome_on=None
        )
    with pytest.raises(svc.TransparencyError):
        svc.extend_request(request=request, actor=cast.member)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN and request.appeal_filed_on is None


def test_an_answer_cannot_withdraw_a_request_behind_the_withdrawal_rule(cast, mx_plan):
    with pytest.raises(svc.TransparencyError, match="Choose what the institution answered"):
        svc.record_answer(
            request=answered(cast, mx_plan),
            actor=cast.member,
            status=RequestStatus.WITHDRAWN,
            answered_on=None,
            summary="",
            files=[],
        )


def test_a_recorded_answer_can_still_be_corrected(cast, mx_plan):
    request = answered(cast, mx_plan)
    svc.record_answer(
        request=request, actor=cast.member, status=RequestStatus.NO_ANSWER, answered_on=None, summary="", files=[]
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.NO_ANSWER


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        ("pending", {"extend", "withdraw", "answer", "appeal"}),
        ("extended", {"withdraw", "answer", "appeal"}),
        ("answered", {"evidence", "answer", "appeal"}),
        ("no_answer", {"answer", "appeal"}),
        ("withdrawn", set()),
    ],
)
def test_the_page_offers_exactly_the_actions_the_service_accepts(client, cast, mx_plan, state, shown):
    request = filed(cast, mx_plan)
    if state == "extended":
        svc.extend_request(request=request, actor=cast.member)
    elif state in ("answered", "no_answer"):
        svc.record_answer(
            request=request,
            actor=cast.member,
            status=state,
            answered_on=dt.date(2025, 3, 20) if state == "answered" else None,
            summary="",
            files=[],
        )
    elif state == "withdrawn":
        svc.withdraw_request(request=request, actor=cast.member)
    request.refresh_from_db()
    assert {name for name, allowed in rules.request_actions(request).items() if allowed} == shown
    client.force_login(cast.member)
    html = client.get(f"/en/workspace/requests/{request.uuid}/").content.decode()
    url = f"/en/workspace/requests/{request.uuid}/"
    offered = {name for name in rules.request_actions(request) if f'action="{url}{name}/"' in html}
    assert offered == shown


def test_a_refused_one_shot_action_goes_back_to_the_request_and_says_why(client, cast, mx_plan):
    request = answered(cast, mx_plan)
    client.force_login(cast.member)
    response = client.post(
        f"/en/workspace/requests/{request.uuid}/withdraw/", {"version": request.version}, follow=True
    )
    assert response.redirect_chain == [(request.get_absolute_url(), 302)]
    assert "Only a request still waiting for its answer can be withdrawn." in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.ANSWERED


def test_due_soon_uses_the_reminder_setting(client, cast, mx_plan, settings, monkeypatch):
    request = filed(cast, mx_plan)  # due on 1 April 2025
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 3, 24))  # 6 working days left
    client.force_login(cast.member)
    settings.TRANSPARENCY_REMINDER_DAYS = 5
    assert "working days left" not in client.get(f"/en/workspace/requests/{request.uuid}/").content.decode()
    settings.TRANSPARENCY_REMINDER_DAYS = 6
    assert "6 working days left" in client.get(f"/en/workspace/requests/{request.uuid}/").content.decode()
