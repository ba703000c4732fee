"""Reading an uploaded spreadsheet into rows of cell values, refusing what is unsafe or unreadable.

What this module decides (and tests/monitoring/test_import.py checks):

- **XLSX** is opened only after the zip itself was checked: at most ``IMPORT_MAX_ZIP_MEMBERS`` members and
  ``IMPORT_MAX_UNCOMPRESSED_SIZE`` bytes once uncompressed (a "zip bomb" is refused before anything inflates it).
  Macro-enabled or old formats (``.xlsm``, ``.xlsb``, ``.xls``; any ``vbaProject.bin`` inside) are refused.
  openpyxl reads in ``read_only`` mode, twice side by side: once for the cached values (``data_only=True``) and
  once for the formulas. A formula cell is read as its last computed value; a formula with no computed value
  (a file written by a program, never opened in Excel) is refused with the cell's address.
- **Merged cells** are refused with their addresses (reading only the top-left value would silently leave the
  other rows of the merge empty).
- **Text that starts like a formula** (``=``, ``@``, or ``+``/``-`` followed by a letter or a parenthesis), in
  either format, is refused: it would run as a formula when the evidence is exported and opened in a
  spreadsheet. Numbers such as ``-5`` or ``+52 55 1234 5678`` are not affected.
- **CSV** in UTF-8 (with or without a byte-order mark), UTF-16 (Excel's "Unicode text", with its BOM) or
  Windows-1252 (tried when the file is not UTF-8) is read correctly; bytes that are none of these (the five
  that Windows-1252 leaves undefined) are refused with a message. The delimiter
  (comma, semicolon or tab) is taken from the header line.
- Rows whose cells are all empty are skipped; row numbers are the spreadsheet's own (the header is row 1).
- The file is streamed: a file with more rows than ``IMPORT_MAX_ROWS`` is refused as soon as the first row
  past the limit is read, without reading the rest.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FORMULA_LIKE = re.compile(r"^(=|@|[+-][^\W\d_]|[+-]\()")
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlsb", ".xlam", ".xla")
OLD_EXTENSIONS = (".xls", ".ods", ".numbers")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
CHUNK = 64 * 1024
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class FileRefused(Exception):
    """The file (or one cell of it) cannot be read; ``message`` is worded for the member."""

    def __init__(self, message: str, *, row: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


class WrongEncoding(Exception):
    """A CSV guessed to be UTF-8 is not: the caller reads it again as Windows-1252."""


class Row:
    """One non-empty row: its number in the spreadsheet and its cell values (text, numbers, dates or None)."""

    __slots__ = ("number", "values")

    def __init__(self, number: int, values: list[Any]) -> None:
        self.number = number
        self.values = values


def file_format(name: str, head: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` from the name and first bytes; anything else is refused."""
    lower = name.lower()
    if lower.endswith(MACRO_EXTENSIONS):
        raise FileRefused(_("Files with macros (.xlsm, .xlsb) are not accepted. Save the sheet as .xlsx or .csv."))
    if lower.endswith(OLD_EXTENSIONS):
        raise FileRefused(_("This file format is not accepted. Save the sheet as .xlsx or .csv."))
    is_zip = head.startswith(b"PK\x03\x04")
    if lower.endswith(".xlsx") or (is_zip and not lower.endswith(CSV_EXTENSIONS)):
        if not is_zip:
            raise FileRefused(_("This is not a valid .xlsx file. Save the sheet as .xlsx or .csv again."))
        return "xlsx"
    if lower.endswith(CSV_EXTENSIONS):
        return "csv"
    raise FileRefused(_("Upload a .xlsx or .csv file (the template is one of them)."))


def read_rows(handle: IO[bytes], name: str, encoding: str | None = None) -> tuple[list[str], Iterator[Row]]:
    """The header (text of each column) and an iterator over the non-empty rows that follow it.

    ``handle`` must be seekable (the worker copies the stored file to a temporary file). The row iterator
    raises ``FileRefused`` for an unsafe cell or when the file has more rows than the limit.
    """
    head = handle.read(8)
    handle.seek(0)
    fmt = file_format(name, head)
    rows = _xlsx_rows(handle) if fmt == "xlsx" else _csv_rows(handle, encoding)
    header_row = next(rows, None)
    if header_row is None:
        raise FileRefused(_("The file is empty: the first row must hold the column names of the template."))
    header = [_cell_text(v) for v in header_row.values]
    while header and not header[-1]:
        header.pop()
    return header, _limited(rows, len(header))


def _limited(rows: Iterator[Row], width: int) -> Iterator[Row]:
    limit = settings.IMPORT_MAX_ROWS
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise FileRefused(
                ngettext(
                    "The file has more than %(limit)s row. Split it into files of at most %(limit)s row each.",
                    "The file has more than %(limit)s rows. Split it into files of at most %(limit)s rows each.",
                    limit,
                )
                % {"limit": f"{limit:,}"}
            )
        extra = [i for i, v in enumerate(row.values[width:], start=width) if _cell_text(v)]
        if extra:
            raise FileRefused(
                _("This cell holds a value but its column has no name in the first row."),
                row=row.number,
                column=_column_letter(extra[0]),
            )
        for index, value in enumerate(row.values[:width]):
            if isinstance(value, str) and FORMULA_LIKE.match(value.strip()):
                raise FileRefused(
                    _(
                        "This cell starts like a formula (=, +, - or @). Formulas are not read: write the value "
                        "itself, or start the text differently."
                    ),
                    row=row.number,
                    column=str(index),
                )
        yield row


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# -- XLSX ---------------------------------------------------------------------------------------------------


