"""Checking, cleaning and fingerprinting uploaded evidence files.

The type is decided from the content (magic numbers and structure), never from the
name or the browser's claim; the name's extension must agree with the content.
Images are re-encoded so that EXIF/GPS and other metadata are gone. Every file's
SHA-256 is computed, as uploaded and as stored, for the chain of custody.

Everything reads files in chunks from file objects, never whole into memory: Django keeps uploads over
FILE_UPLOAD_MAX_MEMORY_SIZE on disk, hashing and sniffing read them in CHUNK-sized pieces (the type from the
first and last few kilobytes, zip archives through their central directory), cleaned documents are written to
a spooled temporary file, and storing streams the file object to the storage backend. Only Pillow (the decoded
image) and pypdf (the PDF's objects, when metadata is removed) need more, because they cannot work otherwise.
"""

from __future__ import annotations

import codecs
import copy
import csv
import hashlib
import io
import shutil
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import DomainError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

EXTENSIONS = {
    PDF: {"pdf"},
    PNG: {"png"},
    JPEG: {"jpg", "jpeg"},
    WEBP: {"webp"},
    CSV: {"csv"},
    XLSX: {"xlsx"},
    DOCX: {"docx"},
    ODT: {"odt"},
    ODS: {"ods"},
}
ACCEPTED_EXTENSIONS = sorted({ext for exts in EXTENSIONS.values() for ext in exts})
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ACCEPTED_EXTENSIONS)

IMAGE_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
MAX_IMAGE_PIXELS = 40_000_000  # 40 megapixels: larger is refused as a possible decompression bomb
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
MAX_ZIP_RATIO = 100  # uncompressed / compressed
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
CHUNK = 64 * 1024  # what is read at a time when hashing, sniffing, copying
SPOOL_IN_MEMORY = 1024 * 1024  # cleaned files larger than this are spooled to a temporary file on disk
CSV_HEAD_CHARACTERS = 200_000  # a CSV's markup and row checks read this much of its text


class FileRejected(DomainError):
    """The file cannot be accepted; ``message`` says why, in the user's language."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks. ``file`` holds the content to store: the upload's own file object when
    nothing was changed, else a spooled temporary file with the re-encoded or cleaned content."""

    name: str
    content_type: str
    file: IO[bytes]
    size: int
    sha256: str
    original_sha256: str

    def open(self) -> IO[bytes]:
        """The content from its first byte, to be read in chunks."""
        self.file.seek(0)
        return self.file

    @property
    def content(self) -> bytes:
        """The whole content in memory: for tests and small files; the pipeline reads ``open()`` in chunks."""
        return self.open().read()


def spool() -> IO[bytes]:
    """A temporary file that stays in memory while small and moves to disk beyond SPOOL_IN_MEMORY."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR)


def _disk_file() -> IO[bytes]:
    return tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)


def spooled_copy(source: IO[bytes]) -> IO[bytes]:
    """A seekable copy of a stream (e.g. a file read from storage), made in chunks."""
    target = spool()
    shutil.copyfileobj(source, target, CHUNK)
    target.seek(0)
    return target


def digest(source: IO[bytes]) -> tuple[str, int]:
    """SHA-256 (hex) and size of a seekable file, read in chunks from its first byte."""
    source.seek(0)
    sha = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    source.seek(0)
    return sha.hexdigest(), size


def _head(source: IO[bytes], length: int) -> bytes:
    source.seek(0)
    return source.read(length)


def _tail(source: IO[bytes], length: int) -> bytes:
    end = source.seek(0, io.SEEK_END)
    source.seek(max(0, end - length))
    return source.read(length)


def clean_filename(name: str) -> str:
    """A display-safe file name: no path, no control or markup characters, bounded length."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", base)
    cleaned = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '<>:"/\\|?*&;`$' and ch != "\x00"
    )
    cleaned = cleaned.strip(" .") or "file"
    if len(cleaned) > 150:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 140 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else cleaned[:150]
    return cleaned


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _describe(content_type: str) -> str:
    labels = {
        PDF: "PDF",
        PNG: "PNG",
        JPEG: "JPEG",
        WEBP: "WebP",
        CSV: "CSV",
        XLSX: "XLSX",
        DOCX: "DOCX",
        ODT: "ODT",
        ODS: "ODS",
    }
    return labels.get(content_type, content_type)


