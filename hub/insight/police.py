"""Police referral volume and re-referral rate: how many referrals the police make, and how many are about a
child referred in the twelve months before (by anyone), per month or week.

A re-referral is counted as the DfE's children in need census counts it: a referral about a child who was the
subject of another referral within the previous 12 months. The hub knows a child again only by what
referrals say (`hub.store.insight_records`: the NHS number, or the name with the birth date), so the rate
is a floor: a child named differently, without an NHS number, is not recognised. A referral that gives
neither for any child cannot be judged, and is counted apart.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from hub.insight.period import Period
from hub.insight.report import Chart, Report, Series, Table, counted, percent, share, table_csv
from hub.store.insight_records import InsightFacts
from schemas import ReferrerKind

WITHIN = timedelta(days=365)
POLICE = ReferrerKind.POLICE.value


def looked_back(period: Period) -> datetime:
    """How far back the facts must reach for a re-referral early in the period to be seen."""
    return period.since - WITHIN


def re_referrals(facts: Sequence[InsightFacts]) -> dict[str, bool | None]:
    """For each referral, whether one of its children was referred in the 12 months before it (None: cannot
    tell, as it gives no NHS number nor a name with a birth date)."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    for fact in facts:
        for key in fact.child_keys:
            seen[key].append(fact.received_at)
    for times in seen.values():
        times.sort()
    found: dict[str, bool | None] = {}
    for fact in facts:
        if not fact.child_keys:
            found[fact.referral_id] = None
            continue
        found[fact.referral_id] = False
        for key in fact.child_keys:
            times = seen[key]
            before = bisect.bisect_left(times, fact.received_at) - 1
            if before >= 0 and fact.received_at - times[before] <= WITHIN:
                found[fact.referral_id] = True
                break
    return found


def police_report(facts: Sequence[InsightFacts], period: Period, *, first_held: datetime | None) -> Report:
    """`facts` reach back to `looked_back(period)`; `first_held` is the oldest referral the hub holds."""
    again = re_referrals(facts)
    in_period = [f for f in facts if period.contains(f.received_at)]
    buckets = period.buckets()
    police: Counter[object] = Counter()
    police_again: Counter[object] = Counter()
    police_unknown: Counter[object] = Counter()
    everyone: Counter[object] = Counter()
    everyone_again: Counter[object] = Counter()
    for fact in in_period:
        bucket, flag = period.bucket_of(fact.received_at), again[fact.referral_id]
        if flag is not None:
            everyone[bucket] += 1
            everyone_again[bucket] += flag
        if fact.referrer_kind == POLICE:
            police[bucket] += 1
            police_again[bucket] += flag is True
            police_unknown[bucket] += flag is None
    table = Table(
        f"Police referrals and re-referrals, per {period.step.value}",
        (
            period.step.value.capitalize(),
            "Police referrals",
            "Re-referrals",
            "Police re-referral rate",
            "All referrers' re-referral rate",
        ),
        tuple(
            (
                b.label,
                police[b.start],
                police_again[b.start],
                percent(share(police_again[b.start], police[b.start] - police_unknown[b.start])),
                percent(share(everyone_again[b.start], everyone[b.start])),
            )
            for b in buckets
        ),
        frozenset({1, 2, 3, 4}),
    )
    chart = Chart(
        f"Police referrals per {period.step.value}: re-referrals and first referrals in 12 months",
        f"Stacked bars, one per {period.step.value}: police referrals about a child referred in the 12 months "
        "before, and the rest; the table gives the figures and the rates.",
        tuple(b.label for b in buckets),
        (
            Series("Re-referrals", tuple(float(police_again[b.start]) for b in buckets)),
            Series("Not re-referrals", tuple(float(police[b.start] - police_again[b.start]) for b in buckets)),
        ),
        "referrals",
    )
    total, total_again, unknown = sum(police.values()), sum(police_again.values()), sum(police_unknown.values())
    judged = sum(everyone.values())
    summary = [
        f"The police made {counted(total, len(in_period))} of the {len(in_period)} referrals received from "
        f"{period.words}.",
        f"{counted(total_again, total - unknown)} of the police referrals that could be judged were about a child "
        f"referred in the 12 months before; for all referrers it was "
        f"{percent(share(sum(everyone_again.values()), judged))}.",
    ]
    notes = [
        "A child is known again by the NHS number, or the name with the birth date, that the referrals give, so the "
        "rate is a floor: a child named differently without an NHS number is not recognised.",
    ]
    if unknown:
        notes.append(
            f"{unknown} police referral{'s' if unknown != 1 else ''} gave neither for any child and could not be "
            "judged; they are counted in the volume but not in the rate."
        )
    if first_held is not None and first_held > looked_back(period):
        notes.append(
            f"The hub holds referrals from {period.local_day(first_held):%-d %B %Y} only: a child referred before "
            "then is not known, so early months' rates may be low."
        )
    csv_rows = [
        (b.start.isoformat(), police[b.start], police_again[b.start], police_unknown[b.start],
         everyone[b.start], everyone_again[b.start])
        for b in buckets
    ]  # fmt: skip
    return Report(
        "police",
        "Police referrals and re-referrals",
        period.words,
        tuple(summary),
        chart,
        (table,),
        table_csv(
            (
                "period_start",
                "police_referrals",
                "police_re_referrals",
                "police_not_judged",
                "all_referrals_judged",
                "all_re_referrals",
            ),
            csv_rows,
        ),
        tuple(notes),
    )
