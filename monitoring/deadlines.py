"""Legal deadlines of transparency requests, in working days.

A deadline counts working days from the day after filing, skipping weekends, official holidays
(`Holiday`) and suspension periods (`SuspensionPeriod`) that moderators maintain. The number of
days (20, plus 10 when extended) is configurable because the law changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from monitoring.models import Holiday, SuspensionPeriod


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = frozenset()
    suspensions: tuple[tuple[dt.date, dt.date], ...] = field(default_factory=tuple)

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self.holidays:
            return False
        return not any(start <= day <= end for start, end in self.suspensions)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date on which the ``days``-th working day after ``start`` falls."""
        if days < 0:
            raise ValueError("days must be zero or more")
        current = start
        counted = 0
        while counted < days:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def counter(self, first: dt.date, last: dt.date) -> Callable[[dt.date, dt.date], int]:
        """``working_days_between`` for many pairs of dates: one pass over ``first`` … ``last``, then each pair in
        constant time (a running count of working days); pairs outside the span fall back to counting."""
        span = max(0, (last - first).days + 1)
        running = [0] * (span + 1)  # running[i]: working days among the first i days of the span
        for i in range(span):
            running[i + 1] = running[i] + self.is_working_day(first + dt.timedelta(days=i))

        def between(start: dt.date, end: dt.date) -> int:
            if end <= start:
                return 0
            if start < first or end > last:
                return self.working_days_between(start, end)
            return running[(end - first).days + 1] - running[(start - first).days + 1]

        return between

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def load_calendar(years: Iterable[int] | None = None) -> Calendar:
    """The calendar from the database (two queries)."""
    holidays = Holiday.objects.all()
    if years is not None:
        holidays = holidays.filter(date__year__in=list(years))
    return Calendar(
        holidays=frozenset(holidays.values_list("date", flat=True)),
        suspensions=tuple(SuspensionPeriod.objects.values_list("start", "end")),
    )


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous algorithm), for Holy Thursday and Good Friday."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def mexican_federal_holidays(year: int) -> list[tuple[dt.date, str, str]]:
    """Days on which federal transparency deadlines do not run: the statutory rest days of the Ley Federal del
    Trabajo (art. 74) plus Holy Thursday and Friday, 2 November and 12 December, which the federal
    transparency calendars have declared non-working every year. Moderators adjust the table in the admin."""
    easter = easter_sunday(year)
    days = [
        (dt.date(year, 1, 1), "Año Nuevo", "New Year's Day"),
        (nth_weekday(year, 2, 0, 1), "Día de la Constitución", "Constitution Day"),
        (nth_weekday(year, 3, 0, 3), "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
        (easter - dt.timedelta(days=3), "Jueves Santo", "Holy Thursday"),
        (easter - dt.timedelta(days=2), "Viernes Santo", "Good Friday"),
        (dt.date(year, 5, 1), "Día del Trabajo", "Labour Day"),
        (dt.date(year, 9, 16), "Día de la Independencia", "Independence Day"),
        (dt.date(year, 11, 2), "Día de Muertos", "Day of the Dead"),
        (nth_weekday(year, 11, 0, 3), "Revolución Mexicana", "Revolution Day"),
        (dt.date(year, 12, 12), "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
        (dt.date(year, 12, 25), "Navidad", "Christmas Day"),
    ]
    if year == 2024:
        days.append((dt.date(2024, 10, 1), "Transmisión del Poder Ejecutivo Federal", "Presidential inauguration"))
    return days