def inspect_upload(upload: UploadedFile) -> CheckedFile:
    """Check one uploaded file and return its cleaned content, or raise FileRejected."""
    name = clean_filename(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise FileRejected(_("“%(name)s” is empty.") % {"name": name})
    if size > settings.MAX_UPLOAD_FILE_SIZE:
        raise FileRejected(too_large_message(name))
    # The upload's own file object: on disk beyond FILE_UPLOAD_MAX_MEMORY_SIZE (TemporaryUploadedFile).
    source: IO[bytes] = upload.file  # type: ignore[assignment]
    original_sha256, size = digest(source)
    content_type = sniff(source, name)
    ext = _extension(name)
    if ext not in EXTENSIONS[content_type]:
        raise FileRejected(
            _("“%(name)s” is named .%(ext)s but its content is a %(kind)s file. Rename it or choose the right file.")
            % {"name": name, "ext": ext or "?", "kind": _describe(content_type)}
        )
    if content_type not in IMAGE_FORMATS:
        return CheckedFile(name, content_type, source, size, sha256=original_sha256, original_sha256=original_sha256)
    cleaned = reencode_image(source, IMAGE_FORMATS[content_type], name)
    sha256, cleaned_size = digest(cleaned)
    return CheckedFile(name, content_type, cleaned, cleaned_size, sha256=sha256, original_sha256=original_sha256)


def check_uploads(
    uploads: Sequence[UploadedFile],
    *,
    existing: Sequence[object] = (),
    oversized: Sequence[str] = (),
    strip_metadata: bool = False,
) -> list[CheckedFile]:
    """The one file pipeline of every form that takes files (evidence and transparency answers).

    Each upload is inspected (type from content, images re-encoded, both hashes); the item's limits are checked
    against the files it already has (``existing``: rows with a ``size``): at most MAX_ATTACHMENTS_PER_ITEM files
    and MAX_UPLOAD_TOTAL_SIZE bytes; documents are cleaned of their metadata on request. ``oversized`` names the
    files the upload handler dropped while they streamed. Raises one ValidationError with every message.
    """
    errors = [too_large_message(name) for name in oversized]
    checked: list[CheckedFile] = []
    for upload in uploads:
        try:
            checked.append(inspect_upload(upload))
        except FileRejected as exc:
            errors.append(exc.message)
    if len(existing) + len(uploads) > settings.MAX_ATTACHMENTS_PER_ITEM:
        errors.append(_("An item can have at most %(count)s files.") % {"count": settings.MAX_ATTACHMENTS_PER_ITEM})
    total = sum(int(getattr(row, "size", 0)) for row in existing) + sum(f.size for f in checked)
    if total > settings.MAX_UPLOAD_TOTAL_SIZE:
        errors.append(
            _("The files of one item may not exceed %(limit)s in total.")
            % {"limit": filesizeformat(settings.MAX_UPLOAD_TOTAL_SIZE)}
        )
    if not errors and strip_metadata:
        cleaned = []
        for one in checked:
            try:
                cleaned.append(strip_document_metadata(one))
            except FileRejected as exc:
                errors.append(exc.message)
        checked = cleaned
    if errors:
        raise ValidationError(errors)
    return checked


def too_large_message(name: str) -> str:
    return _("“%(name)s” is larger than the limit of %(limit)s per file.") % {
        "name": clean_filename(name),
        "limit": filesizeformat(settings.MAX_UPLOAD_FILE_SIZE),
    }


def unsupported(name: str) -> FileRejected:
    return FileRejected(
        _("“%(name)s” is not an accepted type. Accepted: PDF, PNG, JPEG, WebP, CSV, XLSX, DOCX, ODT and ODS.")
        % {"name": name}
    )


def sniff(source: IO[bytes], name: str) -> str:
    """Decide the type from the content (a seekable file). Raise FileRejected for anything else, corrupt or
    dangerous. Reads the first and last few kilobytes, a zip's directory, or a CSV's text in chunks."""
    head = _head(source, 8192)
    guess = filetype.guess(head)
    mime = guess.mime if guess else None
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in _tail(source, 2048):
            raise FileRejected(_("“%(name)s” looks like a PDF but is damaged or incomplete.") % {"name": name})
        return PDF
    if mime in (PNG, JPEG, WEBP):
        return mime
    if head.startswith(b"PK\x03\x04"):
        return sniff_zip(source, name)
    if mime is not None:
        # An executable, archive, audio, video or other binary type, whatever its name says.
        raise unsupported(name)
    if _extension(name) == "csv":
        check_csv(source, name)
        return CSV
    raise unsupported(name)


def sniff_zip(source: IO[bytes], name: str) -> str:
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)  # reads the central directory only; the caller's file stays open
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRejected(_("“%(name)s” is damaged and cannot be opened.") % {"name": name}) from exc
    total = sum(m.file_size for m in members)
    compressed = max(1, sum(m.compress_size for m in members))
    if total > MAX_ZIP_UNCOMPRESSED or total / compressed > MAX_ZIP_RATIO:
        raise FileRejected(
            _("“%(name)s” expands to far more data than its size; it was refused as unsafe.") % {"name": name}
        )
    names = {m.filename for m in members}
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as member:
                declared = member.read(200).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, RuntimeError) as exc:
            raise FileRejected(_("“%(name)s” is damaged and cannot be opened.") % {"name": name}) from exc
        if declared in (ODT, ODS):
            return declared
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    raise unsupported(name)


