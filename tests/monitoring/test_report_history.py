"""Version history and what changed between versions (issue 17, item 5)."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from monitoring.diffs import compare, word_diff
from monitoring.models import Assessment, Indicator, ReportVersionCitation
from monitoring.services import reports as svc
from tests.factories import EvidenceFactory
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def correct(world, cast, note, **fields):
    """Edit the published report and publish the correction as the next version."""
    assess(world, cast.reviewer, fields.pop("cited", [world["public"]]), **fields)
    return publish(world, cast, note=note)


@pytest.fixture
def two_versions(world, cast, mx_plan):
    assess(world, cast.reviewer, [world["public"]], rating="in_progress", observed_value=84, narrative="Hay 84 redes.")
    v1 = publish(world, cast)
    newer = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        indicators=[world["i13"]],
        status="approved",
        visibility="public",
        title="SSPC: 90 networks",
    )
    report = world["report"]
    report.refresh_from_db()
    svc.update_report(
        report=report,
        actor=cast.reviewer,
        fields={"executive_summary": "Summary **bold**, corrected."},
        expected_version=report.version,
    )
    v2 = correct(
        world,
        cast,
        "Corrected I13",
        cited=[newer],
        rating="achieved",
        observed_value=90,
        narrative="Hay 90 redes según la SSPC.",
        reply_text="Sin comentarios.",
    )
    return v1, v2, newer


def test_word_diff_marks_added_and_removed_words_and_joins_back_into_each_text():
    runs = word_diff("Hay 84 redes activas.", "Hay 90 redes activas hoy.")
    assert {"op": "del", "text": "84"} in runs and {"op": "ins", "text": "90"} in runs
    assert "".join(r["text"] for r in runs if r["op"] != "ins") == "Hay 84 redes activas."
    assert "".join(r["text"] for r in runs if r["op"] != "del") == "Hay 90 redes activas hoy."
    assert word_diff("same", "same") == [{"op": "same", "text": "same"}]


def test_the_comparison_shows_rating_value_narrative_reply_and_citations_that_changed(two_versions, world):
    v1, v2, newer = two_versions
    diff = compare(v1.snapshot, v2.snapshot, "en")
    assert [i["code"] for i in diff["indicators"]] == ["I13"]
    i13 = diff["indicators"][0]
    assert (i13["rating_before"]["value"], i13["rating_after"]["value"]) == ("in_progress", "achieved")
    assert (i13["value_before"], i13["value_after"]) == ("84", "90")
    assert {"op": "del", "text": "84"} in i13["narrative"] and {"op": "ins", "text": "90"} in i13["narrative"]
    assert i13["reply_changed"] and {"op": "ins", "text": "Sin comentarios."} in i13["reply"]
    assert [e["uuid"] for e in i13["evidence_added"]] == [str(newer.uuid)]
    assert [e["uuid"] for e in i13["evidence_removed"]] == [str(world["public"].uuid)]
    assert diff["unchanged"] == 32
    summary = next(t for t in diff["texts"] if t["key"] == "executive_summary")
    assert summary["changed"] and any(r["op"] == "ins" and "corrected." in r["text"] for r in summary["runs"])


def test_the_what_changed_page_is_public_accessible_and_has_a_stable_address(
    client, two_versions, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(f"/en/reports/{SLUG}/compare/v1...v2/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "What changed from version 1 to version 2" in page
    assert '<del><span class="visually-hidden">[removed: </span>84' in page
    assert '<ins><span class="visually-hidden">[added: </span>90' in page
    assert "SSPC: 90 networks" in page and "INMUJERES: 84 new networks" in page
    assert "Achieved" in page and "In progress" in page  # ratings as words, not colour alone
    assert client.get(f"/en/reports/{SLUG}/compare/v2...v1/")["Location"] == f"/en/reports/{SLUG}/compare/v1...v2/"
    assert client.get(f"/en/reports/{SLUG}/compare/v1...v1/").status_code == 404
    assert client.get(f"/en/reports/{SLUG}/compare/v1...v9/").status_code == 404
    assert client.get(f"/es/reports/{SLUG}/compare/v1...v2/").status_code == 200


def test_the_comparison_page_costs_the_same_queries_with_many_citations(client, two_versions, world, cast, mx_plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(a: int, b: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/en/reports/{SLUG}/compare/v{a}...v{b}/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    many = [
        EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            indicators=[world["i13"]],
            status="approved",
            visibility="public",
            title=f"Item {n}",
        )
        for n in range(30)
    ]
    correct(world, cast, "Three", cited=many[:2])
    correct(world, cast, "Four", cited=many)
    few, with_many = count(2, 3), count(3, 4)
    assert few == with_many <= 10
    assert b"Item 29" in client.get(f"/en/reports/{SLUG}/compare/v3...v4/").content


def test_an_embargoed_version_cannot_be_compared_publicly(client, two_versions, world, cast):
    import datetime as dt

    from django.utils import timezone

    assess(world, cast.reviewer, [], narrative="Secret draft of v3")
    svc.request_publication(
        report=world["report"], actor=cast.reviewer, change_note="x", public_from=timezone.now() + dt.timedelta(days=9)
    )
    svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    response = client.get(f"/en/reports/{SLUG}/compare/v2...v3/")
    assert response.status_code == 404 and b"Secret draft" not in response.content


def test_every_version_page_lists_every_public_version_with_its_date_note_and_links(client, two_versions):
    page = client.get(f"/en/reports/{SLUG}/v2/").content.decode()
    assert "Versions of this report" in page
    assert f'href="/en/reports/{SLUG}/v1/"' in page and "Corrected I13" in page
    assert f'href="/en/reports/{SLUG}/compare/v1...v2/"' in page
    assert f'<link rel="predecessor-version" href="/en/reports/{SLUG}/v1/">' in page
    old = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert f'href="/en/reports/{SLUG}/v2/"' in old and f'href="/en/reports/{SLUG}/compare/v1...v2/"' in old


def test_the_json_of_a_version_names_its_predecessor_without_changing_the_snapshot(client, two_versions):
    _v1, v2, _newer = two_versions
    first = client.get(f"/en/reports/{SLUG}/v1/download.json")
    second = client.get(f"/en/reports/{SLUG}/v2/download.json")
    assert json.loads(second.content) == v2.snapshot  # the bytes are the snapshot's, as published
    assert second["Link"] == f'<http://testserver/en/reports/{SLUG}/v1/download.json>; rel="predecessor-version"'
    assert "Link" not in first
    api = client.get(f"/api/v1/report-versions/{SLUG}-v2/").json()
    assert api["predecessor"] == 1 and api["snapshot"] == v2.snapshot
    assert client.get(f"/api/v1/report-versions/{SLUG}-v1/").json()["predecessor"] is None


def test_publication_indexes_the_cited_evidence(two_versions, world):
    v1, v2, newer = two_versions
    assert set(ReportVersionCitation.objects.filter(version=v1).values_list("evidence_uuid", flat=True)) == {
        world["public"].uuid
    }
    assert set(ReportVersionCitation.objects.filter(version=v2).values_list("evidence_uuid", flat=True)) == {newer.uuid}
    assert (
        Assessment.objects.filter(report=world["report"]).count()
        == Indicator.objects.filter(plan=world["report"].plan).count()
    )
