"""Full-text search over public evidence: title, summary and source.

PostgreSQL: a stored tsvector combining Spanish and English stemming over unaccented text
(configurations es_unaccent / en_unaccent, migration 0007), GIN-indexed, queried with
websearch_to_tsquery in both languages and ranked. SQLite (development only): every word of the
query must appear in the lower-cased, accent-free `search_text` — no stemming.
Highlighting is done here on escaped text, so a title can never inject markup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monitoring.models import Evidence

MAX_QUERY = 200
RANK_LIMIT = 2000


def normalise(text: str) -> str:
    """Lower case, accents removed: 'Despliegue de MUJERES' -> 'despliegue de mujeres'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def terms(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", normalise(query[:MAX_QUERY])) if len(t) > 1]


def _vector() -> Any:
    fields = [Coalesce(F(name), Value(""), output_field=TextField()) for name in ("title", "summary", "source_url")]
    return SearchVector(*fields, config="es_unaccent", weight="A") + SearchVector(
        *fields, config="en_unaccent", weight="B"
    )


def refresh(evidence_ids: Iterable[int]) -> None:
    """Recompute the search columns of these items (call after they change)."""
    ids = list(evidence_ids)
    if not ids:
        return
    for pk, title, summary, source in Evidence.objects.filter(pk__in=ids).values_list(
        "pk", "title", "summary", "source_url"
    ):
        Evidence.objects.filter(pk=pk).update(search_text=normalise(f"{title} {summary} {source}"))
    if connection.vendor == "postgresql":
        Evidence.objects.filter(pk__in=ids).update(search_vector=_vector())


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Filter ``queryset`` to items matching ``query``, best first on PostgreSQL."""
    words = terms(query)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        text = " ".join(words)
        ts_query = SearchQuery(text, config="es_unaccent", search_type="websearch") | SearchQuery(
            text, config="en_unaccent", search_type="websearch"
        )
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
