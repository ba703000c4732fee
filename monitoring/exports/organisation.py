"""An organisation's own evidence, for its members: every item of every status and visibility, with its custody
hashes and its moderation history, as CSV (streamed) or XLSX (openpyxl, write-only), through the workspace filters.

Columns. Both files have the same columns, in the same order, named by the model's field names (``columns()``):
a column has the same name here, in the spreadsheet import, the API and the public CSV. The kind-specific and
reliability columns come from the model's registry (``ALL_KIND_FIELDS``), so a field added there is exported.
Values are machine values: choices as their codes (``approved``, ``news_report``), dates in ISO 8601 as precise
as the source (``2021``, ``2021-04``), times in ISO 8601 with their offset, ``yes``/``no`` for booleans, several
codes separated by spaces. The CSV has a single header row (any program reads it); the XLSX adds a "columns"
sheet with each column's label in the reader's language and what it holds, and the attachments and the
moderation history one row each ("attachments" and "moderation" sheets).

Custody and history. ``attachments`` holds, as JSON, each file's original name, its stored SHA-256 and its
SHA-256 as uploaded; ``moderation_history`` each ModerationEntry (when, who, what happened, the text).
Moderators' internal notes (``EvidenceComment.internal``) are never read here: members never see them.

Spreadsheet safety. Every CSV cell goes through ``neutralise`` (monitoring/exports/report.py), as the public CSVs
do: a title starting with ``=`` is written ``'=…``. In the XLSX every text cell is typed as a string, never a
formula, so the text is kept exactly; characters XML cannot hold are dropped, and a cell longer than Excel's
32,767 characters is cut with "…".
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from monitoring.exports.bulk import _rows_to_csv
from monitoring.models import (
    ALL_KIND_FIELDS,
    COMMON_EVIDENCE_FIELDS,
    Evidence,
    EvidenceAttachment,
    Indicator,
    Institution,
    ModerationEntry,
    Region,
)
from portal import audit
from portal.models import AuditEvent, Organisation, User

CHUNK = 500
XLSX_CELL_LIMIT = 32_767
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# Columns that are not one model field, or are written differently from the field (name -> (label, description)).
# Labels and descriptions are functions so that they are read in the language active when the file is written.
_EXTRA: dict[str, tuple[Any, Any]] = {
    "uuid": (lambda: _("Identifier"), lambda: _("The item's permanent identifier (as in its address).")),
    "url": (lambda: _("Address"), lambda: _("The item's page in the portal (readable by whoever may read it).")),
    "indicators": (lambda: _("Indicators"), lambda: _("Codes of the indicators, separated by spaces.")),
    "states": (lambda: _("States concerned"), lambda: _("Codes of the states, separated by spaces.")),
    "institutions": (lambda: _("Institutions concerned"), lambda: _("Codes of the institutions, separated by spaces.")),
    "attachments": (
        lambda: _("Attached files"),
        lambda: _(
            "JSON: each file's original name, size, SHA-256 of the stored file and SHA-256 of the file as uploaded "
            "(they differ when metadata was removed)."
        ),
    ),
    "moderation_history": (
        lambda: _("Moderation history"),
        lambda: _(
            "JSON: each submission and decision, oldest first: when, who, what happened (a code) and the reason "
            "or note. Moderators' internal notes are not included."
        ),
    ),
}

# The common fields, in the order of the public CSV, then what only the organisation sees.
_HEAD = [
    "uuid",
    "url",
    "organisation",
    "plan",
    "indicators",
    "status",
    "visibility",
    *COMMON_EVIDENCE_FIELDS,
]
_RELIABILITY = ["source_reliability", "information_credibility", "reliability_confirmed_by", "reliability_confirmed_at"]
_RECORD = ["submitted_by", "submitted_at", "created_at", "updated_at", "version"]
_CUSTODY = ["attachments", "moderation_history"]
_PARTIAL_DATES = {"source_date": "source_date_iso", "period_start": "period_start_iso", "period_end": "period_end_iso"}


def columns() -> list[str]:
    """Every column, in order: the common fields, each kind's fields (from the model), reliability, the record,
    custody and history."""
    kind_fields = [name for name in ALL_KIND_FIELDS if name not in _HEAD]
    return [*_HEAD, *kind_fields, *_RELIABILITY, *_RECORD, *_CUSTODY]


def _field(name: str) -> models.Field | None:
    try:
        field = Evidence._meta.get_field(name)
    except FieldDoesNotExist:  # a column that is not a model field (url, attachments)
        return None
    return field if isinstance(field, models.Field) and not field.many_to_many else None


def describe() -> list[tuple[str, str, str]]:
    """(column, label, what it holds) for the XLSX "columns" sheet, in the active language."""
    rows = []
    for name in columns():
        if name in _EXTRA:
            label, description = _EXTRA[name]
            rows.append((name, str(label()), str(description())))
            continue
        field = _field(name)
        assert field is not None, name
        label = capfirst(str(field.verbose_name))
        if field.choices:
            text = _("One of: %(values)s.") % {
                "values": "; ".join(f"{value} ({label})" for value, label in field.flatchoices if value)
            }
        elif name == "disaggregation":
            from monitoring.models.evidence import Disaggregation

            text = _("Codes separated by spaces, among: %(values)s.") % {
                "values": "; ".join(f"{value} ({label})" for value, label in Disaggregation.choices)
            }
        elif isinstance(field, models.BooleanField):
            text = _("yes or no.")
        elif isinstance(field, models.DateTimeField):
            text = _("Date and time, ISO 8601 with the offset from UTC.")
        elif isinstance(field, models.DateField):
            text = _("Date, ISO 8601: a year, a month or a day, as precise as the source.")
        elif isinstance(field, models.ForeignKey):
            text = _describe_relation(name)
        elif isinstance(field, (models.DecimalField, models.IntegerField)):
            text = _("A number (a point before decimals).")
        else:
            text = str(field.help_text or "")
        rows.append((name, label, text))
    return rows


def _describe_relation(name: str) -> str:
    if name in ("submitted_by", "reliability_confirmed_by"):
        return _("The person's name.")
    if name == "transparency_request":
        return _("Identifier of the transparency request in the portal.")
    return _("Code.")


# ------------------------------------------------------------------------------------------------------ the rows


def evidence_for_export(queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """The items with everything a row needs: a fixed number of queries per chunk of rows, whatever their number."""
    relations = [
        f.name for f in Evidence._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.name in columns()
    ]
    return (
        queryset.defer("search_vector", "search_text")
        .select_related(*relations)
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.only("pk", "code").order_by("code")),
            Prefetch("regions", queryset=Region.objects.only("pk", "code")),
            Prefetch("institutions", queryset=Institution.objects.only("pk", "code").order_by("code")),
            Prefetch(
                "attachments",
                queryset=EvidenceAttachment.objects.only(
                    "pk", "evidence_id", "original_name", "size", "sha256", "original_sha256", "created_at"
                ).order_by("created_at", "pk"),
            ),
            Prefetch(
                "moderation_entries",
                queryset=ModerationEntry.objects.select_related("author").order_by("created_at", "pk"),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _related(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, User):
        return obj.get_full_name()
    if isinstance(obj, (Institution, Region)):
        return obj.code
    if hasattr(obj, "slug"):  # organisation, plan
        return str(obj.slug)
    if hasattr(obj, "uuid"):  # transparency request
        return str(obj.uuid)
    return str(obj)


def attachments_of(item: Evidence) -> list[dict[str, Any]]:
    return [
        {
            "name": a.original_name,
            "size": a.size,
            "sha256": a.sha256,
            "original_sha256": a.original_sha256,
            "uploaded_at": _when(a.created_at),
        }
        for a in item.attachments.all()
    ]


def history_of(item: Evidence) -> list[dict[str, Any]]:
    """The item's ModerationEntry rows, oldest first (never its comments, so never an internal note)."""
    return [
        {"when": _when(e.created_at), "who": e.author.get_full_name(), "kind": e.kind, "text": e.text}
        for e in item.moderation_entries.all()
    ]


