"""Transparency requests: filing in bulk, answers, overdue, evidence from answers, public record, reminders."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from monitoring import stats
from monitoring.deadlines import Calendar
from monitoring.files import inspect_upload
from monitoring.models import Evidence, Indicator, Institution, RequestStatus, TransparencyRequest
from monitoring.services import transparency as svc
from portal.models import AuditEvent
from tests import files

pytestmark = pytest.mark.django_db

FIVE = ["SRE", "SEDENA", "SEMAR", "SSPC", "SECMUJERES"]


def institutions(*codes):
    return {c: Institution.objects.get(code=c) for c in codes}


def file_five(cast, mx_plan, is_public=True, filed_on=dt.date(2025, 3, 3)):
    insts = institutions(*FIVE)
    return svc.file_requests(
        organisation=cast.intersecta,
        actor=cast.member,
        question="¿Cuántas mujeres fueron desplegadas en operaciones de paz en 2024?",
        filed_on=filed_on,
        folios={insts[c]: f"3300{n}2500001" for n, c in enumerate(FIVE)},
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
        is_public=is_public,
    )


def test_one_question_to_five_institutions_creates_five_requests_with_due_dates(cast, mx_plan):
    created = file_five(cast, mx_plan)
    assert sorted(r.institution.code for r in created) == sorted(FIVE)
    # 3 March 2025 + 20 working days; 17 March (Benito Juárez) is a holiday → 1 April
    assert {r.due_on for r in created} == {dt.date(2025, 4, 1)}
    assert AuditEvent.objects.filter(action="monitoring.transparency.filed").count() == 5


def test_the_filing_page_records_five_requests(client, cast, mx_plan):
    client.force_login(cast.member)
    insts = institutions(*FIVE)
    data = {
        "question": "¿Cuántas?",
        "filed_on": "2025-03-03",
        "institutions": [i.pk for i in insts.values()],
        "is_public": "on",
    }
    data.update({f"folio_{i.pk}": f"33000{n}25000011" for n, i in enumerate(insts.values())})
    response = client.post("/en/workspace/requests/new/", data)
    assert response.status_code == 302
    assert TransparencyRequest.objects.count() == 5
    page = client.get("/en/workspace/requests/").content.decode()
    assert "SECMUJERES" in page and "SEMAR" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"question": ""}, "This field is required."),
        ({"filed_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"filed_on": "yesterday"}, "Enter a valid date."),
        ({"folio": ""}, "Give the folio the platform assigned at SRE."),
        ({"folio": "<script>"}, "A folio has 3 to 40 letters"),
        ({"folio": "x" * 41}, "at most 40 characters"),
        ({"institutions": []}, "This field is required."),
    ],
)
def test_the_filing_form_refuses_bad_input(client, cast, mx_plan, overrides, message):
    client.force_login(cast.member)
    sre = Institution.objects.get(code="SRE")
    data = {
        "question": "¿Cuántas?",
        "filed_on": "2025-03-03",
        "institutions": [sre.pk],
        f"folio_{sre.pk}": "330026425000001",
    }
    if "folio" in overrides:
        data[f"folio_{sre.pk}"] = overrides.pop("folio")
    data.update(overrides)
    response = client.post("/en/workspace/requests/new/", data)
    assert message in response.content.decode()
    assert not TransparencyRequest.objects.exists()


def test_a_folio_cannot_be_registered_twice_for_the_same_institution(cast, mx_plan):
    file_five(cast, mx_plan)
    with pytest.raises(svc.TransparencyError, match="already registered"):
        file_five(cast, mx_plan)
    assert TransparencyRequest.objects.count() == 5


def test_overdue_is_computed_at_a_given_today(cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    assert not request.is_overdue(dt.date(2025, 4, 1))
    assert request.is_overdue(dt.date(2025, 4, 2))
    svc.extend_request(request=request, actor=cast.member)
    request.refresh_from_db()
    assert request.extended_due_on == dt.date(2025, 4, 15)
    assert not request.is_overdue(dt.date(2025, 4, 2))


def test_an_answer_with_a_file_becomes_evidence_linked_back_with_the_same_file(cast, mx_plan, media_storage):
    request = file_five(cast, mx_plan)[0]
    answer = inspect_upload(files.pdf("respuesta.pdf"))
    svc.record_answer(
        request=request,
        actor=cast.member,
        status="answered",
        answered_on=dt.date(2025, 3, 20),
        summary="12 mujeres.",
        files=[answer],
    )
    evidence = svc.create_evidence_from_answer(request=request, actor=cast.member)
    assert evidence.transparency_request == request and evidence.status == "draft"
    assert evidence.kind == "transparency_answer" and list(evidence.indicators.values_list("code", flat=True)) == [
        "I07"
    ]
    copy = evidence.attachments.get()
    assert copy.sha256 == answer.sha256 and copy.original_name == "respuesta.pdf"
    assert (media_storage / copy.file.name).read_bytes() == answer.content
    assert copy.file.name != request.attachments.get().file.name


def test_only_answered_requests_become_evidence(cast, mx_plan):
    with pytest.raises(svc.TransparencyError):
        svc.create_evidence_from_answer(request=file_five(cast, mx_plan)[0], actor=cast.member)
    assert not Evidence.objects.exists()


def test_an_answer_dated_before_filing_is_refused(cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    with pytest.raises(svc.TransparencyError, match="before the request was filed"):
        svc.record_answer(
            request=request, actor=cast.member, status="answered", answered_on=dt.date(2025, 1, 1), summary="", files=[]
        )


def test_public_statistics_exclude_private_requests_and_match_a_hand_count(cast, mx_plan):
    sre = Institution.objects.get(code="SRE")
    calendar = Calendar()

    def make(folio, filed, status, answered=None, public=True, extended=None):
        return TransparencyRequest.objects.create(
            organisation=cast.intersecta,
            created_by=cast.member,
            institution=sre,
            folio=folio,
            question="?",
            filed_on=filed,
            due_on=calendar.add_working_days(filed, 20),
            extended_due_on=extended,
            status=status,
            answered_on=answered,
            is_public=public,
        )

    make("A1", dt.date(2024, 6, 7), "answered", dt.date(2024, 7, 5))  # on time (the due date itself), 20 days
    make("A2", dt.date(2024, 6, 7), "answered", dt.date(2024, 7, 8))  # late, 21 days
    make("A3", dt.date(2024, 6, 7), "nonexistent", dt.date(2024, 6, 14))  # on time, 5 days
    make("A4", dt.date(2024, 6, 7), "pending")  # overdue by today
    make("A5", dt.date(2025, 1, 6), "reserved", dt.date(2025, 1, 20))  # 2025, on time, 10 days
    make("A6", dt.date(2025, 1, 6), "withdrawn")  # not counted
    make("P1", dt.date(2024, 6, 7), "answered", dt.date(2024, 9, 9), public=False)  # private: never counted

    requests = TransparencyRequest.objects.filter(is_public=True)
    record = stats.institution_record(requests, dt.date(2025, 6, 1), calendar)
    assert record["total"] == {
        "filed": 5,
        "on_time": 3,
        "late": 1,
        "nonexistent": 1,
        "reserved": 1,
        "unanswered": 1,
        "pending": 0,
        "median_days": 15,
        "on_time_share": 75,
    }
    assert record["years"][2024]["filed"] == 4 and record["years"][2025]["filed"] == 1


def test_public_pages_show_only_public_requests(client, cast, mx_plan):
    public = file_five(cast, mx_plan, is_public=True)[0]
    private = svc.file_requests(
        organisation=cast.intersecta,
        actor=cast.member,
        question="PRIVATE question",
        filed_on=dt.date(2025, 3, 3),
        folios={Institution.objects.get(code="SRE"): "999999"},
        indicators=[],
        is_public=False,
    )[0]
    assert client.get(f"/en/transparency/requests/{public.uuid}/").status_code == 200
    assert client.get(f"/en/transparency/requests/{private.uuid}/").status_code == 404
    overview = client.get("/en/transparency/").content.decode()
    assert "SEDENA" in overview and "PRIVATE" not in overview
    assert "PRIVATE" not in client.get("/en/institutions/SRE/").content.decode()
    assert "5 public requests" in client.get("/en/plans/mx-pna-1325-2021/indicators/I07/").content.decode()


@pytest.mark.parametrize(
    "role", ["anonymous", "outsider", "other_member", "other_reviewer", "moderator", "member", "reviewer"]
)
def test_role_by_url(client, cast, mx_plan, role, media_storage):
    request = file_five(cast, mx_plan, is_public=False)[0]
    svc.record_answer(
        request=request,
        actor=cast.member,
        status="answered",
        answered_on=dt.date(2025, 3, 20),
        summary="",
        files=[inspect_upload(files.pdf())],
    )
    attachment = request.attachments.get()
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    member = role in ("member", "reviewer")
    assert client.get(f"/en/workspace/requests/{request.uuid}/").status_code == (
        200 if member else 302 if role == "anonymous" else 404
    )
    assert client.post(f"/en/workspace/requests/{request.uuid}/").status_code == (405 if role != "anonymous" else 302)
    # One URL per verb. Outside reach: 404 before anything is read. Members posting nothing get the page again
    # (a form that does not validate) or, for a one-shot action without the version it was opened at, a 409.
    for verb, for_members in (("answer", 200), ("appeal", 200), ("extend", 409), ("withdraw", 409), ("evidence", 409)):
        status = client.post(f"/en/workspace/requests/{request.uuid}/{verb}/").status_code
        assert status == (for_members if member else 302 if role == "anonymous" else 404), verb
    assert client.get(f"/en/files/{attachment.uuid}/").status_code == 404  # not an evidence file
    file_status = client.get(f"/en/transparency/files/{attachment.uuid}/").status_code
    assert file_status == (200 if member or role == "moderator" else 404)
    assert client.get(f"/en/transparency/requests/{request.uuid}/").status_code == 404
    list_status = client.get("/en/workspace/requests/").status_code
    assert list_status == (
        200 if role in ("member", "reviewer", "other_member", "other_reviewer") else 302 if role == "anonymous" else 404
    )


def test_reminders_are_sent_once_before_the_due_date_and_once_when_overdue(
    cast, mx_plan, django_capture_on_commit_callbacks, monkeypatch
):
    request = file_five(cast, mx_plan, filed_on=dt.date(2025, 3, 3))[0]
    TransparencyRequest.objects.exclude(pk=request.pk).update(status=RequestStatus.WITHDRAWN)

    def run(today):
        monkeypatch.setattr(timezone, "localdate", lambda: today)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_transparency_reminders", stdout=io.StringIO())

    run(dt.date(2025, 3, 20))  # 8 working days left: nothing
    assert len(mail.outbox) == 0
    run(dt.date(2025, 3, 26))  # 4 working days left: reminder to both Intersecta members
    assert len(mail.outbox) == 2 and ("Due soon" in mail.outbox[0].subject or "Vence pronto" in mail.outbox[0].subject)
    run(dt.date(2025, 3, 27))  # sent once
    assert len(mail.outbox) == 2
    run(dt.date(2025, 4, 2))  # overdue: one notice each
    assert len(mail.outbox) == 4
    run(dt.date(2025, 4, 3))
    assert len(mail.outbox) == 4


def test_the_answer_form_keeps_input_and_refuses_bad_files(client, cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    client.force_login(cast.member)
    response = client.post(
        f"/en/workspace/requests/{request.uuid}/answer/",
        {
            "version": request.version,
            "status": "answered",
            "answered_on": "2025-03-20",
            "summary": "Keep me",
            "attachments": [files.upload("r.pdf", b"MZ" + b"\x00" * 50)],
        },
    )
    html = response.content.decode()
    assert "not an accepted type" in html and "Keep me" in html
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required."),
        ({"appeal_filed_on": "31/31/2025", "appeal_outcome": "pending"}, "Enter a valid date."),
        ({"appeal_filed_on": "2999-01-01", "appeal_outcome": "pending"}, "The date cannot be in the future."),
        ({"appeal_filed_on": "2025-04-10", "appeal_outcome": "<script>alert(1)</script>"}, "Select a valid choice."),
        (
            {"appeal_filed_on": "2025-01-01", "appeal_outcome": "pending"},
            "cannot be dated before the request was filed",
        ),
    ],
)
def test_the_appeal_form_refuses_empty_malformed_and_hostile_input(client, cast, mx_plan, data, message):
    request = file_five(cast, mx_plan)[0]
    client.force_login(cast.member)
    response = client.post(
        f"/en/workspace/requests/{request.uuid}/appeal/", {"version": request.version, **data}, follow=True
    )
    html = response.content.decode()
    assert message in html
    assert "<script>alert(1)</script>" not in html
    request.refresh_from_db()
    assert request.appeal_filed_on is None


def test_a_valid_appeal_is_recorded(client, cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    client.force_login(cast.member)
    client.post(
        f"/en/workspace/requests/{request.uuid}/appeal/",
        {
            "version": request.version,
            "appeal_filed_on": "2025-04-10",
            "appeal_outcome": "revoked",
            "appeal_outcome_on": "2025-05-20",
        },
    )
    request.refresh_from_db()
    assert request.appeal_outcome == "revoked" and request.appeal_filed_on == dt.date(2025, 4, 10)
    assert AuditEvent.objects.filter(action="monitoring.transparency.appeal").exists()


def test_an_answer_or_appeal_saved_again_unchanged_keeps_its_version_and_audits_nothing(cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    answer = {"status": "answered", "answered_on": dt.date(2025, 3, 20), "summary": "12 mujeres.", "files": []}
    appeal = {"filed_on": dt.date(2025, 4, 10), "outcome": "revoked", "outcome_on": dt.date(2025, 5, 20)}
    svc.record_answer(request=request, actor=cast.member, **answer)
    svc.record_appeal(request=request, actor=cast.member, **appeal)
    request.refresh_from_db()
    version, events = request.version, AuditEvent.objects.count()
    svc.record_answer(request=request, actor=cast.member, expected_version=version, **answer)
    svc.record_appeal(request=request, actor=cast.member, expected_version=version, **appeal)
    request.refresh_from_db()
    assert request.version == version and AuditEvent.objects.count() == events
    svc.record_appeal(request=request, actor=cast.member, **{**appeal, "outcome_on": dt.date(2025, 5, 21)})
    assert AuditEvent.objects.latest("pk").changes == {"appeal_outcome_on": ["2025-05-20", "2025-05-21"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "no_answer", "answered_on": "2025-03-20"}, "There was no answer, so leave its date empty."),
        ({"status": "answered", "answered_on": ""}, "Give the date of the answer."),
        ({"status": "answered", "answered_on": "2025-03-01"}, "cannot be dated before the request was filed"),
    ],
)
def test_the_answer_form_says_beside_the_date_what_is_wrong_with_it(client, cast, mx_plan, data, message):
    request = file_five(cast, mx_plan)[0]
    client.force_login(cast.member)
    response = client.post(f"/en/workspace/requests/{request.uuid}/answer/", {"version": request.version, **data})
    assert message in response.context["answer_form"].errors["answered_on"][0]
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_appeal_form_refuses_a_decision_dated_before_the_appeal(client, cast, mx_plan):
    request = file_five(cast, mx_plan)[0]
    client.force_login(cast.member)
    response = client.post(
        f"/en/workspace/requests/{request.uuid}/appeal/",
        {
            "version": request.version,
            "appeal_filed_on": "2025-04-10",
            "appeal_outcome": "revoked",
            "appeal_outcome_on": "2025-04-09",
        },
    )
    assert response.context["appeal_form"].errors["appeal_outcome_on"] == [
        "The appeal cannot be decided before it was filed."
    ]
    request.refresh_from_db()
    assert request.appeal_filed_on is None
