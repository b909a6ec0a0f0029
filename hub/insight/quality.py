"""Quality scores per referrer: the quality layer's own report (`hub.quality.records.referrer_report`), charted.

The rows and the CSV are exactly `hub referral quality`'s, so the two never disagree; the chart adds the
mean score per referrer type, weighted by each organisation's referrals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from hub.insight.period import Period
from hub.insight.referrers import KIND_WORDS, kind_words
from hub.insight.report import Chart, Report, Series, Table
from hub.quality.by_referrer import ReferrerQuality, as_csv


def quality_report(rows: Sequence[ReferrerQuality], labels: Mapping[str, str], period: Period) -> Report:
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        totals[row.referrer_kind][0] += row.mean_score * row.referrals
        totals[row.referrer_kind][1] += row.referrals
    kinds = [kind for kind in KIND_WORDS if kind in totals] + sorted(totals.keys() - KIND_WORDS.keys())
    means = {kind: round(totals[kind][0] / totals[kind][1], 1) for kind in kinds}
    chart = Chart(
        "Mean referral quality score by referrer type (out of 100)",
        "One bar per referrer type: the mean score of its referrals against the council's checklist; the tables "
        "give the figures.",
        tuple(kind_words(kind) for kind in kinds),
        (Series("Mean score", tuple(means[kind] for kind in kinds)),),
        "score out of 100",
        horizontal=True,
        top=100.0,
    )
    by_type = Table(
        "Mean score by referrer type",
        ("Referrer type", "Referrals", "Mean score"),
        tuple((kind_words(kind), int(totals[kind][1]), f"{means[kind]:.1f}") for kind in kinds),
        frozenset({1, 2}),
    )
    by_referrer = Table(
        "Quality by referrer",
        ("Referrer type", "Organisation", "Referrals", "Mean score", "Most common gaps (referrals)"),
        tuple(
            (
                kind_words(row.referrer_kind),
                row.organisation,
                row.referrals,
                f"{row.mean_score:.1f}",
                row.gap_words(labels),
            )
            for row in rows
        ),
        frozenset({2, 3}),
    )
    assessed = sum(row.referrals for row in rows)
    summary = [f"{assessed} assessed referral{'s' if assessed != 1 else ''} received from {period.words}."]
    if rows:
        weakest = min(kinds, key=lambda kind: means[kind])
        summary.append(f"The lowest mean score was {kind_words(weakest).lower()} referrers': {means[weakest]:.1f}.")
    return Report(
        "quality",
        "Referral quality by referrer",
        period.words,
        tuple(summary),
        chart if rows else None,
        (by_type, by_referrer),
        as_csv(rows, labels),
        (
            "Scores are out of 100 against the council's referral checklist (config/referral_quality.yaml): simple "
            "checks of how a referral is written, not of the concern. Days are counted in UTC, as hub referral "
            "quality counts them.",
        ),
    )