def _decoded_head(source: IO[bytes], encoding: str, name: str) -> str | None:
    """The first CSV_HEAD_CHARACTERS of the text if the whole file decodes, else None. Refuses NUL bytes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    source.seek(0)
    parts: list[str] = []
    kept = 0
    readable = True
    while chunk := source.read(CHUNK):
        if b"\x00" in chunk:
            raise unsupported(name)
        if not readable:
            continue  # keep looking for NUL bytes, which make it binary whatever the encoding
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            readable = False
            continue
        if kept < CSV_HEAD_CHARACTERS:
            parts.append(text[: CSV_HEAD_CHARACTERS - kept])
            kept += len(parts[-1])
    if not readable:
        return None
    try:
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return None
    return "".join(parts)[:CSV_HEAD_CHARACTERS]


def check_csv(source: IO[bytes], name: str) -> None:
    text = _decoded_head(source, "utf-8-sig", name)
    if text is None:
        text = _decoded_head(source, "cp1252", name)
    if text is None:
        raise FileRejected(_("“%(name)s” is not a readable text (CSV) file.") % {"name": name})
    head = text[:2048].lstrip().lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<svg", "<script")) or "<script" in head:
        raise FileRejected(_("“%(name)s” contains web markup, not comma-separated values.") % {"name": name})
    try:
        for _row in zip(range(5), csv.reader(io.StringIO(text)), strict=False):
            pass
    except csv.Error as exc:
        raise FileRejected(_("“%(name)s” is not a readable text (CSV) file.") % {"name": name}) from exc


def reencode_image(source: IO[bytes], fmt: str, name: str) -> IO[bytes]:
    """Decode and re-encode an image so that no metadata (EXIF, GPS, comments, XMP) survives. Pillow reads the
    file object and needs the decoded image in memory (bounded by MAX_IMAGE_PIXELS); the result is spooled."""
    damaged = FileRejected(_("“%(name)s” is a damaged image.") % {"name": name})
    bomb = FileRejected(_("“%(name)s” has too many pixels to be processed safely.") % {"name": name})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source.seek(0)
            with Image.open(source) as probe:
                probe.verify()
            source.seek(0)
            with Image.open(source) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                clean = upright if upright is not None else image
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                clean.info = {}
                out = spool()
                options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}
                clean.save(out, format=fmt, **options)
                out.seek(0)
                return out
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise bomb from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise damaged from exc


OOXML_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>'
)
OOXML_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"></Properties>'
)
ODF_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
    b"<office:meta/></office:document-meta>"
)


def strip_document_metadata(checked: CheckedFile) -> CheckedFile:
    """Remove author, editor, company and software metadata from PDF and office files (on the submitter's request)."""
    source = checked.open()
    try:
        if checked.content_type == PDF:
            cleaned = _strip_pdf(source)
        elif checked.content_type in (DOCX, XLSX):
            cleaned = _rewrite_zip(source, {"docProps/core.xml": OOXML_CORE, "docProps/app.xml": OOXML_APP})
        elif checked.content_type in (ODT, ODS):
            cleaned = _rewrite_zip(source, {"meta.xml": ODF_META})
        else:
            return checked
    except Exception as exc:  # a file we cannot rewrite is refused rather than kept with its metadata
        raise FileRejected(
            _("“%(name)s” could not be cleaned of its metadata. Save it again as PDF and retry.")
            % {"name": checked.name}
        ) from exc
    sha256, size = digest(cleaned)
    return CheckedFile(
        name=checked.name,
        content_type=checked.content_type,
        file=cleaned,
        size=size,
        sha256=sha256,
        original_sha256=checked.original_sha256,
    )


def _strip_pdf(source: IO[bytes]) -> IO[bytes]:
    """pypdf reads the file object and keeps the document's objects in memory while it rewrites them (it has no
    streaming writer); what it writes goes to a temporary file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.metadata = None
    root = writer._root_object
    if NameObject("/Metadata") in root:
        del root[NameObject("/Metadata")]
    # Straight to disk: an in-memory spool would copy the largest stream once more before rolling over.
    out = _disk_file()
    writer.write(out)
    out.seek(0)
    return out


def _rewrite_zip(source: IO[bytes], replacements: dict[str, bytes]) -> IO[bytes]:
    """Copy every member in chunks into a new archive, replacing the metadata members."""
    source.seek(0)
    out = spool()
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            # ODF wants "mimetype" first and stored uncompressed; keep every member's original method.
            member = copy.copy(info)
            if info.filename in replacements:
                target.writestr(member, replacements[info.filename], compress_type=info.compress_type)
                continue
            with archive.open(info) as reader, target.open(member, "w", force_zip64=info.file_size > 2**31) as writer:
                shutil.copyfileobj(reader, writer, CHUNK)
    out.seek(0)
    return out
