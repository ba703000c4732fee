"""Uploads are processed in bounded memory: a 20 MB PDF is inspected, hashed and stored in chunks.

Django's upload handler (``portal.uploads.LimitedUploadHandler``, FILE_UPLOAD_MAX_MEMORY_SIZE = 0) writes every
upload to a temporary file; the pipeline must then read it in chunks, never whole. tracemalloc counts every Python
allocation made while ``check_uploads`` and ``attachments.store`` run.
"""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from typing import Any

import pypdf  # noqa: F401  (imported before measuring: importing it allocates some 6 MB of its own)
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile

from monitoring import attachments
from monitoring.files import check_uploads
from monitoring.models import EvidenceAttachment
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SIZE = 20 * MB - 64 * 1024  # just under MAX_UPLOAD_FILE_SIZE, with room for the PDF's structure
# Measured: 0.14 MB (hashing, sniffing and storing in 64 KiB chunks). The bound leaves room for
# interpreter noise while still failing loudly if anything reads the file whole (that alone is 20 MB).
PIPELINE_BOUND = 4 * MB


def big_pdf(size: int = SIZE) -> TemporaryUploadedFile:
    """A valid one-page PDF of ``size`` bytes, most of them an image stream of random bytes (like a scan), written
    to a temporary file in chunks as Django's upload handler does."""
    upload = TemporaryUploadedFile("escaneo.pdf", "application/pdf", 0, None)
    width = 4000
    height = (size - 2048) // width
    offsets = []

    def obj(number: int, body: bytes) -> None:
        offsets.append(upload.file.tell())
        upload.file.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    upload.file.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(
        3,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 500] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
    )
    content = b"q 400 0 0 500 0 0 cm /Im0 Do Q"
    obj(4, b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    offsets.append(upload.file.tell())
    upload.file.write(
        b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, width * height)
    )
    left = width * height
    while left:
        chunk = os.urandom(min(MB, left))
        upload.file.write(chunk)
        left -= len(chunk)
    upload.file.write(b"\nendstream\nendobj\n")
    xref = upload.file.tell()
    upload.file.write(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    upload.file.write(b"trailer\n<< /Size 6 /Root 1 0 R /Info << /Author (Ana) >> >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    upload.size = upload.file.tell()
    upload.file.seek(0)
    return upload


def _sha256(upload: TemporaryUploadedFile) -> str:
    upload.file.seek(0)
    digest = hashlib.sha256()
    while chunk := upload.file.read(MB):
        digest.update(chunk)
    return digest.hexdigest()


def _peak(run) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_20_mb_pdf_is_checked_hashed_and_stored_in_bounded_memory(cast, mx_plan, settings):
    evidence = EvidenceFactory(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan)
    upload = big_pdf()
    assert 19 * MB < upload.size <= settings.MAX_UPLOAD_FILE_SIZE
    expected = _sha256(upload)
    stored: list[str] = []

    def pipeline():
        (checked,) = check_uploads([upload])
        return attachments.store(EvidenceAttachment, checked, cast.member, stored, evidence=evidence)

    attachment, peak = _peak(pipeline)
    print(f"peak Python memory for a {upload.size / MB:.1f} MB PDF: {peak / MB:.2f} MB")
    assert peak < PIPELINE_BOUND, f"{peak / MB:.1f} MB"
    assert attachment.content_type == "application/pdf" and attachment.size == upload.size
    assert attachment.sha256 == attachment.original_sha256 == expected
    with default_storage.open(attachment.file.name, "rb") as handle:
        digest = hashlib.sha256()
        while chunk := handle.read(MB):
            digest.update(chunk)
    assert digest.hexdigest() == expected


def test_removing_a_big_pdfs_metadata_needs_only_what_pypdf_holds(cast, mx_plan):
    """pypdf has no streaming writer: it keeps the document's objects (here one 20 MB image stream) while it
    rewrites them. Everything around it is chunked (measured: 21.2 MB for a 19.9 MB file), so the peak is the
    file's size plus little, not a multiple of it."""
    upload = big_pdf()
    result, peak = _peak(lambda: check_uploads([upload], strip_metadata=True))
    (checked,) = result
    print(f"peak Python memory removing the metadata of a {upload.size / MB:.1f} MB PDF: {peak / MB:.2f} MB")
    assert peak < upload.size + PIPELINE_BOUND, f"{peak / MB:.1f} MB"
    cleaned = checked.open().read()
    assert b"/Author" not in cleaned and cleaned.startswith(b"%PDF-") and checked.original_sha256 == _sha256(upload)


# --------------------------------------------------------------------- chunked reading gives the same answers


def _temporary(name: str, content: bytes) -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
    upload.file.write(content)
    upload.file.seek(0)
    return upload


def test_a_csv_is_decoded_across_chunk_boundaries_and_refused_for_a_late_nul():
    from monitoring.files import CHUNK, FileRejected, inspect_upload

    row = "Oaxaca,ñandú\n".encode()
    utf8 = b"estado,valor\n" + b"x" * (CHUNK - 14) + row * 20_000  # "ñ" straddles the first chunk's end
    assert inspect_upload(_temporary("datos.csv", utf8)).content_type == "text/csv"
    cp1252 = ("estado,valor\n" + "Querétaro,3\n" * 20_000).encode("cp1252")
    assert inspect_upload(_temporary("datos.csv", cp1252)).content_type == "text/csv"
    with pytest.raises(FileRejected, match="not an accepted type"):
        inspect_upload(_temporary("datos.csv", utf8 + b"\x00"))


def test_a_big_pdf_without_its_end_marker_is_refused():
    from monitoring.files import FileRejected, inspect_upload

    with pytest.raises(FileRejected, match="damaged or incomplete"):
        inspect_upload(_temporary("cortado.pdf", b"%PDF-1.7\n" + os.urandom(3 * MB)))


def test_office_metadata_is_removed_member_by_member_keeping_everything_else():
    import io
    import zipfile

    from monitoring.files import check_uploads
    from tests import files

    body = os.urandom(2 * MB)  # incompressible, larger than a chunk
    docx = files.zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/media/image1.bin": body,
            "docProps/core.xml": b"<cp:coreProperties><dc:creator>Ana P\xc3\xa9rez</dc:creator></cp:coreProperties>",
        }
    )
    (checked,) = check_uploads([_temporary("oficio.docx", docx)], strip_metadata=True)
    with zipfile.ZipFile(io.BytesIO(checked.content)) as archive:
        assert archive.namelist() == [
            "[Content_Types].xml",
            "word/document.xml",
            "word/media/image1.bin",
            "docProps/core.xml",
        ]
        assert archive.read("word/media/image1.bin") == body
        assert b"Ana" not in archive.read("docProps/core.xml")
        assert archive.testzip() is None
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest() != checked.original_sha256

    # ODF: "mimetype" first and stored uncompressed, as the format requires.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office/>" * 1000, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", b"<meta><dc:creator>Ana</dc:creator></meta>", compress_type=zipfile.ZIP_DEFLATED)
    (clean,) = check_uploads([_temporary("oficio.odt", out.getvalue())], strip_metadata=True)
    with zipfile.ZipFile(io.BytesIO(clean.content)) as archive:
        methods = [(m.filename, m.compress_type) for m in archive.infolist()]
        assert methods == [("mimetype", zipfile.ZIP_STORED), ("content.xml", zipfile.ZIP_DEFLATED), ("meta.xml", 8)]
        assert archive.read("content.xml") == b"<office/>" * 1000 and b"Ana" not in archive.read("meta.xml")
