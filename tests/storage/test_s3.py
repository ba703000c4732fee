"""Evidence files, report PDFs and backups on an S3-compatible bucket (moto's S3 server), and S3 failures.

The bucket is private and never exposed: files reach readers only through the portal's permission-checked views,
streamed from the bucket, with the same headers as from local disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import call_command

from monitoring.models import Evidence, EvidenceAttachment, Indicator, ReportVersion
from monitoring.services import reports as report_service
from tests import files
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db

RANDOM_NAME = re.compile(r"^evidence/[0-9a-f]{2}/[0-9a-f]{32}$")
DOWNLOAD_HEADERS = [
    "Content-Type",
    "Content-Disposition",
    "Content-Length",
    "X-Content-Type-Options",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
]


def _upload(client, mx_plan, *uploads, title="Evidencia en el bucket", lang="en"):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    return client.post(
        f"/{lang}/workspace/evidence/new/",
        {
            "title": title,
            "summary": "Resumen escrito con cuidado",
            "indicators": [i13.pk],
            "action": "draft",
            "attachments": list(uploads),
        },
    )


def test_an_upload_through_the_form_is_checked_hashed_and_stored_private_under_a_random_name(client, cast, mx_plan, s3):
    client.force_login(cast.member)
    photo = files.image_bytes("JPEG", exif_gps=True)
    response = _upload(client, mx_plan, files.pdf("informe anual.pdf"), files.upload("foto.jpg", photo, "text/html"))
    assert response.status_code == 302, response.content.decode()[:2000]
    pdf = EvidenceAttachment.objects.get(original_name="informe anual.pdf")
    jpeg = EvidenceAttachment.objects.get(original_name="foto.jpg")

    # Type from the content, whatever the browser claimed; both hashes recorded.
    assert (pdf.content_type, jpeg.content_type) == ("application/pdf", "image/jpeg")
    assert pdf.sha256 == pdf.original_sha256 == hashlib.sha256(files.PDF_BYTES).hexdigest()
    assert jpeg.original_sha256 == hashlib.sha256(photo).hexdigest() != jpeg.sha256  # re-encoded, GPS gone

    for row in (pdf, jpeg):
        key = str(row.file.name)
        assert RANDOM_NAME.match(key), key  # nothing of the original name reaches the bucket
        stored = s3.read(key)
        assert hashlib.sha256(stored).hexdigest() == row.sha256 and len(stored) == row.size
        assert b"PhoneMaker" not in stored
        # Private: the object's ACL grants nobody but the owner, and an anonymous GET of its URL is refused.
        grants = s3.client.get_object_acl(Bucket=s3.name, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"] and "URI" not in grants[0]["Grantee"]
        assert s3.anonymous_get(key) == 403

    # The check above means something: the same server serves an object that was made public.
    s3.client.put_object(Bucket=s3.name, Key="control", Body=b"public", ACL="public-read")
    assert s3.anonymous_get("control") == 200


def test_a_download_streams_the_same_bytes_with_the_same_headers_as_from_local_disk(client, cast, mx_plan, bucket):
    client.force_login(cast.member)

    def upload_and_download(name):
        assert _upload(client, mx_plan, files.upload(name, files.real_pdf_bytes()), title=name).status_code == 302
        attachment = EvidenceAttachment.objects.get(original_name=name)
        response = client.get(f"/en/files/{attachment.uuid}/")
        assert response.status_code == 200 and response.streaming
        return attachment, response, b"".join(response.streaming_content)

    _local, local_response, local_bytes = upload_and_download("informe.pdf")  # the suite's local folder
    bucket.use()
    attachment, response, body = upload_and_download("informe.pdf".replace("informe", "informe-s3"))

    assert body == local_bytes == bucket.read(str(attachment.file.name)) == files.real_pdf_bytes()
    headers = {name: response.get(name) for name in DOWNLOAD_HEADERS}
    expected = {name: local_response.get(name) for name in DOWNLOAD_HEADERS}
    expected["Content-Disposition"] = expected["Content-Disposition"].replace("informe", "informe-s3")
    assert headers == expected
    assert headers["Content-Length"] == str(len(body)) and "no-store" in headers["Cache-Control"]
    assert bucket.endpoint not in str(response.items()) and bucket.name not in str(response.items())


def test_deleting_a_draft_removes_its_files_from_the_bucket(
    client, cast, mx_plan, s3, django_capture_on_commit_callbacks
):
    client.force_login(cast.member)
    assert _upload(client, mx_plan, files.pdf("a.pdf"), files.pdf("b.pdf")).status_code == 302
    item = Evidence.objects.get()
    keys = sorted(str(a.file.name) for a in item.attachments.all())
    assert set(keys) <= set(s3.names()) and len(keys) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/workspace/evidence/{item.uuid}/delete/")
    assert response.status_code == 302 and not Evidence.objects.exists()
    assert not set(keys) & set(s3.names())


def _published_version(cast, mx_plan, public_from=None):
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe en S3",
            "slug": "informe-s3",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )
    report_service.request_publication(report=report, actor=cast.reviewer)
    return report_service.approve_publication(report=report, actor=cast.other_reviewer)


def test_a_published_versions_pdf_is_stored_in_the_bucket_and_served_from_it(client, cast, mx_plan, s3):
    version = _published_version(cast, mx_plan)
    url = f"/en/reports/informe-s3/v{version.number}/download.pdf"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and response["Content-Length"] == str(len(body))
    pdfs = [key for key in s3.names() if key.startswith("reports/informe-s3/")]
    assert pdfs and any(s3.read(key) == body for key in pdfs)
    assert all(s3.anonymous_get(key) == 403 for key in pdfs)
    assert "immutable" in response["Cache-Control"]
    again = client.get(url)
    assert b"".join(again.streaming_content) == body  # generated once, served from the bucket


@pytest.mark.django_db(transaction=True)
def test_the_backup_restore_drill_against_the_bucket(client, settings, tmp_path, s3):
    from tests.portal.test_backup_drill import _state

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    from portal.models import User

    client.force_login(User.objects.get(email="miembro@intersecta.demo"))
    client.post(
        "/es/workspace/evidence/new/", {"title": "Con archivo", "action": "draft", "attachments": [files.pdf("a.pdf")]}
    )
    client.get("/es/reports/informe-sombra-pna-1325-2021-2022/v2/download.pdf")
    before = _state()
    keys = s3.names()
    assert before["hashes"] and len(before["versions"]) == 2
    assert any(k.startswith("evidence/") for k in keys) and any(k.startswith("reports/") for k in keys)
    contents = {key: s3.read(key) for key in keys}

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)
    for key in keys:
        s3.client.delete_object(Bucket=s3.name, Key=key)
    assert s3.names() == [] and EvidenceAttachment.objects.count() == 0

    call_command("restore", str(archive), "--force", stdout=io.StringIO())

    assert _state() == before
    assert {key: s3.read(key) for key in s3.names()} == contents  # same names, same bytes, in the bucket
    assert all(s3.anonymous_get(key) == 403 for key in s3.names())
    assert ReportVersion.objects.count() == 2
    assert client.get("/es/reports/informe-sombra-pna-1325-2021-2022/v2/download.pdf").status_code == 200


# ----------------------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "We could not save this right now, because of a problem on our side."),
        ("es", "No pudimos guardar esto ahora por un problema de nuestro lado."),
    ],
)
def test_an_unreachable_bucket_on_upload_keeps_everything_typed_with_a_clear_message(
    client, cast, mx_plan, bucket, lang, message
):
    bucket.break_connection()
    client.force_login(cast.member)
    response = _upload(client, mx_plan, files.pdf("guardar.pdf"), title="Escrito con cuidado", lang=lang)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="Escrito con cuidado"' in html and "Resumen escrito con cuidado" in html and "guardar.pdf" in html
    assert not Evidence.objects.exists() and not EvidenceAttachment.objects.exists()


def test_an_unreachable_bucket_on_download_gives_a_clear_503_page(client, cast, mx_plan, s3):
    client.force_login(cast.member)
    assert _upload(client, mx_plan, files.pdf("informe.pdf")).status_code == 302
    attachment = EvidenceAttachment.objects.get()
    version = _published_version(cast, mx_plan)
    assert client.get(f"/en/reports/informe-s3/v{version.number}/download.pdf").status_code == 200

    s3.break_connection()
    for lang, text in (
        ("en", "This file cannot be delivered right now because the file storage did not answer."),
        ("es", "No podemos entregar este archivo ahora porque el almacenamiento de archivos no respondió."),
    ):
        for url in (f"/{lang}/files/{attachment.uuid}/", f"/{lang}/reports/informe-s3/v{version.number}/download.pdf"):
            response = client.get(url)
            assert response.status_code == 503, url
            assert text in response.content.decode(), url
            assert response["Retry-After"] and "no-store" in response["Cache-Control"]
            assert response["Content-Type"].startswith("text/html")


def test_an_unreachable_bucket_on_a_transparency_answer_keeps_what_was_typed(client, cast, mx_plan, bucket):
    from monitoring.models import TransparencyAttachment
    from tests.monitoring.test_transparency_rules import filed, post_answer

    request = filed(cast, mx_plan)
    bucket.break_connection()
    client.force_login(cast.member)
    response = post_answer(client, request, [files.pdf("respuesta.pdf")])
    html = response.content.decode()
    assert response.status_code == 200
    assert "We could not save this right now" in html and "Keep me" in html
    request.refresh_from_db()
    assert request.answered_on is None and not TransparencyAttachment.objects.exists()
