"""Learning from practitioners: confirmed and rejected review decisions refine each agency's m and thresholds.

A council has no labelled pairs, but every review a practitioner decides is one: confirmed, the two
records are one person; rejected, they are not. Per agency:

- **m** (P(level | same person)) of each field the confirmed pairs compared is updated by Bayes: each
  level's current m is a Beta prior worth `prior_strength` pseudo-counts, the confirmed pairs that
  compared the field are the trials and those at that level the successes, and the new m is the
  posterior mean, (strength·m + seen) / (strength + compared). A handful of decisions nudges m; only
  many overturn it. All of a field's weighed levels move together (a level no confirmed pair showed
  loses a little), so m is written for every level of a field the decisions compared. u is left
  alone: rejected pairs are the hard cases a reviewer saw, not a random sample of different people,
  so they say nothing fair about u.
- **thresholds** move only towards safety: the review threshold is lowered so the confirmed pair the
  model would not even have sent to review now goes there (by `margin_bits`, never below
  `lowest_review`), and the link threshold raised above every rejected pair the model would now link
  on its own. A rejected pair a rule or a better-matching record already held at review asks nothing
  of the threshold.

Each pair is judged as chronology assembly judges it, beside the other records the agency returned
with it, so a record held back because a better one matched is judged the same way here.
Learning is repeatable: the agency's provenance records the last review number learnt from and the
pseudo-counts m is now worth, so decisions already learnt are not counted twice.

Nothing here reads the store or prints: `hub.cli.linkage_learning` gathers the pairs (audited) and
`hub.linkage.learning_report` shows the figures.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.linkage.engine import Linker
from hub.linkage.judgement import Judgement, Outcome
from hub.linkage.model import (
    AgencyParameters,
    ComparisonParameters,
    LevelParameters,
    LinkageModel,
    ModelFile,
    match_probability,
)
from hub.linkage.settings import LinkageSettings, Thresholds
from schemas import AgencyPerson, Person

LEARNT = "learnt_from_decisions"
"""The key of an agency's provenance that records what was learnt from review decisions."""
HIGHEST_LINK = 0.999999
"""The link threshold is never raised beyond this (a threshold of 1 would link nothing at all)."""


@dataclass(frozen=True)
class DecidedPair:
    """One practitioner's decision: the referral's person, the agency's answer, and which record they judged."""

    review_id: int
    agency: str
    confirmed: bool
    person: Person
    candidates: Sequence[AgencyPerson]
    agency_person_id: str


@dataclass(frozen=True)
class LearningOptions:
    prior_strength: float = 50.0
    """Pseudo-counts the current m is worth, the first time an agency learns: 5 decisions move m by under 10%."""
    margin_bits: float = 1.0
    """How far past the decided pair's match weight a moved threshold goes."""
    lowest_review: float = 0.001
    """The review threshold is never lowered below this: one oddly weak confirmed pair must not flood review."""


@dataclass(frozen=True)
class Figures:
    """How one model and its thresholds judge the decided pairs of one agency."""

    confirmed: int = 0
    rejected: int = 0
    agreed: int = 0
    """Decided as the practitioner did, without asking: confirmed linked, rejected not linked."""
    to_review: int = 0
    """Sent to a practitioner again."""
    false_links: int = 0
    """Rejected pairs it would link: the error that matters most."""
    misses: int = 0
    """Confirmed pairs it would not even send to review: the error that hides risk."""

    @property
    def decisions(self) -> int:
        return self.confirmed + self.rejected

    def as_dict(self) -> dict[str, int]:
        return {
            "decisions": self.decisions,
            "confirmed": self.confirmed,
            "rejected": self.rejected,
            "agreed": self.agreed,
            "to_review": self.to_review,
            "false_links": self.false_links,
            "misses": self.misses,
        }


@dataclass(frozen=True)
class MChange:
    field: str
    level: str
    before: float
    after: float


