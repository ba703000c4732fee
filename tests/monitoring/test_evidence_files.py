"""Attachments: type from content, metadata stripped, hashes recorded, dangerous files refused."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.utils import translation
from PIL import Image

from monitoring.files import FileRejected, clean_filename, inspect_upload
from tests import files


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_reasons_are_given_in_the_readers_language():
    with translation.override("es"), pytest.raises(FileRejected) as excinfo:
        inspect_upload(files.upload("vacío.pdf", b""))
    assert excinfo.value.message == "“vacío.pdf” está vacío."


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("informe.pdf", files.PDF_BYTES, "application/pdf"),
        ("foto.png", files.image_bytes("PNG"), "image/png"),
        ("foto.jpg", files.image_bytes("JPEG"), "image/jpeg"),
        ("foto.JPEG", files.image_bytes("JPEG"), "image/jpeg"),
        ("foto.webp", files.image_bytes("WEBP"), "image/webp"),
        ("datos.csv", "estado,valor\nChihuahua,3\nOaxaca,ñ\n".encode(), "text/csv"),
        ("datos.xlsx", files.xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("oficio.docx", files.docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("oficio.odt", files.odt_bytes(), "application/vnd.oasis.opendocument.text"),
        ("datos.ods", files.ods_bytes(), "application/vnd.oasis.opendocument.spreadsheet"),
    ],
)
def test_every_accepted_type_is_recognised_from_its_content(name, content, expected_type):
    checked = inspect_upload(files.upload(name, content, content_type="text/html"))  # the browser's claim is ignored
    assert checked.content_type == expected_type
    assert checked.original_sha256 == hashlib.sha256(content).hexdigest()
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("vacío.pdf", b"", "is empty"),
        ("programa.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "not an accepted type"),
        ("linux.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "not an accepted type"),
        ("pagina.png", b"<html><body><script>alert(1)</script></body></html>", "not an accepted type"),
        ("pagina.csv", b"<!DOCTYPE html><html><script>alert(1)</script>", "web markup"),
        ("foto.pdf", files.image_bytes("PNG"), "named .pdf but its content is a PNG"),
        ("informe.png", files.PDF_BYTES, "named .png but its content is a PDF"),
        ("informe", files.PDF_BYTES, "named .? but its content is a PDF"),
        ("roto.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n", "damaged or incomplete"),
        ("roto.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50, "damaged image"),
        ("archivo.zip", files.zip_bytes({"a.txt": b"hola"}), "not an accepted type"),
        (
            "bomba.docx",
            files.zip_bytes({"[Content_Types].xml": b"x", "word/document.xml": b"\x00" * 5_000_000}),
            "expands to far more",
        ),
        ("binario.csv", b"a,b\n\x00\x01\x02", "not an accepted type"),
        ("audio.pdf", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 100, "not an accepted type"),
    ],
)
def test_disguised_corrupt_and_dangerous_files_are_refused_with_a_reason(name, content, reason):
    with pytest.raises(FileRejected) as excinfo:
        inspect_upload(files.upload(name, content))
    assert reason in excinfo.value.message


def test_a_decompression_bomb_image_is_refused():
    image = Image.new("1", (8000, 8000))  # 64 megapixels, a few kilobytes as PNG
    out = io.BytesIO()
    image.save(out, format="PNG")
    with pytest.raises(FileRejected) as excinfo:
        inspect_upload(files.upload("bomba.png", out.getvalue()))
    assert "too many pixels" in excinfo.value.message


def test_exif_and_gps_tags_are_removed_from_a_jpeg():
    original = files.image_bytes("JPEG", exif_gps=True)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the sample really carries GPS
    checked = inspect_upload(files.upload("foto.jpg", original))
    with Image.open(io.BytesIO(checked.content)) as after:
        exif = after.getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x010F not in exif and 0x0110 not in exif
    assert b"PhoneMaker" not in checked.content
    assert checked.sha256 != checked.original_sha256


def test_image_metadata_is_removed_from_png_and_webp_too():
    for fmt, name in [("PNG", "a.png"), ("WEBP", "a.webp")]:
        checked = inspect_upload(files.upload(name, files.image_bytes(fmt, exif_gps=True)))
        with Image.open(io.BytesIO(checked.content)) as after:
            assert not after.getexif()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\informe final.pdf", "informe final.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "img src=x onerror=alert(1).pdf"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 137 + ".pdf"),
        ("informe\u202egnp.pdf", "informegnp.pdf"),
    ],
)
def test_original_file_names_are_sanitised_for_display(raw, expected):
    assert clean_filename(raw) == expected
