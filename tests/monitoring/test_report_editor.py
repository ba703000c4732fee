"""The report editor through HTTP: who reaches it, progress, citing, concurrent edits, publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from monitoring.models import Assessment, Indicator, Report, ReportVersion
from portal.models import AuditEvent
from tests.factories import EvidenceFactory
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(cast, mx_plan):
    with translation.override("en"):
        return create_accepted_report(
            actor=cast.reviewer,
            organisations=[cast.intersecta, cast.data_civica],
            fields={
                "title": "Shadow report 2021",
                "slug": "shadow-2021",
                "plan": mx_plan,
                "period_start": dt.date(2021, 1, 1),
                "period_end": dt.date(2021, 12, 31),
            },
        )


ROLES = ["anonymous", "outsider", "member", "other_member", "moderator", "reviewer", "other_reviewer"]
EDITOR_URLS = [
    ("get", "/en/workspace/reports/{uuid}/"),
    ("get", "/en/workspace/reports/{uuid}/pillars/P2/"),
    ("get", "/en/workspace/reports/{uuid}/preview/"),
    ("post", "/en/workspace/reports/{uuid}/publication/request/"),
    ("post", "/en/workspace/reports/{uuid}/publication/cancel/"),
    ("post", "/en/workspace/reports/{uuid}/publication/approve/"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url"), EDITOR_URLS)
def test_only_reviewers_of_authoring_organisations_reach_the_editor(client, cast, report, role, method, url):
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    response = getattr(client, method)(url.format(uuid=report.uuid))
    expected = {"anonymous": 302, "reviewer": 200, "other_reviewer": 200}.get(role, 404)
    if method == "post" and expected == 200:
        # Asking for publication succeeds (back to the page); withdrawing or approving a request nobody made is a
        # conflict with the report as it is (409), exactly as when someone else withdrew or approved it first.
        expected = 302 if url.endswith("/request/") else 409
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["outsider", "member", "moderator"])
def test_the_reports_workspace_is_for_reviewers(client, cast, role):
    client.force_login(getattr(cast, role))
    assert client.get("/en/workspace/reports/").status_code == 404
    assert client.get("/en/workspace/reports/new/").status_code == 404


def test_a_reviewer_creates_a_report_through_the_form(client, cast, mx_plan):
    client.force_login(cast.reviewer)
    response = client.post(
        "/en/workspace/reports/new/",
        {
            "title": "Informe 2022",
            "slug": "informe-2022",
            "plan": mx_plan.pk,
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "organisations": [cast.intersecta.pk],
        },
    )
    report = Report.objects.get(slug="informe-2022")
    assert response["Location"] == f"/en/workspace/reports/{report.uuid}/"
    page = client.get(response["Location"]).content.decode()
    assert "0 of 33 indicators assessed" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "shadow-2021"}, "Another report already uses this address."),
        ({"slug": "no spaces allowed"}, "Enter a valid"),
        ({"period_end": "2020-01-01"}, "The end of the period is before its start."),
        ({"title": ""}, "This field is required."),
        ({"executive_summary": "x" * 20_001}, "at most 20000 characters"),
        ({"organisations": []}, "This field is required."),
    ],
)
def test_the_report_form_refuses_bad_input(client, cast, mx_plan, report, overrides, message):
    client.force_login(cast.reviewer)
    data = {
        "title": "Informe 2022",
        "slug": "informe-2022",
        "plan": mx_plan.pk,
        "period_start": "2022-01-01",
        "period_end": "2022-12-31",
        "organisations": [cast.intersecta.pk],
        **overrides,
    }
    response = client.post("/en/workspace/reports/new/", data)
    assert message in response.content.decode()
    assert Report.objects.count() == 1


def _post_assessment(client, assessment, **fields):
    prefix = f"a{assessment.pk}"
    data = {"assessment": assessment.pk, f"{prefix}-version": assessment.version}
    for key, value in fields.items():
        data[f"{prefix}-{key}"] = value
    return client.post(
        f"/en/workspace/reports/{assessment.report.uuid}/pillars/{assessment.indicator.pillar.code}/", data
    )


def test_a_reviewer_assesses_an_indicator_citing_evidence_with_one_tick(client, cast, mx_plan, report):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    evidence = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[i13],
        title="84 networks",
    )
    client.force_login(cast.reviewer)
    page = client.get(f"/en/workspace/reports/{report.uuid}/pillars/P2/").content.decode()
    assert "84 networks" in page
    assessment = Assessment.objects.get(report=report, indicator=i13)
    response = _post_assessment(
        client, assessment, rating="achieved", observed_value="84", narrative="Above target.", cited=[evidence.pk]
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.rating == "achieved" and list(assessment.cited_evidence.all()) == [evidence]
    assert AuditEvent.objects.filter(action="monitoring.assessment.updated", actor=cast.reviewer).exists()
    assert "1 of 33 indicators assessed" in client.get(f"/en/workspace/reports/{report.uuid}/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": "great"}, "Select a valid choice."),
        ({"observed_value": "84.5"}, "A count must be a whole number"),
        ({"observed_value": "-1"}, "A count must be a whole number"),
        ({"reply_text": "We did it."}, "Say which institution replied."),
        ({"reply_received_on": "2999-01-01"}, "The date cannot be in the future."),
        ({"narrative": "x" * 20_001}, "at most 20000 characters"),
        ({"cited": ["999999"]}, "Select a valid choice."),
    ],
)
def test_the_assessment_form_refuses_bad_input_and_keeps_what_was_typed(client, cast, mx_plan, report, fields, message):
    assessment = Assessment.objects.get(report=report, indicator__code="I13")
    client.force_login(cast.reviewer)
    response = _post_assessment(client, assessment, **{"narrative": "Keep me", **fields})
    html = response.content.decode()
    assert message in html
    if "narrative" not in fields:
        assert "Keep me" in html
    assessment.refresh_from_db()
    assert assessment.version == 1


def test_two_reviewers_editing_the_same_assessment_never_overwrite_each_other(client, cast, report):
    assessment = Assessment.objects.get(report=report, indicator__code="I13")
    client.force_login(cast.reviewer)
    _post_assessment(client, assessment, rating="achieved", narrative="The first reviewer's text")
    client.force_login(cast.other_reviewer)
    response = _post_assessment(
        client, assessment, rating="regressed", narrative="The second reviewer's text"
    )  # stale version 1
    html = response.content.decode()
    assert "Another reviewer saved this assessment" in html
    assert "The first reviewer&#x27;s text" in html and "The second reviewer&#x27;s text" in html
    assessment.refresh_from_db()
    assert assessment.narrative == "The first reviewer's text"


def test_publication_through_the_pages_needs_a_second_reviewer(client, cast, report):
    url = f"/en/workspace/reports/{report.uuid}/publication/"
    client.force_login(cast.reviewer)
    client.post(f"{url}request/")
    page = client.get(f"/en/workspace/reports/{report.uuid}/").content.decode()
    assert f'action="{url}approve/"' not in page and f'action="{url}cancel/"' in page  # not to the one who asked
    response = client.post(f"{url}approve/", follow=True)
    assert "Another reviewer must approve" in response.content.decode()
    assert response.redirect_chain == [(f"/en/workspace/reports/{report.uuid}/", 302)]
    assert not ReportVersion.objects.exists()
    client.force_login(cast.other_reviewer)
    assert f'action="{url}approve/"' in client.get(f"/en/workspace/reports/{report.uuid}/").content.decode()
    response = client.post(f"{url}approve/", follow=True)
    assert "Version 1 published." in response.content.decode()
    assert client.get("/en/reports/shadow-2021/v1/").status_code == 200


def test_a_publication_request_can_be_withdrawn(client, cast, report):
    url = f"/en/workspace/reports/{report.uuid}/publication/"
    client.force_login(cast.reviewer)
    client.post(f"{url}request/")
    response = client.post(f"{url}cancel/", follow=True)
    assert "Publication request withdrawn." in response.content.decode()
    report.refresh_from_db()
    assert report.status == "draft" and report.publication_requested_by is None


def test_the_publication_verbs_take_no_get(client, cast, report):
    client.force_login(cast.reviewer)
    for verb in ("request", "cancel", "approve"):
        assert client.get(f"/en/workspace/reports/{report.uuid}/publication/{verb}/").status_code == 405
    assert client.get(f"/en/workspace/reports/{report.uuid}/publication/").status_code == 404  # one URL per verb


def test_an_embargo_date_is_taken_from_the_request_form(client, cast, report):
    client.force_login(cast.reviewer)
    client.post(f"/en/workspace/reports/{report.uuid}/publication/request/", {"public_from": "2999-01-01T09:00"})
    report.refresh_from_db()
    assert report.publication_public_from.year == 2999
    response = client.post(
        f"/en/workspace/reports/{report.uuid}/publication/request/", {"public_from": "not a date"}, follow=True
    )
    assert response.status_code == 200


def test_the_editor_page_query_count_does_not_grow_with_evidence(client, cast, mx_plan, report):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    client.force_login(cast.reviewer)
    EvidenceFactory(
        organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved", indicators=[i13]
    )
    with CaptureQueriesContext(connection) as few:
        client.get(f"/en/workspace/reports/{report.uuid}/pillars/P2/")
    for _ in range(15):
        EvidenceFactory(
            organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved", indicators=[i13]
        )
    with CaptureQueriesContext(connection) as many:
        client.get(f"/en/workspace/reports/{report.uuid}/pillars/P2/")
    assert len(many) == len(few)
