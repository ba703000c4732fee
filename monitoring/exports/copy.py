"""The public evidence CSV straight from PostgreSQL's COPY: the rows never become Python objects.

Same columns, values and formula neutralisation as ``bulk.evidence_csv`` (the test compares the two parsed),
built from the same public vocabulary (``Evidence.objects.public()``) and compiled by Django, so the SQL names no
table by hand. COPY ends lines with LF where Python's writer uses CRLF; both are valid CSV.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Case, CharField, F, Func, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from monitoring.exports.bulk import EVIDENCE_COLUMNS
from monitoring.exports.report import FORMULA_PREFIXES
from monitoring.models import Evidence, EvidenceKind
from monitoring.querysets import PUBLIC_REQUEST

CHUNK = 64 * 1024


def available() -> bool:
    return connection.vendor == "postgresql"


def neutralised(expression: Any) -> Func:
    """A cell that starts like a formula gets a leading apostrophe (``report.neutralise`` in SQL)."""
    return Func(
        expression,
        Value("^([" + "".join(FORMULA_PREFIXES).replace("-", "").replace("\t", "\\t").replace("\r", "\\r") + "-])"),
        Value("'\\1"),
        function="regexp_replace",
        output_field=CharField(),
    )


class PartialIso(Func):
    """A date shown as precisely as it is known: 2021, 2021-04 or 2021-04-16 (``PartialDate.iso()`` in SQL)."""

    template = (
        "CASE %(precision)s WHEN 'year' THEN to_char(%(date)s, 'YYYY') WHEN 'month' THEN to_char(%(date)s, 'YYYY-MM') "
        "ELSE to_char(%(date)s, 'YYYY-MM-DD') END"
    )
    output_field = CharField()

    def __init__(self, date: str, precision: str) -> None:
        super().__init__(F(date), F(precision))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        precision_sql, precision_params = compiler.compile(self.source_expressions[1])
        sql = self.template.replace("%(date)s", date_sql).replace("%(precision)s", precision_sql)
        params = [*precision_params, *date_params, *date_params, *date_params]
        return sql, params


def _codes(relation: str, field: str = "code") -> Subquery:
    through = Evidence._meta.get_field(relation).remote_field.through  # type: ignore[union-attr]
    target = Evidence._meta.get_field(relation).m2m_reverse_field_name()  # type: ignore[union-attr]
    source = Evidence._meta.get_field(relation).m2m_field_name()  # type: ignore[union-attr]
    rows = (
        through.objects.filter(**{source: OuterRef("pk")})
        .values(source)
        .annotate(codes=StringAgg(f"{target}__{field}", " ", order_by=f"{target}__{field}"))
        .values("codes")
    )
    return Subquery(rows, output_field=CharField())


def _text(expression: Any) -> Any:
    return neutralised(Coalesce(Cast(expression, CharField()), Value("")))


class JoinedList(Func):
    """A JSON list of text as one cell, its items joined by ";" (``";".join(...)`` in bulk.py)."""

    template = "array_to_string(ARRAY(SELECT jsonb_array_elements_text(%(expressions)s)), ';')"
    output_field = CharField()


def _iso_date(name: str) -> Func:
    return Func(F(name), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def _kind_columns(base_url: str) -> dict[str, Any]:
    """The public kind fields, written as bulk._kind_cells writes them."""
    public_request = Q(**{f"transparency_request__{field}": value for field, value in PUBLIC_REQUEST.items()})
    return {
        "c_series_name": F("series_name"),
        "c_disaggregation": JoinedList(F("disaggregation")),
        "c_producing_body": F("producing_body"),
        "c_folio": F("folio"),
        "c_answering_institution": F("answering_institution__code"),
        "c_answer_type": F("answer_type"),
        "c_transparency_request": Case(
            When(
                public_request,
                then=Concat(
                    Value(f"{base_url}/transparency/requests/"),
                    Cast("transparency_request__uuid", CharField()),
                    Value("/"),
                ),
            ),
            default=Value(""),
            output_field=CharField(),
        ),
        "c_issuing_body": F("issuing_body"),
        "c_document_reference": F("document_reference"),
        "c_amount": Func(F("amount"), function="trim_scale"),
        "c_currency": F("currency"),
        "c_fiscal_year": F("fiscal_year"),
        "c_budget_programme": F("budget_programme"),
        "c_budget_stage": F("budget_stage"),
        "c_outlet": F("outlet"),
        "c_author": F("author"),
        "c_relays_source": Case(
            When(kind=EvidenceKind.NEWS_REPORT, relays_source=True, then=Value("yes")),
            When(kind=EvidenceKind.NEWS_REPORT, then=Value("no")),
            default=Value(""),
            output_field=CharField(),
        ),
        "c_relayed_source": F("relayed_source"),
        "c_pseudonym": F("pseudonym"),
        "c_method": F("method"),
        "c_sample": F("sample"),
        "c_fieldwork_start": _iso_date("fieldwork_start"),
        "c_fieldwork_end": _iso_date("fieldwork_end"),
        "c_source_reliability": F("source_reliability"),
        "c_information_credibility": F("information_credibility"),
    }


def public_rows(base_url: str) -> QuerySet[Evidence]:
    """One row per public item, the CSV's columns in order, every cell text."""
    columns = {
        "c_uuid": Cast("uuid", CharField()),
        "c_url": Concat(Value(f"{base_url}/evidence/"), Cast("uuid", CharField()), Value("/")),
        "c_plan": F("plan__slug"),
        "c_indicators": _codes("indicators"),
        "c_kind": F("kind"),
        "c_title": F("title"),
        "c_summary": F("summary"),
        "c_source_url": F("source_url"),
        "c_source_date": PartialIso("source_date", "source_date_precision"),
        "c_period_start": PartialIso("period_start", "period_start_precision"),
        "c_period_end": PartialIso("period_end", "period_end_precision"),
        "c_value": Func(F("reported_value"), function="trim_scale"),
        "c_unit": F("value_unit"),
        "c_states": _codes("regions"),
        "c_institutions": _codes("institutions"),
        "c_language": F("language"),
        "c_organisation": F("organisation__name"),
        **_kind_columns(base_url),
    }
    assert len(columns) == len(EVIDENCE_COLUMNS)
    annotated = {name: _text(expression) for name, expression in columns.items()}
    return Evidence.objects.public().order_by("pk").annotate(**annotated).values_list(*annotated)


def evidence_csv(base_url: str) -> Iterator[bytes]:
    """The CSV as bytes, BOM and header first, then COPY's output in blocks."""
    sql, params = public_rows(base_url).query.sql_with_params()
    header = ",".join(EVIDENCE_COLUMNS) + "\r\n"
    yield ("\ufeff" + header).encode("utf-8")
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')", params) as copy:
            for block in copy:
                yield bytes(block)
