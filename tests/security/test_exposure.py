"""Restricted evidence never reaches a public surface; no page loads anything from another host; files are safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
from PIL import Image

from monitoring import search
from monitoring.models import EvidenceAttachment, Indicator
from monitoring.services import reports as svc
from tests import files
from tests.factories import EvidenceFactory, MembershipFactory
from tests.html_safety import dangerous_markup
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db
SECRET = "SECRETWITNESS"


@pytest.fixture
def world(cast, mx_plan, media_storage):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")

    def make(title, status, visibility):
        e = EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            indicators=[i13],
            title=title,
            summary=f"{title} redes mujeres",
            status=status,
            visibility=visibility,
        )
        search.refresh([e.pk])
        return e

    public = make("Public networks", "approved", "public")
    hidden = [
        make(f"{SECRET} confidential", "approved", "confidential"),
        make(f"{SECRET} reviewers", "approved", "reviewers"),
        make(f"{SECRET} submitted", "submitted", "public"),
        make(f"{SECRET} draft", "draft", "public"),
        make(f"{SECRET} withdrawn", "withdrawn", "public"),
    ]
    report = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "Report",
            "slug": "report",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    a = report.assessments.get(indicator=i13)
    svc.save_assessment(
        assessment=a,
        actor=cast.reviewer,
        fields={"rating": "in_progress"},
        cited=[public, hidden[0], hidden[1]],
        expected_version=1,
    )
    svc.request_publication(report=report, actor=cast.reviewer)
    second = MembershipFactory(organisation=cast.intersecta, role="reviewer").user
    svc.approve_publication(report=report, actor=second)
    return {"public": public, "hidden": hidden}


PUBLIC_PAGES = [
    "/en/",
    "/es/",
    "/en/plans/mx-pna-1325-2021/",
    "/en/plans/mx-pna-1325-2021/indicators/I13/",
    "/en/institutions/INMUJERES/",
    "/en/evidence/",
    "/en/evidence/?q=redes",
    "/en/evidence/?q=" + SECRET,
    "/en/evidence/?indicator=I13",
    "/en/reports/",
    "/en/reports/report/",
    "/en/reports/report/v1/",
    "/en/transparency/",
    "/en/data/",
    "/api/v1/evidence/",
    "/api/v1/evidence/?q=" + SECRET,
    "/api/v1/reports/",
    "/api/v1/report-versions/",
    "/api/v1/report-versions/report-v1/",
    "/en/reports/report/v1/download.json",
    "/en/reports/report/v1/download.csv",
    "/sitemap.xml",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_restricted_evidence_is_absent_from_every_public_surface(client, world, path):
    response = client.get(path)
    assert response.status_code == 200, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if f"q={SECRET}" not in path:  # a search page may repeat the visitor's own query, nothing else
        assert SECRET.encode() not in body
    for item in world["hidden"]:
        assert str(item.uuid).encode() not in body


def test_restricted_evidence_is_absent_from_bulk_csv_pdf_and_counts(client, world):
    for path in ("/en/data/evidence.csv", "/en/data/assessments.csv"):
        assert SECRET.encode() not in b"".join(client.get(path).streaming_content)
    from pypdf import PdfReader

    pdf = b"".join(client.get("/en/reports/report/v1/download.pdf").streaming_content)
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    assert SECRET not in text and "Public networks" in text
    assert client.get("/api/v1/evidence/").json()["count"] == 1


def test_error_pages_for_restricted_items_say_nothing_more_than_for_missing_ones(client, world):
    for item in world["hidden"]:
        response = client.get(f"/en/evidence/{item.uuid}/")
        assert response.status_code == 404 and SECRET not in response.content.decode()
        api = client.get(f"/api/v1/evidence/{item.uuid}/")
        missing = client.get(f"/api/v1/evidence/{uuid.uuid4()}/")
        assert api.status_code == missing.status_code == 404
        assert api.json() == missing.json() and SECRET not in api.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/en/plans/mx-pna-1325-2021/indicators/I13/",
        "/en/reports/report/",
        "/en/evidence/",
        "/en/accounts/login/",
        "/en/data/",
        "/en/transparency/",
    ],
)
def test_no_public_page_loads_anything_from_another_host(client, world, path):
    html = client.get(path).content.decode()
    for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", html):
        for url in re.findall(r'(?:src|href|srcset)="([^"]+)"', tag):
            assert url.startswith(("/", "#", "data:", "http://testserver/")), tag
    assert "@import" not in html and "url(http" not in html


XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "<svg/onload=alert(1)>"]


@pytest.mark.parametrize("payload", XSS)
def test_stored_xss_in_every_free_text_field_and_file_name_renders_inert(client, cast, mx_plan, payload, media_storage):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    client.force_login(cast.member)
    client.post(
        "/en/workspace/evidence/new/",
        {
            "title": payload,
            "summary": payload,
            "source_url": "https://example.org/?q=" + payload.replace(" ", "%20"),
            "indicators": [i13.pk],
            "action": "draft",
            "note": payload,
            "attachments": [files.pdf(f"{payload}.pdf")],
        },
    )
    from monitoring.models import Evidence

    item = Evidence.objects.get()
    for url in (f"/en/evidence/{item.uuid}/", "/en/workspace/evidence/", f"/en/workspace/evidence/{item.uuid}/edit/"):
        html = client.get(url).content.decode()
        assert dangerous_markup(html) == [], url
    client.force_login(cast.moderator)
    item.status = "submitted"
    item.save()
    for url in (f"/en/moderation/{item.uuid}/", "/en/moderation/", "/en/moderation/audit/"):
        assert dangerous_markup(client.get(url).content.decode()) == [], url


def test_csv_formula_injection_is_neutralised_in_every_export(client, cast, mx_plan, world):
    from monitoring.models import Evidence

    Evidence.objects.filter(pk=world["public"].pk).update(title='=HYPERLINK("http://evil.example")', summary="@SUM(1)")
    exports = [
        b"".join(client.get("/en/data/evidence.csv").streaming_content),
        b"".join(client.get("/en/data/assessments.csv").streaming_content),
        client.get("/en/reports/report/v1/download.csv").content,
    ]
    for body in exports:
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_a_polyglot_or_spoofed_file_is_refused(client, cast, mx_plan):
    gif_js = b"GIF89a/*\x00\x00\x00\x00*/=alert(1);" + b"\x00" * 20
    html_pdf = b"<html><script>alert(1)</script>%PDF-1.4\n%%EOF"
    client.force_login(cast.member)
    for name, content in (
        ("logo.png", gif_js),
        ("report.pdf", html_pdf),
        ("report.html", files.PDF_BYTES),
        ("x.svg", b"<svg onload=alert(1)/>"),
    ):
        response = client.post(
            "/en/workspace/evidence/new/",
            {
                "title": "t",
                "action": "draft",
                "attachments": [files.upload(name, content, content_type="application/pdf")],
            },
        )
        assert response.status_code == 200, name
    assert not EvidenceAttachment.objects.exists()


def test_gps_never_leaves_in_a_download(client, cast, mx_plan, media_storage):
    client.force_login(cast.member)
    client.post(
        "/en/workspace/evidence/new/",
        {
            "title": "Photo",
            "action": "draft",
            "attachments": [files.upload("foto.jpg", files.image_bytes("JPEG", exif_gps=True), "image/jpeg")],
        },
    )
    attachment = EvidenceAttachment.objects.get()
    body = b"".join(client.get(f"/en/files/{attachment.uuid}/").streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert not image.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in body


def test_document_metadata_is_removed_on_request(client, cast, mx_plan, media_storage):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Author": "Ana Testigo", "/Creator": "Office of Someone"})
    out = io.BytesIO()
    writer.write(out)
    docx = files.zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "docProps/core.xml": b"<cp:coreProperties><dc:creator>Ana Testigo</dc:creator></cp:coreProperties>",
        }
    )
    client.force_login(cast.member)
    client.post(
        "/en/workspace/evidence/new/",
        {
            "title": "Docs",
            "action": "draft",
            "strip_metadata": "on",
            "attachments": [files.upload("a.pdf", out.getvalue()), files.upload("b.docx", docx)],
        },
    )
    stored = {a.original_name: (media_storage / a.file.name).read_bytes() for a in EvidenceAttachment.objects.all()}
    assert (
        PdfReader(io.BytesIO(stored["a.pdf"])).metadata in (None, {})
        or "/Author" not in PdfReader(io.BytesIO(stored["a.pdf"])).metadata
    )
    assert b"Ana Testigo" not in stored["a.pdf"] and b"Ana Testigo" not in stored["b.docx"]


def test_the_audit_log_does_not_show_moderators_what_a_draft_says(client, cast, mx_plan):
    client.force_login(cast.member)
    client.post(
        "/en/workspace/evidence/new/", {"title": "PRIVATE DRAFT TITLE", "summary": "PRIVATE SUMMARY", "action": "draft"}
    )
    client.force_login(cast.moderator)
    html = client.get("/en/moderation/audit/").content.decode()
    assert "PRIVATE" not in html and "(a draft)" in html


def test_a_co_authors_citation_of_evidence_another_reviewer_cannot_see_is_kept(cast, mx_plan):
    from monitoring.models import Assessment

    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    own = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        visibility="confidential",
        indicators=[i13],
    )
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "R",
            "slug": "r",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    a = Assessment.objects.get(report=report, indicator=i13)
    svc.save_assessment(assessment=a, actor=cast.reviewer, fields={"narrative": "x"}, cited=[own], expected_version=1)
    svc.save_assessment(
        assessment=a, actor=cast.other_reviewer, fields={"narrative": "y"}, cited=[], expected_version=2
    )
    assert list(a.cited_evidence.all()) == [own]


def test_the_bulk_approval_redirect_keeps_only_known_filters(client, cast):
    client.force_login(cast.moderator)
    response = client.post("/en/moderation/bulk/", {"query": "status=submitted&next=//evil.example&kind=news_report"})
    assert response["Location"] == "/en/moderation/?status=submitted&kind=news_report"
