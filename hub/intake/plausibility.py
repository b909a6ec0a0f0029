"""Plausibility: dates a referral could really hold, and ages that fit the roles the referrer gave.

The format (`schemas.Referral`) says what a referral looks like, and it also reads referrals back from
the store, so it does not judge them against the clock. These checks are made once, at the door,
against the time the referral was received and this computer's clock: a birth date in 2999, a parent
born after their child, a "child" of 40 are typing mistakes that would send agencies searching for the
wrong person. Each rule below says why its line is where it is (see also docs/referrals.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from hub.intake.problems import Problem
from schemas import Subject, SubjectRole

CLOCK_SKEW = timedelta(minutes=5)
"""A received time may be this far ahead of this computer's clock: partner systems' clocks drift, and five
minutes is the usual tolerance (Kerberos's default); a time further ahead is a mistake, not a drift."""

OLDEST_AGE = 120
"""No one in a referral is more than 120 years old: the oldest person ever recorded reached 122, and a
birth date that far back is a mistyped year (1925 for 2025), not a great-grandparent."""

ADULT_AGE = 18
"""A child is anyone under 18 (Children Act 1989 s105). The hub assembles a chronology for every child in a
referral, the subject child and each sibling, so both roles must be under 18 when the referral is received.
Care leavers (18 to 25) are supported by leaving-care services, not referred to the MASH as children; an
adult brother or sister at home is entered as 'other_adult'. An 'other_adult' is not held to 18: the roles
have no place for another child in the home (a cousin staying), and refusing would leave them none."""

PARENT_GAP_YEARS = 10
"""A parent or carer is at least 10 years older than each child in the referral. The youngest parents
recorded in England were 11 or 12 at the birth, and a carer (a grandparent, a foster carer) is older still,
so a smaller gap is a swapped or mistyped date. A kinship carer who is an older brother or sister less than
10 years older is entered as 'other_adult', with the care arrangement in the narrative."""


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th, so whoever was born on it has had that birthday."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _birth_date_problem(index: int, subject: Subject, today: date, received: date | None) -> Problem | None:
    born = subject.person.birth_date
    if born is None:
        return None
    path = ("subjects", index, "person", "birth_date")
    if born > today:
        return Problem(path, "is in the future")
    if received is not None and born > received:
        return Problem(path, "is after the referral was received (received_at)")
    on = received or today
    if born < years_before(on, OLDEST_AGE):
        return Problem(path, f"is more than {OLDEST_AGE} years before the referral was received")
    if subject.role.is_child and born <= years_before(on, ADULT_AGE):
        return Problem(
            path,
            f"makes them {ADULT_AGE} or over when the referral was received, but the role "
            f"'{subject.role.value}' is for a child under {ADULT_AGE} (an adult in the home is 'other_adult')",
        )
    return None


def _parent_gap_problem(index: int, born: date, children: Sequence[tuple[int, date]]) -> Problem | None:
    too_young = [child for child, child_born in children if born > years_before(child_born, PARENT_GAP_YEARS)]
    if not too_young:
        return None
    whom = ", ".join(f"subjects[{child}]" for child in too_young)
    return Problem(
        ("subjects", index, "person", "birth_date"),
        f"is less than {PARENT_GAP_YEARS} years before the birth date of {whom}: a 'parent_carer' is at least "
        f"{PARENT_GAP_YEARS} years older than each child (an older brother or sister caring for them is 'other_adult')",
    )


def plausibility_problems(
    received_at: datetime | None, subjects: Sequence[tuple[int, Subject]], now: datetime
) -> list[Problem]:
    """What is implausible about the received time and the subjects given (by their position in the referral).

    Either may be missing where the format refused it: the rest is still judged, so every problem is
    listed at once. `received_at` and `now` carry a time zone; "today" is the date in the received time's
    zone, so a birth in the early hours of a British summer day is not "in the future" by UTC. A birth
    date with a problem of its own is left out of the comparison between parents and children.
    """
    problems: list[Problem] = []
    if received_at is not None and received_at > now + CLOCK_SKEW:
        problems.append(Problem(("received_at",), "is in the future (ahead of this computer's clock)"))
    zone = received_at.tzinfo if received_at is not None else now.tzinfo
    today = now.astimezone(zone).date()
    received = received_at.date() if received_at is not None else None
    own = {index: _birth_date_problem(index, subject, today, received) for index, subject in subjects}
    plausible = [
        (index, subject, subject.person.birth_date)
        for index, subject in subjects
        if subject.person.birth_date is not None and own[index] is None
    ]
    children = [(index, born) for index, subject, born in plausible if subject.role.is_child]
    gaps = {
        index: _parent_gap_problem(index, born, children)
        for index, subject, born in plausible
        if subject.role is SubjectRole.PARENT_CARER
    }
    for index, _subject in subjects:
        found = own[index] or gaps.get(index)
        if found is not None:
            problems.append(found)
    return problems
