"""Plausibility at the door: dates a referral could hold and ages that fit the roles, judged against a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from hub.intake.plausibility import (
    ADULT_AGE,
    CLOCK_SKEW,
    OLDEST_AGE,
    PARENT_GAP_YEARS,
    plausibility_problems,
    years_before,
)
from hub.intake.problems import ReferralRefused
from hub.intake.validation import check_referral_bytes
from schemas import Referral
from tests.conftest import SAMPLE_REFERRAL

RECEIVED = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CHILD, SIBLING, PARENT, OTHER_ADULT = 0, 1, 2, 3
"""The sample's subjects by position: Amara (subject child), Tyler (sibling), Grace (parent), Liam (other adult)."""


def sample() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE_REFERRAL.read_text())
    return loaded


def born(raw: dict[str, Any], index: int, when: date | None) -> dict[str, Any]:
    raw["subjects"][index]["person"]["birth_date"] = when.isoformat() if when else None
    return raw


def problems_of(raw: dict[str, Any], now: datetime = NOW) -> list[str]:
    try:
        check_referral_bytes(json.dumps(raw).encode(), now=now)
    except ReferralRefused as refused:
        return [str(problem) for problem in refused.problems]
    return []


def test_the_sample_is_plausible() -> None:
    referral = Referral.model_validate(sample())
    assert plausibility_problems(referral.received_at, list(enumerate(referral.subjects)), NOW) == []


def test_a_birth_date_in_2999_is_in_the_future() -> None:
    assert problems_of(born(sample(), SIBLING, date(2999, 1, 1))) == ["subjects[1].person.birth_date: is in the future"]


def test_a_birth_date_after_the_referral_was_received_but_before_today() -> None:
    raw = born(sample(), SIBLING, RECEIVED.date() + timedelta(days=1))
    assert problems_of(raw) == ["subjects[1].person.birth_date: is after the referral was received (received_at)"]


def test_a_baby_born_on_the_day_the_referral_was_received_is_accepted() -> None:
    assert problems_of(born(sample(), SIBLING, RECEIVED.date())) == []


def test_today_is_the_received_times_own_date_not_utcs() -> None:
    """A birth at 00:30 on a British summer morning is still 'yesterday' in UTC: it is not in the future."""
    bst = timezone(timedelta(hours=1))
    raw = sample()
    raw["received_at"] = "2026-07-01T00:40:00+01:00"
    raw = born(raw, SIBLING, date(2026, 7, 1))
    assert problems_of(raw, now=datetime(2026, 7, 1, 0, 45, tzinfo=bst)) == []


def test_a_birth_date_more_than_120_years_before_is_refused() -> None:
    too_old = years_before(RECEIVED.date(), OLDEST_AGE) - timedelta(days=1)
    assert problems_of(born(sample(), OTHER_ADULT, too_old)) == [
        f"subjects[3].person.birth_date: is more than {OLDEST_AGE} years before the referral was received"
    ]
    assert problems_of(born(sample(), OTHER_ADULT, years_before(RECEIVED.date(), OLDEST_AGE))) == []


@pytest.mark.parametrize(("index", "role"), [(CHILD, "subject_child"), (SIBLING, "sibling")])
def test_a_child_is_under_18_when_the_referral_is_received(index: int, role: str) -> None:
    eighteenth_birthday_today = years_before(RECEIVED.date(), ADULT_AGE)
    assert problems_of(born(sample(), index, eighteenth_birthday_today)) == [
        f"subjects[{index}].person.birth_date: makes them 18 or over when the referral was received, but the role "
        f"'{role}' is for a child under 18 (an adult in the home is 'other_adult')"
    ]
    assert problems_of(born(sample(), index, eighteenth_birthday_today + timedelta(days=1))) == []


def test_an_other_adult_under_18_is_accepted() -> None:
    """The roles have no place for another child in the home, so 'other_adult' is not held to 18."""
    assert problems_of(born(sample(), OTHER_ADULT, date(2012, 1, 1))) == []


def test_a_parent_less_than_ten_years_older_than_a_child_is_refused_naming_the_child() -> None:
    child_born = date(2015, 3, 14)
    raw = born(sample(), PARENT, years_before(child_born, PARENT_GAP_YEARS) + timedelta(days=1))
    assert problems_of(raw) == [
        "subjects[2].person.birth_date: is less than 10 years before the birth date of subjects[0]: a 'parent_carer' "
        "is at least 10 years older than each child (an older brother or sister caring for them is 'other_adult')"
    ]
    assert problems_of(born(sample(), PARENT, years_before(child_born, PARENT_GAP_YEARS))) == []


def test_a_parent_and_child_swapped_names_both_children() -> None:
    raw = born(born(sample(), PARENT, date(2019, 1, 1)), CHILD, date(2015, 3, 14))
    assert problems_of(raw) == [
        "subjects[2].person.birth_date: is less than 10 years before the birth date of subjects[0], subjects[1]: a "
        "'parent_carer' is at least 10 years older than each child (an older brother or sister caring for them is "
        "'other_adult')"
    ]


def test_a_birth_date_with_its_own_problem_is_not_compared_again() -> None:
    raw = born(sample(), PARENT, date(2999, 1, 1))
    assert problems_of(raw) == ["subjects[2].person.birth_date: is in the future"]


def test_missing_birth_dates_are_not_judged() -> None:
    """An unborn baby is referred without a birth date; nothing about it is implausible."""
    raw = born(born(sample(), SIBLING, None), PARENT, None)
    assert problems_of(raw) == []


def test_received_in_the_future_beyond_clock_skew_is_refused() -> None:
    raw = sample()
    raw["received_at"] = (NOW + CLOCK_SKEW + timedelta(seconds=1)).isoformat()
    assert problems_of(raw) == ["received_at: is in the future (ahead of this computer's clock)"]
    raw["received_at"] = (NOW + CLOCK_SKEW).isoformat()
    assert problems_of(raw) == []


def test_plausibility_is_judged_beside_the_formats_problems() -> None:
    """A subject valid on its own is judged even when the referral as a whole is not."""
    raw = born(sample(), SIBLING, date(2999, 1, 1))
    del raw["rag"]
    raw["subjects"][OTHER_ADULT]["role"] = "lodger"
    assert problems_of(raw) == [
        "rag: is required",
        "subjects[3].role: Input should be 'subject_child', 'sibling', 'parent_carer' or 'other_adult'",
        "subjects[1].person.birth_date: is in the future",
    ]


def test_a_naive_received_time_is_the_formats_problem_alone() -> None:
    raw = born(sample(), SIBLING, date(2999, 1, 1))
    raw["received_at"] = "2026-11-02T09:15:00"
    assert problems_of(raw) == [
        "(top level): received_at must include a time zone, e.g. 2026-11-02T09:15:00+00:00",
        "subjects[1].person.birth_date: is in the future",
    ]


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 11, 2), 18, date(2008, 11, 2)),
        (date(2024, 2, 29), 18, date(2006, 2, 28)),  # 18 on 28 February in a year with no 29th
        (date(2026, 3, 1), 18, date(2008, 3, 1)),  # born 29 February 2008: 18 on 1 March 2026
    ],
)
def test_years_before(day: date, years: int, expected: date) -> None:
    assert years_before(day, years) == expected


def test_a_child_born_on_29_february_is_18_on_1_march() -> None:
    raw = born(sample(), CHILD, date(2008, 2, 29))
    raw["received_at"] = "2026-02-28T12:00:00+00:00"
    assert problems_of(raw) == []
    raw["received_at"] = "2026-03-01T12:00:00+00:00"
    assert len(problems_of(raw)) == 1
