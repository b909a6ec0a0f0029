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

import json
import random
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.linkage.comparisons import Comparison, default_comparisons
from hub.linkage.model import MODEL_FORMAT
from hub.linkage.normalise import name_words
from hub.linkage.records import LinkageRecord, UnusableRecord, from_interchange, name_of

if TYPE_CHECKING:
    from sandbox.dataset import Dataset
    from sandbox.linkage_cases import City

METHOD = "u from random pairs, m from labelled pairs (ground truth), add-one smoothing; see docs/linkage.md"
REFERRAL_KIND = "easy"
"""How the referral side of each pair is garbled: the plain kind, no forced hard case."""
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


class PopulationPairs:
    """Referral-side and agency-side records of a generated population, labelled by the ground truth."""

    def __init__(self, dataset: Dataset, rng: random.Random) -> None:
        from sandbox.linkage_cases import City

        self.city: City = City(dataset)
        self.rng = rng
        self.person_ids = sorted(self.city.people)
        self.held = [
            (agency, record_id, person_id)
            for agency, by_person in sorted(self.city.records.items())
            for person_id, record_ids in sorted(by_person.items())
            for record_id in record_ids
        ]

    def agency_record(self, agency: str, record_id: str) -> LinkageRecord | None:
        from sandbox.linkage_cases import AS_PERSON, PERSON_TABLES

        database = self.city.databases[agency]
        document = AS_PERSON[agency](database.table(PERSON_TABLES[agency]).get(record_id), database)
        return _record(document, f"{agency}:{record_id}")

    def referral_record(self, person_id: str) -> LinkageRecord | None:
        from sandbox.linkage_cases import referral_query

        document = referral_query(self.city.people[person_id], REFERRAL_KIND, [], self.rng)
        return _record(document, person_id)

    def matched(self, subjects: int) -> Iterator[tuple[LinkageRecord, LinkageRecord]]:
        """Each sampled person as referred against each of their own agency records."""
        for person_id in self.rng.sample(self.person_ids, min(subjects, len(self.person_ids))):
            query = self.referral_record(person_id)
            for agency, by_person in sorted(self.city.records.items()):
                for record_id in by_person.get(person_id, []):
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
        people = self.city.people.values()
        first = Counter(name_of(tuple(name_words(person.given_names[0])[:1])).text for person in people)
        family = Counter(name_of(tuple(name_words(person.family_name))).text for person in people)
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


def estimate_model(dataset: Dataset, request: EstimationRequest) -> dict[str, Any]:
    """The model document for `config/linkage_model.json`."""
    comparisons = default_comparisons()
    pairs = PopulationPairs(dataset, random.Random(f"{request.seed}:linkage-estimate"))
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
                "seed": int(dataset.manifest["seed"]),
                "generator": dataset.manifest.get("generator", {}),
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


def run_estimate(request: EstimationRequest, out: Path, data: Path | None = None) -> dict[str, Any]:
    """Estimate from `data` (a population folder), or from a population generated for the purpose; write `out`."""
    from sandbox.dataset import Dataset
    from sandbox.population import write_default_population

    if data is not None:
        document = estimate_model(Dataset(data), request)
    else:
        with tempfile.TemporaryDirectory(prefix="hub-linkage-estimate-") as folder:
            directory = write_default_population(Path(folder) / "population", request.population_seed, request.people)
            document = estimate_model(Dataset(directory), request)
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return document
