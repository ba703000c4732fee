"""EXPLAIN (ANALYZE, BUFFERS) of the indicator page's top 20 and of each search shape, written to bench/explain/.

    DATABASE_URL=postgres://…/obs_perf_b DEBUG=true .venv/bin/python manage.py shell -c \
        "exec(open('bench/explain/explain.py').read())"

The SQL is captured from the code that sends it (the indicator view's queryset, monitoring.search.listing() as
the evidence page calls it), so the files show what the pages run. Each file: per query, the SQL, a line on the
plan chosen and why, then the plan of a first run and of a second (warm) one.
"""

from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring import search
from monitoring.forms.filters import PublicEvidenceFilterForm
from monitoring.models import Evidence, Indicator
from monitoring.models.evidence import PublicIndicatorEvidence

OUT = Path("bench/explain")


def plan(sql: str) -> tuple[str, str]:
    runs = []
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            runs.append("\n".join(row[0] for row in cursor.fetchall()))
    return runs[0], runs[1]


def estimated(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def write(name: str, queries: list[tuple[str, str]]) -> None:
    parts = []
    for sql, why in queries:
        if sql.startswith("EXPLAIN"):  # the probe: only planned, never run
            sql = sql.removeprefix("EXPLAIN (FORMAT JSON) ")
            parts.append(
                f"EXPLAIN {sql};\n\n-- Plan chosen: {why}\n\n-- the estimate (not executed)\n{estimated(sql)}\n"
            )
            continue
        first, warm = plan(sql)
        parts.append(f"{sql};\n\n-- Plan chosen: {why}\n\n-- first run\n{first}\n\n-- second run (warm)\n{warm}\n")
        print(name, "|", warm.splitlines()[-1])
    (OUT / f"{name}.txt").write_text(f"-- {name}\n\n" + "\n\n".join(parts))


def captured(function) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        function()
    return [q["sql"] for q in ctx.captured_queries]


# The indicator with the most public items.
busiest = (
    PublicIndicatorEvidence.objects.values("indicator")
    .order_by()
    .annotate(n=__import__("django").db.models.Count("pk"))
)
top = max(busiest, key=lambda row: row["n"])
indicator = Indicator.objects.get(pk=top["indicator"])
rows = PublicIndicatorEvidence.objects.filter(indicator=indicator)
listed = (
    Evidence.objects.public()
    .listing()
    .filter(public_indicator_rows__indicator=indicator)
    .select_related("organisation")
    .order_by("-public_indicator_rows__period_start", "-public_indicator_rows__evidence_id")[:20]
)
write(
    f"indicator-top20-{indicator.code}",
    [
        (
            captured(lambda: list(listed))[0],
            f"{indicator.code} has {top['n']} public items. Index Only Scan of public_indicator_period_idx "
            "(indicator_id, period_start DESC, evidence_id DESC) in the page's order, stopped by the LIMIT after 20 "
            "rows, each joined to its evidence row by primary key (the public filter re-checked there): about 100 "
            "buffers whatever the indicator's size, no sort.",
        ),
        (
            captured(lambda: rows.count())[0],
            "The count: Index Only Scan of public_indicator_evidence_unique over the indicator's rows only (a few "
            "pages of one small index, no heap: the table is all-visible after VACUUM).",
        ),
    ],
)


def shape(name: str, term: str, first_why: str, count_why: str, next_why: str) -> None:
    form = PublicEvidenceFilterForm({"q": term}, widgets=False)
    base = form.narrow(Evidence.objects.public()).listing().select_related("organisation", "plan")
    with CaptureQueriesContext(connection) as ctx:
        page = search.listing(base, form.query, size=25)
    *probes, page_sql = (q["sql"] for q in ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        search.listing(base, form.query, size=25, cursor=page.next_cursor)
    next_sql = ctx.captured_queries[-1]["sql"]
    matches = "more than 2,000" if page.capped else str(page.count)
    order = "ranked" if page.ranked else "newest first"
    queries = []
    for sql in probes:
        if sql.startswith("EXPLAIN"):
            estimate = search.estimate(search.matching(base, form.query))
            common = estimate > search.ESTIMATE_COMMON
            queries.append(
                (
                    sql,
                    f"The probe: EXPLAIN (FORMAT JSON) of the matches, planned, not run (under 1 ms); the planner "
                    f"expects {estimate} rows, {'above' if common else 'not above'} {search.ESTIMATE_COMMON}, so "
                    f"{'no count is run: more than 2,000' if common else 'the capped count runs'}.",
                )
            )
        else:
            queries.append((sql, f"'{term}': {matches} public matches. {count_why}"))
    queries.append((page_sql, f"First page, {order}. {first_why}"))
    queries.append((next_sql, f"A later page (cursor {page.next_cursor}), {order}. {next_why}"))
    write(f"search-{name}", queries)


shape(
    "rare-feminicidios",
    "feminicidios",
    "Rare term: the capped count said at most 500 matches, so the page is ranked: Bitmap Index Scan of the partial "
    "GIN index over public rows, ts_rank over those few rows, top-N heapsort of 26.",
    "Capped count: Bitmap Index Scan of the partial GIN index (evidence_public_search_gin), every match counted "
    "(fewer than the cap).",
    "Keyset on (rank, id): the same few matches, filtered by rank < r OR (rank = r AND id < i), top-N sort.",
)
shape(
    "30pct-capacitadas",
    "capacitadas",
    "Common term: newest first by Index Scan of evidence_public_recent_idx (source_date DESC, id DESC, public rows "
    "only) with the match as a filter, stopped by the LIMIT after 26 rows (about 26 / share-of-matches rows read).",
    "(no count)",
    "Keyset on (source_date, id): the index range source_date <= d is the start of the scan, the rows of that date "
    "already shown are filtered out; then as the first page.",
)
shape(
    "60pct-mujeres",
    "mujeres",
    "Very common term: as for the 30 % term, fewer rows read per row shown.",
    "(no count)",
    "Keyset on (source_date, id), as for the 30 % term.",
)


# Before (the code this replaces), for comparison: the indicator page sorted every public item of the indicator;
# the evidence list counted every match (Paginator.count).
old_listed = (
    Evidence.objects.public()
    .for_indicator(indicator)
    .select_related("organisation")
    .order_by("-period_start", "-pk")[:20]
)
old_count = search.matching(Evidence.objects.public(), "mujeres")
write(
    "before-indicator-and-full-counts",
    [
        (
            captured(lambda: list(old_listed))[0],
            f"BEFORE: the indicator page's top 20 of {indicator.code} read every public link of the indicator "
            "and every one of those evidence rows, then sorted them (top-N heapsort) to keep 20.",
        ),
        (
            captured(lambda: old_count.count())[0],
            "BEFORE: Paginator.count() of a search for 'mujeres' (60 %): a Bitmap Heap Scan reading every matching "
            "row of the table.",
        ),
        (
            captured(lambda: Evidence.objects.public().count())[0],
            "BEFORE: Paginator.count() of the unfiltered list: an Index Only Scan of every public row "
            "(now a capped count: at most 2,001 entries).",
        ),
    ],
)
