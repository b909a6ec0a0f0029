"""Time from receipt to decision against the target (one working day by default), per month or week.

Each step's figures are `hub.decisions.timing.period_figures` over the referrals received in it, the same
measure as the Decisions page: working time in the council's calendar, to the decision that stands, and a
referral past its target without a decision counts as missed, so a backlog never flatters the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from hub.deadlines.calendar import WorkingCalendar
from hub.deadlines.duration import WorkingDuration
from hub.decisions.timing import DecisionFigures, period_figures
from hub.insight.period import Period
from hub.insight.report import Chart, Report, Series, Table, counted, percent, table_csv
from hub.store.decision_records import StoredDecision
from hub.store.insight_records import InsightFacts


def timeliness_report(
    facts: Sequence[InsightFacts],
    decisions: Iterable[StoredDecision],
    period: Period,
    *,
    calendar: WorkingCalendar,
    target: WorkingDuration,
    now: datetime,
) -> Report:
    decided = list(decisions)
    buckets = period.buckets()
    figures: list[DecisionFigures] = []
    for bucket in buckets:
        received = [(f.referral_id, f.received_at) for f in facts if period.bucket_of(f.received_at) == bucket.start]
        since = min((moment for _, moment in received), default=now)
        figures.append(period_figures(received, decided, calendar=calendar, target=target, since=since, now=now))
    whole = period_figures(
        [(f.referral_id, f.received_at) for f in facts],
        decided,
        calendar=calendar,
        target=target,
        since=min((f.received_at for f in facts), default=now),
        now=now,
    )
    step = period.step.value
    table = Table(
        f"Time from receipt to decision, per {step} of receipt (target: {target})",
        (
            step.capitalize(),
            "Received",
            "Decided within the target",
            "Decided late",
            "Past the target, no decision",
            "Not yet due",
            "Within the target",
            "Median time to decision",
        ),
        tuple(
            (
                b.label,
                f.received,
                f.met,
                f.missed - f.undecided_late,
                f.undecided_late,
                f.undecided_in_time,
                percent(f.share_met),
                f.median_words if f.decided else "–",
            )
            for b, f in zip(buckets, figures, strict=True)
        ),
        frozenset({1, 2, 3, 4, 5, 6}),
    )
    chart = Chart(
        f"Referrals per {step} of receipt against the decision target ({target})",
        f"Stacked bars, one per {step}: referrals decided within the target, decided late, past the target "
        "without a decision, and not yet due; the table gives the figures.",
        tuple(b.label for b in buckets),
        (
            Series("Decided within the target", tuple(float(f.met) for f in figures)),
            Series("Decided late", tuple(float(f.missed - f.undecided_late) for f in figures)),
            Series("Past the target, no decision", tuple(float(f.undecided_late) for f in figures)),
            Series("Not yet due", tuple(float(f.undecided_in_time) for f in figures)),
        ),
        "referrals",
    )
    known = whole.met + whole.missed
    summary = (
        f"{counted(whole.met, known)} of the referrals received from {period.words} whose target has passed were "
        f"decided within it ({target}).",
        f"Median time from receipt to decision: {whole.median_words} over {whole.decided} decided referrals; "
        f"{whole.undecided_late} are past the target without a decision.",
    )
    csv_rows = [
        (b.start.isoformat(), f.received, f.met, f.missed - f.undecided_late, f.undecided_late, f.undecided_in_time,
         "" if f.median_taken is None else round(f.median_taken.total_seconds() / 3600, 2))
        for b, f in zip(buckets, figures, strict=True)
    ]  # fmt: skip
    return Report(
        "timeliness",
        "Time to decision",
        period.words,
        summary,
        chart,
        (table,),
        table_csv(
            (
                "period_start",
                "received",
                "decided_within_target",
                "decided_late",
                "past_target_undecided",
                "not_yet_due",
                "median_working_hours",
            ),
            csv_rows,
        ),
        (
            "Working time in the council's calendar (config/deadlines.yaml), from receipt to the decision that stands; "
            "a returned decision does not stop the clock.",
        ),
    )
