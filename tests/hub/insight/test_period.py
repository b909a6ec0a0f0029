"""The period a report covers, as a manager types it: weeks from Monday, the council's days across the clock
changes in March and October, the three-year limit, and a backwards or mistyped period refused naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.insight.period import Period, PeriodError, Step, default_first, parse_period

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 15)


def _period(first: str | None, last: str | None, step: str | None = None) -> Period:
    return parse_period(first, last, step, today=TODAY, zone=LONDON)


def test_weeks_start_on_monday_and_the_first_may_begin_before_the_period() -> None:
    period = _period("2025-01-01", "2025-01-31", "week")
    assert period.step is Step.WEEK
    assert [bucket.label for bucket in period.buckets()] == [
        "w/c 30 Dec 2024", "w/c 6 Jan 2025", "w/c 13 Jan 2025", "w/c 20 Jan 2025", "w/c 27 Jan 2025",
    ]  # fmt: skip
    # A Sunday night belongs to the week that began the Monday before; the last week stops with the period.
    assert period.bucket_of(datetime(2025, 1, 12, 23, 59, tzinfo=UTC)) == date(2025, 1, 6)
    assert period.bucket_end(date(2025, 1, 27)) == datetime(2025, 2, 1, tzinfo=UTC)


def test_march_clock_change_a_late_referral_on_the_31st_is_april_as_the_front_door_saw_it() -> None:
    period = _period("2025-03-01", "2025-03-31")
    assert period.since == datetime(2025, 3, 1, tzinfo=UTC)  # GMT
    assert period.until == datetime(2025, 3, 31, 23, tzinfo=UTC)  # midnight BST (clocks went forward on the 30th)
    late = datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
    assert not period.contains(late)
    assert period.local_day(late) == date(2025, 4, 1)
    assert period.contains(datetime(2025, 3, 31, 22, 59, tzinfo=UTC))
    # The week the clocks change is an hour short and still ends at the local Monday's midnight.
    weeks = _period("2025-03-24", "2025-04-06", "week")
    assert weeks.bucket_end(date(2025, 3, 24)) == datetime(2025, 3, 30, 23, tzinfo=UTC)


def test_october_clock_change_the_month_starts_at_local_midnight_in_summer_time() -> None:
    period = _period("2025-10-01", "2025-10-31")
    assert period.since == datetime(2025, 9, 30, 23, tzinfo=UTC)  # midnight BST
    assert period.until == datetime(2025, 11, 1, tzinfo=UTC)  # midnight GMT (clocks went back on the 26th)
    assert period.contains(datetime(2025, 9, 30, 23, 30, tzinfo=UTC))
    assert period.bucket_of(datetime(2025, 9, 30, 23, 30, tzinfo=UTC)) == date(2025, 10, 1)
    assert [bucket.label for bucket in period.buckets()] == ["Oct 2025"]


def test_months_across_a_year_end_and_blank_fields_mean_the_twelve_months_to_today() -> None:
    assert [b.label for b in _period("2025-11-15", "2026-02-01").buckets()] == [
        "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026",
    ]  # fmt: skip
    default = _period(None, " ", "")
    assert (default.first, default.last, default.step) == (date(2025, 4, 1), TODAY, Step.MONTH)
    assert default_first(date(2026, 1, 10)) == date(2025, 2, 1)
    assert default_first(date(2026, 12, 5)) == date(2026, 1, 1)
    assert _period("2026-03-15", "2026-03-15").words == "15 March 2026 to 15 March 2026"  # a single day


def test_three_years_at_most() -> None:
    assert _period("2023-01-01", "2025-12-31").last == date(2025, 12, 31)
    with pytest.raises(PeriodError) as refused:
        _period("2022-01-01", "2025-12-31")
    assert (refused.value.field, str(refused.value)) == ("to", "the period may be at most three years")


@pytest.mark.parametrize(
    ("first", "last", "step", "field", "message"),
    [
        ("2026-02-01", "2026-01-31", None, "to", "to must be the same day as from or later"),
        ("1 March", "2026-03-31", None, "from", "from must be a date such as 2026-03-01"),
        ("2026-03-01", "2026-02-30", None, "to", "to must be a date such as 2026-03-01"),
        ("2026-01-01", "2026-03-01", "fortnight", "step", "step must be month or week"),
        ("2026-01-01", "2026-03-01", "MONTH", "step", "step must be month or week"),
    ],
)
def test_a_backwards_or_mistyped_period_is_refused_naming_the_field(
    first: str, last: str, step: str | None, field: str, message: str
) -> None:
    with pytest.raises(PeriodError) as refused:
        _period(first, last, step)
    assert refused.value.field == field
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)
