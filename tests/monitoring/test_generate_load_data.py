"""`manage.py generate_load_data`: the benchmark data — COPY on PostgreSQL, bulk_create elsewhere, same rows."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.db import connection

from monitoring import search
from monitoring.management.commands.generate_load_data import SEARCH_TERMS, Command
from monitoring.models import Evidence, EvidenceAttachment, Indicator, Institution, Region, ReportVersion
from portal.models import Organisation
from tests.conftest import load_reference_data


def _command(mx_plan, seed: int = 7) -> Command:
    command = Command(stdout=io.StringIO())
    command.rng = random.Random(seed)
    command.plan = mx_plan
    command.indicators = list(Indicator.objects.filter(plan=mx_plan))
    command.regions = list(Region.objects.all())
    command.institutions = list(Institution.objects.all())
    return command


def _people() -> list[tuple[int, int]]:
    return [(1, 1), (2, 2)]


@pytest.mark.django_db
def test_rows_are_deterministic_for_a_seed_and_carry_the_search_terms(mx_plan):
    first = [item.row for item in _command(mx_plan)._items(1, 3000, _people())]
    again = [item.row for item in _command(mx_plan)._items(1, 3000, _people())]
    strip = ("created_at", "updated_at", "submitted_at")
    assert [{k: v for k, v in r.items() if k not in strip} for r in first] == [
        {k: v for k, v in r.items() if k not in strip} for r in again
    ]
    assert [r["id"] for r in first] == list(range(1, 3001))
    for row in first[:200]:
        assert row["search_text"] == search.normalise(f"{row['title']} {row['summary']} {row['source_url']}")

    def share(word: str) -> float:
        return sum(f" {word} " in f" {r['search_text']} " for r in first) / len(first)

    assert share(SEARCH_TERMS["rare"]) < 0.01
    assert 0.26 < share(SEARCH_TERMS["30 %"]) < 0.34
    assert 0.56 < share(SEARCH_TERMS["60 %"]) < 0.64
    public = sum(r["status"] == "approved" and r["visibility"] == "public" for r in first) / len(first)
    assert 0.52 < public < 0.60


@pytest.mark.django_db
def test_the_bulk_create_path_writes_items_links_and_attachments(mx_plan):
    from tests.factories import UserFactory

    user = UserFactory()
    org = Organisation.objects.create(slug="load-test", name="Load test")
    command = _command(mx_plan)
    command._evidence_orm(120, command._items(1, 120, [(org.pk, user.pk)]))
    assert Evidence.objects.count() == 120
    assert Evidence.indicators.through.objects.count() >= 120
    assert Evidence.institutions.through.objects.count() == 120
    assert 10 < EvidenceAttachment.objects.count() < 70
    item = Evidence.objects.order_by("pk").first()
    assert item is not None
    assert item.search_text == search.normalise(f"{item.title} {item.summary} {item.source_url}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_copy_load_matches_what_the_services_would_store():
    assert connection.vendor == "postgresql"
    load_reference_data()
    call_command(
        "generate_load_data",
        evidence=1500,
        requests=20,
        reports=2,
        organisations=3,
        force=True,
        stdout=io.StringIO(),
    )
    assert Evidence.objects.count() == 1500
    assert Evidence.objects.filter(search_vector__isnull=True).count() == 0
    # The same search vector as monitoring.search.refresh() computes, and the same search_text.
    pairs = list(Evidence.objects.annotate(expected=search._vector()).values_list("search_vector", "expected")[:300])
    assert all(stored == expected for stored, expected in pairs)
    for item in Evidence.objects.order_by("?")[:50]:
        assert item.search_text == search.normalise(f"{item.title} {item.summary} {item.source_url}")
    # The secondary indexes are back, the id sequence is past the last id, the links and attachments are there.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'monitoring_evidence'")
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT last_value FROM monitoring_evidence_id_seq")
        (last,) = cursor.fetchone()
    assert {"evidence_public_search_gin", "evidence_public_recent_idx", "evidence_org_recent_idx"} <= indexes
    assert last == Evidence.objects.order_by("-pk").values_list("pk", flat=True)[0]
    assert Evidence.indicators.through.objects.count() >= 1500
    assert Evidence.regions.through.objects.count() == 1500
    assert 300 < EvidenceAttachment.objects.count() < 700
    # Searching works through the public index, and the reports were built on top.
    assert search.search(Evidence.objects.public(), SEARCH_TERMS["60 %"]).count() > 300
    assert ReportVersion.objects.filter(report__slug="load-report-0").count() >= 2
