"""Real concurrent connections on PostgreSQL: no decision or edit is lost or duplicated.

PostgreSQL-only: SQLite serialises whole-database writes and has no row locks, so it cannot
show the race these tests prove is handled (they are deselected on the SQLite run).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from monitoring.models import EntryKind, Evidence, EvidenceStatus, Indicator, ModerationEntry
from monitoring.services import moderation
from monitoring.services.evidence import EvidenceError, update_evidence
from portal.models import AuditEvent
from tests.factories import EvidenceFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _require_postgresql():
    assert connection.vendor == "postgresql", (
        "run with DATABASE_URL=postgres://… (CI does), or deselect -m 'not postgres'"
    )


def run_at_once(callables):
    """Run each callable in its own thread and database connection, released together by a barrier."""
    barrier = threading.Barrier(len(callables))
    results: list[object] = [None] * len(callables)

    def worker(index, fn):
        try:
            barrier.wait()
            results[index] = fn()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def submitted_item(cast, mx_plan):
    return EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status=EvidenceStatus.SUBMITTED,
        submitted_at=timezone.now(),
        indicators=[Indicator.objects.get(plan=mx_plan, code="I13")],
    )


def test_two_moderators_deciding_at_once_record_exactly_one_decision(cast, mx_plan):
    evidence = submitted_item(cast, mx_plan)
    second = UserFactory(is_staff=True, is_superuser=True)
    version = evidence.version

    results = run_at_once(
        [
            lambda: moderation.approve_evidence(evidence=evidence, actor=cast.moderator, expected_version=version),
            lambda: moderation.reject_evidence(
                evidence=evidence, actor=second, reason="Duplicate", expected_version=version
            ),
        ]
    )

    winners = [r for r in results if isinstance(r, Evidence)]
    losers = [r for r in results if isinstance(r, moderation.AlreadyDecided)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "already decided" in losers[0].message or "ya" in losers[0].message
    decisions = ModerationEntry.objects.filter(evidence=evidence).exclude(kind=EntryKind.SUBMITTED)
    assert decisions.count() == 1
    evidence.refresh_from_db()
    assert evidence.status == winners[0].status
    assert (
        AuditEvent.objects.filter(
            object_id=str(evidence.pk), action__in=["monitoring.evidence.approved", "monitoring.evidence.rejected"]
        ).count()
        == 1
    )


def test_twenty_concurrent_approvals_produce_exactly_one_transition(cast, mx_plan):
    evidence = submitted_item(cast, mx_plan)
    moderators = [UserFactory(is_staff=True, is_superuser=True) for _ in range(20)]

    results = run_at_once([lambda m=m: moderation.approve_evidence(evidence=evidence, actor=m) for m in moderators])

    assert sum(isinstance(r, Evidence) for r in results) == 1
    assert sum(isinstance(r, EvidenceError) for r in results) == 19
    assert AuditEvent.objects.filter(action="monitoring.evidence.approved").count() == 1


def test_two_tabs_saving_the_same_draft_at_once_never_drop_a_change_silently(cast, mx_plan):
    draft = EvidenceFactory(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, title="Original")
    version = draft.version

    def save(title):
        return lambda: update_evidence(
            evidence=draft, actor=cast.member, fields={"title": title}, files=[], expected_version=version, submit=False
        )

    results = run_at_once([save("From tab one"), save("From tab two")])

    saved = [r for r in results if isinstance(r, Evidence)]
    refused = [r for r in results if isinstance(r, EvidenceError)]
    assert len(saved) == 1 and len(refused) == 1, results
    draft.refresh_from_db()
    assert draft.title == saved[0].title and draft.version == version + 1
