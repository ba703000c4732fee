"""Checking a whole spreadsheet through the web's evidence form, row by row, before anything is written.

A row's key (remembered in ``ImportedRow``, unique per organisation) is the ``key`` column when the researcher
fills it, else the SHA-256 of the row as the form receives it (codes resolved, dates and numbers normalised), so
"15/04/2021" and a date cell of the same day are the same row, and the same file imported twice creates nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import models
from django.utils.translation import gettext as _

from monitoring.forms.evidence import EvidenceForm
from monitoring.imports.columns import KEY, Converter, header, header_map, plain, text_of
from monitoring.imports.reader import FileRefused, WrongEncoding, read_rows
from monitoring.models import EvidenceKind, ImportedRow, Plan
from portal.fields import plain_decimal
from portal.models import Organisation

MAX_STORED_ERRORS = 500
PREVIEW_ROWS = 20


@dataclass
class CheckedRow:
    number: int
    key: str
    fields: dict[str, Any]


@dataclass
class CheckResult:
    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"row": row, "column": column, "message": str(message)})


def blank_form(plan: Plan, organisation: Organisation, submit: bool, data: Any = None) -> EvidenceForm:
    """The web's evidence form for one row, for the job's organisation alone (so its own field is left out)."""
    organisations = Organisation.objects.filter(pk=organisation.pk)
    return EvidenceForm(data, plan=plan, organisations=organisations, submitting=submit)


def _canonical(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return sorted(str(_canonical(v)) for v in value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return value if isinstance(value, str | int | bool) or value is None else str(value)


def row_key(cells: dict[str, Any], fields: dict[str, Any]) -> str:
    """The ``key`` column's value when filled, else the row's content as the form cleaned it (codes resolved,
    dates and numbers normalised), hashed."""
    own = text_of(cells.get(KEY) or "")
    if own:
        return hashlib.sha256(f"key:{plain(own)}".encode()).hexdigest()
    canonical = {k: _canonical(v) for k, v in fields.items() if v not in (None, "", [], False)}
    content = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"row:{content}".encode()).hexdigest()


def check_file(
    handle: IO[bytes],
    name: str,
    *,
    plan: Plan,
    organisation: Organisation,
    submit: bool,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Every row of the file checked as the web form checks it; nothing written. Messages in the active language."""
    try:
        return _check_file(handle, name, None, plan, organisation, submit, progress)
    except WrongEncoding:  # not UTF-8 after all: Windows-1252, as Excel on Windows saves "CSV"
        handle.seek(0)
        return _check_file(handle, name, "cp1252", plan, organisation, submit, progress)


def _check_file(
    handle: IO[bytes],
    name: str,
    encoding: str | None,
    plan: Plan,
    organisation: Organisation,
    submit: bool,
    progress: Callable[[int, int], None] | None,
) -> CheckResult:
    result = CheckResult()
    template = blank_form(plan, organisation, submit)
    file_header: list[str] = []
    try:
        file_header, names = _columns(handle, name, encoding, template, result)
        if result.error_count:
            return result
        handle.seek(0)
        result.total = sum(1 for _row in read_rows(handle, name, encoding)[1])  # refuses past the row limit, quickly
        if progress:
            progress(0, result.total)
        handle.seek(0)
        _header, rows = read_rows(handle, name, encoding)
        converter = Converter(template)
        seen: dict[str, int] = {}
        for done, row in enumerate(rows, start=1):
            cells = {names[i]: v for i, v in enumerate(row.values[: len(names)]) if names[i]}
            _check_row(row.number, cells, converter, plan, organisation, submit, result, seen, names, file_header)
            if progress and done % 100 == 0:
                progress(done, result.total)
    except FileRefused as refused:
        result.error(refused.row, _column_name(refused.column, file_header), refused.message)
        return result
    if not result.error_count:
        _mark_imported(result, organisation)
    return result


def _column_name(column: str, file_header: list[str]) -> str:
    if column.isdigit() and file_header and int(column) < len(file_header):
        return file_header[int(column)]
    return column


def _columns(
    handle: IO[bytes], name: str, encoding: str | None, form: EvidenceForm, result: CheckResult
) -> tuple[list[str], list[str]]:
    """The field name of each column of the file ('' for an empty header); unknown or repeated headers are errors."""
    file_header, _rows = read_rows(handle, name, encoding)
    spellings = header_map(form)
    names: list[str] = []
    for text in file_header:
        if not text:
            names.append("")
            continue
        found = spellings.get(plain(text))
        if found is None:
            result.error(
                1,
                text,
                _("This column is not one of the template's columns. Rename it as in the template, or remove it."),
            )
        elif found in names:
            result.error(1, text, _("This column appears twice."))
        names.append(found or "")
    if "title" not in names and not result.error_count:
        result.error(1, "", _("The first row must hold the column names of the template; the title column is missing."))
    return file_header, names


def _check_row(
    number: int,
    cells: dict[str, Any],
    converter: Converter,
    plan: Plan,
    organisation: Organisation,
    submit: bool,
    result: CheckResult,
    seen: dict[str, int],
    names: list[str],
    file_header: list[str],
) -> None:
    data, problems = converter.data(cells)
    label = {n: file_header[i] for i, n in enumerate(names) if n}
    for column, message in problems.items():
        result.error(number, label.get(column, column), message)
    form = blank_form(plan, organisation, submit, data)
    if not form.is_valid() or problems:
        for column, messages in form.errors.items():
            if column in problems:
                continue
            where = label.get(column) or (header(form, column) if column in form.fields else "")
            for problem in messages:
                result.error(number, where, str(problem))
        return
    fields = form.evidence_fields()
    key = row_key(cells, fields)
    if key in seen:
        result.duplicates.append(
            {"row": number, "reason": _("Repeats row %(row)s; imported once.") % {"row": seen[key]}, "key": key}
        )
        return
    seen[key] = number
    result.rows.append(CheckedRow(number, key, fields))
    if len(result.preview) < PREVIEW_ROWS:
        result.preview.append(
            {
                "row": number,
                "title": fields["title"],
                "kind": str(dict(EvidenceKind.choices).get(fields.get("kind") or "", "")),
                "indicators": ", ".join(i.code for i in fields.get("indicators") or []),
                "period": (form.cleaned_data.get("period_start") or "") and str(form.cleaned_data["period_start"]),
            }
        )


def _mark_imported(result: CheckResult, organisation: Organisation) -> None:
    """Rows imported before (by any file of the organisation) are skipped and listed."""
    keys = [row.key for row in result.rows]
    known: set[str] = set()
    for start in range(0, len(keys), 1000):
        known |= set(
            ImportedRow.objects.filter(organisation=organisation, row_key__in=keys[start : start + 1000]).values_list(
                "row_key", flat=True
            )
        )
    if not known:
        return
    kept = []
    for row in result.rows:
        if row.key in known:
            result.duplicates.append({"row": row.number, "reason": _("Already imported; skipped."), "key": row.key})
        else:
            kept.append(row)
    result.rows = kept
    result.preview = [p for p in result.preview if p["row"] in {r.number for r in kept}]