@dataclass(frozen=True)
class AgencyLearning:
    """What one agency's decisions taught, and how the model judges them before and after."""

    agency: str
    current: Figures
    learnt: Figures
    current_thresholds: Thresholds
    learnt_thresholds: Thresholds
    m_changes: tuple[MChange, ...]
    new_decisions: int
    """Confirmed decisions not learnt from before, which moved m this time."""
    unavailable: int = 0
    """Decisions whose records can no longer be judged (the agency's answer was replaced, or is unusable)."""


@dataclass(frozen=True)
class Learnt:
    """The outcome of learning: the new model file and settings, and per agency what changed."""

    model: ModelFile
    settings: LinkageSettings
    agencies: tuple[AgencyLearning, ...]
    linker: Linker = field(repr=False)


def learn(
    linker: Linker,
    pairs: Sequence[DecidedPair],
    *,
    learnt_on: date,
    options: LearningOptions | None = None,
    unavailable: Mapping[str, int] | None = None,
) -> Learnt:
    """Refine each agency's m and thresholds from its decided pairs; nothing is written."""
    options = options or LearningOptions()
    unavailable = unavailable or {}
    by_agency: dict[str, list[DecidedPair]] = defaultdict(list)
    for pair in sorted(pairs, key=lambda pair: pair.review_id):
        by_agency[pair.agency].append(pair)
    parameters = linker.model.parameters
    agencies = dict(parameters.agencies)
    changes: dict[str, tuple[MChange, ...]] = {}
    fresh: dict[str, int] = {}
    for agency, decided in sorted(by_agency.items()):
        agencies[agency], changes[agency], fresh[agency] = _learn_m(linker, agency, decided, options, learnt_on)
    model = parameters.model_copy(update={"agencies": agencies})
    with_m = Linker(LinkageModel(model, linker.comparisons), linker.settings, linker.comparisons)
    thresholds = dict(linker.settings.agency_thresholds)
    for agency, decided in sorted(by_agency.items()):
        thresholds[agency] = _learn_thresholds(with_m, agency, decided, options)
    settings = linker.settings.model_copy(update={"agency_thresholds": thresholds})
    learnt = Linker(with_m.model, settings, linker.comparisons)
    reports = tuple(
        AgencyLearning(
            agency=agency,
            current=figures(linker, decided),
            learnt=figures(learnt, decided),
            current_thresholds=linker.settings.thresholds_for(agency),
            learnt_thresholds=settings.thresholds_for(agency),
            m_changes=changes[agency],
            new_decisions=fresh[agency],
            unavailable=unavailable.get(agency, 0),
        )
        for agency, decided in sorted(by_agency.items())
    )
    missing_only = tuple(
        AgencyLearning(
            agency=agency,
            current=Figures(),
            learnt=Figures(),
            current_thresholds=linker.settings.thresholds_for(agency),
            learnt_thresholds=linker.settings.thresholds_for(agency),
            m_changes=(),
            new_decisions=0,
            unavailable=count,
        )
        for agency, count in sorted(unavailable.items())
        if agency not in by_agency and count
    )
    return Learnt(model, settings, tuple(sorted(reports + missing_only, key=lambda a: a.agency)), learnt)


def judged(linker: Linker, pair: DecidedPair) -> Judgement | None:
    """The decided record judged as assembly judges it, beside the agency's other records (None if unusable)."""
    for judgement in linker.link_candidates(pair.person, pair.candidates, agency=pair.agency):
        if judgement.record_id == pair.agency_person_id:
            return None if math.isinf(judgement.match_weight) else judgement
    return None


def figures(linker: Linker, decided: Sequence[DecidedPair]) -> Figures:
    """How `linker` would judge the decided pairs: agreement, review, would-be false links and misses."""
    counts: Counter[str] = Counter()
    for pair in decided:
        judgement = judged(linker, pair)
        outcome = judgement.outcome if judgement is not None else Outcome.NOT_LINKED
        counts["confirmed" if pair.confirmed else "rejected"] += 1
        if outcome is Outcome.REVIEW:
            counts["to_review"] += 1
        elif (outcome is Outcome.LINKED) == pair.confirmed:
            counts["agreed"] += 1
        elif pair.confirmed:
            counts["misses"] += 1
        else:
            counts["false_links"] += 1
    return Figures(**counts)


