"""Assessing a referral against the council's checklist: referral in, score and gaps out.

The rules are heuristics, on purpose simple enough to explain to the referrer in one sentence each: a
field is filled in, the account has so many words, it uses a word that shows the child's voice. They can
be fooled both ways (a referral can mention "consent" without saying anything about it), so the result
is feedback on how the referral is written, never a judgement of the concern: a practitioner reads the
referral and decides. The same referral and checklist always give the same assessment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.quality.checklist import PATTERNS, Checklist, Item, NarrativeRule, normalised, values_at, word_count
from schemas import Referral
from schemas.vocabulary import ReferrerKind

PRIVATE_REFERRERS = frozenset({ReferrerKind.FAMILY, ReferrerKind.PUBLIC})
"""Referrers who are private people: their "organisation" may be their own name, so it is never kept with
the assessment, and the per-referrer report counts them by kind only."""


class Finding(BaseModel):
    """One checklist item as the referral met it or not, in the words the feedback uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    question: str
    weight: int
    met: bool
    words: str
    """What the referral did well (`done_well`) if met, else what was missing (`gap`)."""
    why: str


class StatedLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int
    name: str


class QualityAssessment(BaseModel):
    """The result for one referral; it holds no detail of the child, only the referral's id and the referrer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    referral_id: str
    received_at: datetime
    checklist_version: str
    score: Annotated[int, Field(ge=0, le=100)]
    stated_level: StatedLevel | None
    referrer_kind: ReferrerKind
    referrer_organisation: str | None
    """None for a private person (`PRIVATE_REFERRERS`)."""
    findings: tuple[Finding, ...]

    @property
    def gaps(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if not finding.met)

    @property
    def strengths(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.met)

    @property
    def gap_ids(self) -> tuple[str, ...]:
        return tuple(finding.id for finding in self.gaps)


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True


def narrative_meets(rule: NarrativeRule, text: str) -> bool:
    """Whether the account meets every part of `rule`: length, one phrase of each group, one pattern."""
    text = normalised(text)
    if rule.min_words is not None and word_count(text) < rule.min_words:
        return False
    if not all(any(pattern.search(text) for pattern in group) for group in rule.compiled):
        return False
    return not rule.patterns or any(PATTERNS[name].search(text) for name in rule.patterns)


def item_met(item: Item, referral: Referral) -> bool:
    judged = item.judged_from
    for path in judged.fields:
        values = list(values_at(referral, path))
        if not values or not all(_filled(value) for value in values):
            return False
    return judged.narrative is None or narrative_meets(judged.narrative, referral.narrative)


def _stated_level(checklist: Checklist, referral: Referral) -> StatedLevel | None:
    """The level the referrer stated, from the field the checklist names; None if there is no such field or value."""
    if checklist.stated_level_field is None:
        return None
    value = getattr(referral, checklist.stated_level_field, None)
    if not isinstance(value, int) or isinstance(value, bool) or value not in checklist.levels:
        return None
    return StatedLevel(level=value, name=checklist.levels[value].name)


def assess(referral: Referral, checklist: Checklist) -> QualityAssessment:
    """The referral against every item; the score is the weight met out of the total, rounded half up, out of 100."""
    findings = []
    for item in checklist.items:
        met = item_met(item, referral)
        words = item.done_well if met else item.gap
        findings.append(
            Finding(
                id=item.id,
                label=item.label,
                question=item.question,
                weight=item.weight,
                met=met,
                words=words,
                why=item.why,
            )
        )
    met_weight = sum(finding.weight for finding in findings if finding.met)
    total = checklist.total_weight
    kind = referral.referrer.kind
    return QualityAssessment(
        referral_id=referral.referral_id,
        received_at=referral.received_at,
        checklist_version=checklist.version,
        score=(200 * met_weight + total) // (2 * total),
        stated_level=_stated_level(checklist, referral),
        referrer_kind=kind,
        referrer_organisation=None if kind in PRIVATE_REFERRERS else referral.referrer.organisation,
        findings=tuple(findings),
    )
