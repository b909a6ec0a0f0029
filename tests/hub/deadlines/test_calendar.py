"""Working-time arithmetic: weekends, each nation's bank holidays, the clocks changing, closures, odd starts.

Times are written as a person in London reads them (`local(...)`); answers must be aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.deadlines.calendar import Nation, Weekday, WorkingCalendar
from hub.deadlines.duration import WorkingDuration

LONDON = ZoneInfo("Europe/London")
ENGLAND = WorkingCalendar()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def due(calendar: WorkingCalendar, start: datetime, duration: str) -> datetime:
    answer = calendar.add(start, WorkingDuration.parse(duration))
    assert answer.tzinfo is UTC
    return answer


# --- weekends and working hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (local(2026, 11, 2, 9, 15), "2 working hours", local(2026, 11, 2, 11, 15)),  # Monday, within the day
        (local(2026, 11, 2, 16, 0), "2 working hours", local(2026, 11, 3, 10, 0)),  # over the night
        (local(2026, 11, 6, 16, 30), "2 working hours", local(2026, 11, 9, 10, 30)),  # over a weekend
        (local(2026, 11, 6, 16, 0), "1 working day", local(2026, 11, 9, 16, 0)),
        (local(2026, 11, 4, 12, 0), "3 working days", local(2026, 11, 9, 12, 0)),  # Wednesday to Monday
        (local(2026, 11, 2, 9, 0), "1 working day", local(2026, 11, 2, 17, 0)),  # a whole day ends at its close
        (local(2026, 11, 2, 16, 59), "1 working minute", local(2026, 11, 2, 17, 0)),
        (local(2026, 11, 2, 16, 59), "2 working minutes", local(2026, 11, 3, 9, 1)),
        (local(2026, 11, 2, 10, 0), "90 working minutes", local(2026, 11, 2, 11, 30)),
    ],
)
def test_weekends_and_nights_do_not_count(start: datetime, duration: str, expected: datetime) -> None:
    assert due(ENGLAND, start, duration) == expected


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (local(2026, 11, 7, 10, 0), "2 working hours", local(2026, 11, 9, 11, 0)),  # Saturday: from Monday 09:00
        (local(2026, 11, 8, 23, 59), "1 working day", local(2026, 11, 9, 17, 0)),  # Sunday night
        (local(2026, 11, 3, 7, 0), "1 working day", local(2026, 11, 3, 17, 0)),  # before opening
        (local(2026, 11, 3, 18, 0), "90 working minutes", local(2026, 11, 4, 10, 30)),  # after closing
        (local(2026, 11, 3, 17, 0), "2 working hours", local(2026, 11, 4, 11, 0)),  # at closing: already closed
        (local(2026, 11, 6, 17, 0), "1 working day", local(2026, 11, 9, 17, 0)),  # Friday's close: Monday
    ],
)
def test_a_start_outside_working_time_begins_at_the_next_working_moment(
    start: datetime, duration: str, expected: datetime
) -> None:
    assert due(ENGLAND, start, duration) == expected


def test_the_start_may_be_in_any_time_zone() -> None:
    new_york = datetime(2026, 11, 2, 11, 0, tzinfo=ZoneInfo("America/New_York"))  # 16:00 in London
    assert due(ENGLAND, new_york, "2 working hours") == local(2026, 11, 3, 10, 0)
    assert due(ENGLAND, datetime(2026, 11, 2, 16, 0, tzinfo=UTC), "1 working day") == local(2026, 11, 3, 16, 0)


def test_is_working_time_at_the_edges() -> None:
    assert ENGLAND.is_working_time(local(2026, 11, 2, 9, 0))
    assert ENGLAND.is_working_time(local(2026, 11, 2, 16, 59))
    assert not ENGLAND.is_working_time(local(2026, 11, 2, 17, 0))
    assert not ENGLAND.is_working_time(local(2026, 11, 2, 8, 59))
    assert not ENGLAND.is_working_time(local(2026, 11, 7, 12, 0))  # Saturday
    assert not ENGLAND.is_working_time(local(2026, 12, 25, 12, 0))  # Christmas Day
    assert not ENGLAND.is_working_time(local(2026, 12, 28, 12, 0))  # Boxing Day (substitute: 26th is a Saturday)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        ENGLAND.add(datetime(2026, 11, 2, 9, 0), WorkingDuration.parse("1 working day"))
    with pytest.raises(ValueError, match="moment must be a timezone-aware datetime"):
        ENGLAND.is_working_time(datetime(2026, 11, 2, 9, 0))


# --- bank holidays, per nation ----------------------------------------------------------------------


def test_the_brief_example_friday_before_a_bank_holiday_monday() -> None:
    """Friday 16:00 before the Spring bank holiday: 1 working day is Tuesday 16:00, 2 working hours Tuesday 10:00."""
    friday = local(2026, 5, 22, 16, 0)
    assert due(ENGLAND, friday, "1 working day") == local(2026, 5, 26, 16, 0)
    assert due(ENGLAND, friday, "2 working hours") == local(2026, 5, 26, 10, 0)


@pytest.mark.parametrize(
    ("nation", "start", "expected"),
    [
        # St Andrew's Day, Monday 30 November 2026, is Scotland's alone
        (Nation.SCOTLAND, local(2026, 11, 27, 16, 0), local(2026, 12, 1, 16, 0)),
        (Nation.ENGLAND, local(2026, 11, 27, 16, 0), local(2026, 11, 30, 16, 0)),
        (Nation.WALES, local(2026, 11, 27, 16, 0), local(2026, 11, 30, 16, 0)),
        (Nation.NORTHERN_IRELAND, local(2026, 11, 27, 16, 0), local(2026, 11, 30, 16, 0)),
        # from Maundy Thursday, over Good Friday (everywhere) and Easter Monday (not in Scotland)
        (Nation.SCOTLAND, local(2026, 4, 2, 16, 0), local(2026, 4, 6, 16, 0)),
        (Nation.ENGLAND, local(2026, 4, 2, 16, 0), local(2026, 4, 7, 16, 0)),
        (Nation.WALES, local(2026, 4, 2, 16, 0), local(2026, 4, 7, 16, 0)),
        (Nation.NORTHERN_IRELAND, local(2026, 4, 2, 16, 0), local(2026, 4, 7, 16, 0)),
        # Monday 12 July 2027, the Battle of the Boyne, is Northern Ireland's alone
        (Nation.NORTHERN_IRELAND, local(2027, 7, 9, 16, 0), local(2027, 7, 13, 16, 0)),
        (Nation.ENGLAND, local(2027, 7, 9, 16, 0), local(2027, 7, 12, 16, 0)),
        (Nation.WALES, local(2027, 7, 9, 16, 0), local(2027, 7, 12, 16, 0)),
        (Nation.SCOTLAND, local(2027, 7, 9, 16, 0), local(2027, 7, 12, 16, 0)),
    ],
)
def test_each_nation_has_its_own_bank_holidays(nation: Nation, start: datetime, expected: datetime) -> None:
    assert due(WorkingCalendar(nation=nation), start, "1 working day") == expected


def test_substitute_days_count_when_a_holiday_falls_at_a_weekend() -> None:
    """12 July 2026 is a Sunday, so Northern Ireland's holiday moves to Monday 13 July."""
    northern_ireland = WorkingCalendar(nation=Nation.NORTHERN_IRELAND)
    assert northern_ireland.bank_holiday(date(2026, 7, 13)) is not None
    assert due(northern_ireland, local(2026, 7, 10, 16, 0), "1 working day") == local(2026, 7, 14, 16, 0)


