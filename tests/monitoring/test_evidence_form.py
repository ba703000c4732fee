"""The evidence form, through HTTP: what it does with good, empty, oversized, malformed and hostile input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring.models import Evidence, EvidenceAttachment, EvidenceStatus, Indicator
from portal.models import AuditEvent
from tests import files

pytestmark = pytest.mark.django_db

NEW = "/en/workspace/evidence/new/"


@pytest.fixture
def member_client(client, cast, mx_plan):
    client.force_login(cast.member)
    return client


def ind(mx_plan, code: str) -> str:
    return str(Indicator.objects.get(plan=mx_plan, code=code).pk)


def complete(mx_plan, **overrides):
    data = {
        "indicators": [ind(mx_plan, "I13")],
        "period_start": "2021",
        "kind": "official_statistic",
        "title": "INMUJERES: 84 new MUCPAZ networks in 2021",
        "summary": "The head of INMUJERES reported 84 new networks.",
        "source_url": "https://www.jornada.com.mx/2021/12/24/politica/014a1pol",
        "source_date": "2021-12-24",
        "language": "es",
        "reported_value": "84",
        "visibility": "public",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> str:
    return response.content.decode()


def test_a_complete_submission_with_a_pdf_is_stored_submitted_and_audited(member_client, cast, mx_plan, media_storage):
    response = member_client.post(NEW, {**complete(mx_plan), "attachments": [files.pdf("oficio.pdf")]})

    item = Evidence.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/evidence/{item.uuid}/"
    assert item.status == EvidenceStatus.SUBMITTED and item.submitted_at is not None
    assert item.organisation == cast.intersecta and item.submitted_by == cast.member
    assert item.period_label == "2021" and item.reported_value == 84 and item.value_unit == "count"
    attachment = item.attachments.get()
    assert attachment.original_name == "oficio.pdf"
    stored = media_storage / attachment.file.name
    assert stored.exists() and "oficio" not in attachment.file.name  # random name on disk
    import hashlib

    assert attachment.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    actions = list(
        AuditEvent.objects.filter(object_type="monitoring.evidence", object_id=str(item.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "monitoring.evidence.created",
        "monitoring.evidence.attachment_added",
        "monitoring.evidence.submitted",
    ]
    page = member_client.get(response["Location"]).content.decode()
    assert attachment.sha256 in page and "Submitted for review" in page


def test_a_draft_needs_only_a_title(member_client, mx_plan):
    response = member_client.post(NEW, {"title": "To finish tomorrow", "action": "draft"})
    item = Evidence.objects.get()
    assert response.status_code == 302
    assert item.status == EvidenceStatus.DRAFT and item.visibility == "confidential"


def test_an_empty_form_is_refused_with_a_summary_and_nothing_is_stored(member_client, mx_plan):
    response = member_client.post(NEW, {"action": "submit"})
    html = errors_of(response)
    assert response.status_code == 200
    assert "There are problems with" in html
    assert "Choose at least one indicator." in html
    assert "This field is required." in html  # title
    assert "Give a source URL or attach the document." in html
    assert Evidence.objects.count() == 0


def test_a_failed_submission_keeps_everything_typed_and_names_files_to_choose_again(member_client, mx_plan):
    data = complete(mx_plan, source_url="javascript:alert(1)", summary="Keep this summary, please.")
    response = member_client.post(NEW, {**data, "attachments": [files.pdf("mi-oficio.pdf")]})
    html = errors_of(response)
    assert "Keep this summary, please." in html
    assert 'value="INMUJERES: 84 new MUCPAZ networks in 2021"' in html
    assert "checked" in html  # the ticked indicator stays ticked
    assert "Choose these files again:" in html and "mi-oficio.pdf" in html
    assert Evidence.objects.count() == 0 and EvidenceAttachment.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source_url": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"source_url": "ftp://example.org/file"}, "Enter a valid URL."),
        ({"source_url": "https://" + "a" * 1000 + ".org"}, "Ensure this value has at most 1000 characters"),
        ({"title": "x" * 301}, "Ensure this value has at most 300 characters"),
        ({"title": "bad\x00title"}, "Null characters are not allowed."),
        ({"title": "   "}, "This field is required."),
        ({"summary": "y" * 10_001}, "Ensure this value has at most 10000 characters"),
        ({"source_date": "2999-01-01"}, "The source date cannot be in the future."),
        ({"source_date": "31/31/2021"}, "That day does not exist."),
        ({"source_date": "31 de febrero de 2021"}, "That day does not exist."),
        ({"source_date": "2021-02-29"}, "That day does not exist."),
        ({"source_date": "Q1 2022"}, "Write a year (2023), a month (2021-04"),
        ({"source_date": "<script>alert(1)</script>"}, "Write a year (2023), a month (2021-04"),
        ({"source_date": "2" * 41}, "Ensure this value has at most 40 characters"),
        ({"source_date": "2021\x00"}, "Null characters are not allowed."),
        ({"period_start": "1850"}, "Give a year from 1900 on."),
        ({"period_start": "dos mil"}, "Write a year (2023), a month (2021-04"),
        ({"period_start": "2021-06-30", "period_end": "2021-01-01"}, "The end of the period is before its start."),
        ({"period_start": "2021-06", "period_end": "2021-05"}, "The end of the period is before its start."),
        ({"period_start": "", "period_end": "2021-06"}, "Give the start of the period too."),
        ({"period_start": "2999"}, "The period cannot start in the future."),
        ({"source_date": "2999"}, "The source date cannot be in the future."),
        ({"reported_value": "84.5"}, "A count must be a whole number, 0 or more."),
        ({"reported_value": "-3"}, "A count must be a whole number, 0 or more."),
        ({"reported_value": "1e400"}, "Ensure that there are no more than"),
        ({"reported_value": "abc"}, "Enter a number."),
        ({"kind": "rumour"}, "Select a valid choice."),
        ({"visibility": "everyone"}, "Select a valid choice."),
        ({"indicators": ["999999"]}, "Select a valid choice."),
        ({"period_start": ""}, "Give the year, month or day reported on."),
        ({"source_url": ""}, "Give a source URL or attach the document."),
    ],
)
def test_each_validation_rule_says_what_is_wrong_beside_the_field(member_client, mx_plan, overrides, message):
    response = member_client.post(NEW, complete(mx_plan, **overrides))
    assert response.status_code == 200
    assert message in errors_of(response)
    assert Evidence.objects.count() == 0


def test_a_percentage_must_be_between_0_and_100(member_client, mx_plan):
    response = member_client.post(NEW, complete(mx_plan, indicators=[ind(mx_plan, "I08")], reported_value="123"))
    assert "A percentage must be between 0 and 100." in errors_of(response)
    response = member_client.post(NEW, complete(mx_plan, indicators=[ind(mx_plan, "I08")], reported_value="23.5"))
    assert response.status_code == 302
    assert Evidence.objects.get().value_unit == "percentage"


def test_a_value_is_refused_for_a_yes_no_indicator_and_for_mixed_units(member_client, mx_plan):
    response = member_client.post(NEW, complete(mx_plan, indicators=[ind(mx_plan, "CS06")], reported_value="1"))
    assert "measured as a number or a percentage" in errors_of(response)
    mixed = [ind(mx_plan, "I13"), ind(mx_plan, "I08")]
    response = member_client.post(NEW, complete(mx_plan, indicators=mixed, reported_value="10"))
    assert "different units" in errors_of(response)


def test_an_indicator_of_another_plan_is_refused(member_client, mx_plan, tmp_path):
    from monitoring.services.catalogue_import import import_catalogue, parse_catalogue
    from tests.catalogue_factory import dump, make_catalogue

    import_catalogue(data=parse_catalogue(dump(make_catalogue(slug="other-plan"))))
    foreign = str(Indicator.objects.get(plan__slug="other-plan", code="I01").pk)
    response = member_client.post(f"{NEW}?plan=mx-pna-1325-2021", complete(mx_plan, indicators=[foreign]))
    assert "Select a valid choice." in errors_of(response)
    assert not Evidence.objects.exists()


def test_hostile_text_is_stored_verbatim_and_rendered_inert(member_client, mx_plan):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    member_client.post(NEW, complete(mx_plan, title=payload, summary=payload))
    item = Evidence.objects.get()
    assert item.title == payload
    html = member_client.get(f"/en/evidence/{item.uuid}/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_disguised_file_is_refused_with_its_reason_and_nothing_is_stored(member_client, mx_plan, media_storage):
    evil = files.upload("informe.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = member_client.post(NEW, {**complete(mx_plan), "attachments": [evil]})
    assert "“informe.pdf” is not an accepted type." in errors_of(response)
    assert Evidence.objects.count() == 0
    assert not media_storage.exists() or not any(media_storage.rglob("*"))


def test_an_oversized_file_is_refused_before_it_is_read_whole(member_client, mx_plan, settings, media_storage):
    settings.MAX_UPLOAD_FILE_SIZE = 2_000
    big = files.upload("grande.pdf", b"%PDF-1.4\n" + b"0" * 10_000 + b"\n%%EOF\n")
    response = member_client.post(NEW, {**complete(mx_plan), "attachments": [big]})
    assert "“grande.pdf” is larger than the limit of" in errors_of(response)
    assert Evidence.objects.count() == 0


def test_the_total_size_per_item_is_limited(member_client, mx_plan, settings):
    settings.MAX_UPLOAD_TOTAL_SIZE = 150
    response = member_client.post(NEW, {**complete(mx_plan), "attachments": [files.pdf("a.pdf"), files.pdf("b.pdf")]})
    assert "may not exceed" in errors_of(response)


def test_the_form_is_in_spanish_for_spanish_readers(member_client, mx_plan):
    response = member_client.post("/es/workspace/evidence/new/", complete(mx_plan, source_date="2999-01-01"))
    assert "La fecha de la fuente no puede estar en el futuro." in errors_of(response)


def _draft(member_client, mx_plan) -> Evidence:
    member_client.post(NEW, complete(mx_plan, action="draft"))
    return Evidence.objects.get()


def test_editing_a_draft_saves_changes_and_records_before_and_after(member_client, cast, mx_plan):
    item = _draft(member_client, mx_plan)
    response = member_client.post(
        f"/en/workspace/evidence/{item.uuid}/edit/",
        complete(mx_plan, title="Corrected title", action="draft", version=str(item.version)),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Corrected title" and item.version == 2
    event = AuditEvent.objects.get(action="monitoring.evidence.updated")
    assert event.actor == cast.member
    assert event.changes["title"] == ["INMUJERES: 84 new MUCPAZ networks in 2021", "Corrected title"]


def test_a_second_tab_with_an_old_version_is_refused_and_keeps_its_text(member_client, mx_plan):
    item = _draft(member_client, mx_plan)
    url = f"/en/workspace/evidence/{item.uuid}/edit/"
    member_client.post(url, complete(mx_plan, title="Saved in tab one", action="draft", version="1"))
    response = member_client.post(url, complete(mx_plan, title="Typed in tab two", action="draft", version="1"))
    html = errors_of(response)
    assert response.status_code == 409  # a conflict, as every stale page of every workflow
    assert "Someone saved this item after you opened it" in html
    assert 'value="Typed in tab two"' in html and "Saved in tab one" in html
    item.refresh_from_db()
    assert item.title == "Saved in tab one"


def test_submitting_from_the_item_page_needs_a_complete_item(member_client, mx_plan):
    member_client.post(NEW, {"title": "Only a title", "action": "draft"})
    item = Evidence.objects.get()
    response = member_client.post(f"/en/workspace/evidence/{item.uuid}/submit/", {"version": "1"}, follow=True)
    assert "Complete these fields before submitting" in response.content.decode()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.DRAFT


def test_a_complete_draft_can_be_submitted_from_its_page(member_client, mx_plan):
    item = _draft(member_client, mx_plan)
    response = member_client.post(f"/en/workspace/evidence/{item.uuid}/submit/", {"version": "1"}, follow=True)
    assert "Submitted for review" in response.content.decode()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED


def test_a_draft_can_be_deleted_with_its_files(
    member_client, mx_plan, media_storage, django_capture_on_commit_callbacks
):
    member_client.post(NEW, {**complete(mx_plan, action="draft"), "attachments": [files.pdf()]})
    item = Evidence.objects.get()
    path = media_storage / item.attachments.get().file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(f"/en/workspace/evidence/{item.uuid}/delete/")
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not path.exists()
    assert AuditEvent.objects.filter(action="monitoring.evidence.draft_deleted").exists()


def test_a_file_can_be_removed_from_a_draft(member_client, mx_plan, media_storage, django_capture_on_commit_callbacks):
    member_client.post(NEW, {**complete(mx_plan, action="draft"), "attachments": [files.pdf()]})
    attachment = EvidenceAttachment.objects.get()
    path = media_storage / attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(f"/en/files/{attachment.uuid}/remove/")
    assert not EvidenceAttachment.objects.exists() and not path.exists()


def test_a_storage_failure_leaves_no_row_behind(member_client, mx_plan, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", broken)
    response = member_client.post(NEW, {**complete(mx_plan), "attachments": [files.pdf("kept.pdf")]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "We could not save this right now" in html
    assert 'value="INMUJERES: 84 new MUCPAZ networks in 2021"' in html and "kept.pdf" in html
    assert not Evidence.objects.exists()


def test_my_evidence_list_filters_by_status_indicator_year_kind_and_visibility(member_client, mx_plan):
    member_client.post(NEW, complete(mx_plan, title="Submitted I13 2021"))
    member_client.post(
        NEW,
        complete(
            mx_plan,
            title="Draft I08 2022",
            action="draft",
            indicators=[ind(mx_plan, "I08")],
            period_start="2022",
            reported_value="",
            visibility="confidential",
        ),
    )
    listing = lambda q: member_client.get(f"/en/workspace/evidence/?{q}").content.decode()  # noqa: E731
    assert "Draft I08 2022" not in listing("status=submitted")
    assert "Submitted I13 2021" in listing("status=submitted")
    assert "Draft I08 2022" in listing("indicator=i08") and "Submitted I13" not in listing("indicator=i08")
    assert "Draft I08 2022" in listing("year=2022") and "Submitted I13" not in listing("year=2022")
    assert "Draft I08 2022" in listing("visibility=confidential")
    assert "Submitted I13 2021" in listing("kind=official_statistic")
    assert "Submitted I13 2021" in listing("year=abc")  # a malformed filter is ignored, not an error


def test_source_dates_today_are_accepted(member_client, mx_plan):
    today = timezone.localdate().isoformat()
    response = member_client.post(NEW, complete(mx_plan, source_date=today))
    assert response.status_code == 302
    assert Evidence.objects.get().source_date == dt.date.fromisoformat(today)
