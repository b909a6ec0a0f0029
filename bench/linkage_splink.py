"""Splink beside the hub's engine: the same query-candidate pairs, judged by a Splink model (DuckDB).

The model (`linkage_splink_model.py`) is trained without labels: m by expectation maximisation on the
cases' own records (`em_model`), the prior from deterministic rules and u from random sampling. Its outcomes are
counted with the hub's thresholds, exactly as `hub linkage evaluate` counts the hub's. Splink is
imported only when a model is built, so the bench runs without it (`--skip-splink`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from linkage_splink_model import splink_settings

from hub.linkage import Linker, Outcome, normalise
from hub.linkage.evaluation import Evaluation
from hub.linkage.interchange import Case
from hub.linkage.records import InterchangePerson
from schemas.identifiers import is_valid_nhs_number

if TYPE_CHECKING:
    from splink import DuckDBAPI, SettingsCreator
    from splink import Linker as SplinkLinker

PRIOR_RULES_RECALL = 0.7
"""Splink's prior: the share of true matches its deterministic rules (same NHS number; same names and
birth date) are taken to find."""
EM_BLOCKING = (("dob",), ("first_name", "surname"))
"""Training rules as the hub's own: the same birth date, then the same first name and surname (FEBRL has no
NHS number to block on)."""


def splink_row(person: InterchangePerson, unique_id: str, case_id: str) -> dict[str, Any]:
    """A PERSON as Splink's input row, cleaned as any Splink user would (lower case, letters only)."""
    given = normalise.name_words(person.given_names or "")
    other_names = sorted({word for name in person.other_names for word in normalise.name_words(name)})
    nhs_number = normalise.identifier(person.nhs_number) if person.nhs_number else None
    return {
        "unique_id": unique_id,
        "case_id": case_id,
        "first_name": given[0] if given else None,
        "surname": normalise.squash(person.family_name or "") or None,
        "other_names": other_names,
        "dob": person.birth_date,
        "sex": person.sex if person.sex in ("male", "female") else None,
        "postcode": normalise.postcode(person.postcode) if person.postcode else None,
        "address_line": normalise.address_line(person.address_line or "") or None,
        "nhs_number": nhs_number if nhs_number and is_valid_nhs_number(nhs_number) else None,
        "other_id": other_identifier(person),
    }


def other_identifier(person: InterchangePerson) -> str | None:
    """The PERSON's identifier of another scheme (FEBRL's social security number), if it has one."""
    values = [normalise.identifier(value) for _, value in sorted(person.identifiers.items()) if value.strip()]
    return values[0] if values else None


def carries_other_identifier(cases: Sequence[Case]) -> bool:
    return any(other_identifier(c) for case in cases for c in (case.query, *case.candidates))


def candidate_id(case: Case, record_id: str) -> str:
    """Unique across cases: one agency record can be a candidate in several cases."""
    return f"{case.case_id}/{record_id}"


def splink_tables(cases: Sequence[Case]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The queries and the candidates as two tables for a link-only Splink model."""
    queries = [splink_row(case.query, case.case_id, case.case_id) for case in cases]
    candidates = [
        splink_row(candidate, candidate_id(case, candidate.record_id), case.case_id)
        for case in cases
        for candidate in case.candidates
    ]
    return queries, candidates


def outcome_of(probability: float | None, linker: Linker) -> Outcome:
    """The hub's thresholds applied to Splink's probability (a pair Splink did not score is not linked)."""
    thresholds = linker.settings.thresholds
    if probability is not None and probability >= thresholds.link_probability:
        return Outcome.LINKED
    if probability is not None and probability >= thresholds.review_probability:
        return Outcome.REVIEW
    return Outcome.NOT_LINKED


def tally(cases: Sequence[Case], probabilities: dict[str, float], linker: Linker, seconds: float) -> Evaluation:
    """Splink's outcomes counted exactly as `hub linkage evaluate` counts the hub's."""
    evaluation = Evaluation(seconds=seconds)
    for case in cases:
        for candidate in case.candidates:
            outcome = outcome_of(probabilities.get(candidate_id(case, candidate.record_id)), linker)
            evaluation.overall.add(outcome, candidate.label)
            evaluation.by_kind[case.kind].add(outcome, candidate.label)
    return evaluation


def candidate_of(prediction: dict[str, Any]) -> str:
    """The candidate's id in a scored pair (Splink puts the two tables on either side)."""
    side = "r" if prediction["source_dataset_r"] == "candidates" else "l"
    return str(prediction[f"unique_id_{side}"])


def splink_linker(cases: Sequence[Case], settings: SettingsCreator | dict[str, Any]) -> tuple[SplinkLinker, DuckDBAPI]:
    """A link-only Splink model of the cases' queries against their candidates, in a fresh DuckDB."""
    from splink import DuckDBAPI, Linker

    queries, candidates = splink_tables(cases)
    db_api = DuckDBAPI()
    tables = [db_api.register(queries, table_name="queries"), db_api.register(candidates, table_name="candidates")]
    return Linker(tables, settings, log_level=logging.ERROR), db_api


def estimate_prior_and_u(model: SplinkLinker, u_pairs: float, other_id: bool) -> None:
    """Unsupervised, on the data to be linked: the prior from deterministic rules, u from random pairs."""
    from splink import block_on

    identifiers = [block_on("nhs_number"), *([block_on("other_id")] if other_id else [])]
    model.training.estimate_probability_two_random_records_match(
        [*identifiers, block_on("first_name", "surname", "dob")], recall=PRIOR_RULES_RECALL
    )
    model.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)


def em_model(cases: Sequence[Case], u_pairs: float) -> SplinkLinker:
    """m by expectation maximisation, blocked on the NHS number, then on first name and surname."""
    from splink import block_on

    other_id = carries_other_identifier(cases)
    model, _ = splink_linker(cases, splink_settings(other_id=other_id))
    estimate_prior_and_u(model, u_pairs, other_id)
    for rule in EM_BLOCKING:
        model.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
    return model


@dataclass
class SplinkRun:
    evaluation: Evaluation
    training_seconds: float
    prior: float


def run_splink(train: Callable[[], SplinkLinker], cases: Sequence[Case], linker: Linker) -> SplinkRun:
    """Train, then score exactly the cases' labelled pairs and count them as `hub linkage evaluate` does."""
    started = time.perf_counter()
    model = train()
    trained = time.perf_counter()
    predictions = model.inference.predict().as_record_list()
    probabilities = {candidate_of(row): row["match_probability"] for row in predictions}
    scored = time.perf_counter()
    prior = float(model.misc.save_model_to_json()["probability_two_random_records_match"])
    return SplinkRun(tally(cases, probabilities, linker, scored - trained), trained - started, prior)
