"""Northbridge's year as the front door feels it: working days, bank holidays and school terms.

Referral volumes follow the calendar. Schools refer in term time and hardly at all in the holidays;
most professionals refer on working days; the police refer every day of the week, since incidents
happen at weekends. England's bank holidays come from the `holidays` package (Easter included). No
council publishes one national school calendar, so the terms are the usual English pattern, worked out
for any year from Easter and the bank holidays:

- autumn: the first weekday from 3 September to the last weekday on or before 20 December, with half
  term the week of the last Monday in October;
- spring: the first Monday from 4 January to the Friday before Holy Week, with half term the week of
  the third Monday in February;
- summer: the Monday after Easter week to the last Friday on or before 22 July, with half term the
  week of the spring bank holiday (the last Monday in May).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property

import holidays

WEEK = timedelta(days=7)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _week_of(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


class SchoolYearCalendar:
    """Bank holidays and school term days of one calendar year in England."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.bank_holidays: frozenset[date] = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))

    @cached_property
    def easter_sunday(self) -> date:
        good_friday = next(day for day, name in holidays.country_holidays("GB", subdiv="ENG", years=self.year).items()
                           if name == "Good Friday")  # fmt: skip
        return good_friday + timedelta(days=2)

    @cached_property
    def _terms(self) -> tuple[tuple[date, date], ...]:
        """(first day, last day) of each stretch of school days in the year, half terms cut out."""
        year, easter = self.year, self.easter_sunday
        spring_start = _weekday_on_or_after(date(year, 1, 4), 0)
        spring_half = _week_of(_weekday_on_or_after(date(year, 2, 1), 0) + 2 * WEEK)
        spring_end = easter - timedelta(days=9)  # the Friday before Holy Week
        summer_start = easter + timedelta(days=8)
        summer_half = _week_of(_weekday_on_or_before(date(year, 5, 31), 0))
        summer_end = _weekday_on_or_before(date(year, 7, 22), 4)
        autumn_start = date(year, 9, 3)
        autumn_half = _week_of(_weekday_on_or_before(date(year, 10, 31), 0))
        autumn_end = _weekday_on_or_before(date(year, 12, 20), 4)
        one = timedelta(days=1)
        return (
            (spring_start, spring_half[0] - one),
            (spring_half[1] + one, spring_end),
            (summer_start, summer_half[0] - one),
            (summer_half[1] + one, summer_end),
            (autumn_start, autumn_half[0] - one),
            (autumn_half[1] + one, autumn_end),
        )

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a bank holiday."""
        return day.weekday() < 5 and day not in self.bank_holidays

    def is_school_day(self, day: date) -> bool:
        """A working day in term time."""
        return self.is_working_day(day) and any(first <= day <= last for first, last in self._terms)

    def is_school_holiday(self, day: date) -> bool:
        """A working day outside term (the days schools would refer on, were they open)."""
        return self.is_working_day(day) and not self.is_school_day(day)

    def days(self) -> list[date]:
        first = date(self.year, 1, 1)
        return [first + timedelta(days=offset) for offset in range((date(self.year + 1, 1, 1) - first).days)]

    def last_weeks_of_term(self) -> frozenset[date]:
        """The last school week before each holiday: designated safeguarding leads refer before children go home."""
        return frozenset(
            last - timedelta(days=back) for _first, last in self._terms for back in range(7) if self.is_school_day(
                last - timedelta(days=back))
        )  # fmt: skip
