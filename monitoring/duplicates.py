"""Possible duplicates of an item: the same source URL (normalised), the same file, or a near-identical title,
among the items of the same plan that the person asking may read.

For a member that is her organisations' items and public ones, never another organisation's restricted items;
for a moderator, everything submitted. Titles are compared without accents or case: with pg_trgm's similarity on
PostgreSQL when the extension is installed, else with a Python ratio over a bounded set of candidates (SQLite,
or a PostgreSQL without pg_trgm).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from monitoring.models import Evidence, EvidenceAttachment
from portal.permissions import is_moderator, organisations_of

# pg_trgm's similarity (0..1) and difflib's ratio (0..1) from which two titles count as near-identical.
TRIGRAM_THRESHOLD = 0.7
RATIO_THRESHOLD = 0.9
# Without pg_trgm, titles are compared with at most this many candidates (the newest of the plan in scope).
PYTHON_CANDIDATES = 2000
MAX_SHOWN = 10
DEFAULT_PORTS = {"http": "80", "https": "443"}

REASONS = {
    "url": _("same source URL"),
    "file": _("same file"),
    "title": _("near-identical title"),
}


@dataclass
class Duplicate:
    evidence: Evidence
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]


def normalise_url(url: str) -> str:
    """One spelling per address: scheme and host lower-cased, default port, fragment, ``utm_*`` parameters and a
    trailing slash dropped, remaining parameters sorted. Not a URL to open, a key to compare."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.lower()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if port is not None and str(port) != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def normalise_title(title: str) -> str:
    """Lower case, no accents, words separated by single spaces (punctuation is not a difference)."""
    decomposed = unicodedata.normalize("NFKD", title or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", bare))


def scope_for(user: Any, plan_id: int) -> QuerySet[Evidence]:
    """The items of a plan that ``user`` may be told about."""
    items = Evidence.objects.filter(plan_id=plan_id)
    if is_moderator(user):
        return items.visible_to(user)
    return items.filter(Q(organisation__in=organisations_of(user)) | Q(pk__in=Evidence.objects.public().values("pk")))


_trigram_available: dict[str, bool] = {}


def trigram_available() -> bool:
    """pg_trgm and unaccent are installed in this PostgreSQL database (asked once per database alias)."""
    if connection.vendor != "postgresql":
        return False
    alias = connection.alias
    if alias not in _trigram_available:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent')")
            _trigram_available[alias] = cursor.fetchone()[0] == 2
    return _trigram_available[alias]


def _similar_titles(scope: QuerySet[Evidence], title: str) -> list[int]:
    wanted = normalise_title(title)
    if len(wanted) < 4:  # "Informe" alone says nothing
        return []
    if trigram_available():
        from django.contrib.postgres.lookups import Unaccent
        from django.contrib.postgres.search import TrigramSimilarity
        from django.db.models.functions import Lower

        return list(
            scope.annotate(similarity=TrigramSimilarity(Lower(Unaccent("title")), wanted))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "-pk")
            .values_list("pk", flat=True)[:MAX_SHOWN]
        )
    found = []
    for pk, other in scope.order_by("-pk").values_list("pk", "title")[:PYTHON_CANDIDATES]:
        candidate = normalise_title(other)
        if not candidate or abs(len(candidate) - len(wanted)) > 0.2 * max(len(candidate), len(wanted)):
            continue
        if candidate == wanted or difflib.SequenceMatcher(None, wanted, candidate).ratio() >= RATIO_THRESHOLD:
            found.append(pk)
    return found[:MAX_SHOWN]


def _same_url(scope: QuerySet[Evidence], url: str) -> list[int]:
    wanted = normalise_url(url)
    if not wanted:
        return []
    host = urlsplit(wanted).hostname or ""
    candidates = scope.exclude(source_url="").filter(source_url__icontains=host).values_list("pk", "source_url")
    return [pk for pk, other in candidates[:PYTHON_CANDIDATES] if normalise_url(other) == wanted][:MAX_SHOWN]


def _same_file(scope: QuerySet[Evidence], hashes: set[str]) -> list[int]:
    if not hashes:
        return []
    files = EvidenceAttachment.objects.filter(Q(sha256__in=hashes) | Q(original_sha256__in=hashes))
    return list(
        scope.filter(pk__in=files.values("evidence_id")).order_by("-pk").values_list("pk", flat=True)[:MAX_SHOWN]
    )


def find_duplicates(
    *,
    user: Any,
    plan_id: int,
    title: str = "",
    source_url: str = "",
    hashes: set[str] | None = None,
    exclude_pk: int | None = None,
) -> list[Duplicate]:
    """Items of the plan that ``user`` may read and that look like the one described, with why."""
    scope = scope_for(user, plan_id)
    if exclude_pk is not None:
        scope = scope.exclude(pk=exclude_pk)
    reasons: dict[int, list[str]] = {}
    for reason, pks in (
        ("url", _same_url(scope, source_url)),
        ("file", _same_file(scope, hashes or set())),
        ("title", _similar_titles(scope, title)),
    ):
        for pk in pks:
            reasons.setdefault(pk, []).append(reason)
    if not reasons:
        return []
    items = Evidence.objects.filter(pk__in=reasons).select_related("organisation").order_by("-pk")
    return [Duplicate(item, reasons[item.pk]) for item in items[:MAX_SHOWN]]


def duplicates_of(evidence: Evidence, user: Any) -> list[Duplicate]:
    """Possible duplicates of a saved item, as ``user`` may be told about them."""
    hashes: set[str] = set()
    for sha, original in evidence.attachments.values_list("sha256", "original_sha256"):
        hashes.update(h for h in (sha, original) if h)
    return find_duplicates(
        user=user,
        plan_id=evidence.plan_id,
        title=evidence.title,
        source_url=evidence.source_url,
        hashes=hashes,
        exclude_pk=evidence.pk,
    )
