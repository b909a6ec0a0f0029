"""`hub linkage estimate`: the model's parameters from unlabelled pairs, as a council would estimate them.

A council has no labels: nobody has marked which of an agency's records are which child. So, as Splink
does, the parameters come from the data alone:

- **u** (P(level | different people)) from random pairs: the query of one case against a candidate of
  another, which are almost never the same person.
- **m** (P(level | same person)) by expectation maximisation (`hub.linkage.em`) on the pairs agency
  searches actually returned (each case's query against its candidates), in sessions on the pairs a
  training rule selects (`TRAINING_RULES`). Labels in the file are never read.
- **Per agency**: each agency with enough pairs gets its own m (EM on its own pairs, from the overall
  m), written under `agencies` in the model file: police records are noisier than PDS.
- **Term frequencies**: each first name's and surname's share of the records.
- **The prior**: λ, the share of returned candidates that are the person, by EM over all pairs.
- Levels the data never shows get stated assumptions (`ASSUMED`), or no weight at all (m = u), and are
  listed in the file.

The same pairs and seed give the same parameters; the file records the source, the sessions and their
convergence.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.linkage.comparisons import IDENTIFIER_LABELS, Comparison, comparisons_for
from hub.linkage.em import FieldLevels, Pattern, SessionResult, match_share, run_session
from hub.linkage.interchange import MalformedCase, parse_case
from hub.linkage.model import MODEL_FORMAT
from hub.linkage.records import LinkageRecord, UnusableRecord, from_interchange_person

METHOD = (
    "unsupervised: u from random pairs, m by expectation maximisation on the returned pairs (labels never read), "
    "per-agency m where an agency has enough pairs; see docs/linkage.md"
)
TERM_FREQUENCY_FLOOR = 1e-4
"""Names rarer than one record in ten thousand count as one in ten thousand (no runaway weights)."""
SIGNIFICANT_DIGITS = 6
DEFAULT_RANDOM_PAIRS = 300_000
MIN_AGENCY_PAIRS = 400
"""An agency needs this many returned pairs for its own m; below it, the overall m serves."""
M_FLOOR = 0.001
"""No level is rarer than this for the same person: a near-zero m would make one slip decisive."""
U_FLOOR = 1e-6


@dataclass(frozen=True)
class TrainingRule:
    """Pairs whose named fields agree at one of the given levels; those fields are held out of the session."""

    name: str
    levels: Mapping[str, frozenset[str]]

    def selects(self, pattern: Pattern, order: Sequence[str]) -> bool:
        return all(pattern[order.index(name)] in allowed for name, allowed in self.levels.items())


TRAINING_RULES = (
    TrainingRule("same birth date", {"birth_date": frozenset({"exact"})}),
    TrainingRule(
        "same first name and surname",
        {
            "given_name": frozenset({"exact", "middle_left_out", "first_matches"}),
            "family_name": frozenset({"exact"}),
        },
    ),
)

ASSUMED: dict[str, dict[str, dict[str, float]]] = {
    "given_name": {"initial": {"m": 0.98, "u": 0.07}},
    "birth_date": {"partial_agrees": {"m": 0.95, "u": 0.0125}},
    "address": {"previous_address": {"m": 0.9, "u": 0.0005}},
    **{
        name: {"match": {"m": 0.97, "u": 1e-6}, "conflict": {"m": 0.03, "u": 0.999999}}
        for name in ("nhs_number", "upn", "police_nominal_id", "housing_reference")
    },
}
"""Parameters for levels a source may never show, conditional on the level being possible at all: an
initial agrees for 98% of true pairs and one in fourteen others; a partial birth date for 95% and one
in eighty others (a birth year in 80); identifiers behave as the NHS number does."""


class EstimationError(ValueError):
    """The source cannot give a model (too few usable pairs); the message says what to do."""


@dataclass(frozen=True)
class SourcePair:
    query: LinkageRecord
    candidate: LinkageRecord
    agency: str | None


@dataclass
class TrainingPairs:
    """Unlabelled pairs grouped by case, and notes on what could not be used."""

    cases: list[list[SourcePair]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> int:
        return sum(len(case) for case in self.cases)

    def possible_pairs(self) -> int:
        """Every query against every distinct agency record: the pairs the prior is a chance among."""
        queries = sum(1 for case in self.cases if case)
        candidates = len({(pair.agency, pair.candidate.record_id) for case in self.cases for pair in case})
        return max(queries * candidates, 1)

    def records(self) -> Iterable[LinkageRecord]:
        """Each query, and each candidate once (one agency record can be returned in several cases)."""
        seen: set[tuple[str | None, str]] = set()
        for case in self.cases:
            if case:
                yield case[0].query
            for pair in case:
                key = (pair.agency, pair.candidate.record_id)
                if key not in seen:
                    seen.add(key)
                    yield pair.candidate

    def identifier_schemes(self) -> list[str]:
        """Identifier schemes beyond the hub's own that the records carry: each gets its own comparison."""
        found = {scheme for record in self.records() for scheme in record.identifiers}
        return sorted(found - set(IDENTIFIER_LABELS))


