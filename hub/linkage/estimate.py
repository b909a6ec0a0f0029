"""`hub linkage estimate`: the model's parameters, estimated from a synthetic population, reproducibly.

- u (P(level | different people)) from random pairs: a person as a referral describes them against
  a random agency record of someone else.
- m (P(level | same person)) from labelled pairs: a person as a referral describes them against
  each of their own agency records. The ground truth says which records are theirs; the noise in
  those records is the generator's, at its default (realistic) rates, not the hard-case mix the
  evaluation uses.
- Both with add-one smoothing over the comparison's non-neutral levels; neutral levels (missing
  data) weigh nothing by design.
- Term frequencies: the share of people with each first name and surname.
- The prior: one record in `people` is the person (two lists of the same population).
- A few levels the synthetic data cannot show (partial birth dates, initials, previous addresses,
  identifiers the interchange format does not carry) get stated assumptions, listed in the file.

The same population, seed and sizes give the same parameters; the file records all of them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from hub.linkage.comparisons import Comparison, default_comparisons
from hub.linkage.model import MODEL_FORMAT
from hub.linkage.normalise import name_words
from hub.linkage.records import LinkageRecord, UnusableRecord, from_interchange, name_of

METHOD = "u from random pairs, m from labelled pairs (ground truth), add-one smoothing; see docs/linkage.md"
TERM_FREQUENCY_FLOOR = 1e-4
"""Names rarer than one person in ten thousand count as one in ten thousand (no runaway weights)."""
SIGNIFICANT_DIGITS = 6
QUERY_SAMPLE = 5_000
"""Referral-side records drawn for the random pairs."""
CANDIDATE_SAMPLE = 20_000
"""Agency records drawn for the random pairs."""

ASSUMED: dict[str, dict[str, dict[str, float]]] = {
    "given_name": {"initial": {"m": 0.98, "u": 0.07}},
    "birth_date": {"partial_agrees": {"m": 0.95, "u": 0.0125}},
    **{
        field: {"match": {"m": 0.97, "u": 1e-6}, "conflict": {"m": 0.03, "u": 0.999999}}
        for field in ("upn", "police_nominal_id", "housing_reference")
    },
}
"""Parameters the synthetic cases cannot show, conditional on the level being possible at all:
an initial agrees for 98% of true pairs and one in fourteen others (about 14 initials are common);
a partial birth date agrees for 95% of true pairs and one in eighty others (a birth year in 80);
identifiers the interchange format does not carry behave like the NHS number."""
M_FLOOR = 0.001
"""No level is rarer than this for the same person: the synthetic data never mistypes a sex or a whole
birth date, but real records sometimes do, and a near-zero m would make one such slip decisive."""
PREVIOUS_ADDRESS_M = 0.9
"""P(a person's address matches a previous address the other record holds | same person, one is held)."""


@dataclass(frozen=True)
class EstimationRequest:
    people: int
    population_seed: int
    seed: int
    subjects: int
    random_pairs: int


class LevelCounts:
    """How often each level of each comparison was seen."""

    def __init__(self, comparisons: Iterable[Comparison]) -> None:
        self.comparisons = tuple(comparisons)
        self.counts: dict[str, Counter[str]] = {comparison.field: Counter() for comparison in self.comparisons}
        self.pairs = 0

    def add(self, query: LinkageRecord, candidate: LinkageRecord) -> None:
        self.pairs += 1
        for comparison in self.comparisons:
            level, _ = comparison.compare(query, candidate)
            self.counts[comparison.field][level.key] += 1

    def probabilities(self, comparison: Comparison) -> dict[str, float]:
        """Add-one smoothed shares of the non-neutral levels (what is compared when both sides hold the field)."""
        keys = [level.key for level in comparison.levels if not level.neutral]
        counts = self.counts[comparison.field]
        total = sum(counts[key] for key in keys) + len(keys)
        return {key: (counts[key] + 1) / total for key in keys}

    def observed(self, field: str, key: str) -> int:
        return self.counts[field][key]


def _rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


class LabelledPopulation(Protocol):
    """A population whose ground truth says which agency records are each person's.

    The sandbox's generated city is one (`sandbox.linkage.pairs.LabelledCity`); the hub never imports
    it, so any labelled source that speaks the linkage cases' interchange format can serve.
    """

    @property
    def person_ids(self) -> Sequence[str]:
        """Every person, in a fixed order."""

    @property
    def held(self) -> Sequence[tuple[str, str, str]]:
        """Every agency record as (agency, record id, person id), in a fixed order."""

    @property
    def provenance(self) -> dict[str, Any]:
        """What the population is: at least its `seed`, and the `generator` that made it."""

    def records_of(self, person_id: str) -> Iterator[tuple[str, str]]:
        """The person's own agency records as (agency, record id), in a fixed order."""

    def agency_document(self, agency: str, record_id: str) -> dict[str, Any]:
        """An agency record as a candidate in the interchange format."""

    def referral_document(self, person_id: str, rng: random.Random) -> dict[str, Any]:
        """The person as a referral would describe them (the plain kind), in the interchange format."""

    def names(self) -> Iterator[tuple[str, str]]:
        """Each person's true first given name and family name."""


class PopulationPairs:
    """Referral-side and agency-side records of a labelled population, paired by the ground truth."""

    def __init__(self, population: LabelledPopulation, rng: random.Random) -> None:
        self.population = population
        self.rng = rng
        self.person_ids = list(population.person_ids)
        self.held = list(population.held)

    def agency_record(self, agency: str, record_id: str) -> LinkageRecord | None:
        return _record(self.population.agency_document(agency, record_id), f"{agency}:{record_id}")

    def referral_record(self, person_id: str) -> LinkageRecord | None:
        return _record(self.population.referral_document(person_id, self.rng), person_id)

    def matched(self, subjects: int) -> Iterator[tuple[LinkageRecord, LinkageRecord]]:
        """Each sampled person as referred against each of their own agency records."""
        for person_id in self.rng.sample(self.person_ids, min(subjects, len(self.person_ids))):
            query = self.referral_record(person_id)
            for agency, record_id in self.population.records_of(person_id):
                candidate = self.agency_record(agency, record_id)
                if query is not None and candidate is not None:
                    yield query, candidate

    def unmatched(self, pairs: int) -> Iterator[tuple[LinkageRecord, LinkageRecord]]:
        """Random pairs of a person as referred and an agency record of somebody else."""
        queries = [
            (person_id, record)
            for person_id in self.rng.sample(self.person_ids, min(QUERY_SAMPLE, len(self.person_ids)))
            if (record := self.referral_record(person_id)) is not None
        ]
        candidates = [
            (person_id, record)
            for agency, record_id, person_id in self.rng.sample(self.held, min(CANDIDATE_SAMPLE, len(self.held)))
            if (record := self.agency_record(agency, record_id)) is not None
        ]
        made = 0
        while made < pairs:
            (query_person, query), (candidate_person, candidate) = self.rng.choice(queries), self.rng.choice(candidates)
            if query_person != candidate_person:
                made += 1
                yield query, candidate

    def term_frequencies(self) -> dict[str, dict[str, Any]]:
        """Share of people with each first name and surname (those above the floor)."""
        names = list(self.population.names())
        first = Counter(name_of(tuple(name_words(given)[:1])).text for given, _ in names)
        family = Counter(name_of(tuple(name_words(family_name))).text for _, family_name in names)
        return {
            "given_name": _frequencies(first, len(self.person_ids)),
            "family_name": _frequencies(family, len(self.person_ids)),
        }


def _record(document: dict[str, Any], record_id: str) -> LinkageRecord | None:
    try:
        return from_interchange(document, record_id)
    except UnusableRecord:
        return None


def _frequencies(counts: Counter[str], people: int) -> dict[str, Any]:
    values = {
        name: _rounded(count / people)
        for name, count in sorted(counts.items())
        if count / people > TERM_FREQUENCY_FLOOR
    }
    return {"floor": TERM_FREQUENCY_FLOOR, "values": values}


def _parameters(
    comparison: Comparison, matched: LevelCounts, unmatched: LevelCounts, assumed: list[str]
) -> dict[str, dict[str, float]]:
    m, u = matched.probabilities(comparison), unmatched.probabilities(comparison)
    levels = {key: {"m": _rounded(max(m[key], M_FLOOR)), "u": _rounded(u[key])} for key in m}
    for key, values in ASSUMED.get(comparison.field, {}).items():
        if not matched.observed(comparison.field, key) and not unmatched.observed(comparison.field, key):
            levels[key] = values
            assumed.append(f"{comparison.field}.{key}")
    if comparison.field == "address" and not matched.observed("address", "previous_address"):
        levels["previous_address"] = {"m": PREVIOUS_ADDRESS_M, "u": _rounded(2 * u["same_postcode"])}
        assumed.append("address.previous_address")
    return levels


def estimate_model(population: LabelledPopulation, request: EstimationRequest) -> dict[str, Any]:
    """The model document for `config/linkage_model.json`."""
    comparisons = default_comparisons()
    pairs = PopulationPairs(population, random.Random(f"{request.seed}:linkage-estimate"))
    matched, unmatched = LevelCounts(comparisons), LevelCounts(comparisons)
    for query, candidate in pairs.matched(request.subjects):
        matched.add(query, candidate)
    for query, candidate in pairs.unmatched(request.random_pairs):
        unmatched.add(query, candidate)
    assumed: list[str] = []
    parameters = {
        comparison.field: {"levels": _parameters(comparison, matched, unmatched, assumed)} for comparison in comparisons
    }
    people = len(pairs.person_ids)
    return {
        "format": MODEL_FORMAT,
        "provenance": {
            "method": METHOD,
            "estimated_on": date.today().isoformat(),
            "population": {
                "people": people,
                "seed": int(population.provenance["seed"]),
                "generator": population.provenance.get("generator", {}),
            },
            "estimation_seed": request.seed,
            "subjects": request.subjects,
            "matched_pairs": matched.pairs,
            "random_pairs": unmatched.pairs,
            "assumed_levels": assumed,
            "term_frequency_floor": TERM_FREQUENCY_FLOOR,
        },
        "prior_match_probability": _rounded(1 / people),
        "comparisons": parameters,
        "term_frequencies": pairs.term_frequencies(),
    }
