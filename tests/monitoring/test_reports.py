"""Shadow reports: assessments, citations, two pairs of eyes, immutable versions, downloads, safety."""

from __future__ import annotations

import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from monitoring.models import RATING_STYLE, Assessment, Indicator, Rating, Report, ReportStatus, ReportVersion
from monitoring.services import moderation
from monitoring.services import reports as svc
from tests.factories import EvidenceFactory
from tests.html_safety import dangerous_markup
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](https://tracker.example/p.png)",
    "<iframe src=https://evil.example></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "[x](vbscript:msgbox(1))",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_every_rating_has_a_colour_an_icon_and_a_label():
    for value, label in Rating.choices:
        assert RATING_STYLE[value]["icon"] and RATING_STYLE[value]["colour"].startswith("#") and label


def test_the_database_refuses_an_unknown_rating(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(report=world["report"]).update(rating="great")


def test_a_new_report_has_an_empty_assessment_for_every_indicator(world):
    assert Assessment.objects.filter(report=world["report"]).count() == 33
    assert not Assessment.objects.filter(report=world["report"]).exclude(rating="").exists()


@pytest.mark.parametrize("key", ["waiting", "old"])
def test_citing_unapproved_or_out_of_period_evidence_is_refused(world, cast, key):
    with pytest.raises(svc.ReportError, match="Only approved evidence"):
        assess(world, cast.reviewer, [world[key]])


def test_citing_evidence_about_another_indicator_is_refused(world, cast, mx_plan):
    other = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[Indicator.objects.get(plan=mx_plan, code="I01")],
    )
    with pytest.raises(svc.ReportError):
        assess(world, cast.reviewer, [other])


@pytest.mark.parametrize("role", ["member", "other_member", "outsider", "moderator"])
def test_only_reviewers_of_authoring_organisations_edit(world, cast, role):
    with pytest.raises(svc.ReportError):
        assess(world, getattr(cast, role), [])


def test_the_second_of_two_reviewers_saving_the_same_assessment_is_refused(world, cast):
    a = Assessment.objects.get(report=world["report"], indicator=world["i13"])
    version = a.version
    svc.save_assessment(
        assessment=a, actor=cast.reviewer, fields={"narrative": "Hers"}, cited=[], expected_version=version
    )
    with pytest.raises(svc.StaleAssessment) as excinfo:
        svc.save_assessment(
            assessment=a, actor=cast.other_reviewer, fields={"narrative": "Mine"}, cited=[], expected_version=version
        )
    assert excinfo.value.current.narrative == "Hers"


def test_publication_needs_two_different_reviewers(world, cast):
    assess(world, cast.reviewer, [world["public"]])
    svc.request_publication(report=world["report"], actor=cast.reviewer)
    with pytest.raises(svc.ReportError, match="Another reviewer"):
        svc.approve_publication(report=world["report"], actor=cast.reviewer)
    with pytest.raises(svc.ReportError):
        svc.approve_publication(report=world["report"], actor=cast.moderator)
    version = svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    assert version.number == 1 and version.requested_by == cast.reviewer and version.approved_by == cast.other_reviewer
    world["report"].refresh_from_db()
    assert world["report"].status == ReportStatus.PUBLISHED


def test_the_database_also_refuses_a_version_approved_by_its_requester(world, cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportVersion.objects.create(
            report=world["report"],
            number=9,
            snapshot={},
            content_sha256="x",
            requested_by=cast.reviewer,
            approved_by=cast.reviewer,
        )


def test_a_failure_half_way_through_publishing_leaves_no_version(world, cast):
    assess(world, cast.reviewer, [world["public"]])
    svc.request_publication(report=world["report"], actor=cast.reviewer)
    real_record = svc.audit.record

    def failing(**kwargs):
        if kwargs["action"] == "monitoring.report.published":
            raise RuntimeError("database went away")
        return real_record(**kwargs)

    with mock.patch.object(svc.audit, "record", side_effect=failing), pytest.raises(RuntimeError):
        svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    assert not ReportVersion.objects.exists()
    world["report"].refresh_from_db()
    assert world["report"].status == ReportStatus.IN_REVIEW


def test_a_correction_needs_a_change_note_and_leaves_v1_byte_for_byte_unchanged(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    v1_json = client.get(f"/en/reports/{SLUG}/v1/download.json").content
    v1_csv = client.get(f"/en/reports/{SLUG}/v1/download.csv").content

    assess(world, cast.other_reviewer, [world["public"]], rating="insufficient", narrative="Corrected.")
    with pytest.raises(svc.ReportError, match="change note"):
        svc.request_publication(report=world["report"], actor=cast.other_reviewer)
    publish(world, cast, requester=cast.other_reviewer, approver=cast.reviewer, note="Rating corrected.")

    assert client.get(f"/en/reports/{SLUG}/v1/download.json").content == v1_json
    assert client.get(f"/en/reports/{SLUG}/v1/download.csv").content == v1_csv
    v1_page = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert "superseded by version 2" in v1_page
    latest = client.get(f"/en/reports/{SLUG}/").content.decode()
    assert "Corrected." in latest and "Rating corrected." in latest


def test_editing_or_withdrawing_cited_evidence_later_changes_nothing_published(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    before = client.get(f"/en/reports/{SLUG}/v1/download.json").content
    world["public"].title = "Edited afterwards"
    world["public"].save()
    moderation.withdraw_evidence(evidence=world["public"], actor=cast.moderator, reason="Source retracted")
    assert client.get(f"/en/reports/{SLUG}/v1/download.json").content == before
    page = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert "INMUJERES: 84 new networks" in page and "Edited afterwards" not in page


def test_restricted_evidence_can_be_cited_but_never_reaches_a_published_surface(world, cast, client):
    assess(world, cast.reviewer, [world["public"], world["confidential"]])
    version = publish(world, cast)
    assert "SECRET" not in json.dumps(version.snapshot)
    for fmt in ("json", "csv"):
        assert b"SECRET" not in client.get(f"/en/reports/{SLUG}/v1/download.{fmt}").content
    assert "SECRET" not in client.get(f"/en/reports/{SLUG}/").content.decode()
    assert "SECRET" not in _pdf_text(client, f"/en/reports/{SLUG}/v1/download.pdf")
    preview = _as(client, cast.reviewer).get(f"/en/workspace/reports/{world['report'].uuid}/preview/").content.decode()
    assert "SECRET" not in preview  # the preview is exactly the public page


def test_an_embargoed_version_is_hidden_until_its_time(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    svc.request_publication(
        report=world["report"], actor=cast.reviewer, public_from=timezone.now() + dt.timedelta(days=2)
    )
    version = svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    assert client.get(f"/en/reports/{SLUG}/").status_code == 404
    assert client.get(f"/en/reports/{SLUG}/v1/").status_code == 404
    assert client.get(f"/en/reports/{SLUG}/v1/download.json").status_code == 404
    assert SLUG not in client.get("/en/reports/").content.decode()
    ReportVersion.objects.filter(pk=version.pk).update(public_from=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(f"/en/reports/{SLUG}/").status_code == 200


def test_an_unpublished_report_is_404_for_the_public_and_for_other_organisations(world, cast, client):
    assert client.get(f"/en/reports/{SLUG}/").status_code == 404
    from portal.models import Membership, Organisation, Role

    outsider_org = Organisation.objects.create(name="Other CSO", slug="other-cso")
    Membership.objects.create(user=cast.outsider, organisation=outsider_org, role=Role.REVIEWER)
    client.force_login(cast.outsider)
    assert client.get(f"/en/workspace/reports/{world['report'].uuid}/").status_code == 404
    assert client.get(f"/en/workspace/reports/{world['report'].uuid}/preview/").status_code == 404


def test_csv_is_utf8_with_bom_and_neutralises_formulas(world, cast, client):
    assess(world, cast.reviewer, [world["public"]], narrative='=HYPERLINK("https://evil.example","x")')
    publish(world, cast)
    body = client.get(f"/es/reports/{SLUG}/v1/download.csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    import csv

    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_in_every_markdown_field_render_inert(world, cast, client, payload):
    report = world["report"]
    svc.update_report(
        report=report,
        actor=cast.reviewer,
        fields={"executive_summary": payload, "methodology": payload, "recommendations": payload},
        expected_version=report.version,
    )
    assess(
        world,
        cast.reviewer,
        [world["public"]],
        narrative=payload,
        reply_text=payload,
        reply_institution=world["i13"].responsible.first(),
        reply_received_on=dt.date(2022, 1, 5),
    )
    publish(world, cast)
    for url in (f"/en/reports/{SLUG}/", f"/en/workspace/reports/{report.uuid}/preview/"):
        if "workspace" in url:
            client.force_login(cast.reviewer)
        html = client.get(url).content.decode()
        assert dangerous_markup(html) == [], url


def test_the_pdfs_are_generated_at_publication_and_downloads_serve_the_stored_file(
    world, cast, client, media_storage, django_capture_on_commit_callbacks
):
    assess(world, cast.reviewer, [world["public"]])
    with mock.patch(
        "monitoring.published_files.version_pdf",
        wraps=__import__("monitoring.exports.report", fromlist=["version_pdf"]).version_pdf,
    ) as spy:
        with django_capture_on_commit_callbacks(execute=True):
            publish(world, cast)
        assert spy.call_count == 2  # one per language, once the publication commits
        first = _pdf_bytes(client, f"/en/reports/{SLUG}/v1/download.pdf")
        second = _pdf_bytes(client, f"/en/reports/{SLUG}/v1/download.pdf")
    assert spy.call_count == 2  # downloads never render
    assert first == second
    text = _pdf_text(client, f"/en/reports/{SLUG}/v1/download.pdf")
    for code in Indicator.objects.filter(plan=world["report"].plan).values_list("code", flat=True):
        assert code in text, code


def test_the_pdf_renderer_fetches_only_the_portals_static_files():
    from monitoring.exports.report import PDF_BASE_URL, resolve_static

    data, mime = resolve_static(PDF_BASE_URL + "static/css/report-print.css")
    assert b"@page" in data and mime == "text/css"
    for url in [
        "https://evil.example/x.css",
        "file:///etc/passwd",
        PDF_BASE_URL + "media/evidence/secret",
        PDF_BASE_URL + "static/../../etc/passwd",
        "http://127.0.0.1:8000/static/css/portal.css",
    ]:
        with pytest.raises(ValueError):
            resolve_static(url)


def test_the_public_report_page_query_count_does_not_grow_with_citations(world, cast, client, mx_plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/en/reports/{SLUG}/")
    many = [
        EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            status="approved",
            indicators=[world["i13"]],
        )
        for _ in range(25)
    ]
    assess(world, cast.other_reviewer, many)
    publish(world, cast, requester=cast.other_reviewer, approver=cast.reviewer, note="More evidence")
    with CaptureQueriesContext(connection) as lots:
        response = client.get(f"/en/reports/{SLUG}/")
    assert response.content.decode().count("/en/evidence/") >= 25
    assert len(lots) == len(few) <= 6


def test_reports_list_and_version_pages_answer_in_both_languages(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    es = client.get(f"/es/reports/{SLUG}/v1/").content.decode()
    en = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert "Resumen ejecutivo" in es and "Executive summary" in en
    assert "Cómo citar" in es and "How to cite" in en
    assert "@techreport{" in en and "Observatorio 1325" in en
    assert Report.objects.get().slug in client.get("/es/reports/").content.decode()


def _as(client, user):
    client.force_login(user)
    return client


def _pdf_bytes(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _pdf_text(client, url: str) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(_pdf_bytes(client, url)))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_published_version_pages_are_cached_for_anonymous_readers_and_stay_correct(world, cast, client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    first = client.get(f"/en/reports/{SLUG}/v1/").content
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(f"/en/reports/{SLUG}/v1/").content
    assert second == first and len(ctx) <= 3  # the version lookup and the latest number, no rendering queries
    assess(world, cast.other_reviewer, [world["public"]], rating="achieved")
    publish(world, cast, requester=cast.other_reviewer, approver=cast.reviewer, note="v2")
    assert "superseded by version 2" in client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    client.force_login(cast.member)
    assert "Log out" in client.get(f"/en/reports/{SLUG}/v1/").content.decode()  # people logged in get their own page
    cache.clear()
