"""Time from receipt to decision, in working time, against the target (one working day by default).

The clock is the council's working calendar (`config/deadlines.yaml`, `hub.deadlines`), the one the checks'
due times use, so a referral received at 16:00 on the Friday before a bank-holiday Monday is due a decision
at 16:00 on Tuesday. It stops when the decision that stands was recorded: the newest one, unless a manager
returned it, in which case the referral has no decision yet and the clock runs on. A referral without a
decision whose due time has passed counts as missed in a team's figures, never left out: leaving it out
would flatter the figures exactly when the MASH is most behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from hub.deadlines.calendar import WorkingCalendar
from hub.deadlines.duration import WorkingDuration
from hub.store.decision_records import DecisionStatus, StoredDecision


def working_words(span: timedelta, day_length: timedelta) -> str:
    """A span of working time as a person says it: "1 working day, 2 hours and 5 minutes"."""
    minutes = int(abs(span).total_seconds() // 60)
    day_minutes = int(day_length.total_seconds() // 60)
    days, rest = divmod(minutes, day_minutes)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days} working day{'s' if days != 1 else ''}" if days else "",
        f"{hours} {'working ' if not days else ''}hour{'s' if hours != 1 else ''}" if hours else "",
        f"{minutes} {'working ' if not days and not hours else ''}minute{'s' if minutes != 1 else ''}"
        if minutes or not (days or hours)
        else "",
    ]
    shown = [part for part in parts if part]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


@dataclass(frozen=True)
class DecisionTiming:
    """One referral's clock: when it was received, when a decision was due, and when one was made (if)."""

    received_at: datetime
    due_at: datetime
    decided_at: datetime | None
    taken: timedelta
    """Working time from receipt to the decision, or to now while there is none."""
    over: timedelta
    """Working time past the due time (zero when within it)."""
    day_length: timedelta

    @property
    def met(self) -> bool | None:
        """True within the target, False once missed, None while undecided and not yet due."""
        if self.decided_at is not None:
            return self.decided_at <= self.due_at
        return False if self.over > timedelta(0) else None

    @property
    def over_words(self) -> str:
        return working_words(self.over, self.day_length)

    @property
    def detail(self) -> str:
        """What happened, for beside a tag that already says met, missed or within the target so far."""
        taken = working_words(self.taken, self.day_length)
        if self.decided_at is None:
            if self.met is None:
                return f"no decision yet, {taken} since receipt"
            return f"by {self.over_words}, and no decision yet"
        if self.met:
            return f"decided {taken} after receipt"
        return f"by {self.over_words}: decided {taken} after receipt"

    @property
    def words(self) -> str:
        """The whole sentence, for where there is no tag (the terminal)."""
        taken = working_words(self.taken, self.day_length)
        if self.decided_at is None:
            if self.met is None:
                return f"No decision yet: {taken} since receipt, within the target so far"
            return f"No decision yet: the target was missed by {self.over_words}"
        if self.met:
            return f"Target met: decided {taken} after receipt"
        return f"Target missed by {self.over_words}: decided {taken} after receipt"


def measure(
    received_at: datetime,
    decided_at: datetime | None,
    *,
    calendar: WorkingCalendar,
    target: WorkingDuration,
    now: datetime,
) -> DecisionTiming:
    """The clock for a referral received at `received_at`, decided at `decided_at` (None: not yet, look at `now`)."""
    due_at = calendar.add(received_at, target)
    end = decided_at if decided_at is not None else now
    taken = calendar.working_time_between(received_at, end)
    over = max(calendar.working_time_between(due_at, end), timedelta(0))
    return DecisionTiming(received_at, due_at, decided_at, taken, over, calendar.day_length)


def standing_decision(decisions: Iterable[StoredDecision]) -> StoredDecision | None:
    """The decision that stands on a referral: its newest, unless that was returned (then none stands)."""
    newest = max(decisions, key=lambda decision: decision.number, default=None)
    if newest is None or newest.status is DecisionStatus.RETURNED:
        return None
    return newest


@dataclass(frozen=True)
class DecisionFigures:
    """A team's decision times over a period, for the referrals received in it."""

    received: int
    decided: int
    met: int
    missed: int
    """Decided late, or not decided and past the due time."""
    undecided_in_time: int
    """Not decided and not yet due: counted in neither share."""
    median_taken: timedelta | None
    """The median working time from receipt to decision, over the decided referrals."""
    day_length: timedelta

    @property
    def undecided_late(self) -> int:
        """Past the due time without a decision (the rest of `missed` were decided late)."""
        return self.missed - (self.decided - self.met)

    @property
    def share_met(self) -> float | None:
        """Met as a share of those whose outcome against the target is known (decided, or past due)."""
        known = self.met + self.missed
        return None if known == 0 else self.met / known

    @property
    def median_words(self) -> str:
        return "no decisions yet" if self.median_taken is None else working_words(self.median_taken, self.day_length)


def period_figures(
    received: Iterable[tuple[str, datetime]],
    decisions: Iterable[StoredDecision],
    *,
    calendar: WorkingCalendar,
    target: WorkingDuration,
    since: datetime,
    now: datetime,
) -> DecisionFigures:
    """Figures for the referrals (id, received at) received from `since` to `now`, from every referral's decisions."""
    by_referral: dict[str, list[StoredDecision]] = {}
    for decision in decisions:
        by_referral.setdefault(decision.referral_id, []).append(decision)
    count = met = missed = waiting = 0
    taken: list[timedelta] = []
    for referral_id, received_at in received:
        if not since <= received_at < now:
            continue
        count += 1
        standing = standing_decision(by_referral.get(referral_id, ()))
        timing = measure(
            received_at,
            None if standing is None else standing.recorded_at,
            calendar=calendar,
            target=target,
            now=now,
        )
        if timing.decided_at is not None:
            taken.append(timing.taken)
        if timing.met is None:
            waiting += 1
        elif timing.met:
            met += 1
        else:
            missed += 1
    return DecisionFigures(
        received=count,
        decided=len(taken),
        met=met,
        missed=missed,
        undecided_in_time=waiting,
        median_taken=timedelta(seconds=median(span.total_seconds() for span in taken)) if taken else None,
        day_length=calendar.day_length,
    )