def test_scotlands_second_of_january_and_summer_bank_holiday() -> None:
    scotland = WorkingCalendar(nation=Nation.SCOTLAND)
    assert not scotland.is_working_day(date(2026, 1, 2))
    assert ENGLAND.is_working_day(date(2026, 1, 2))
    assert not scotland.is_working_day(date(2026, 8, 3))  # first Monday of August in Scotland
    assert ENGLAND.is_working_day(date(2026, 8, 3))
    assert not ENGLAND.is_working_day(date(2026, 8, 31))  # last Monday of August elsewhere
    assert scotland.is_working_day(date(2026, 8, 31))


def test_christmas_with_boxing_day_substitute() -> None:
    """Christmas 2026 is a Friday, Boxing Day a Saturday moved to Monday 28th: Thursday 24th to Tuesday 29th."""
    assert due(ENGLAND, local(2026, 12, 24, 16, 0), "1 working day") == local(2026, 12, 29, 16, 0)


# --- the clocks changing ----------------------------------------------------------------------------


def test_working_hours_follow_the_clocks_forward_in_march() -> None:
    """Friday 27 March 2026 is GMT, Monday 30 March BST: the working day opens at 08:00 UTC, not 09:00."""
    answer = due(ENGLAND, local(2026, 3, 27, 16, 0), "2 working hours")
    assert answer == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert answer.astimezone(LONDON).hour == 10
    assert due(ENGLAND, local(2026, 3, 27, 16, 0), "1 working day") == local(2026, 3, 30, 16, 0)


def test_working_hours_follow_the_clocks_back_in_october() -> None:
    """Friday 23 October 2026 is BST, Monday 26 October GMT."""
    answer = due(ENGLAND, local(2026, 10, 23, 16, 0), "2 working hours")
    assert answer == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert ENGLAND.working_time_between(local(2026, 10, 23, 16, 0), answer) == timedelta(hours=2)


