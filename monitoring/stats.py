"""Public figures, read-only: each institution's record of answers to public transparency requests (counts per
outcome, answers on time, median working days to answer), overall and by year of filing.

Nothing here writes; the pages and exports that show these figures read them from here.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils import timezone

from monitoring.deadlines import Calendar, load_calendar
from monitoring.models import ANSWERED_STATUSES, Institution, RequestStatus, TransparencyRequest

OUTCOMES = ["filed", "on_time", "late", "nonexistent", "reserved", "unanswered", "pending"]

# What a record is computed from: these attributes of a request (a model instance or a row of RECORD_FIELDS).
RECORD_FIELDS = ("status", "filed_on", "due_on", "extended_due_on", "answered_on")


class RequestFacts(Protocol):
    status: str
    filed_on: dt.date
    due_on: dt.date
    extended_due_on: dt.date | None
    answered_on: dt.date | None


def record_rows(requests: QuerySet[TransparencyRequest]) -> list[Any]:
    """The facts a record needs, as light named rows (no model instances: thousands of requests are read here)."""
    return list(requests.values_list(*RECORD_FIELDS, named=True))


def working_days(requests: Iterable[RequestFacts], calendar: Calendar) -> Callable[[dt.date, dt.date], int]:
    """The calendar's working-day count, over the span of these requests' filing and answer dates."""
    spans = [(r.filed_on, r.answered_on) for r in requests if r.status in ANSWERED_STATUSES and r.answered_on]
    if not spans:
        return calendar.working_days_between
    return calendar.counter(min(filed for filed, _ in spans), max(answered for _, answered in spans))


def institution_record(
    requests: Iterable[RequestFacts],
    today: dt.date,
    calendar: Calendar,
    between: Callable[[dt.date, dt.date], int] | None = None,
) -> dict[str, Any]:
    """Counts per outcome and median working days to answer, overall and by year of filing.

    Call with public requests only (model instances or rows of ``record_rows``). Withdrawn requests are not
    counted. Working days are counted with one pass over the calendar for all requests (``Calendar.counter``);
    pass ``between`` to share that pass between several records.
    """
    requests = [r for r in requests if r.status != RequestStatus.WITHDRAWN]

    def empty() -> dict[str, Any]:
        return dict.fromkeys(OUTCOMES, 0) | {"days": []}

    total = empty()
    years: dict[int, dict[str, Any]] = defaultdict(empty)
    between = between or working_days(requests, calendar)
    for r in requests:
        due = r.extended_due_on or r.due_on
        for bucket in (total, years[r.filed_on.year]):
            bucket["filed"] += 1
            if r.status in ANSWERED_STATUSES and r.answered_on:
                bucket["on_time" if r.answered_on <= due else "late"] += 1
                bucket["days"].append(between(r.filed_on, r.answered_on))
                if r.status == RequestStatus.NONEXISTENT:
                    bucket["nonexistent"] += 1
                if r.status == RequestStatus.RESERVED:
                    bucket["reserved"] += 1
            elif r.status == RequestStatus.NO_ANSWER or (r.status == RequestStatus.PENDING and today > due):
                bucket["unanswered"] += 1
            else:
                bucket["pending"] += 1

    def finish(bucket: dict[str, Any]) -> dict[str, Any]:
        days = bucket.pop("days")
        bucket["median_days"] = statistics.median(days) if days else None
        answered = bucket["on_time"] + bucket["late"]
        bucket["on_time_share"] = round(100 * bucket["on_time"] / answered) if answered else None
        return bucket

    return {"total": finish(total), "years": {year: finish(b) for year, b in sorted(years.items(), reverse=True)}}


def public_records(today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every institution's record from public requests (four queries in all)."""
    today = today or timezone.localdate()
    calendar = load_calendar()
    by_institution: dict[int, list[Any]] = defaultdict(list)
    for r in TransparencyRequest.objects.public().values_list("institution_id", *RECORD_FIELDS, named=True):
        by_institution[r.institution_id].append(r)
    institutions = Institution.objects.filter(pk__in=by_institution.keys()).order_by("code")
    between = working_days([r for rows in by_institution.values() for r in rows], calendar)
    return [
        {"institution": i, **institution_record(by_institution[i.pk], today, calendar, between)} for i in institutions
    ]
