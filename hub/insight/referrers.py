"""Referrals by referrer type and organisation over time: who brings children to the front door, and when.

The police are the largest referrer in most councils; schools' referrals follow the school year. Private
referrers (family, the public) are counted by type only: their "organisation" may be their own name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hub.insight.period import Period
from hub.insight.report import Chart, Report, Series, Table, counted, table_csv
from hub.quality.by_referrer import PRIVATE_GROUP
from hub.store.insight_records import InsightFacts
from schemas import ReferrerKind

KIND_WORDS = {
    ReferrerKind.POLICE.value: "Police",
    ReferrerKind.EDUCATION.value: "Education",
    ReferrerKind.HEALTH.value: "Health",
    ReferrerKind.SOCIAL_CARE.value: "Social care",
    ReferrerKind.HOUSING.value: "Housing",
    ReferrerKind.FAMILY.value: "Family",
    ReferrerKind.PUBLIC.value: "Public",
    ReferrerKind.OTHER.value: "Other",
}
"""Referrer types in the order every report lists them, in words."""


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


def organisation_of(fact: InsightFacts) -> str:
    return fact.referrer_organisation or PRIVATE_GROUP


def kinds_present(facts: Sequence[InsightFacts]) -> list[str]:
    present = {fact.referrer_kind for fact in facts}
    return [kind for kind in KIND_WORDS if kind in present] + sorted(present - KIND_WORDS.keys())


def referrers_report(facts: Sequence[InsightFacts], period: Period) -> Report:
    buckets = period.buckets()
    kinds = kinds_present(facts)
    by_bucket: Counter[tuple[object, str]] = Counter((period.bucket_of(f.received_at), f.referrer_kind) for f in facts)
    by_org: Counter[tuple[str, str]] = Counter((f.referrer_kind, organisation_of(f)) for f in facts)
    long: Counter[tuple[object, str, str]] = Counter(
        (period.bucket_of(f.received_at), f.referrer_kind, organisation_of(f)) for f in facts
    )
    total = len(facts)
    over_time = Table(
        f"Referrals by referrer type, per {period.step.value}",
        (period.step.value.capitalize(), *(kind_words(kind) for kind in kinds), "Total"),
        tuple(
            (
                bucket.label,
                *(by_bucket[(bucket.start, kind)] for kind in kinds),
                sum(by_bucket[(bucket.start, kind)] for kind in kinds),
            )
            for bucket in buckets
        ),
        frozenset(range(1, len(kinds) + 2)),
    )
    kind_totals = Counter(f.referrer_kind for f in facts)
    by_type = Table(
        "Referrals by referrer type",
        ("Referrer type", "Referrals (share of all)"),
        tuple((kind_words(kind), counted(kind_totals[kind], total)) for kind in kinds),
        frozenset({1}),
    )
    organisations = Table(
        "Referrals by organisation, most first",
        ("Organisation", "Referrer type", "Referrals"),
        tuple(
            (organisation, kind_words(kind), count)
            for (kind, organisation), count in sorted(by_org.items(), key=lambda item: (-item[1], item[0]))
        ),
        frozenset({2}),
    )
    chart = Chart(
        f"Referrals per {period.step.value} by referrer type",
        f"Stacked bars, one per {period.step.value}, each divided by referrer type; the table below gives the figures.",
        tuple(bucket.label for bucket in buckets),
        tuple(
            Series(kind_words(kind), tuple(float(by_bucket[(bucket.start, kind)]) for bucket in buckets))
            for kind in kinds
        ),
        "referrals",
    )
    largest = max(kinds, key=lambda kind: kind_totals[kind], default=None)
    summary = (
        f"{total} referral{'s' if total != 1 else ''} received from {period.words}.",
        *(
            [f"The largest referrer type was {kind_words(largest).lower()}: {counted(kind_totals[largest], total)}."]
            if largest
            else []
        ),
        f"{len(by_org)} referrer{'s' if len(by_org) != 1 else ''} made them.",
    )
    csv_rows = [
        (start.isoformat(), kind, organisation, count)  # type: ignore[attr-defined]
        for (start, kind, organisation), count in sorted(long.items(), key=lambda item: str(item[0]))
    ]
    return Report(
        "referrers",
        "Referrals by referrer",
        period.words,
        summary,
        chart,
        (over_time, by_type, organisations),
        table_csv(("period_start", "referrer_type", "organisation", "referrals"), csv_rows),
    )
