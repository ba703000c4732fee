"""Role × URL: nobody outside an organisation reaches its non-public evidence — it is a 404, like a bad UUID."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.base import ContentFile

from monitoring.models import EvidenceAttachment, EvidenceStatus, Indicator, Visibility
from tests.factories import PASSWORD, EvidenceFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "other_member", "other_reviewer", "member", "reviewer", "moderator"]


def login(client, cast, role: str) -> None:
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def make_item(cast, mx_plan, status: str, visibility: str):
    item = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        status=status,
        visibility=visibility,
        indicators=[Indicator.objects.get(plan=mx_plan, code="I13")],
        plan=mx_plan,
    )
    attachment = EvidenceAttachment(
        evidence=item,
        original_name="informe.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        original_sha256="0" * 64,
        uploaded_by=cast.member,
    )
    attachment.file.save("x", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    attachment.save()
    return item, attachment


# What each role may read, for each kind of item. 200 = readable, 404 = does not exist for them.
READ_MATRIX = {
    ("draft", "public"): {"member": 200, "reviewer": 200},
    ("submitted", "confidential"): {"member": 200, "reviewer": 200, "moderator": 200},
    ("approved", "confidential"): {"member": 200, "reviewer": 200, "moderator": 200},
    ("approved", "reviewers"): {"member": 200, "reviewer": 200, "other_reviewer": 200, "moderator": 200},
    ("approved", "public"): dict.fromkeys(ROLES, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", READ_MATRIX.keys(), ids=lambda s: "-".join(s))
def test_reading_evidence_and_its_files(client, cast, mx_plan, role, state):
    item, attachment = make_item(cast, mx_plan, *state)
    login(client, cast, role)
    expected = READ_MATRIX[state].get(role, 404)

    assert client.get(f"/es/evidence/{item.uuid}/").status_code == expected
    assert client.get(f"/es/files/{attachment.uuid}/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_uuid_answers_exactly_like_a_forbidden_one(client, cast, mx_plan, role):
    login(client, cast, role)
    unknown = uuid.uuid4()
    missing = client.get(f"/es/evidence/{unknown}/")
    assert missing.status_code == 404
    item, _ = make_item(cast, mx_plan, "submitted", "confidential")
    if role not in ("member", "reviewer", "moderator"):
        forbidden = client.get(f"/es/evidence/{item.uuid}/")
        assert forbidden.status_code == 404

        def normalise(body: bytes, value: uuid.UUID) -> bytes:
            body = body.replace(str(value).encode(), b"X")
            return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)

        assert normalise(forbidden.content, item.uuid) == normalise(missing.content, unknown)


WRITE_URLS = [
    ("get", "/es/workspace/evidence/{uuid}/edit/"),
    ("post", "/es/workspace/evidence/{uuid}/edit/"),
    ("post", "/es/workspace/evidence/{uuid}/submit/"),
    ("post", "/es/workspace/evidence/{uuid}/delete/"),
]


@pytest.mark.parametrize("role", ["outsider", "other_member", "other_reviewer", "moderator"])
@pytest.mark.parametrize(("method", "url"), WRITE_URLS)
def test_nobody_outside_the_organisation_can_edit_submit_or_delete(client, cast, mx_plan, role, method, url):
    item, attachment = make_item(cast, mx_plan, "draft", "confidential")
    login(client, cast, role)
    response = getattr(client, method)(url.format(uuid=item.uuid), {"title": "hijacked", "action": "draft"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.title != "hijacked"
    assert client.post(f"/es/files/{attachment.uuid}/remove/").status_code == 404
    assert EvidenceAttachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize(
    ("method", "url"), [*WRITE_URLS, ("get", "/es/workspace/evidence/"), ("get", "/es/workspace/evidence/new/")]
)
def test_anonymous_visitors_are_sent_to_log_in(client, cast, mx_plan, method, url):
    item, _ = make_item(cast, mx_plan, "draft", "public")
    response = getattr(client, method)(url.format(uuid=item.uuid))
    assert response.status_code == 302
    assert response["Location"].startswith("/es/accounts/login/?next=")


@pytest.mark.parametrize("role", ["member", "reviewer"])
def test_members_of_the_organisation_can_open_the_workspace_pages(client, cast, mx_plan, role):
    item, _ = make_item(cast, mx_plan, "draft", "confidential")
    login(client, cast, role)
    assert client.get("/es/workspace/evidence/").status_code == 200
    assert client.get("/es/workspace/evidence/new/").status_code == 200
    assert client.get(f"/es/workspace/evidence/{item.uuid}/edit/").status_code == 200


def test_the_workspace_list_shows_only_my_organisations_items(client, cast, mx_plan):
    mine, _ = make_item(cast, mx_plan, "draft", "confidential")
    theirs = EvidenceFactory(
        organisation=cast.data_civica, submitted_by=cast.other_member, plan=mx_plan, title="Theirs"
    )
    client.force_login(cast.member)
    html = client.get("/es/workspace/evidence/").content.decode()
    assert mine.title in html
    assert theirs.title not in html


def test_a_person_without_organisation_is_told_how_to_join(client, cast):
    client.force_login(cast.outsider)
    response = client.get("/en/workspace/evidence/")
    assert response.status_code == 200
    assert "A moderator can invite you" in response.content.decode()


def test_submitted_items_are_read_only_for_their_members(client, cast, mx_plan):
    item, _ = make_item(cast, mx_plan, EvidenceStatus.SUBMITTED, Visibility.PUBLIC)
    client.force_login(cast.member)
    response = client.get(f"/en/workspace/evidence/{item.uuid}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/evidence/{item.uuid}/"
    response = client.post(f"/en/workspace/evidence/{item.uuid}/delete/")
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED


def test_download_headers_force_a_download_with_the_real_type(client, cast, mx_plan):
    _item, attachment = make_item(cast, mx_plan, "approved", "public")
    response = client.get(f"/es/files/{attachment.uuid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="informe.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_hashes_are_public_but_uploaders_and_history_are_for_members_and_moderators_only(client, cast, mx_plan):
    item, _attachment = make_item(cast, mx_plan, "approved", "public")
    public = client.get(f"/en/evidence/{item.uuid}/").content.decode()
    assert "0" * 64 in public  # the public chain of custody (issue 15)
    assert "Uploaded by" not in public and 'id="history-heading"' not in public
    client.force_login(cast.member)
    own = client.get(f"/en/evidence/{item.uuid}/").content.decode()
    assert "0" * 64 in own and "Uploaded by" in own and 'id="history-heading"' in own


def test_the_workspace_list_query_count_does_not_grow_with_items(client, cast, mx_plan, django_assert_max_num_queries):
    for _ in range(3):
        make_item(cast, mx_plan, "draft", "public")
    client.force_login(cast.member)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/es/workspace/evidence/")
    for _ in range(20):
        make_item(cast, mx_plan, "submitted", "public")
    with CaptureQueriesContext(connection) as many:
        client.get("/es/workspace/evidence/")
    assert len(many) == len(few)


def test_passwords_are_hashed_never_stored(cast):
    assert cast.member.check_password(PASSWORD)
    assert PASSWORD not in cast.member.password