def pairs_from_cases(lines: Iterable[str], name: str) -> TrainingPairs:
    """Interchange cases as unlabelled pairs; labels are ignored, bad lines and records noted."""
    digest = hashlib.sha256()
    training = TrainingPairs()
    count = 0
    for number, line in enumerate(lines, start=1):
        digest.update(line.encode("utf-8"))
        if not line.strip():
            continue
        try:
            case = parse_case(line)
        except MalformedCase as problem:
            training.notes.append(f"line {number}: malformed, skipped: {problem}")
            continue
        count += 1
        training.notes += [f"line {number} (case {case.case_id}), {note}" for note in case.set_aside]
        try:
            query = from_interchange_person(case.query, "query")
        except UnusableRecord as refusal:
            training.notes.append(f"line {number} (case {case.case_id}): the query is unusable ({refusal})")
            continue
        pairs = []
        for candidate in case.candidates:
            try:
                record = from_interchange_person(candidate, candidate.record_id)
            except UnusableRecord as refusal:
                training.notes.append(
                    f"line {number} (case {case.case_id}, candidate {candidate.record_id}): {refusal}"
                )
                continue
            pairs.append(SourcePair(query, record, candidate.agency))
        training.cases.append(pairs)
    training.source = {"kind": "interchange cases", "file": name, "sha256": digest.hexdigest(), "cases": count}
    return training


def _rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _field_levels(comparisons: Sequence[Comparison]) -> list[FieldLevels]:
    return [
        FieldLevels(comparison.field, tuple(level.key for level in comparison.levels if not level.neutral))
        for comparison in comparisons
    ]


def _pattern(comparisons: Sequence[Comparison], pair: SourcePair) -> Pattern:
    return tuple(comparison.compare(pair.query, pair.candidate)[0].key for comparison in comparisons)


def _level_shares(patterns: Counter[Pattern], fields: Sequence[FieldLevels]) -> dict[str, dict[str, float]]:
    """Add-one smoothed share of each informative level among pairs where the field is informative."""
    shares = {}
    for index, spec in enumerate(fields):
        counts: Counter[str] = Counter()
        for pattern, count in patterns.items():
            counts[pattern[index]] += count
        total = sum(counts[level] for level in spec.levels) + len(spec.levels)
        shares[spec.field] = {level: max((counts[level] + 1) / total, U_FLOOR) for level in spec.levels}
    return shares