def test_is_working_time_moves_with_the_clocks() -> None:
    eight_thirty_utc_friday = datetime(2026, 3, 27, 8, 30, tzinfo=UTC)  # 08:30 GMT: closed
    eight_thirty_utc_monday = datetime(2026, 3, 30, 8, 30, tzinfo=UTC)  # 09:30 BST: open
    assert not ENGLAND.is_working_time(eight_thirty_utc_friday)
    assert ENGLAND.is_working_time(eight_thirty_utc_monday)


def test_a_working_sunday_across_the_switch_counts_real_time() -> None:
    """A service open every day from midnight to 06:00 works 5 real hours on 29 March 2026 and 7 on 25 October."""
    night_service = WorkingCalendar(working_days=list(Weekday), opens=time(0, 0), closes=time(6, 0))
    assert night_service.working_time_between(local(2026, 3, 29, 0, 0), local(2026, 3, 29, 6, 0)) == timedelta(hours=5)
    assert night_service.working_time_between(local(2026, 10, 25, 0, 0), local(2026, 10, 25, 6, 0)) == timedelta(
        hours=7
    )
    assert due(night_service, local(2026, 3, 29, 0, 30), "3 working hours") == datetime(2026, 3, 29, 3, 30, tzinfo=UTC)
    assert due(night_service, local(2026, 3, 29, 0, 30), "3 working hours").astimezone(LONDON).hour == 4  # 04:30 BST


# --- the council's own closures and settings --------------------------------------------------------


def test_extra_closures_are_skipped() -> None:
    closed_monday = WorkingCalendar(extra_closures=[date(2026, 11, 9)])
    assert due(closed_monday, local(2026, 11, 6, 16, 0), "1 working day") == local(2026, 11, 10, 16, 0)
    assert not closed_monday.is_working_time(local(2026, 11, 9, 12, 0))
    assert ENGLAND.is_working_time(local(2026, 11, 9, 12, 0))


def test_other_working_days_and_hours() -> None:
    long_week = WorkingCalendar(
        working_days=[*Weekday][:6], opens=time(8, 0), closes=time(18, 30)
    )  # Monday to Saturday, 08:00-18:30
    assert long_week.day_length == timedelta(hours=10, minutes=30)
    assert due(long_week, local(2026, 11, 6, 18, 0), "1 working hour") == local(2026, 11, 7, 8, 30)
    assert due(long_week, local(2026, 11, 7, 18, 0), "1 working day") == local(2026, 11, 9, 18, 0)


def test_a_calendar_that_never_opens_again_says_so() -> None:
    mondays = [date(2026, 11, 2) + timedelta(weeks=week) for week in range(60)]
    calendar = WorkingCalendar(working_days=[Weekday.MONDAY], extra_closures=mondays)
    with pytest.raises(ValueError, match="no working day in the 366 days from 2026-11-01"):
        calendar.add(local(2026, 11, 1, 12, 0), WorkingDuration.parse("1 working hour"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opens": time(17, 0), "closes": time(9, 0)}, "must open before they close"),
        ({"working_days": []}, "at least one working day"),
        ({"opens": time(9, 0, tzinfo=UTC)}, "wall-clock times"),
    ],
)
def test_a_calendar_that_cannot_work_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**kwargs)  # type: ignore[arg-type]


# --- working time between two moments ---------------------------------------------------------------


def test_working_time_between() -> None:
    friday = local(2026, 5, 22, 16, 0)
    tuesday = local(2026, 5, 26, 10, 0)
    assert ENGLAND.working_time_between(friday, tuesday) == timedelta(hours=2)
    assert ENGLAND.working_time_between(tuesday, friday) == -timedelta(hours=2)  # negative: overdue by
    assert ENGLAND.working_time_between(local(2026, 5, 23, 9, 0), local(2026, 5, 25, 17, 0)) == timedelta(0)
    assert ENGLAND.working_time_between(friday, friday) == timedelta(0)


def test_adding_then_measuring_gives_back_the_duration() -> None:
    """Every hour and a half for seven weeks over Easter, the clocks changing and the May bank holiday."""
    starts = [local(2026, 3, 20, 0, 0) + timedelta(minutes=90 * step) for step in range(7 * 7 * 16)]
    for duration in ("2 working hours", "1 working day", "3 working days", "90 working minutes"):
        span = WorkingDuration.parse(duration).working_time(ENGLAND.day_length)
        for start in starts:
            end = ENGLAND.add(start, WorkingDuration.parse(duration))
            assert ENGLAND.working_time_between(start, end) == span, (start, duration)
            assert end > start
            assert ENGLAND.is_working_time(end - timedelta(minutes=1))
