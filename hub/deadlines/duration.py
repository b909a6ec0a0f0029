"""A span of working time, written as a council's admin would say it: `2 working hours`, `1 working day`.

Timescales in safeguarding are stated in working time ("a decision within one working day"), and the
RAG due times a MASH sets are too, so the configuration says `working` in so many words: a plain
`2h` would be read as two hours of clock time and silently count nights and weekends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

MAX_AMOUNT = 10_000
"""Large enough for any statutory timescale (45 working days), small enough that arithmetic ends quickly."""

_EXAMPLES = '"2 working hours", "1 working day" or "90 working minutes"'
_PATTERN = re.compile(r"^\s*(?P<amount>\d+)\s+working\s+(?P<unit>minute|hour|day)s?\s*$", re.IGNORECASE)


class DurationError(ValueError):
    """Text that is not a working duration; the one-line message quotes it and shows the form."""


class WorkingUnit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True)
class WorkingDuration:
    """A whole number of working minutes, hours or days.

    Minutes and hours are exact spans of working time. A working day is as long as the calendar's
    working day (09:00-17:00 is 8 working hours), so "1 working day" from 16:00 on a Friday ends at
    16:00 on the next working day, and from opening time it ends at that day's close.
    """

    amount: int
    unit: WorkingUnit

    def __post_init__(self) -> None:
        if not 1 <= self.amount <= MAX_AMOUNT:
            raise DurationError(f"'{self}' is out of range: the number must be between 1 and {MAX_AMOUNT}")

    @classmethod
    def parse(cls, text: object) -> WorkingDuration:
        """`2 working hours`, `1 working day`, `3 working days`, `90 working minutes` (any case, either number)."""
        match = _PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise DurationError(f"{_quoted(text)} is not a working duration; write e.g. {_EXAMPLES}")
        return cls(int(match["amount"]), WorkingUnit(match["unit"].lower()))

    def working_time(self, day_length: timedelta) -> timedelta:
        """The span of working time it stands for, given how long one working day is."""
        if self.unit is WorkingUnit.DAY:
            return day_length * self.amount
        return timedelta(minutes=self.amount) if self.unit is WorkingUnit.MINUTE else timedelta(hours=self.amount)

    def __str__(self) -> str:
        return f"{self.amount} working {self.unit.value}{'' if self.amount == 1 else 's'}"


def _quoted(value: object) -> str:
    """The value as written, shortened: enough to find it in the file, never a page of text."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else f"{text[:57]}...'"
