"""Working-day arithmetic of transparency deadlines: weekends, holidays, suspensions, year ends, extensions."""

from __future__ import annotations

import datetime as dt

import pytest

from monitoring.deadlines import Calendar, easter_sunday, mexican_federal_holidays

D = dt.date
NONE = Calendar()
XMAS = Calendar(holidays=frozenset({D(2024, 12, 25), D(2025, 1, 1)}))


@pytest.mark.parametrize(
    ("calendar", "filed", "days", "due"),
    [
        (NONE, D(2024, 6, 7), 20, D(2024, 7, 5)),  # Friday filing: counting starts Monday
        (NONE, D(2024, 6, 8), 20, D(2024, 7, 5)),  # Saturday filing
        (NONE, D(2024, 6, 10), 1, D(2024, 6, 11)),  # the day after
        (NONE, D(2024, 6, 14), 1, D(2024, 6, 17)),  # Friday + 1 → Monday
        (NONE, D(2024, 6, 10), 0, D(2024, 6, 10)),
        (Calendar(holidays=frozenset({D(2024, 6, 12)})), D(2024, 6, 7), 20, D(2024, 7, 8)),  # one holiday inside
        (XMAS, D(2024, 12, 20), 20, D(2025, 1, 21)),  # across the year end with two holidays
        (
            Calendar(holidays=XMAS.holidays, suspensions=((D(2025, 1, 6), D(2025, 1, 10)),)),
            D(2024, 12, 20),
            20,
            D(2025, 1, 28),
        ),  # a suspended week adds five working days
        (NONE, D(2024, 7, 5), 10, D(2024, 7, 19)),  # an extension counts from the original due date
        (Calendar(suspensions=((D(2024, 1, 1), D(2024, 12, 31)),)), D(2023, 12, 29), 1, D(2025, 1, 1)),  # a whole year
    ],
)
def test_due_dates(calendar, filed, days, due):
    assert calendar.add_working_days(filed, days) == due


def test_working_days_between_matches_adding():
    cal = XMAS
    start = D(2024, 12, 20)
    for n in range(0, 30):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_the_counter_for_many_pairs_agrees_with_counting_day_by_day():
    """The transparency figures count working days for thousands of requests with Calendar.counter: one pass over
    the span, then each pair in constant time. It must give exactly the day-by-day count, also across holidays,
    suspensions, weekends, the span's own edges and pairs that fall outside it."""
    calendar = Calendar(holidays=XMAS.holidays, suspensions=((D(2025, 1, 6), D(2025, 1, 10)),))
    between = calendar.counter(D(2024, 12, 1), D(2025, 2, 28))
    days = [D(2024, 11, 25) + dt.timedelta(days=n) for n in range(0, 105, 3)]  # starts and ends beyond the span
    for start in days:
        for end in days:
            assert between(start, end) == calendar.working_days_between(start, end), (start, end)
    assert between(D(2024, 12, 24), D(2025, 1, 13)) == 7  # 26, 27, 30, 31 Dec; 2, 3 and 13 Jan
    assert between(D(2025, 2, 1), D(2025, 1, 1)) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        NONE.add_working_days(D(2024, 1, 1), -1)


@pytest.mark.parametrize(
    ("year", "easter"), [(2021, D(2021, 4, 4)), (2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2027, D(2027, 3, 28))]
)
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def test_the_shipped_federal_calendar():
    days = {d: en for d, _es, en in mexican_federal_holidays(2025)}
    assert days[D(2025, 2, 3)] == "Constitution Day"  # first Monday of February
    assert days[D(2025, 3, 17)] == "Benito Juárez's birthday"  # third Monday of March
    assert days[D(2025, 4, 17)] == "Holy Thursday"
    assert days[D(2025, 11, 17)] == "Revolution Day"
    assert D(2024, 10, 1) in {d for d, _es, _en in mexican_federal_holidays(2024)}


@pytest.mark.django_db
def test_the_holidays_2021_to_2027_are_in_the_database():
    from monitoring.models import Holiday

    assert Holiday.objects.filter(date__year=2025).count() == 11
    assert Holiday.objects.filter(date=D(2027, 12, 25)).exists()