def _observed(cases: Sequence[Sequence[Pattern]], fields: Sequence[FieldLevels]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {spec.field: set() for spec in fields}
    for case in cases:
        for pattern in case:
            for index, spec in enumerate(fields):
                seen[spec.field].add(pattern[index])
    return seen


def random_patterns(
    training: TrainingPairs, comparisons: Sequence[Comparison], pairs: int, seed: int
) -> Counter[Pattern]:
    """Level patterns of `pairs` random pairs: one case's query against another case's candidate."""
    rng = random.Random(f"{seed}:linkage-u")
    usable = [case for case in training.cases if case]
    if len(usable) < 2:
        raise EstimationError("at least two cases with usable records are needed to estimate u")
    queries = [case[0].query for case in usable]
    candidates = [(index, pair) for index, case in enumerate(usable) for pair in case]
    patterns: Counter[Pattern] = Counter()
    made = 0
    while made < pairs:
        query_index = rng.randrange(len(queries))
        case_index, candidate = candidates[rng.randrange(len(candidates))]
        if case_index == query_index:
            continue
        made += 1
        patterns[_pattern(comparisons, SourcePair(queries[query_index], candidate.candidate, None))] += 1
    return patterns


def _start_m(fields: Sequence[FieldLevels]) -> dict[str, dict[str, float]]:
    """Where EM starts: the first level likely, disagreement unlikely, the rest in between (as Splink does)."""
    start = {}
    for spec in fields:
        levels = spec.levels
        weights = {
            level: (0.02 if level in {"differs", "conflict"} else 0.5**rank) for rank, level in enumerate(levels)
        }
        total = sum(weights.values())
        start[spec.field] = {level: weight / total for level, weight in weights.items()}
    return start


@dataclass
class Estimate:
    """m per field (mean of the sessions that estimated it) and the sessions themselves."""

    m: dict[str, dict[str, float]]
    sessions: list[SessionResult]


def _estimate_m(
    cases: Sequence[Sequence[Pattern]],
    fields: Sequence[FieldLevels],
    u: Mapping[str, Mapping[str, float]],
    start: Mapping[str, Mapping[str, float]],
) -> Estimate:
    order = [spec.field for spec in fields]
    sessions = []
    sums: dict[str, Counter[str]] = {spec.field: Counter() for spec in fields}
    runs: Counter[str] = Counter()
    for rule in TRAINING_RULES:
        selected = [[pattern for pattern in case if rule.selects(pattern, order)] for case in cases]
        free = [name for name in order if name not in rule.levels]
        session = run_session(rule.name, selected, fields, free, u, start)
        sessions.append(session)
        if not session.pairs:
            continue
        for name in free:
            runs[name] += 1
            sums[name].update(session.m[name])
    m = {
        spec.field: (
            {level: sums[spec.field][level] / runs[spec.field] for level in spec.levels}
            if runs[spec.field]
            else dict(start[spec.field])
        )
        for spec in fields
    }
    return Estimate(m, sessions)


def _parameters(
    fields: Sequence[FieldLevels],
    m: Mapping[str, Mapping[str, float]],
    u: Mapping[str, Mapping[str, float]],
    observed: Mapping[str, set[str]],
    assumed: list[str],
    unseen: list[str],
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """The model file's `comparisons`: estimated m and u, assumptions for levels never seen."""
    document = {}
    for spec in fields:
        levels: dict[str, dict[str, float]] = {}
        for level in spec.levels:
            if level not in observed[spec.field]:
                if level in ASSUMED.get(spec.field, {}):
                    levels[level] = dict(ASSUMED[spec.field][level])
                    assumed.append(f"{spec.field}.{level}")
                else:
                    levels[level] = {"m": _rounded(u[spec.field][level]), "u": _rounded(u[spec.field][level])}
                    unseen.append(f"{spec.field}.{level}")
                continue
            levels[level] = {"m": _rounded(max(m[spec.field][level], M_FLOOR)), "u": _rounded(u[spec.field][level])}
        document[spec.field] = {"levels": levels}
    return document


def _term_frequencies(training: TrainingPairs) -> dict[str, dict[str, Any]]:
    """Each first name's and surname's share of the records (those above the floor)."""
    first: Counter[str] = Counter()
    family: Counter[str] = Counter()
    records = 0
    for record in training.records():
        records += 1
        if record.given:
            first[record.given[0].text] += 1
        if record.family is not None:
            family[record.family.text] += 1

    def shares(counts: Counter[str]) -> dict[str, Any]:
        values = {
            name: _rounded(count / records)
            for name, count in sorted(counts.items())
            if count / records > TERM_FREQUENCY_FLOOR
        }
        return {"floor": TERM_FREQUENCY_FLOOR, "values": values}

    return {"given_name": shares(first), "family_name": shares(family)}


def _agency_parameters(
    returned: Sequence[Sequence[tuple[Pattern, str | None]]],
    fields: Sequence[FieldLevels],
    overall: Mapping[str, dict[str, dict[str, dict[str, float]]]],
    u: Mapping[str, Mapping[str, float]],
) -> dict[str, Any]:
    """Per-agency m for agencies with enough pairs, from the overall m; only levels the agency shows."""
    by_agency: dict[str, list[list[Pattern]]] = {}
    for case in returned:
        for agency in {agency for _, agency in case if agency is not None}:
            by_agency.setdefault(agency, []).append([pattern for pattern, held_by in case if held_by == agency])
    start = {name: {level: values["m"] for level, values in spec["levels"].items()} for name, spec in overall.items()}
    agencies: dict[str, Any] = {}
    for agency, cases in sorted(by_agency.items()):
        total = sum(len(case) for case in cases)
        if total < MIN_AGENCY_PAIRS:
            continue
        estimate = _estimate_m(cases, fields, u, start)
        observed = _observed(cases, fields)
        estimated = {name for session in estimate.sessions if session.pairs for name in session.free_fields}
        levels = {
            spec.field: {
                level: {"m": _rounded(max(estimate.m[spec.field][level], M_FLOOR)), "u": _rounded(u[spec.field][level])}
                for level in spec.levels
                if level in observed[spec.field]
            }
            for spec in fields
            if spec.field in estimated
        }
        agencies[agency] = {
            "comparisons": {name: {"levels": found} for name, found in levels.items() if found},
            "provenance": {"pairs": total, "sessions": [session.provenance() for session in estimate.sessions]},
        }
    return agencies


@dataclass(frozen=True)
class EstimationRequest:
    random_pairs: int = DEFAULT_RANDOM_PAIRS
    seed: int = 1


def estimate_model(training: TrainingPairs, request: EstimationRequest) -> dict[str, Any]:
    """The model document (`config/linkage_model.json` format) from unlabelled pairs."""
    if training.pairs < 50:
        raise EstimationError(
            f"only {training.pairs} usable pairs: at least 50 are needed, and thousands give steady parameters"
        )
    schemes = training.identifier_schemes()
    comparisons = comparisons_for(schemes)
    fields = _field_levels(comparisons)
    with_agencies = [[(_pattern(comparisons, pair), pair.agency) for pair in case] for case in training.cases]
    returned = [[pattern for pattern, _ in case] for case in with_agencies]
    random_ones = random_patterns(training, comparisons, request.random_pairs, request.seed)
    u = _level_shares(random_ones, fields)
    estimate = _estimate_m(returned, fields, u, _start_m(fields))
    observed = _observed(returned, fields)
    assumed: list[str] = []
    unseen: list[str] = []
    parameters = _parameters(fields, estimate.m, u, observed, assumed, unseen)
    final_m = {
        name: {level: values["m"] for level, values in spec["levels"].items()} for name, spec in parameters.items()
    }
    final_u = {
        name: {level: values["u"] for level, values in spec["levels"].items()} for name, spec in parameters.items()
    }
    matches = match_share(returned, fields, final_m, final_u) * training.pairs
    prior = matches / training.possible_pairs()
    return {
        "format": MODEL_FORMAT,
        "provenance": {
            "method": METHOD,
            "estimated_on": date.today().isoformat(),
            "source": training.source,
            "pairs": training.pairs,
            "estimation_seed": request.seed,
            "random_pairs": request.random_pairs,
            "sessions": [session.provenance() for session in estimate.sessions],
            "assumed_levels": assumed,
            "unseen_levels": unseen,
            "term_frequency_floor": TERM_FREQUENCY_FLOOR,
        },
        "prior_match_probability": _rounded(prior),
        **({"identifier_schemes": schemes} if schemes else {}),
        "comparisons": parameters,
        "term_frequencies": _term_frequencies(training),
        "agencies": _agency_parameters(with_agencies, fields, parameters, u),
    }
