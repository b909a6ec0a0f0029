"""How many referrals a day, from whom, at what time: England's rate scaled to Northbridge's children.

England received about 621,880 referrals in the year to March 2024 (DOMAIN.md, "Volumes"), for about
12.1 million children under 18 (ONS mid-year estimates): about 5.1 referrals a year for every 100
children. A city's year is that rate times its children, times `--scale`; a large MASH's 120 referrals
a day is a city of about 850,000 children at scale 1. Each referrer type's share of the year is spread
over its days by the calendar (`day_weight`), and each day's count is drawn from a Poisson distribution,
so days vary as they do at a real front door.
"""

from __future__ import annotations

import math
import random
from datetime import date, time

from sandbox.referrals.school_year import SchoolYearCalendar
from schemas import ReferrerKind

ENGLAND_REFERRALS = 621_880
ENGLAND_CHILDREN = 12_100_000
REFERRALS_PER_CHILD = ENGLAND_REFERRALS / ENGLAND_CHILDREN

_SEVEN_DAY = {ReferrerKind.POLICE: 0.9, ReferrerKind.FAMILY: 0.35, ReferrerKind.PUBLIC: 0.35, ReferrerKind.HEALTH: 0.25}
"""Outside working days, the share of a working day's referrals each type still makes (the rest: 0.1)."""
HOLIDAY_SCHOOL = 0.04
"""A school holiday's working day, against a school day: designated safeguarding leads are mostly away."""
END_OF_TERM = 1.4
"""The last week of term, against other school days: leads refer before children go home for the holiday."""
FESTIVE_POLICE = 1.25
"""Domestic incidents rise over Christmas and New Year, and so do police referrals."""


def day_weight(kind: ReferrerKind, day: date, calendar: SchoolYearCalendar, end_of_term: frozenset[date]) -> float:
    """How busy `day` is for a referrer type, relative to an ordinary working day."""
    if kind is ReferrerKind.EDUCATION:
        if calendar.is_school_day(day):
            return END_OF_TERM if day in end_of_term else 1.0
        return HOLIDAY_SCHOOL if calendar.is_school_holiday(day) else 0.0
    weight = 1.0 if calendar.is_working_day(day) else _SEVEN_DAY.get(kind, 0.1)
    festive = (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 2)
    if kind is ReferrerKind.POLICE and festive:
        weight *= FESTIVE_POLICE
    return weight


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


_OFFICE_HOURS = tuple(range(8, 19))
_OFFICE_WEIGHTS = (2, 5, 8, 8, 6, 5, 7, 7, 6, 3, 1)
_POLICE_HOURS = tuple(range(24))
_POLICE_WEIGHTS = (2, 2, 1, 1, 1, 1, 2, 4, 8, 9, 8, 6, 5, 5, 5, 5, 5, 4, 4, 4, 3, 3, 3, 2)
"""Police referrals arrive at every hour, most in the morning, when the night's incidents are reviewed."""


def time_of_day(rng: random.Random, kind: ReferrerKind) -> time:
    if kind is ReferrerKind.POLICE:
        hour = rng.choices(_POLICE_HOURS, _POLICE_WEIGHTS)[0]
    else:
        hour = rng.choices(_OFFICE_HOURS, _OFFICE_WEIGHTS)[0]
    return time(hour, rng.randrange(60), rng.randrange(60))
