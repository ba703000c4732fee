"""Claims: a moderator says she is reviewing an item; the others see it, it lapses, and deciding over it is asked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring.models import EvidenceClaim, EvidenceStatus, ModerationEntry
from monitoring.services import conversations
from portal.models import AuditEvent
from tests.factories import UserFactory
from tests.monitoring.conversations_kit import item, small_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    return small_plan()


@pytest.fixture
def colleague(cast):
    other = UserFactory(email="otra@observatorio.test", full_name="Otra Moderadora", is_staff=True)
    other.user_permissions.set(cast.moderator.user_permissions.all())
    return other


def test_a_claim_is_shown_to_the_other_moderators_in_the_queue_and_on_the_item(client, cast, plan, colleague):
    evidence = item(cast, plan, title="SEDENA: personal femenino")
    client.force_login(colleague)
    response = client.post(f"/en/moderation/{evidence.uuid}/claim/")
    assert response.status_code == 302
    claim = EvidenceClaim.objects.get(evidence=evidence)
    assert claim.moderator == colleague and claim.released_at is None
    assert AuditEvent.objects.filter(action="monitoring.evidence.claimed", actor=colleague).exists()

    client.force_login(cast.moderator)
    queue = client.get("/en/moderation/").content.decode()
    assert "Claimed by Otra Moderadora since" in queue
    page = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "Claimed by Otra Moderadora since" in page
    assert "Decide anyway" in page
    assert "Claim this item" not in page  # someone holds it


def test_claiming_an_item_someone_holds_is_refused_with_who_and_since_when(client, cast, plan, colleague):
    evidence = item(cast, plan)
    conversations.claim_item(evidence=evidence, actor=colleague)
    client.force_login(cast.moderator)
    response = client.post(f"/en/moderation/{evidence.uuid}/claim/", follow=True)
    assert "Claimed by Otra Moderadora since" in response.content.decode()
    assert EvidenceClaim.objects.get(evidence=evidence).moderator == colleague


def test_a_decision_over_a_colleagues_claim_needs_confirmation(client, cast, plan, colleague):
    evidence = item(cast, plan)
    conversations.claim_item(evidence=evidence, actor=colleague)
    client.force_login(cast.moderator)
    data = {"decision": "request_changes", "reason": "Falta la fuente.", "version": evidence.version}
    response = client.post(f"/en/moderation/{evidence.uuid}/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your decision was not recorded" in html and "Otra Moderadora" in html
    assert "Falta la fuente." in html  # the reason typed is kept
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert not ModerationEntry.objects.filter(evidence=evidence).exists()

    response = client.post(f"/en/moderation/{evidence.uuid}/", {**data, "confirm_claim": "yes"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.CHANGES_REQUESTED
    assert EvidenceClaim.objects.get(evidence=evidence).released_at is not None  # the decision ends the claim


def test_the_claimer_decides_without_being_asked_and_her_claim_ends(client, cast, plan):
    evidence = item(cast, plan)
    conversations.claim_item(evidence=evidence, actor=cast.moderator)
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{evidence.uuid}/",
        {
            "decision": "approve",
            "reason": "",
            "version": evidence.version,
            # The reliability assessment the decision page requires to approve (docs/RELIABILITY.md).
            "source_reliability": "reliable",
            "information_credibility": "confirmed",
        },
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.APPROVED
    assert not conversations.active_claims().exists()


def test_a_claim_lapses_after_the_set_time_and_another_moderator_may_claim(client, cast, plan, colleague, settings):
    settings.MODERATION_CLAIM_MINUTES = 120
    evidence = item(cast, plan)
    claim = conversations.claim_item(evidence=evidence, actor=colleague)
    EvidenceClaim.objects.filter(pk=claim.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=121))
    client.force_login(cast.moderator)
    assert "Claimed by Otra" not in client.get("/en/moderation/").content.decode()
    page = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "Nobody has claimed this item." in page and "Decide anyway" not in page
    client.post(f"/en/moderation/{evidence.uuid}/claim/")
    claims = EvidenceClaim.objects.filter(evidence=evidence).order_by("pk")
    assert [(c.moderator, c.released_at is None) for c in claims] == [(colleague, False), (cast.moderator, True)]


def test_the_claimer_releases_her_claim_and_no_one_else_can(client, cast, plan, colleague):
    evidence = item(cast, plan)
    conversations.claim_item(evidence=evidence, actor=colleague)
    client.force_login(cast.moderator)
    response = client.post(f"/en/moderation/{evidence.uuid}/release/", follow=True)
    assert "You have no claim on this item." in response.content.decode()
    assert conversations.active_claim(evidence) is not None

    client.force_login(colleague)
    response = client.post(f"/en/moderation/{evidence.uuid}/release/", follow=True)
    assert "You released your claim on this item." in response.content.decode()
    assert conversations.active_claim(evidence) is None
    assert AuditEvent.objects.filter(action="monitoring.evidence.claim_released", actor=colleague).exists()


@pytest.mark.parametrize("role", ["anonymous", "member", "other_member", "reviewer"])
def test_only_moderators_claim(client, cast, plan, role):
    evidence = item(cast, plan)
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    for verb in ("claim", "release", "notes", "duplicate"):
        response = client.post(f"/en/moderation/{evidence.uuid}/{verb}/")
        assert response.status_code == (302 if role == "anonymous" else 404)
    assert not EvidenceClaim.objects.exists()


def test_only_waiting_items_can_be_claimed(client, cast, plan):
    evidence = item(cast, plan, status=EvidenceStatus.APPROVED)
    client.force_login(cast.moderator)
    response = client.post(f"/en/moderation/{evidence.uuid}/claim/", follow=True)
    assert "Only items waiting for a decision can be claimed." in response.content.decode()
    assert not EvidenceClaim.objects.exists()


def test_bulk_approval_skips_an_item_a_colleague_claimed_and_says_so(client, cast, plan, colleague):
    held = item(cast, plan, title="Held item")
    free = item(cast, plan, title="Free item")
    # Bulk approval confirms the member's reliability assessment: it needs one (docs/RELIABILITY.md).
    type(free).objects.filter(pk=free.pk).update(source_reliability="reliable", information_credibility="confirmed")
    conversations.claim_item(evidence=held, actor=colleague)
    client.force_login(cast.moderator)
    response = client.post("/en/moderation/bulk/", {"items": [str(held.uuid), str(free.uuid)]}, follow=True)
    html = response.content.decode()
    assert "1 item(s) approved." in html
    assert "“Held item”: Claimed by Otra Moderadora since" in html
    held.refresh_from_db()
    free.refresh_from_db()
    assert (held.status, free.status) == (EvidenceStatus.SUBMITTED, EvidenceStatus.APPROVED)


def test_the_queue_with_claims_makes_a_constant_number_of_queries(client, cast, plan, colleague):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    conversations.claim_item(evidence=item(cast, plan), actor=colleague)
    client.force_login(cast.moderator)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/moderation/")
    for _ in range(20):
        conversations.claim_item(evidence=item(cast, plan), actor=colleague)
    with CaptureQueriesContext(connection) as many:
        client.get("/en/moderation/")
    assert len(many) == len(few)
