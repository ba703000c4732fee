"""Public figures, read-only: each institution's record of answers to public transparency requests (counts per
outcome, answers on time, median working days to answer), overall and by year of filing.

Nothing here writes; the pages and exports that show these figures read them from here.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from monitoring.deadlines import Calendar, load_calendar
from monitoring.models import ANSWERED_STATUSES, Institution, RequestStatus, TransparencyRequest

OUTCOMES = ["filed", "on_time", "late", "nonexistent", "reserved", "unanswered", "pending"]


def institution_record(requests: Iterable[TransparencyRequest], today: dt.date, calendar: Calendar) -> dict[str, Any]:
    """Counts per outcome and median working days to answer, overall and by year of filing.

    Call with public requests only. Withdrawn requests are not counted.
    """

    def empty() -> dict[str, Any]:
        return dict.fromkeys(OUTCOMES, 0) | {"days": []}

    total = empty()
    years: dict[int, dict[str, Any]] = defaultdict(empty)
    for r in requests:
        if r.status == RequestStatus.WITHDRAWN:
            continue
        for bucket in (total, years[r.filed_on.year]):
            bucket["filed"] += 1
            if r.status in ANSWERED_STATUSES and r.answered_on:
                bucket["on_time" if r.answered_on <= r.effective_due_on else "late"] += 1
                bucket["days"].append(calendar.working_days_between(r.filed_on, r.answered_on))
                if r.status == RequestStatus.NONEXISTENT:
                    bucket["nonexistent"] += 1
                if r.status == RequestStatus.RESERVED:
                    bucket["reserved"] += 1
            elif r.status == RequestStatus.NO_ANSWER or r.is_overdue(today):
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
    """Every institution's record from public requests (three queries in all)."""
    today = today or timezone.localdate()
    calendar = load_calendar()
    by_institution: dict[int, list[TransparencyRequest]] = defaultdict(list)
    for r in TransparencyRequest.objects.public().only(
        "institution_id", "status", "filed_on", "due_on", "extended_due_on", "answered_on"
    ):
        by_institution[r.institution_id].append(r)
    institutions = Institution.objects.filter(pk__in=by_institution.keys()).order_by("code")
    return [{"institution": i, **institution_record(by_institution[i.pk], today, calendar)} for i in institutions]
