"""The public chain of custody: every public file's SHA-256 (and the as-uploaded one) on the page, the API and the
published report — seen from outside, by an anonymous reader."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.base import ContentFile

from monitoring.models import EvidenceAttachment, ReportVersion
from monitoring.snapshots import canonical_json
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

STORED, UPLOADED, SAME = "a" * 64, "b" * 64, "c" * 64


def _attach(evidence, name, sha256, original_sha256, uploader):
    return EvidenceAttachment.objects.create(
        evidence=evidence,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name=name),
        original_name=name,
        content_type="application/pdf",
        size=15,
        sha256=sha256,
        original_sha256=original_sha256,
        uploaded_by=uploader,
    )


@pytest.fixture
def files(world, cast):
    return {
        "cleaned": _attach(world["public"], "foto.pdf", STORED, UPLOADED, cast.member),
        "as_is": _attach(world["public"], "informe.pdf", SAME, SAME, cast.member),
        "secret": _attach(world["confidential"], "testimonio.pdf", "d" * 64, "e" * 64, cast.member),
    }


def test_the_public_evidence_page_shows_each_files_hashes_to_anyone(client, world, files):
    page = client.get(f"/en/evidence/{world['public'].uuid}/").content.decode()
    assert STORED in page and UPLOADED in page and SAME in page
    assert page.count(SAME) == 1  # the as-uploaded hash is shown only when it differs
    assert "Hidden metadata (such as location or author) was removed from the file" in page
    assert "Uploaded by" not in page  # who uploaded it stays with the organisation and the moderators
    spanish = client.get(f"/es/evidence/{world['public'].uuid}/").content.decode()
    assert "SHA-256 (guardado):" in spanish and "metadatos ocultos" in spanish
    assert client.get(f"/en/evidence/{world['confidential'].uuid}/").status_code == 404


def test_the_api_lists_public_files_with_their_hashes(client, world, files):
    detail = client.get(f"/api/v1/evidence/{world['public'].uuid}/").json()
    assert [(f["name"], f["sha256"], f["original_sha256"]) for f in detail["attachments"]] == [
        ("foto.pdf", STORED, UPLOADED),
        ("informe.pdf", SAME, SAME),
    ]
    assert detail["attachments"][0]["url"].endswith(f"/evidence/files/{files['cleaned'].uuid}/") or detail[
        "attachments"
    ][0]["url"].endswith(f"/files/{files['cleaned'].uuid}/")
    assert "uploaded_by" not in detail["attachments"][0]
    listing = client.get("/api/v1/evidence/").json()["results"]
    assert {f["sha256"] for item in listing for f in item["attachments"]} == {STORED, SAME}
    assert "d" * 64 not in json.dumps(listing)


def test_published_versions_carry_the_hashes_of_cited_files_in_json_and_csv(client, world, cast, files):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    snapshot = client.get(f"/es/reports/{SLUG}/v1/download.json").json()
    [cited] = [e for p in snapshot["pillars"] for a in p["assessments"] for e in a["evidence"]]
    assert cited["attachments"] == [
        {"name": "foto.pdf", "sha256": STORED, "original_sha256": UPLOADED},
        {"name": "informe.pdf", "sha256": SAME, "original_sha256": SAME},
    ]
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/es/reports/{SLUG}/v1/download.csv").content.decode("utf-8-sig")))
    )
    [row] = [r for r in rows if r["indicator"] == "I13"]
    assert row["evidence_files_sha256"] == (
        f"foto.pdf sha256:{STORED} (as uploaded: {UPLOADED}) | informe.pdf sha256:{SAME}"
    )


def test_a_version_published_before_the_hashes_stays_byte_for_byte(client, world, cast, files):
    assess(world, cast.reviewer, [world["public"]])
    version = publish(world, cast)
    version = ReportVersion.objects.get(pk=getattr(version, "pk", None) or ReportVersion.objects.get().pk)
    old = json.loads(canonical_json(version.snapshot))
    for pillar in old["pillars"]:
        for a in pillar["assessments"]:
            for e in a["evidence"]:
                del e["attachments"]  # what a version published earlier holds
    ReportVersion.objects.filter(pk=version.pk).update(snapshot=old)
    body = client.get(f"/es/reports/{SLUG}/v1/download.json").content
    assert json.loads(body) == old and b"attachments" not in body
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/es/reports/{SLUG}/v1/download.csv").content.decode("utf-8-sig")))
    )
    assert all(r["evidence_files_sha256"] == "" for r in rows)
