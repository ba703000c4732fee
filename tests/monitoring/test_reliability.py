"""Source reliability and information credibility (issue 18, part 2; docs/RELIABILITY.md): confirmed or changed by
the moderator at approval (audited), shown wherever an item is shown or cited, filterable on the public list, the
API and the CSV; and a testimony, confidential until a moderator makes it public with a reason."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import presentation
from monitoring.models import EvidenceStatus, Indicator, ReportVersion
from monitoring.snapshots import canonical_json
from portal.models import AuditEvent
from tests.factories import EvidenceFactory
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

PROPOSED = {"source_reliability": "usually_reliable", "information_credibility": "probably_true"}


def submitted(cast, mx_plan, **kwargs):
    values = {
        "organisation": cast.intersecta,
        "submitted_by": cast.member,
        "plan": mx_plan,
        "status": EvidenceStatus.SUBMITTED,
        "submitted_at": timezone.now(),
        "indicators": [Indicator.objects.get(plan=mx_plan, code="I13")],
        **PROPOSED,
    }
    values.update(kwargs)
    return EvidenceFactory(**values)


def public(cast, mx_plan, code="I13", **kwargs):
    return submitted(
        cast, mx_plan, status=EvidenceStatus.APPROVED, indicators=[Indicator.objects.get(code=code)], **kwargs
    )


def approve(client, evidence, **fields):
    data = {"decision": "approve", "version": evidence.version, "reason": "", **PROPOSED, **fields}
    return client.post(f"/en/moderation/{evidence.uuid}/", data)


# --- moderation ------------------------------------------------------------------------------------------------


def test_the_decision_page_prefills_the_members_assessment(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert '<option value="usually_reliable" selected>Usually reliable</option>' in html
    assert '<option value="probably_true" selected>Probably true</option>' in html
    assert "Source: usually reliable · Information: probably true" in html


def test_approving_unchanged_confirms_the_members_assessment_without_a_change_event(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    assert approve(client, evidence).status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == "approved"
    assert (evidence.source_reliability, evidence.information_credibility) == ("usually_reliable", "probably_true")
    assert evidence.reliability_confirmed_by == cast.moderator and evidence.reliability_confirmed_at is not None
    assert not AuditEvent.objects.filter(action="monitoring.evidence.reliability_changed").exists()


def test_a_change_at_approval_is_audited_with_before_and_after(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    approve(client, evidence, source_reliability="doubtful")
    evidence.refresh_from_db()
    assert evidence.status == "approved" and evidence.source_reliability == "doubtful"
    event = AuditEvent.objects.get(action="monitoring.evidence.reliability_changed")
    assert event.actor == cast.moderator
    assert event.changes == {"source_reliability": ["usually_reliable", "doubtful"]}
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "changed the reliability assessment" in html  # the item's audit trail, readable
    assert f"Confirmed by {cast.moderator}" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source_reliability": ""}, "Choose how reliable the source is before approving."),
        ({"information_credibility": ""}, "Choose how credible the information is before approving."),
        ({"source_reliability": "<script>alert(1)</script>"}, "Choose how reliable the source is, from the list."),
        ({"information_credibility": "x" * 10_000}, "Choose how credible the information is, from the list."),
    ],
)
def test_an_empty_or_hostile_assessment_is_refused_and_nothing_typed_is_lost(client, cast, mx_plan, fields, message):
    evidence = submitted(cast, mx_plan, source_reliability="", information_credibility="")
    client.force_login(cast.moderator)
    response = approve(client, evidence, reason="Checked against the gazette.", **fields)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert "<script>alert(1)</script>" not in html
    assert "Checked against the gazette." in html  # the note typed is still in its box
    evidence.refresh_from_db()
    assert evidence.status == "submitted" and evidence.source_reliability == ""
    assert not AuditEvent.objects.filter(action="monitoring.evidence.approved").exists()


def test_rejecting_needs_no_assessment(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan, source_reliability="", information_credibility="")
    client.force_login(cast.moderator)
    refused = client.post(
        f"/en/moderation/{evidence.uuid}/", {"decision": "reject", "reason": "", "version": evidence.version}
    ).content.decode()
    assert "Give a reason" in refused and 'name="source_reliability"' in refused  # the approval fields stay
    client.post(
        f"/en/moderation/{evidence.uuid}/", {"decision": "reject", "reason": "Off topic", "version": evidence.version}
    )
    evidence.refresh_from_db()
    assert evidence.status == "rejected"


def test_a_stale_page_changes_no_assessment(client, cast, mx_plan):
    evidence = submitted(cast, mx_plan)
    client.force_login(cast.moderator)
    response = approve(client, evidence, version=evidence.version + 5, source_reliability="doubtful")
    assert response.status_code == 409
    evidence.refresh_from_db()
    assert evidence.status == "submitted" and evidence.source_reliability == "usually_reliable"
    assert not AuditEvent.objects.filter(action="monitoring.evidence.reliability_changed").exists()


def test_bulk_approval_confirms_the_members_values_and_refuses_unassessed_items(client, cast, mx_plan):
    assessed = submitted(cast, mx_plan, title="Assessed")
    bare = submitted(cast, mx_plan, title="Bare", source_reliability="", information_credibility="")
    client.force_login(cast.moderator)
    html = client.post(
        "/en/moderation/bulk/", {"items": [str(assessed.uuid), str(bare.uuid)]}, follow=True
    ).content.decode()
    assert "1 item(s) approved." in html
    assert "“Bare”: it has no reliability assessment yet: assess and approve it from its page." in html
    assessed.refresh_from_db()
    bare.refresh_from_db()
    assert assessed.status == "approved" and assessed.reliability_confirmed_by == cast.moderator
    assert bare.status == "submitted"


# --- a testimony's visibility -------------------------------------------------------------------------------------


def a_testimony(cast, mx_plan, **kwargs):
    return public(cast, mx_plan, kind="testimony", visibility="confidential", title="A testimony", **kwargs)


def test_a_moderator_makes_a_testimony_public_with_a_reason(client, cast, mx_plan):
    item = a_testimony(cast, mx_plan)
    assert "A testimony" not in client.get("/en/evidence/").content.decode()
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{item.uuid}/visibility/",
        {
            "visibility-visibility": "public",
            "visibility-reason": "Consent covers publication.",
            "version": item.version,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.visibility == "public" and item.version == 2
    event = AuditEvent.objects.get(action="monitoring.evidence.visibility_changed")
    assert event.changes == {"visibility": ["confidential", "public"]}
    assert event.reason == "Consent covers publication." and event.actor == cast.moderator
    client.logout()
    assert "A testimony" in client.get("/en/evidence/").content.decode()  # the public page cache was bumped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"visibility-visibility": "public", "visibility-reason": "   "},
            "Give the reason for changing the visibility",
        ),
        ({"visibility-visibility": "everyone", "visibility-reason": "Why not"}, "Choose a visibility from the list."),
        ({"visibility-visibility": "public", "visibility-reason": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_a_visibility_change_without_a_valid_reason_or_value_is_refused(client, cast, mx_plan, data, message):
    item = a_testimony(cast, mx_plan)
    client.force_login(cast.moderator)
    response = client.post(f"/en/moderation/{item.uuid}/visibility/", {**data, "version": item.version})
    assert response.status_code == 200 and message in response.content.decode()
    item.refresh_from_db()
    assert item.visibility == "confidential"
    assert not AuditEvent.objects.filter(action="monitoring.evidence.visibility_changed").exists()


@pytest.mark.parametrize("role", ["anonymous", "member", "reviewer"])
def test_only_a_moderator_reaches_the_visibility_form(client, cast, mx_plan, role):
    item = a_testimony(cast, mx_plan)
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    response = client.post(
        f"/en/moderation/{item.uuid}/visibility/",
        {"visibility-visibility": "public", "visibility-reason": "Please", "version": item.version},
    )
    assert response.status_code == (302 if role == "anonymous" else 404)
    item.refresh_from_db()
    assert item.visibility == "confidential"


def test_only_a_testimonys_visibility_is_changed_by_a_moderator_and_a_stale_page_is_a_conflict(client, cast, mx_plan):
    news = public(cast, mx_plan, visibility="reviewers")
    item = a_testimony(cast, mx_plan)
    client.force_login(cast.moderator)
    assert "Visibility of this testimony" not in client.get(f"/en/moderation/{news.uuid}/").content.decode()
    assert "Visibility of this testimony" in client.get(f"/en/moderation/{item.uuid}/").content.decode()
    response = client.post(
        f"/en/moderation/{news.uuid}/visibility/",
        {"visibility-visibility": "public", "visibility-reason": "Why not", "version": news.version},
    )
    assert "Only a testimony" in response.content.decode()
    response = client.post(
        f"/en/moderation/{item.uuid}/visibility/",
        {"visibility-visibility": "public", "visibility-reason": "Why not", "version": item.version - 1},
    )
    assert response.status_code == 409
    news.refresh_from_db()
    item.refresh_from_db()
    assert news.visibility == "reviewers" and item.visibility == "confidential"


# --- shown and filtered ---------------------------------------------------------------------------------------------


@pytest.fixture
def three(cast, mx_plan):
    return {
        "doubtful": public(
            cast, mx_plan, title="Relay", source_reliability="doubtful", information_credibility="doubtful"
        ),
        "reliable": public(
            cast, mx_plan, title="Gazette", source_reliability="reliable", information_credibility="confirmed"
        ),
        "bare": public(cast, mx_plan, title="Old item", source_reliability="", information_credibility=""),
    }


def test_the_public_list_shows_each_mark_in_words_with_a_link_to_the_scale(client, three):
    html = client.get("/en/evidence/").content.decode()
    assert "Source: doubtful · Information: doubtful" in html
    assert "Source: reliable · Information: confirmed" in html
    assert "Reliability: not assessed" in html
    assert html.count('(<a href="/en/about/reliability/">what this means</a>)') == 3
    scale = client.get("/en/about/reliability/")
    assert scale.status_code == 200 and "Cannot be judged" in scale.content.decode()
    assert client.get("/es/about/reliability/").status_code == 200


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("source_reliability=doubtful", {"Relay"}),
        ("information_credibility=confirmed", {"Gazette"}),
        ("source_reliability=not_assessed", {"Old item"}),
        ("source_reliability=reliable&information_credibility=doubtful", set()),
    ],
)
def test_the_filters_narrow_the_page_the_api_and_the_csv_alike(client, three, query, found):
    everything = {"Relay", "Gazette", "Old item"}
    html = client.get(f"/en/evidence/?{query}").content.decode()
    assert {t for t in everything if t in html} == found
    api = client.get(f"/api/v1/evidence/?{query}").json()
    assert {row["title"] for row in api["results"]} == found
    response = client.get(f"/en/data/evidence.csv?{query}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert {row["title"] for row in csv.DictReader(io.StringIO(body))} == found


def test_a_malformed_filter_value_is_a_400_in_the_api_and_filters_nothing_on_the_page(client, three):
    response = client.get("/api/v1/evidence/?source_reliability=%3Cscript%3E")
    assert response.status_code == 400 and "source_reliability" in response.json()
    html = client.get("/en/evidence/?source_reliability=%3Cscript%3E").content.decode()
    assert "Relay" in html and "Gazette" in html and "<script>" not in html
    schema = client.get("/api/schema/").content.decode()
    assert "source_reliability" in schema and "not_assessed" in schema


def test_the_indicator_and_organisation_pages_show_the_marks(client, three, cast):
    html = client.get("/en/plans/mx-pna-1325-2021/indicators/I13/").content.decode()
    assert "Source: doubtful · Information: doubtful" in html and "Reliability: not assessed" in html
    html = client.get(f"/en/organisations/{cast.intersecta.slug}/").content.decode()
    assert "Source: reliable · Information: confirmed" in html


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "path",
    [
        "/en/evidence/",
        "/en/evidence/?source_reliability=doubtful",
        "/en/plans/mx-pna-1325-2021/indicators/I13/",
        "/api/v1/evidence/?information_credibility=doubtful",
    ],
)
def test_pages_with_marks_make_a_constant_number_of_queries(client, cast, mx_plan, three, path, settings):
    small = _queries(client, path)
    for n in range(15):
        public(cast, mx_plan, title=f"More {n}", source_reliability="doubtful", information_credibility="doubtful")
    assert _queries(client, path) == small


def test_the_organisation_page_reads_the_marks_without_a_query_per_item(client, cast, mx_plan, three):
    path = f"/en/organisations/{cast.intersecta.slug}/"
    small = _queries(client, path)
    for n in range(15):
        public(cast, mx_plan, title=f"More {n}", source_reliability="doubtful", information_credibility="doubtful")
    assert _queries(client, path) <= small + 1  # at most the larger count table, never one per listed item


# --- the report editor and published reports ---------------------------------------------------------------------


def test_the_report_editor_shows_the_mark_beside_each_citable_item(client, world, cast):
    world["public"].source_reliability, world["public"].information_credibility = "reliable", "possibly_true"
    world["public"].save()
    client.force_login(cast.reviewer)
    html = client.get(f"/en/workspace/reports/{world['report'].uuid}/pillars/P3/").content.decode()
    if "INMUJERES: 84 new networks" not in html:  # I13's pillar, whatever its code
        code = world["i13"].pillar.code
        html = client.get(f"/en/workspace/reports/{world['report'].uuid}/pillars/{code}/").content.decode()
    assert html.count("Source: reliable · Information: possibly true") == 2  # tick box and side box


def test_a_published_version_freezes_the_assessment_and_shows_it_beside_each_citation(client, world, cast):
    world["public"].source_reliability, world["public"].information_credibility = "doubtful", "possibly_true"
    world["public"].save()
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    version = ReportVersion.objects.get()
    [cited] = [e for p in version.snapshot["pillars"] for a in p["assessments"] for e in a.get("evidence", [])]
    assert (cited["source_reliability"], cited["information_credibility"]) == ("doubtful", "possibly_true")
    world["public"].source_reliability = "reliable"  # a later change never reaches the published version
    world["public"].save()
    html = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert "Source: doubtful · Information: possibly true" in html
    assert '(<a href="/en/about/reliability/">what this means</a>)' in html
    es = client.get(f"/es/reports/{SLUG}/v1/").content.decode()
    assert '<a href="/es/about/reliability/">' in es


def test_a_version_published_before_the_scale_reads_not_assessed(client, world, cast):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    version = ReportVersion.objects.get()
    old = json.loads(canonical_json(version.snapshot))
    for pillar in old["pillars"]:
        for a in pillar["assessments"]:
            for e in a["evidence"]:
                del e["source_reliability"], e["information_credibility"]
    ReportVersion.objects.filter(pk=version.pk).update(snapshot=old)
    response = client.get(f"/en/reports/{SLUG}/v1/")
    assert response.status_code == 200 and "Reliability: not assessed" in response.content.decode()
    body = client.get(f"/en/reports/{SLUG}/v1/download.json").content
    assert json.loads(body) == old  # kept byte for byte


def test_cited_lists_escape_odd_snapshot_values():
    html = presentation.cited_list(
        [
            {
                "uuid": "00000000-0000-0000-0000-000000000001",
                "title": "T",
                "kind_label": "",
                "source_reliability": "<b>",
                "information_credibility": 7,
            }
        ]
    )
    assert "<b>" not in html and "Reliability: not assessed" in html
