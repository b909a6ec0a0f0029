"""Expectation maximisation for the Fellegi–Sunter model, on unlabelled pairs (as Splink trains m).

The pairs come in cases: one query and the candidates one agency search returned for it. u is known
(from random pairs) and held fixed; EM alternates between

- E: for each case, the probability that each candidate is the person, given that an agency's
  answer holds the person at most once (the candidates compete: a twin scores high on its own, but
  the true record, which agrees on the first name too, takes the probability from it);
- M: m of each level as the match-weighted share of candidates at that level, and π, the share of
  cases whose answer holds the person,

until no m moves by more than the tolerance. Without the at-most-once constraint, look-alikes that
agree on all but one field (twins, a father of the same name) fall into the "same person" class and
make disagreement look normal for the same person.

A session trains on the pairs a training rule selects ("same birth date"): the fields in the rule
agree by construction there, so they are held out (neither used nor estimated) and the session
estimates the others. Each field's m is then the mean over the sessions that estimated it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Pattern = tuple[str, ...]
"""The level key of each comparison, in the comparisons' order."""

MAX_ITERATIONS = 200
TOLERANCE = 1e-5
M_PSEUDO_COUNT = 0.1
"""Added to every level's match-weighted count, so an unseen level's m is small but never zero."""


@dataclass(frozen=True)
class FieldLevels:
    """A comparison as EM sees it: its field and its informative (non-neutral) levels."""

    field: str
    levels: tuple[str, ...]


@dataclass
class SessionResult:
    """One training session: what it trained on, whether it converged, and the m it estimated."""

    rule: str
    pairs: int
    free_fields: tuple[str, ...]
    iterations: int = 0
    converged: bool = False
    largest_change: float = math.inf
    match_share: float = 0.0
    """λ: the share of the session's pairs estimated to be the same person."""
    m: dict[str, dict[str, float]] = field(default_factory=dict)

    def provenance(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "pairs": self.pairs,
            "estimated": list(self.free_fields),
            "iterations": self.iterations,
            "converged": self.converged,
            "largest_last_change": float(f"{self.largest_change:.3g}"),
            "match_share": float(f"{self.match_share:.4g}"),
        }


def _log_ratios(
    fields: Sequence[FieldLevels], m: Mapping[str, Mapping[str, float]], u: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, float]]:
    return {
        spec.field: {level: math.log(m[spec.field][level] / u[spec.field][level]) for level in spec.levels}
        for spec in fields
    }


Case = Sequence[Pattern]
"""The patterns of one agency answer's candidates against its query."""


def _case_posteriors(
    cases: Sequence[Case],
    positions: Sequence[tuple[int, str]],
    ratios: Mapping[str, Mapping[str, float]],
    held_share: float,
) -> list[list[float]]:
    """P(candidate is the person) within each case, at most one candidate being the person."""
    log_none = math.log(1 - held_share)
    posteriors = []
    for case in cases:
        log_each = math.log(held_share / len(case))
        scores = [
            log_each + sum(ratios[name].get(pattern[index], 0.0) for index, name in positions) for pattern in case
        ]
        top = max(log_none, *scores)
        total = math.exp(log_none - top) + sum(math.exp(score - top) for score in scores)
        posteriors.append([math.exp(score - top) / total for score in scores])
    return posteriors


def run_session(
    rule: str,
    cases: Sequence[Case],
    fields: Sequence[FieldLevels],
    free: Sequence[str],
    u: Mapping[str, Mapping[str, float]],
    m_start: Mapping[str, Mapping[str, float]],
    held_share_start: float = 0.5,
) -> SessionResult:
    """EM over `cases`, estimating m of the `free` fields (the others are left out entirely)."""
    order = [spec.field for spec in fields]
    specs = {spec.field: spec for spec in fields}
    positions = [(order.index(name), name) for name in free]
    cases = [case for case in cases if case]
    total = sum(len(case) for case in cases)
    result = SessionResult(rule, total, tuple(free))
    m = {name: dict(m_start[name]) for name in free}
    held = held_share_start
    if total == 0:
        result.m = m
        return result
    for iteration in range(1, MAX_ITERATIONS + 1):
        ratios = _log_ratios([specs[name] for name in free], m, u)
        posteriors = _case_posteriors(cases, positions, ratios, held)
        held = min(max(sum(sum(case) for case in posteriors) / len(cases), 1e-6), 1 - 1e-6)
        largest = 0.0
        for index, name in positions:
            weighted: dict[str, float] = dict.fromkeys(specs[name].levels, M_PSEUDO_COUNT)
            for case, probabilities in zip(cases, posteriors, strict=True):
                for pattern, p in zip(case, probabilities, strict=True):
                    if pattern[index] in weighted:
                        weighted[pattern[index]] += p
            informative = sum(weighted.values())
            updated = {level: count / informative for level, count in weighted.items()}
            largest = max(largest, *(abs(updated[level] - m[name][level]) for level in updated))
            m[name] = updated
        result.iterations, result.largest_change = iteration, largest
        if largest < TOLERANCE:
            result.converged = True
            break
    result.m = m
    final = _case_posteriors(cases, positions, _log_ratios([specs[name] for name in free], m, u), held)
    result.match_share = sum(sum(case) for case in final) / total
    return result


def match_share(
    cases: Sequence[Case],
    fields: Sequence[FieldLevels],
    m: Mapping[str, Mapping[str, float]],
    u: Mapping[str, Mapping[str, float]],
) -> float:
    """The share of returned candidates that are the person, with every field used and m, u fixed (the prior)."""
    cases = [case for case in cases if case]
    total = sum(len(case) for case in cases)
    if total == 0:
        return 0.5
    positions = [(index, spec.field) for index, spec in enumerate(fields)]
    ratios = _log_ratios(fields, m, u)
    held = 0.5
    for _ in range(MAX_ITERATIONS):
        posteriors = _case_posteriors(cases, positions, ratios, held)
        updated = min(max(sum(sum(case) for case in posteriors) / len(cases), 1e-6), 1 - 1e-6)
        if abs(updated - held) < TOLERANCE:
            held = updated
            break
        held = updated
    return sum(sum(case) for case in _case_posteriors(cases, positions, ratios, held)) / total