def _check_zip(handle: IO[bytes]) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(_("This is not a valid .xlsx file. Save the sheet as .xlsx or .csv again.")) from exc
    members = archive.infolist()
    if len(members) > settings.IMPORT_MAX_ZIP_MEMBERS or (
        sum(m.file_size for m in members) > settings.IMPORT_MAX_UNCOMPRESSED_SIZE
    ):
        raise FileRefused(
            _("This .xlsx file unpacks to far more data than a sheet of evidence holds, so it was not opened.")
        )
    # A sheet's XML packs about 10:1; a member far past that (and big) is a bomb made of repeated text.
    if any(m.file_size > 1_000_000 and m.file_size > 100 * max(m.compress_size, 1) for m in members):
        raise FileRefused(
            _("This .xlsx file unpacks to far more data than a sheet of evidence holds, so it was not opened.")
        )
    names = [m.filename.lower() for m in members]
    if any("vbaproject" in n or (n.endswith(".bin") and "vba" in n) for n in names):
        raise FileRefused(_("Files with macros (.xlsm, .xlsb) are not accepted. Save the sheet as .xlsx or .csv."))
    return archive


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str) -> list[str]:
    """The merged ranges of a sheet, read from its XML as a stream (openpyxl's read-only mode does not say)."""
    ranges: list[str] = []
    with archive.open(sheet_path.lstrip("/")) as stream:
        # The zip was checked first; ElementTree resolves no external entities and expat refuses entity
        # expansion bombs; openpyxl parses the same XML with the same parser right after.
        for _event, element in ElementTree.iterparse(stream):  # noqa: S314
            if element.tag == f"{SHEET_NS}mergeCell":
                ranges.append(element.get("ref", ""))
            element.clear()
    return ranges


def _xlsx_rows(handle: IO[bytes]) -> Iterator[Row]:
    import openpyxl

    archive = _check_zip(handle)
    try:
        values_book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        handle.seek(0)
        formula_book = openpyxl.load_workbook(handle, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise FileRefused(_("This is not a valid .xlsx file. Save the sheet as .xlsx or .csv again.")) from exc
    if not values_book.worksheets:
        raise FileRefused(_("The file is empty: the first row must hold the column names of the template."))
    values_sheet: Any = values_book.worksheets[0]
    formula_sheet: Any = formula_book.worksheets[0]
    merged = _merged_ranges(archive, values_sheet._worksheet_path)
    if merged:
        raise FileRefused(
            _("Cells %(cells)s are merged. Unmerge them and fill every cell of the column.")
            % {"cells": ", ".join(merged[:5])}
        )
    pairs = zip(values_sheet.iter_rows(), formula_sheet.iter_rows(), strict=False)
    try:
        number = 0
        for values, formulas in pairs:
            cells: list[Any] = []
            number += 1
            for cell, raw in zip(values, formulas, strict=False):
                number = getattr(cell, "row", None) or number
                value = cell.value
                if getattr(raw, "data_type", None) == "f" and value is None:
                    raise FileRefused(
                        _(
                            "This cell holds a formula whose result was never calculated. Open the file in a "
                            "spreadsheet program and save it again, or paste the values instead of the formula."
                        ),
                        row=number,
                        column=str(len(cells)),
                    )
                cells.append(_xlsx_value(value, getattr(cell, "number_format", "") or ""))
            if any(_cell_text(c) for c in cells):
                yield Row(number, cells)
    finally:
        values_book.close()
        formula_book.close()


def _xlsx_value(value: Any, number_format: str) -> Any:
    """Dates as reduced ISO text as precise as the cell's format shows them (``mmm yyyy`` is a month)."""
    if isinstance(value, dt.datetime | dt.date):
        fmt = re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", number_format.lower())
        if "d" not in fmt and "m" in fmt and "y" in fmt:
            return f"{value.year:04d}-{value.month:02d}"
        if fmt.replace(";", "").strip() in ("yyyy", "yy"):
            return f"{value.year:04d}"
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


# -- CSV ----------------------------------------------------------------------------------------------------


def detect_encoding(handle: IO[bytes]) -> str:
    """From the first bytes: UTF-8 with a BOM, UTF-16 (BOM or NUL-interleaved), else UTF-8 until proven otherwise
    (``WrongEncoding`` is raised where a byte is not UTF-8, and the caller reads the file again as Windows-1252)."""
    head = handle.read(4)
    handle.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0:
        return "utf-16-be"
    return "utf-8"


def _csv_rows(handle: IO[bytes], encoding: str | None) -> Iterator[Row]:
    guessed = encoding is None
    encoding = encoding or detect_encoding(handle)
    text = io.TextIOWrapper(handle, encoding=encoding, newline="", errors="strict")
    try:
        first = text.readline()
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        number = 0
        for values in reader:
            number += 1
            if any(v.strip() for v in values):
                yield Row(number, list(values))
    except csv.Error as exc:
        raise FileRefused(
            _("Row %(row)s could not be read as CSV (a quote left open, or a cell far too long).")
            % {"row": number + 1},
            row=number + 1,
        ) from exc
    except UnicodeDecodeError as exc:
        if guessed and encoding == "utf-8":
            raise WrongEncoding from exc
        raise FileRefused(
            _(
                "The characters of this file could not be read. Save it as “CSV UTF-8” (or as .xlsx) and upload it "
                "again."
            )
        ) from exc
    finally:
        text.detach()