def _value(item: Evidence, name: str, base_url: str) -> Any:
    """One cell: str, int or Decimal (numbers stay numbers in the XLSX)."""
    if name == "url":
        return f"{base_url}{item.get_absolute_url()}"
    if name in _PARTIAL_DATES:
        return getattr(item, _PARTIAL_DATES[name]) or ""
    if name == "indicators":
        return " ".join(i.code for i in item.indicators.all())
    if name == "states":
        return " ".join(r.code for r in item.regions.all())
    if name == "institutions":
        return " ".join(i.code for i in item.institutions.all())
    if name == "attachments":
        return json.dumps(attachments_of(item), ensure_ascii=False)
    if name == "moderation_history":
        return json.dumps(history_of(item), ensure_ascii=False)
    field = _field(name)
    assert field is not None, name
    if isinstance(field, models.ForeignKey):
        return _related(getattr(item, name))
    value = getattr(item, field.attname)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return _when(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, (int, str, Decimal)):
        return value
    return str(value)


def rows(queryset: QuerySet[Evidence], base_url: str) -> Iterator[list[Any]]:
    names = columns()
    for item in evidence_for_export(queryset).iterator(chunk_size=CHUNK):
        yield [_value(item, name, base_url) for name in names]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def organisation_csv(queryset: QuerySet[Evidence], base_url: str) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, one header row of field names, every cell neutralised; streamed."""
    return _rows_to_csv(columns(), ([_csv_cell(v) for v in row] for row in rows(queryset, base_url)))


# ------------------------------------------------------------------------------------------------------ the XLSX


def _xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        if isinstance(value, str):
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(text) > XLSX_CELL_LIMIT:
                text = text[: XLSX_CELL_LIMIT - 1] + "…"
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # text, even when it starts with "=": never a formula
        else:
            cell = WriteOnlyCell(sheet, value=value)
        cells.append(cell)
    return cells


def organisation_xlsx(queryset: QuerySet[Evidence], base_url: str) -> IO[bytes]:
    """The workbook in a temporary file (write-only mode: rows go to disk as they are read), rewound."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    evidence = workbook.create_sheet("evidence")
    files = workbook.create_sheet("attachments")
    history = workbook.create_sheet("moderation")
    explained = workbook.create_sheet("columns")
    names = columns()
    evidence.append(_xlsx_row(evidence, names))
    files.append(_xlsx_row(files, ["evidence_uuid", "name", "size", "sha256", "original_sha256", "uploaded_at"]))
    history.append(_xlsx_row(history, ["evidence_uuid", "when", "who", "kind", "text"]))
    for item in evidence_for_export(queryset).iterator(chunk_size=CHUNK):
        evidence.append(_xlsx_row(evidence, [_value(item, name, base_url) for name in names]))
        for a in attachments_of(item):
            files.append(_xlsx_row(files, [str(item.uuid), *a.values()]))
        for e in history_of(item):
            history.append(_xlsx_row(history, [str(item.uuid), *e.values()]))
    explained.append(_xlsx_row(explained, [_("Column"), _("Label"), _("What it holds")]))
    for row in describe():
        explained.append(_xlsx_row(explained, list(row)))
    explained.append(_xlsx_row(explained, []))
    explained.append(_xlsx_row(explained, [_("Sheet"), "", _("What it holds")]))
    for sheet, text in (
        ("attachments", _("One row per attached file, with the identifier of its item.")),
        ("moderation", _("One row per submission or decision, with the identifier of its item.")),
    ):
        explained.append(_xlsx_row(explained, [sheet, "", text]))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook.save(out)
    out.seek(0)
    return out


# ------------------------------------------------------------------------------------------------------- the audit


def record_export(*, organisation: Organisation, actor: User, filters: str, rows: int, fmt: str) -> AuditEvent:
    """Record that ``actor`` downloaded ``rows`` items of ``organisation`` with ``filters`` (the query string the
    page kept), as ``fmt``."""
    with transaction.atomic():
        return audit.record(
            action="portal.organisation.evidence_exported",
            obj=organisation,
            actor=actor,
            changes={"filters": [None, filters or "—"], "rows": [None, rows], "format": [None, fmt]},
        )
