"""Conversion to each outcome: what the MASH decided about each referrer type's referrals.

A referral counts under the decision that stands (`hub.decisions.timing.standing_decision`: the newest,
unless a manager returned it), so a decision changed after sign-off counts once, as it now is. Shares are of
the decided referrals; those not yet decided are shown beside, never counted as any outcome.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from hub.decisions.config import DecisionsConfig
from hub.decisions.timing import standing_decision
from hub.insight.period import Period
from hub.insight.referrers import kind_words, kinds_present
from hub.insight.report import Chart, Report, Series, Table, counted, percent, share, table_csv
from hub.store.decision_records import StoredDecision
from hub.store.insight_records import InsightFacts

ALL = "all"


def standing_outcomes(decisions: Iterable[StoredDecision]) -> dict[str, str]:
    """Referral id to the outcome of the decision that stands, for referrals that have one."""
    by_referral: dict[str, list[StoredDecision]] = defaultdict(list)
    for decision in decisions:
        by_referral[decision.referral_id].append(decision)
    found = {}
    for referral_id, rows in by_referral.items():
        standing = standing_decision(rows)
        if standing is not None:
            found[referral_id] = standing.outcome
    return found


def outcomes_report(
    facts: Sequence[InsightFacts], decisions: Iterable[StoredDecision], config: DecisionsConfig, period: Period
) -> Report:
    outcome_of = standing_outcomes(decisions)
    kinds = kinds_present(facts)
    codes = list(config.outcomes) + sorted({code for code in outcome_of.values()} - config.outcomes.keys())
    received: Counter[str] = Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for fact in facts:
        for group in (fact.referrer_kind, ALL):
            received[group] += 1
            if fact.referral_id in outcome_of:
                counts[(group, outcome_of[fact.referral_id])] += 1
    decided = {group: sum(counts[(group, code)] for code in codes) for group in [*kinds, ALL]}
    groups = [*kinds, ALL]
    words = {group: "All referrers" if group == ALL else kind_words(group) for group in groups}
    table = Table(
        "Outcome of the decided referrals, by referrer type (count and share of those decided)",
        ("Referrer type", "Referrals", "Decided", *(config.outcome_words(code) for code in codes), "Not yet decided"),
        tuple(
            (
                words[group],
                received[group],
                decided[group],
                *(counted(counts[(group, code)], decided[group]) for code in codes),
                received[group] - decided[group],
            )
            for group in groups
        ),
        frozenset(range(1, len(codes) + 4)),
    )
    chart = Chart(
        "Outcomes by referrer type, as a share of decided referrals",
        "One bar per referrer type, divided by outcome, each bar adding up to 100% of its decided referrals; "
        "the table gives the figures.",
        tuple(words[group] for group in groups),
        tuple(
            Series(
                config.outcome_words(code),
                tuple(100 * (share(counts[(group, code)], decided[group]) or 0.0) for group in groups),
            )
            for code in codes
        ),
        "% of decided referrals",
        horizontal=True,
        top=100.0,
    )
    total, done = received[ALL], decided[ALL]
    summary = [f"{done} of {total} referrals received from {period.words} have a decision."]
    if done:
        common = max(codes, key=lambda code: counts[(ALL, code)])
        summary.append(
            f"The most common outcome was {config.outcome_words(common).lower()}: "
            f"{counted(counts[(ALL, common)], done)}."
        )
    csv_rows = [
        (group, code, counts[(group, code)], decided[group], percent(share(counts[(group, code)], decided[group])))
        for group in groups
        for code in codes
    ]
    return Report(
        "outcomes",
        "Conversion to outcome",
        period.words,
        tuple(summary),
        chart,
        (table,),
        table_csv(("referrer_type", "outcome", "referrals", "decided", "share_of_decided"), csv_rows),
        ("Each referral counts under the decision that stands: the newest, unless a manager returned it.",),
    )
