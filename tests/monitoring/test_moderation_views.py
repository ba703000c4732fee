"""Moderation pages through HTTP: who reaches them, the queue, decisions, bulk approval, the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring.models import EvidenceStatus, Indicator, ModerationEntry
from portal.models import AuditEvent
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "member", "reviewer", "other_reviewer", "moderator"]
# The member's reliability assessment, which the decision page asks the moderator to confirm (docs/RELIABILITY.md).
ASSESSED = {"source_reliability": "usually_reliable", "information_credibility": "probably_true"}


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def submitted(cast, mx_plan, **kwargs):
    defaults = {
        "organisation": cast.intersecta,
        "submitted_by": cast.member,
        "plan": mx_plan,
        "status": EvidenceStatus.SUBMITTED,
        "submitted_at": timezone.now(),
        "indicators": [Indicator.objects.get(plan=mx_plan, code="I13")],
        **ASSESSED,
    }
    defaults.update(kwargs)
    return EvidenceFactory(**defaults)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/es/moderation/"),
        ("get", "/es/moderation/audit/"),
        ("get", "/es/moderation/{uuid}/"),
        ("post", "/es/moderation/{uuid}/"),
        ("post", "/es/moderation/bulk/"),
    ],
)
def test_moderation_pages_exist_only_for_moderators(client, cast, mx_plan, role, method, url):
    evidence = submitted(cast, mx_plan)
    login(client, cast, role)
    response = getattr(client, method)(
        url.format(uuid=evidence.uuid),
        {"decision": "approve", "version": "1", "items": [str(evidence.uuid)], **ASSESSED},
    )
    expected = {"anonymous": 302, "moderator": 200 if method == "get" else 302}.get(role, 404)
    assert response.status_code == expected
    evidence.refresh_from_db()
    assert evidence.status == ("approved" if role == "moderator" and method == "post" else "submitted")


def test_a_draft_is_invisible_to_moderators(client, cast, mx_plan):
    draft = submitted(cast, mx_plan, status=EvidenceStatus.DRAFT)
    client.force_login(cast.moderator)
    assert client.get(f"/es/moderation/{draft.uuid}/").status_code == 404


def test_the_queue_lists_submitted_items_oldest_first_with_counts(client, cast, mx_plan):
    now = timezone.now()
    submitted(cast, mx_plan, title="Newest", submitted_at=now)
    submitted(cast, mx_plan, title="Oldest", submitted_at=now - dt.timedelta(days=10))
    submitted(cast, mx_plan, title="Sent back", status=EvidenceStatus.CHANGES_REQUESTED)
    client.force_login(cast.moderator)
    html = client.get("/en/moderation/").content.decode()
    assert html.index("Oldest") < html.index("Newest")
    assert "Sent back" not in html
    assert '<span class="stat">2</span> waiting for a decision' in html
    assert '<span class="stat">1</span> waiting over a week' in html
    assert '<span class="stat">1</span> sent back for changes' in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("organisation=data-civica", "Data item", "Intersecta item"),
        ("indicator=i08", "Data item", "Intersecta item"),
        ("pillar=P2", "Data item", "Nothing"),
        ("kind=testimony", "Data item", "Intersecta item"),
        ("visibility=confidential", "Data item", "Intersecta item"),
        ("age=7", "Intersecta item", "Data item"),
        ("status=changes_requested", "Nothing is waiting", "Intersecta item"),
        ("age=999&organisation=nope&status=bogus", "Intersecta item", "Nothing is waiting"),
    ],
)
def test_queue_filters(client, cast, mx_plan, query, shown, hidden):
    submitted(cast, mx_plan, title="Intersecta item", submitted_at=timezone.now() - dt.timedelta(days=8))
    submitted(
        cast,
        mx_plan,
        title="Data item",
        organisation=cast.data_civica,
        submitted_by=cast.other_member,
        kind="testimony",
        visibility="confidential",
        indicators=[Indicator.objects.get(plan=mx_plan, code="I08")],
    )
    client.force_login(cast.moderator)
    html = client.get(f"/en/moderation/?{query}").content.decode()
    assert shown in html
    assert hidden not in html


def test_the_queue_query_count_does_not_grow_with_the_queue(client, cast, mx_plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/moderation/")
    for _ in range(30):
        submitted(cast, mx_plan)
    with CaptureQueriesContext(connection) as many:
        client.get("/en/moderation/")
    assert len(many) == len(few)


def test_asking_for_changes_through_the_page_requires_a_reason_and_keeps_it(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{evidence.uuid}/", {"decision": "request_changes", "reason": "", "version": evidence.version}
    )
    assert "Give a reason" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    response = client.post(
        f"/en/moderation/{evidence.uuid}/",
        {"decision": "request_changes", "reason": "Attach the official PDF.", "version": evidence.version},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == "changes_requested"
    client.force_login(cast.member)
    page = client.get(f"/en/evidence/{evidence.uuid}/").content.decode()
    assert "Attach the official PDF." in page  # the submitter sees the reason


def test_the_second_moderator_sees_the_decision_that_won(client, cast, mx_plan):
    from tests.factories import UserFactory

    evidence = submitted(cast, mx_plan)
    version = evidence.version
    client.force_login(cast.moderator)
    client.post(f"/en/moderation/{evidence.uuid}/", {"decision": "approve", "version": version, **ASSESSED})
    second = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(second)
    response = client.post(
        f"/en/moderation/{evidence.uuid}/", {"decision": "reject", "reason": "No", "version": version}
    )
    assert response.status_code == 409
    assert "already decided: approved by" in response.content.decode()
    assert ModerationEntry.objects.filter(evidence=evidence).exclude(kind="submitted").count() == 1


def test_a_double_click_records_one_decision(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    data = {"decision": "approve", "version": evidence.version, **ASSESSED}
    client.post(f"/en/moderation/{evidence.uuid}/", data)
    client.post(f"/en/moderation/{evidence.uuid}/", data)
    assert AuditEvent.objects.filter(action="monitoring.evidence.approved").count() == 1


def test_then_next_opens_the_next_item(client, cast, mx_plan):
    first = submitted(cast, mx_plan, submitted_at=timezone.now() - dt.timedelta(days=2))
    second = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{first.uuid}/", {"decision": "approve", "version": first.version, "then": "next", **ASSESSED}
    )
    assert response["Location"] == f"/en/moderation/{second.uuid}/"


def test_bulk_approval_goes_through_the_same_rules(client, cast, mx_plan):
    items = [submitted(cast, mx_plan) for _ in range(3)]
    own = submitted(cast, mx_plan, submitted_by=cast.moderator, title="Mine")
    client.force_login(cast.moderator)
    response = client.post(
        "/en/moderation/bulk/", {"items": [str(i.uuid) for i in [*items, own]] + ["not-a-uuid"]}, follow=True
    )
    html = response.content.decode()
    assert "3 item(s) approved." in html
    assert "submitted yourself" in html
    assert AuditEvent.objects.filter(action="monitoring.evidence.approved").count() == 3
    own.refresh_from_db()
    assert own.status == "submitted"


def test_the_audit_log_filters_by_action_person_and_date(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    client.post(
        f"/en/moderation/{evidence.uuid}/", {"decision": "reject", "reason": "Duplicate", "version": evidence.version}
    )
    html = client.get("/en/moderation/audit/?action=monitoring.evidence.rejected").content.decode()
    assert '<td data-label="Action">Rejected<br>' in html and "Duplicate" in html
    html = client.get(f"/en/moderation/audit/?actor={cast.member.email}").content.decode()
    assert '<td data-label="Action">Rejected<br>' not in html
    html = client.get("/en/moderation/audit/?since=2999-01-01").content.decode()
    assert "No event matches." in html
    response = client.get("/en/moderation/audit/?since=garbage&object_type=<script>")
    assert response.status_code == 400 and "<script>" not in response.content.decode()


def test_members_withdraw_approved_evidence_with_a_reason(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan, status=EvidenceStatus.APPROVED)
    client.force_login(cast.member)
    response = client.post(
        f"/en/workspace/evidence/{evidence.uuid}/withdraw/", {"reason": "", "version": evidence.version}, follow=True
    )
    assert "Give a reason" in response.content.decode()
    client.post(
        f"/en/workspace/evidence/{evidence.uuid}/withdraw/",
        {"reason": "Puts a source at risk", "version": evidence.version},
    )
    evidence.refresh_from_db()
    assert evidence.status == "withdrawn"
