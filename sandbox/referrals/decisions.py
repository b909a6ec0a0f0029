"""A plausible MASH decision for each generated referral, for seeding the demo and testing reports.

Practitioners decide; this only simulates what a year of their decisions might look like, so that
conversion to outcomes and time to decision can be shown and tested on a generated year. The outcome
codes and levels are those of `config/decisions.yaml`. Red referrals lead to strategy discussions far
more often; referrals from the public and frontline police end in no further action more often. Most
decisions come within one working day (Working Together 2023), some take longer, in working hours of
09:00 to 17:00 on England's working days.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import holidays

from schemas import Rag, ReferrerKind

OUTCOMES = ("nfa", "information_advice", "early_help", "s17_assessment", "s47_strategy_discussion")
LEVELS = {"nfa": 1, "information_advice": 1, "early_help": 2, "s17_assessment": 3, "s47_strategy_discussion": 4}
_RED = (0.03, 0.04, 0.08, 0.3, 0.55)
_BY_KIND: dict[ReferrerKind, tuple[float, ...]] = {
    ReferrerKind.POLICE: (0.36, 0.2, 0.2, 0.19, 0.05),
    ReferrerKind.FAMILY: (0.42, 0.2, 0.16, 0.17, 0.05),
    ReferrerKind.PUBLIC: (0.5, 0.2, 0.12, 0.14, 0.04),
}
_PROFESSIONAL = (0.2, 0.15, 0.3, 0.27, 0.08)
LATE = 0.15
"""Share of decisions taking more than one working day."""
DAY_STARTS, DAY_ENDS = time(9), time(17)
WORKING_MINUTES = 8 * 60


class WorkingTime:
    """England's working days and the MASH's office hours, for any year."""

    def __init__(self) -> None:
        self._holidays: dict[int, frozenset[date]] = {}

    def is_working_day(self, day: date) -> bool:
        if day.year not in self._holidays:
            self._holidays[day.year] = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=day.year))
        return day.weekday() < 5 and day not in self._holidays[day.year]

    def add(self, start: datetime, minutes: int) -> datetime:
        """`minutes` of working time after `start` (a start outside hours counts from the next opening)."""
        moment = start
        while True:
            day = moment.date()
            opens = datetime.combine(day, DAY_STARTS, moment.tzinfo)
            closes = datetime.combine(day, DAY_ENDS, moment.tzinfo)
            if not self.is_working_day(day) or moment >= closes:
                moment = datetime.combine(day + timedelta(days=1), DAY_STARTS, moment.tzinfo)
                continue
            moment = max(moment, opens)
            left = int((closes - moment).total_seconds() // 60)
            if minutes <= left:
                return moment + timedelta(minutes=minutes)
            minutes -= left
            moment = datetime.combine(day + timedelta(days=1), DAY_STARTS, moment.tzinfo)


def simulate_decision(
    rng: random.Random, kind: ReferrerKind, rag: Rag, received: datetime, clock: WorkingTime
) -> tuple[str, int, datetime]:
    """(outcome code, level, decided at) for one referral."""
    weights = _RED if rag is Rag.RED else _BY_KIND.get(kind, _PROFESSIONAL)
    outcome = rng.choices(OUTCOMES, weights)[0]
    if rag is Rag.RED:
        minutes = rng.randrange(20, 180)
    elif rng.random() < LATE:
        minutes = rng.randrange(WORKING_MINUTES + 1, 4 * WORKING_MINUTES)
    else:
        minutes = rng.randrange(30, WORKING_MINUTES)
    return outcome, LEVELS[outcome], clock.add(received, minutes)
