"""What the engine decides about one candidate, and the evidence a practitioner reads.

Every word here is fixed text chosen by the engine: names, dates and numbers never appear, so a
judgement can go into logs and the audit trail as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """The three outcomes, weakest first so that `min` and `max` cap and raise them."""

    NOT_LINKED = "not_linked"
    REVIEW = "review"
    LINKED = "linked"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


_RANKS = {Outcome.NOT_LINKED: 0, Outcome.REVIEW: 1, Outcome.LINKED: 2}


def weaker(a: Outcome, b: Outcome) -> Outcome:
    return a if a.rank <= b.rank else b


def stronger(a: Outcome, b: Outcome) -> Outcome:
    return a if a.rank >= b.rank else b


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """How one field compared: its level, the weight it adds (bits, log2 of m/u) and words for people."""

    field: str
    level: str
    weight: float
    words: str
    neutral: bool = False
    """Missing on one side: shown in the evidence, left out of the one-line summary unless it matters."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """The decision on one candidate: outcome, match weight and probability, evidence, and why review."""

    record_id: str
    outcome: Outcome
    match_weight: float
    """Prior plus the sum of the field weights, in bits: each bit doubles the odds of a match."""
    probability: float
    evidence: tuple[FieldEvidence, ...]
    review_reasons: tuple[str, ...] = ()
    """Why a rule held the outcome at review (or below), or why the evidence alone is not enough."""

    @property
    def summary(self) -> str:
        """One line: the outcome, the telling evidence, and any review reasons."""
        telling = [item.words for item in self.evidence if not item.neutral or item.field == "birth_date"]
        line = f"{self.outcome.words} ({self.probability:.1%}): {'; '.join(telling)}"
        if self.review_reasons:
            line += f". Why: {'; '.join(self.review_reasons)}"
        return line

    def weight_of(self, field: str) -> float:
        """The weight one field added (0 for a field the judgement did not compare)."""
        return next((item.weight for item in self.evidence if item.field == field), 0.0)

    def level_of(self, field: str) -> str | None:
        return next((item.level for item in self.evidence if item.field == field), None)


def unusable_judgement(record_id: str, reason: str) -> Judgement:
    """A candidate refused as unusable: never linked, with the reason in words."""
    return Judgement(record_id, Outcome.NOT_LINKED, float("-inf"), 0.0, (), (reason,))