def _learnt_so_far(agency: AgencyParameters | None, options: LearningOptions) -> tuple[int, float]:
    """(last review number learnt from, pseudo-counts the agency's m is now worth)."""
    record: Any = (agency.provenance.get(LEARNT) if agency is not None else None) or {}
    try:
        return int(record.get("through_review", 0)), float(record.get("pseudo_counts", options.prior_strength))
    except (AttributeError, TypeError, ValueError):
        return 0, options.prior_strength


def _learn_m(
    linker: Linker, agency: str, decided: Sequence[DecidedPair], options: LearningOptions, learnt_on: date
) -> tuple[AgencyParameters, tuple[MChange, ...], int]:
    """The agency's parameters with m updated by its confirmed decisions not learnt from before."""
    parameters = linker.model.parameters
    existing = parameters.agencies.get(agency)
    through, strength = _learnt_so_far(existing, options)
    new = [pair for pair in decided if pair.review_id > through]
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    used = 0
    for pair in new:
        judgement = judged(linker, pair) if pair.confirmed else None
        if judgement is None:
            continue
        used += 1
        for item in judgement.evidence:
            if not item.neutral:
                seen[item.field][item.level] += 1
    overrides = {name: dict(given.levels) for name, given in (existing.comparisons if existing else {}).items()}
    changes: list[MChange] = []
    for comparison in linker.comparisons:
        counts = seen.get(comparison.field)
        if not counts:
            continue
        levels = [level.key for level in comparison.levels if not level.neutral]
        current = {key: _parameters(parameters, agency, comparison.field, key) for key in levels}
        total = sum(counts.values())
        for key in levels:
            # Beta(strength·m, strength·(1−m)) prior, `counts[key]` of `total` confirmed pairs at this level.
            m = (strength * current[key].m + counts[key]) / (strength + total)
            overrides.setdefault(comparison.field, {})[key] = LevelParameters(m=m, u=current[key].u)
            if not math.isclose(m, current[key].m, rel_tol=1e-9):
                changes.append(MChange(comparison.field, key, current[key].m, m))
    provenance = dict(existing.provenance) if existing else {}
    highest = max((pair.review_id for pair in decided), default=through)
    provenance[LEARNT] = {
        "method": "Bayesian update of m (the model's m as a Beta prior worth pseudo_counts) with confirmed "
        "review decisions; thresholds from confirmed and rejected decisions; see docs/linkage.md",
        "learnt_on": learnt_on.isoformat(),
        "through_review": max(highest, through),
        "confirmed": sum(pair.confirmed for pair in decided),
        "rejected": sum(not pair.confirmed for pair in decided),
        "pseudo_counts": strength + used,
    }
    comparisons = {name: ComparisonParameters(levels=levels) for name, levels in overrides.items()}
    return AgencyParameters(comparisons=comparisons, provenance=provenance), tuple(changes), used


def _parameters(parameters: ModelFile, agency: str, field_name: str, level: str) -> LevelParameters:
    found = parameters.level_parameters(agency, field_name, level)
    if found is None:  # LinkageModel refused the model already if so
        raise ValueError(f"comparisons.{field_name}.levels.{level}: is required")
    return found


def _learn_thresholds(
    linker: Linker, agency: str, decided: Sequence[DecidedPair], options: LearningOptions
) -> Thresholds:
    """The agency's thresholds widened just enough that no decided pair is a would-be miss or false link."""
    thresholds = linker.settings.thresholds_for(agency)
    review, link = thresholds.review_probability, thresholds.link_probability
    for pair in decided:
        judgement = judged(linker, pair)
        if judgement is None:
            continue
        if pair.confirmed and judgement.outcome is Outcome.NOT_LINKED and judgement.probability < review:
            review = min(
                review, max(match_probability(judgement.match_weight - options.margin_bits), options.lowest_review)
            )
        if not pair.confirmed and judgement.outcome is Outcome.LINKED:
            link = max(link, min(match_probability(judgement.match_weight + options.margin_bits), HIGHEST_LINK))
    return Thresholds(link_probability=link, review_probability=min(review, thresholds.review_probability))
