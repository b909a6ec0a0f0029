"""The decision clock in working time: across a weekend, a bank holiday, and a team's figures over a period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.deadlines.calendar import WorkingCalendar
from hub.deadlines.duration import WorkingDuration
from hub.decisions.timing import measure, period_figures, standing_decision, working_words
from hub.store.decision_records import SignOff, StoredDecision, Verdict

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar()  # England, Europe/London, Monday to Friday 09:00-17:00
ONE_DAY = WorkingDuration.parse("1 working day")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON).astimezone(UTC)  # type: ignore[misc]


def test_a_friday_afternoon_referral_is_due_on_monday_and_the_weekend_does_not_count() -> None:
    received = local(2026, 11, 6, 15, 0)  # a Friday
    on_time = measure(received, local(2026, 11, 9, 14, 0), calendar=CALENDAR, target=ONE_DAY, now=local(2026, 11, 20))
    assert on_time.due_at == local(2026, 11, 9, 15, 0)
    assert (on_time.taken, on_time.over, on_time.met) == (timedelta(hours=7), timedelta(0), True)
    assert on_time.words == "Target met: decided 7 working hours after receipt"
    late = measure(received, local(2026, 11, 10, 9, 45), calendar=CALENDAR, target=ONE_DAY, now=local(2026, 11, 20))
    assert (late.taken, late.over, late.met) == (timedelta(hours=10, minutes=45), timedelta(hours=2, minutes=45), False)
    assert late.words == (
        "Target missed by 2 working hours and 45 minutes: decided 1 working day, 2 hours and 45 minutes after receipt"
    )


def test_the_bank_holiday_monday_does_not_count() -> None:
    received = local(2026, 8, 28, 16, 0)  # Friday before the summer bank holiday (Monday 31 August 2026)
    decided = local(2026, 9, 1, 10, 0)  # Tuesday
    timing = measure(received, decided, calendar=CALENDAR, target=ONE_DAY, now=local(2026, 9, 10))
    assert timing.due_at == local(2026, 9, 1, 16, 0)
    assert (timing.taken, timing.met) == (timedelta(hours=2), True)
    wednesday = measure(received, local(2026, 9, 2, 9, 30), calendar=CALENDAR, target=ONE_DAY, now=local(2026, 9, 10))
    assert (wednesday.taken, wednesday.over) == (timedelta(hours=9, minutes=30), timedelta(hours=1, minutes=30))


def test_no_decision_yet_is_in_time_until_the_due_time_then_missed() -> None:
    received = local(2026, 11, 9, 9, 0)
    waiting = measure(received, None, calendar=CALENDAR, target=ONE_DAY, now=local(2026, 11, 9, 12, 0))
    assert waiting.met is None and waiting.words.startswith("No decision yet: 3 working hours since receipt")
    overdue = measure(received, None, calendar=CALENDAR, target=ONE_DAY, now=local(2026, 11, 10, 10, 0))
    assert overdue.met is False and overdue.words == "No decision yet: the target was missed by 1 working hour"


def test_working_words() -> None:
    day = timedelta(hours=8)
    assert working_words(timedelta(0), day) == "0 working minutes"
    assert working_words(timedelta(minutes=1), day) == "1 working minute"
    assert working_words(timedelta(hours=16), day) == "2 working days"
    assert working_words(timedelta(hours=9, minutes=5), day) == "1 working day, 1 hour and 5 minutes"


def _decision(referral: str, number: int, at: datetime, verdict: Verdict | None = None) -> StoredDecision:
    sign_off = None if verdict is None else SignOff(verdict, "user:maya.manager", at + timedelta(hours=1), None)
    return StoredDecision(referral, number, "early_help", 2, "user:sam.patel", at, None, sign_off)


def test_a_returned_decision_does_not_stop_the_clock() -> None:
    first = _decision("R1", 1, local(2026, 11, 9, 10, 0), Verdict.RETURNED)
    assert standing_decision([first]) is None
    second = _decision("R1", 2, local(2026, 11, 10, 11, 0))
    assert standing_decision([second, first]) == second


def test_a_period_counts_met_missed_and_undecided_past_due_as_missed() -> None:
    now = local(2026, 11, 13, 12, 0)  # Friday
    received = [
        ("R1", local(2026, 11, 9, 9, 0)),  # decided in 2 hours: met
        ("R2", local(2026, 11, 9, 9, 0)),  # decided in 10 hours: missed by 2
        ("R3", local(2026, 11, 9, 9, 0)),  # returned, never decided again, long past due: missed
        ("R4", local(2026, 11, 13, 11, 0)),  # received an hour ago, undecided: not yet counted
        ("R5", local(2026, 10, 1, 9, 0)),  # before the period
    ]
    decisions = [
        _decision("R1", 1, local(2026, 11, 9, 11, 0), Verdict.AGREED),
        _decision("R2", 1, local(2026, 11, 10, 11, 0)),
        _decision("R3", 1, local(2026, 11, 9, 10, 0), Verdict.RETURNED),
        _decision("R5", 1, local(2026, 10, 1, 10, 0)),
    ]
    figures = period_figures(
        received, decisions, calendar=CALENDAR, target=ONE_DAY, since=local(2026, 11, 2, 0, 0), now=now
    )
    assert (figures.received, figures.decided, figures.met, figures.missed, figures.undecided_in_time) == (
        4,
        2,
        1,
        2,
        1,
    )
    assert figures.median_taken == timedelta(hours=6)  # the median of 2 and 10 working hours
    assert figures.share_met == 1 / 3
    empty = period_figures([], [], calendar=CALENDAR, target=ONE_DAY, since=now - timedelta(days=7), now=now)
    assert empty.share_met is None and empty.median_words == "no decisions yet"
