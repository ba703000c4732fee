"""Full-text search over public evidence: title, summary, source and the text fields of each kind.

PostgreSQL: a stored tsvector combining Spanish and English stemming over unaccented text
(configurations es_unaccent / en_unaccent, migration 0007), GIN-indexed, queried with
websearch_to_tsquery in both languages and ranked. SQLite (development only): every word of the
query must appear in the lower-cased, accent-free `search_text` — no stemming.
Highlighting is done here on escaped text, so a title can never inject markup.

Lists of results (the public page and the API) go through ``listing()``, whose cost does not grow with the
number of matches: a capped count (at most ``COUNT_CAP`` + 1 rows are counted: "more than 2,000 results"), ranking
only when the term is rare (the capped count is the probe: at most ``RANK_LIMIT`` matches), otherwise newest source
first through the partial index over public rows, and keyset pagination (a cursor of (source date, id) or
(rank, id), never an OFFSET that reads every row before the page). ``?page=N`` still works, up to
``MAX_OFFSET`` rows deep. The plans chosen, with EXPLAIN (ANALYZE, BUFFERS), are in bench/explain/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monitoring.models import Evidence

MAX_QUERY = 200
RANK_LIMIT = 2000  # search(): rank when fewer matches than this
COUNT_CAP = 2000  # listing(): count at most this many matches (+1, to know there are more)
LISTING_RANK_LIMIT = 500  # listing(): rank when at most this many matches; newest first above
# listing(): a search the planner expects to match more than this is not counted at all ("more than 2,000"):
# finding 2,001 matches of a common term reads thousands of rows, the planner's estimate reads none.
ESTIMATE_COMMON = 4 * COUNT_CAP
MAX_OFFSET = 2000  # ?page=N reads at most this many rows before the page
MAX_CURSOR = 80


def normalise(text: str) -> str:
    """Lower case, accents removed: 'Despliegue de MUJERES' -> 'despliegue de mujeres'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def terms(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", normalise(query[:MAX_QUERY])) if len(t) > 1]


# What a search reads: the common text, then the text fields of each kind. Never a testimony's pseudonym (nor its
# private fields, PRIVATE_KIND_FIELDS): a search must not find a person, even among an organisation's own items.
SEARCHED_FIELDS = (
    "title",
    "summary",
    "source_url",
    "series_name",
    "producing_body",
    "folio",
    "issuing_body",
    "document_reference",
    "budget_programme",
    "outlet",
    "author",
    "relayed_source",
    "method",
    "sample",
)


def _vector() -> Any:
    fields = [Coalesce(F(name), Value(""), output_field=TextField()) for name in SEARCHED_FIELDS]
    return SearchVector(*fields, config="es_unaccent", weight="A") + SearchVector(
        *fields, config="en_unaccent", weight="B"
    )


def refresh(evidence_ids: Iterable[int]) -> None:
    """Recompute the search columns of these items (call after they change)."""
    ids = list(evidence_ids)
    if not ids:
        return
    for pk, *texts in Evidence.objects.filter(pk__in=ids).values_list("pk", *SEARCHED_FIELDS):
        Evidence.objects.filter(pk=pk).update(search_text=normalise(" ".join(t for t in texts if t)))
    if connection.vendor == "postgresql":
        Evidence.objects.filter(pk__in=ids).update(search_vector=_vector())


def _ts_query(words: list[str]) -> Any:
    text = " ".join(words)
    return SearchQuery(text, config="es_unaccent", search_type="websearch") | SearchQuery(
        text, config="en_unaccent", search_type="websearch"
    )


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """Narrow ``queryset`` to the items matching ``query``, without ordering them."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(search_vector=_ts_query(words))
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter ``queryset`` to items matching ``query``, best first on PostgreSQL."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        ts_query = _ts_query(words)
        matches = queryset.filter(search_vector=ts_query)
        # Ranking reads every match; past a few thousand matches it costs more than it tells, so very common
        # terms list the newest sources first (using the public index) instead.
        if matches.values("pk")[:RANK_LIMIT].count() < RANK_LIMIT:
            return matches.annotate(rank=SearchRank(F("search_vector"), ts_query)).order_by(
                "-rank", "-source_date", "-pk"
            )
        return matches.order_by("-source_date", "-pk")
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset.order_by("-source_date", "-pk")


# ----------------------------------------------------------------------------------------------- lists of results


class BadCursor(ValueError):
    """A cursor that is not one this module wrote (the page shows the first page; the API answers 400)."""


NEWEST = "d"  # order: source date, newest first (no date first), then id, highest first
RANKED = "r"  # order: rank, best first, then id, highest first


# A cursor is "n" (the page after) or "p" (the page before), the order, the key of one row and its id:
# "n.d.739000.1234" (source date as a proleptic Gregorian ordinal, "-" for none), "p.r.3e19999a.1234" (the rank,
# a PostgreSQL real, as the 8 hex digits of its IEEE 754 single-precision bits: exact, so equal ranks compare equal).
# Every string this pattern accepts decodes; the API publishes it in its schema.
CURSOR_PATTERN = r"^[np]\.(d\.(-|[1-9][0-9]{0,5}|[12][0-9]{6}|3[0-5][0-9]{5})|r\.[0-9a-f]{8})\.[1-9][0-9]{0,17}$"
_CURSOR = re.compile(CURSOR_PATTERN.removesuffix("$") + r"\Z")


@dataclass(frozen=True)
class Cursor:
    """A position in a list of results: the key of one row, and whether the page wanted is after or before it."""

    forward: bool
    order: str
    value: Any  # a date or None (NEWEST), a float (RANKED)
    pk: int

    def encode(self) -> str:
        if self.order == RANKED:
            value = struct.pack(">f", float(self.value)).hex()
        else:
            value = str(self.value.toordinal()) if self.value is not None else "-"
        return f"{'n' if self.forward else 'p'}.{self.order}.{value}.{self.pk}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a cursor; anything else raises BadCursor."""
        token = (token or "").removesuffix("\n")  # "$" of the published pattern allows one final newline
        if len(token) > MAX_CURSOR or not _CURSOR.match(token):
            raise BadCursor(token)
        direction, order, rest = token.split(".", 2)
        raw, _, pk = rest.rpartition(".")
        value: Any
        if order == RANKED:
            value = struct.unpack(">f", bytes.fromhex(raw))[0]
        else:
            value = None if raw == "-" else dt.date.fromordinal(int(raw))
        return cls(forward=direction == "n", order=order, value=value, pk=int(pk))


@dataclass
class Listing:
    """One page of a list of results, and what its count and links need."""

    items: list[Any]
    count: int  # exact when not capped; COUNT_CAP + 1 when there are more
    capped: bool  # more than COUNT_CAP matches: "more than 2,000 results"
    ranked: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    previous_page: int | None = None  # the previous page by number, when the page was asked for by number
    page_number: int | None = None


def estimate(queryset: QuerySet) -> int | None:
    """The planner's estimate of the number of rows of ``queryset`` (PostgreSQL; None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(matches: QuerySet, searched: bool) -> int:
    """The number of matches, or COUNT_CAP + 1 when there are more (a search the planner expects to match far
    more is not counted at all)."""
    if searched:
        expected = estimate(matches)
        if expected is not None and expected > ESTIMATE_COMMON:
            return COUNT_CAP + 1
    return matches.order_by().values("pk")[: COUNT_CAP + 1].count()


def _order_key(item: Any, order: str) -> Any:
    return getattr(item, "rank", 0.0) if order == RANKED else item.source_date


def _after(order: str, value: Any, pk: int) -> Q:
    """Rows after the key (value, pk) in the list's order."""
    if order == RANKED:
        return Q(rank__lt=value) | Q(rank=value, pk__lt=pk)
    if value is None:  # undated rows come first
        return Q(source_date__isnull=True, pk__lt=pk) | Q(source_date__isnull=False)
    # The first condition alone is a range of the index; the second removes the rows of that date already shown.
    return Q(source_date__lte=value) & (Q(source_date__lt=value) | Q(pk__lt=pk))


def _before(order: str, value: Any, pk: int) -> Q:
    """Rows before the key (value, pk) in the list's order."""
    if order == RANKED:
        return Q(rank__gt=value) | Q(rank=value, pk__gt=pk)
    if value is None:
        return Q(source_date__isnull=True, pk__gt=pk)
    return (Q(source_date__gte=value) & (Q(source_date__gt=value) | Q(pk__gt=pk))) | Q(source_date__isnull=True)


def _ordering(order: str, forward: bool) -> list[Any]:
    if order == RANKED:
        return [F("rank").desc(), F("pk").desc()] if forward else [F("rank").asc(), F("pk").asc()]
    if forward:
        return [F("source_date").desc(nulls_first=True), F("pk").desc()]
    return [F("source_date").asc(nulls_last=True), F("pk").asc()]


def listing(
    queryset: QuerySet,
    query: str,
    *,
    size: int,
    cursor: str | None = None,
    page: int | None = None,
) -> Listing:
    """One page of ``queryset`` (already filtered, not yet searched) matching ``query``.

    Best first when the term is rare (PostgreSQL), newest source first otherwise; a ``cursor`` from a previous
    page, or a page ``page`` by number (bounded by MAX_OFFSET). A malformed cursor raises BadCursor.
    """
    words = terms(query)
    matches = matching(queryset, query)
    count = capped_count(matches, bool(words))
    ranked = bool(words) and connection.vendor == "postgresql" and count <= LISTING_RANK_LIMIT
    order = RANKED if ranked else NEWEST
    if ranked:
        matches = matches.annotate(rank=SearchRank(F("search_vector"), _ts_query(words)))
    position = Cursor.decode(cursor) if cursor else None
    if position is not None and position.order != order:
        position = None  # a cursor of the other order (the matches changed): start again
    result = Listing(items=[], count=count, capped=count > COUNT_CAP, ranked=ranked)
    if position is None:
        number = max(1, min(page or 1, MAX_OFFSET // size + 1))
        offset = (number - 1) * size
        rows = list(matches.order_by(*_ordering(order, True))[offset : offset + size + 1])
        result.items = rows[:size]
        if page is not None:
            result.page_number = number
            result.previous_page = number - 1 if number > 1 else None
        if len(rows) > size:
            last = result.items[-1]
            result.next_cursor = Cursor(True, order, _order_key(last, order), last.pk).encode()
        return result
    if position.forward:
        rows = list(
            matches.filter(_after(order, position.value, position.pk)).order_by(*_ordering(order, True))[: size + 1]
        )
        result.items = rows[:size]
        has_more = len(rows) > size
        has_less = True
    else:
        rows = list(
            matches.filter(_before(order, position.value, position.pk)).order_by(*_ordering(order, False))[: size + 1]
        )
        result.items = rows[:size][::-1]
        has_more = True
        has_less = len(rows) > size
    if result.items and has_more:
        last = result.items[-1]
        result.next_cursor = Cursor(True, order, _order_key(last, order), last.pk).encode()
    if result.items and has_less:
        first = result.items[0]
        result.previous_cursor = Cursor(False, order, _order_key(first, order), first.pk).encode()
    return result


def highlight(text: str, query: str) -> SafeString:
    """Escape ``text`` and wrap words that match the query (accent-insensitive, by stem-like prefix) in <mark>."""
    prefixes = [w[: max(4, len(w) - 2)] if len(w) > 4 else w for w in terms(query)]
    if not prefixes:
        return mark_safe(escape(text))  # noqa: S308 - escaped just above
    out = []
    for piece in re.split(r"(\w+)", text or ""):
        if piece and re.match(r"\w", piece) and any(normalise(piece).startswith(p) for p in prefixes):
            out.append(f"<mark>{escape(piece)}</mark>")
        else:
            out.append(escape(piece))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped
