"""A council's working calendar: when its MASH is open, so that deadlines count working time only.

Safeguarding timescales are in working time: a red referral received at 16:00 on the Friday before
a bank-holiday Monday, due in two working hours, is due at 10:00 on Tuesday, not at 18:00 on Friday.
The calendar knows the council's time zone, working days and hours, the bank holidays of its nation
(from the maintained `holidays` library, which also tracks one-off holidays such as a coronation), and
the council's own closures.

Working hours are wall-clock times in the council's time zone, so when the clocks change (Europe/
London's last Sundays of March and October) opening and closing move in UTC with them. Working time
itself is real elapsed time. Every answer is an aware datetime in UTC, which is how the hub stores times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from hub.deadlines.duration import WorkingDuration

LONGEST_CLOSURE_DAYS = 366
"""More days than this in a row without working time means the calendar can never be open again."""


class Nation(StrEnum):
    """UK bank holidays differ by nation: St Andrew's Day is Scotland's, the Twelfth Northern Ireland's."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"

    @property
    def subdivision(self) -> str:
        """The `holidays` library's code for the nation within GB (ISO 3166-2:GB)."""
        return {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}[self.value]


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Monday is 0, as `date.weekday()` counts."""
        return list(Weekday).index(self)


MONDAY_TO_FRIDAY = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)


class WorkingCalendar:
    """Working days and hours in one time zone, less the nation's bank holidays and the council's closures."""

    def __init__(
        self,
        *,
        nation: Nation = Nation.ENGLAND,
        time_zone: str = "Europe/London",
        working_days: Iterable[Weekday] = MONDAY_TO_FRIDAY,
        opens: time = time(9, 0),
        closes: time = time(17, 0),
        extra_closures: Iterable[date] = (),
    ) -> None:
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("working hours are wall-clock times in the calendar's time zone; give them no tzinfo")
        if not opens < closes:
            raise ValueError(f"working hours must open before they close (opens {opens:%H:%M}, closes {closes:%H:%M})")
        self.nation = nation
        self.zone = ZoneInfo(time_zone)
        self.working_days = frozenset(working_days)
        if not self.working_days:
            raise ValueError("a working calendar needs at least one working day")
        self.opens = opens
        self.closes = closes
        self.extra_closures = frozenset(extra_closures)
        self._weekdays = frozenset(day.number for day in self.working_days)
        self._bank_holidays = holidays.country_holidays("GB", subdiv=nation.subdivision)

    @property
    def day_length(self) -> timedelta:
        """How much working time one working day holds (09:00-17:00: 8 hours)."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def bank_holiday(self, day: date) -> str | None:
        """The name of the nation's bank holiday on `day` (substitute days included), or None."""
        name: str | None = self._bank_holidays.get(day)
        return name

    def is_working_day(self, day: date) -> bool:
        """A working weekday that is neither one of the nation's bank holidays nor a council closure."""
        return day.weekday() in self._weekdays and day not in self._bank_holidays and day not in self.extra_closures

    def is_working_time(self, moment: datetime) -> bool:
        """Whether the MASH is open at `moment`: a working day, from opening time up to (not including) closing."""
        local = _utc(moment, "moment").astimezone(self.zone)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself in working time; otherwise the next opening time. In UTC."""
        for start, _end in self._periods(_utc(moment, "moment")):
            return start
        raise AssertionError("unreachable: _periods never ends without raising")  # pragma: no cover

    def add(self, start: datetime, duration: WorkingDuration) -> datetime:
        """The moment `duration` of working time after `start`, in UTC.

        A start outside working time counts from the next working moment. When the working time runs
        out exactly at closing time, the answer is that closing time ("by 17:00 on Monday"), not the
        next morning's opening, though the two are the same in working time.
        """
        remaining = duration.working_time(self.day_length)
        for period_start, period_end in self._periods(_utc(start, "start")):
            available = period_end - period_start
            if remaining <= available:
                return period_start + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods never ends without raising")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b`: how long is left until a due time, negative once it has passed."""
        a, b = _utc(a, "a"), _utc(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta(0)
        for period_start, period_end in self._periods(a):
            if period_start >= b:
                break
            total += min(period_end, b) - period_start
        return total

    def _periods(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working periods (opening, closing) in UTC from `moment` on, the first cut to begin at `moment`.

        Opening and closing are wall-clock times on each local day, converted to UTC on that day, so a
        period after the clocks change starts an hour earlier or later in UTC than one before.
        """
        day = idle_since = moment.astimezone(self.zone).date()
        while True:
            if self.is_working_day(day):
                idle_since = day + timedelta(days=1)
                opening = datetime.combine(day, self.opens, self.zone).astimezone(UTC)
                closing = datetime.combine(day, self.closes, self.zone).astimezone(UTC)
                if closing > moment:
                    yield max(opening, moment), closing
            elif (day - idle_since).days >= LONGEST_CLOSURE_DAYS:
                raise ValueError(
                    f"the working calendar has no working day in the {LONGEST_CLOSURE_DAYS} days from "
                    f"{idle_since:%Y-%m-%d}; check its working days and closures"
                )
            day += timedelta(days=1)


def _utc(moment: datetime, name: str) -> datetime:
    """An aware datetime in UTC; a naive one is refused, since it is ambiguous when the clocks change."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, e.g. 2026-11-02T09:15:00+00:00")
    return moment.astimezone(UTC)
