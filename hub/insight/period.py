"""The period a report covers, and its steps (months or weeks) in the council's time zone.

A manager thinks of "referrals in March" in local time, so a referral received at 23:30 UTC on 31 March in
British Summer Time counts in April, as the front door saw it. Dates typed by a person are checked here and
refused in one line naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from hub.errors import UserError

MAX_DAYS = 3 * 366
"""Three years at most: a longer span by week is a chart nobody can read."""


class Step(StrEnum):
    MONTH = "month"
    WEEK = "week"


class PeriodError(UserError):
    """A period that cannot be reported on; `field` is the form's or the command's field it names."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Bucket:
    start: date
    """The first day of the month or the Monday of the week (may be before the period's first day)."""
    label: str


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    """Inclusive."""
    step: Step
    zone: tzinfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, self.zone).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, self.zone).astimezone(UTC)

    @property
    def words(self) -> str:
        return f"{_day(self.first)} to {_day(self.last)}"

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def contains(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    def bucket_start(self, day: date) -> date:
        if self.step is Step.MONTH:
            return day.replace(day=1)
        return day - timedelta(days=day.weekday())

    def bucket_of(self, moment: datetime) -> date:
        return self.bucket_start(self.local_day(moment))

    def buckets(self) -> list[Bucket]:
        found: list[Bucket] = []
        start = self.bucket_start(self.first)
        while start <= self.last:
            found.append(Bucket(start, _label(start, self.step)))
            if self.step is Step.MONTH:
                start = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            else:
                start += timedelta(days=7)
        return found

    def bucket_end(self, start: date) -> datetime:
        """The first instant after the bucket starting `start`, or after the period if sooner."""
        if self.step is Step.MONTH:
            after = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            after = start + timedelta(days=7)
        return min(datetime.combine(after, time.min, self.zone).astimezone(UTC), self.until)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _label(start: date, step: Step) -> str:
    return f"{start:%b %Y}" if step is Step.MONTH else f"w/c {start.day} {start:%b %Y}"


def default_first(today: date) -> date:
    """A year: the first day of the month eleven months before this one."""
    month = today.month - 11
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(first: str | None, last: str | None, step: str | None, *, today: date, zone: tzinfo) -> Period:
    """The period from typed text (None or blank: the default, the twelve months to today, by month)."""
    first_day = _date("from", first, default_first(today))
    last_day = _date("to", last, today)
    if last_day < first_day:
        raise PeriodError("to", "to must be the same day as from or later")
    if (last_day - first_day).days >= MAX_DAYS:
        raise PeriodError("to", "the period may be at most three years")
    try:
        chosen = Step((step or Step.MONTH.value).strip())
    except ValueError:
        raise PeriodError("step", "step must be month or week") from None
    return Period(first_day, last_day, chosen, zone)


def _date(field: str, text: str | None, default: date) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip()[:40])
    except ValueError:
        raise PeriodError(field, f"{field} must be a date such as 2026-03-01") from None
