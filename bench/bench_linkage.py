"""Linkage figures: the hub's engine beside Splink on the same labelled pairs, and linking a 6-person referral.

    uv run --locked --group bench python bench/bench_linkage.py            # 3,000 cases; 1,000,000 indexed
    uv run --locked --group bench python bench/bench_linkage.py --quick    # small sizes, a smoke run
    uv run --locked python bench/bench_linkage.py --skip-splink            # no bench group needed

1. Accuracy and time: cases from `hub sandbox linkage-cases` (3,000 of a 20,000-person population,
   seeded, cached in `--data-dir`) are judged by the hub's engine (the figures `hub linkage
   evaluate` gives, from the same code) and by a Splink model (DuckDB) on exactly the same
   query-candidate pairs, with the hub's thresholds: linked at p >= 0.999, review from 0.2.
   Splink's model: first name and surname (exact with term frequencies / another name the person
   goes by / Jaro-Winkler), birth date (exact / day and month transposed / one character off),
   sex, postcode (with the address line, then sector, district, area) and NHS number; the prior
   from deterministic rules, u from random sampling, and m two ways: by expectation maximisation
   on the cases' own records (no labels), and from the labelled matches of other cases drawn from
   another population. It has no nickname or spelling-variant tables and none of the hub's
   conservative rules (twins, a generation apart, one clear best per agency answer).
2. Linking a new referral of 6 people (household members of the cached 1,000,000-person
   population, garbled as `bench_prior_involvement.py` does) the way the pipeline does: one
   `prior_involvement` lookup per person in the person index, the linker judging every earlier
   subject found (`hub.chronology.assembly.prior_referrals`), and `link_candidates` on 4 agencies' answers
   of 3 candidates each per person. p50/p95 over 200 referrals, with the lookup/judging breakdown.

The population and index are built once (see `bench_prior_involvement.py`). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_prior_involvement import (
    RECEIVED,
    as_person,
    garbled,
    households,
    indexed_store,
    lookup,
    percentile,
    population,
)
from rich.console import Console

from hub.chronology.assembly import prior_referrals
from hub.errors import UserError
from hub.linkage import Linker, Outcome, load_linker, normalise
from hub.linkage.evaluation import FIGURES, Evaluation, evaluate_file, kinds_table
from hub.linkage.interchange import Case, parse_case
from hub.linkage.records import InterchangePerson, UnusableRecord, from_interchange_person
from hub.runtime.sandboxes import generate_linkage_cases
from hub.settings import HubSettings
from hub.store import HubStore
from sandbox.model.truth import TruePerson
from sandbox.world.default import write_default_population
from schemas import AgencyPerson, Person, Referral, Subject, SubjectRole
from schemas.identifiers import is_valid_nhs_number

if TYPE_CHECKING:
    from splink import DuckDBAPI, SettingsCreator
    from splink import Linker as SplinkLinker

CASE_PEOPLE, QUICK_CASE_PEOPLE = 20_000, 4_000
CASES, QUICK_CASES = 3_000, 300
EVALUATION_SEEDS = (1, 3)
"""(population, cases): seeds the hub's model never saw (estimated on 101, thresholds chosen on 11 and 2027)."""
TRAINING_SEEDS = (2, 4)
"""Another population's cases, for Splink's m from labels only."""
PRIOR_RULES_RECALL = 0.7
"""Splink's prior: the share of true matches its deterministic rules (same NHS number; same names and
birth date) are taken to find."""
EM_BLOCKING = (("nhs_number",), ("first_name", "surname"))
U_SAMPLE_PAIRS, QUICK_U_SAMPLE_PAIRS = 5e6, 2e5
AGENCIES = ("health", "police", "education", "housing")
CANDIDATES_PER_AGENCY = 3
AGENCY_HOLDS_PERSON = 0.75
"""How often an agency's answer includes the person themself (the rest are look-alikes)."""
REFERRAL_PEOPLE = 6
REFERRAL_SAMPLES, QUICK_REFERRAL_SAMPLES = 200, 20
NEW_REFERRAL = "REF-NEW"


# --- Cases -------------------------------------------------------------------------------------------


def seeded_population(people: int, seed: int, data_dir: Path) -> Path:
    """A population folder, generated once (named as `bench_prior_involvement.py` names its own)."""
    directory = data_dir / f"population-{people}-seed-{seed}"
    if not (directory / "manifest.json").exists():
        print(f"generating {people:,} people into {directory} (once) ...", flush=True)
        write_default_population(directory, seed=seed, people=people)
    return directory


def cases_file(people: int, count: int, seeds: tuple[int, int], data_dir: Path) -> Path:
    """Labelled cases, written once by `hub sandbox linkage-cases`' own code and reused."""
    population_seed, seed = seeds
    path = data_dir / f"linkage-cases-{count}-seed-{seed}-of-{people}-seed-{population_seed}.jsonl"
    if not path.exists():
        generate_linkage_cases(
            HubSettings.from_env(),
            cases=count,
            seed=seed,
            out=path,
            data=seeded_population(people, population_seed, data_dir),
            stdout=sys.stdout.buffer,
            console=Console(stderr=True, highlight=False),
        )
    return path


def read_cases(path: Path) -> list[Case]:
    with path.open(encoding="utf-8") as file:
        return [parse_case(line) for line in file if line.strip()]


# --- The hub's engine --------------------------------------------------------------------------------


def judging_seconds(cases: Sequence[Case], linker: Linker) -> tuple[float, int]:
    """Seconds spent judging alone (records built beforehand, as the pipeline builds them once) and the pairs."""
    built = []
    for case in cases:
        try:
            query = from_interchange_person(case.query, "query")
            candidates = [from_interchange_person(c, c.record_id) for c in case.candidates]
        except UnusableRecord:
            continue
        built.append((query, candidates))
    started = time.perf_counter()
    for query, candidates in built:
        linker.one_answer([linker.judge(query, candidate) for candidate in candidates])
    return time.perf_counter() - started, sum(len(candidates) for _, candidates in built)


# --- Splink ------------------------------------------------------------------------------------------


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
    }


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


def _name_comparison(column: str) -> Any:
    """Exact (term-frequency adjusted), another name the person goes by, then Jaro-Winkler."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.CustomLevel(
                f"list_contains(other_names_r, {column}_l) OR list_contains(other_names_l, {column}_r)",
                label_for_charts=f"{column} is another name of the other",
            ),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.88),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ],
    )


def _birth_date_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    transposed = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(transposed, label_for_charts="day and month transposed"),
            cll.LevenshteinLevel("dob", 1),
            cll.ElseLevel(),
        ],
    )


def _address_comparison() -> Any:
    """Splink's postcode levels, with the address line agreeing as a stronger first level."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    postcode = cl.PostcodeComparison("postcode").create_comparison_levels()
    same_address = cll.CustomLevel(
        "postcode_l = postcode_r AND address_line_l = address_line_r", label_for_charts="same address"
    )
    return cl.CustomComparison(
        output_column_name="postcode", comparison_levels=[postcode[0], same_address, *postcode[1:]]
    )


def splink_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            _name_comparison("first_name"),
            _name_comparison("surname"),
            _birth_date_comparison(),
            cl.ExactMatch("sex"),
            _address_comparison(),
            cl.ExactMatch("nhs_number"),
        ],
        blocking_rules_to_generate_predictions=[block_on("case_id")],
        retain_intermediate_calculation_columns=False,
    )


def candidate_of(prediction: dict[str, Any]) -> str:
    """The candidate's id in a scored pair (Splink puts the two tables on either side)."""
    side = "r" if prediction["source_dataset_r"] == "candidates" else "l"
    return str(prediction[f"unique_id_{side}"])


def true_pairs(cases: Sequence[Case]) -> list[dict[str, str]]:
    """The labelled matches as Splink's pairwise labels."""
    return [
        {
            "source_dataset_l": "queries",
            "unique_id_l": case.case_id,
            "source_dataset_r": "candidates",
            "unique_id_r": candidate_id(case, candidate.record_id),
        }
        for case in cases
        for candidate in case.candidates
        if candidate.label
    ]


def splink_linker(cases: Sequence[Case], settings: SettingsCreator | dict[str, Any]) -> tuple[SplinkLinker, DuckDBAPI]:
    """A link-only Splink model of the cases' queries against their candidates, in a fresh DuckDB."""
    from splink import DuckDBAPI, Linker

    queries, candidates = splink_tables(cases)
    db_api = DuckDBAPI()
    tables = [db_api.register(queries, table_name="queries"), db_api.register(candidates, table_name="candidates")]
    return Linker(tables, settings, log_level=logging.ERROR), db_api


def estimate_prior_and_u(model: SplinkLinker, u_pairs: float) -> None:
    """Unsupervised, on the data to be linked: the prior from deterministic rules, u from random pairs."""
    from splink import block_on

    model.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("first_name", "surname", "dob")], recall=PRIOR_RULES_RECALL
    )
    model.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)


def em_model(cases: Sequence[Case], u_pairs: float) -> SplinkLinker:
    """m by expectation maximisation, blocked on the NHS number, then on first name and surname."""
    from splink import block_on

    model, _ = splink_linker(cases, splink_settings())
    estimate_prior_and_u(model, u_pairs)
    for rule in EM_BLOCKING:
        model.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
    return model


def labelled_model(cases: Sequence[Case], training_cases: Sequence[Case], u_pairs: float) -> SplinkLinker:
    """m from the labelled matches of other cases (another population), as the hub's m was estimated."""
    trainer, db_api = splink_linker(training_cases, splink_settings())
    training: Any = trainer.training  # Splink leaves this method untyped
    training.estimate_m_from_pairwise_labels(db_api.register(true_pairs(training_cases), table_name="labels"))
    model, _ = splink_linker(cases, trainer.misc.save_model_to_json())
    estimate_prior_and_u(model, u_pairs)
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


# --- Printing ----------------------------------------------------------------------------------------


def _cell(key: str, value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.2f}" if key == "seconds" else f"{value:.4f}"


def print_side_by_side(columns: dict[str, Evaluation]) -> None:
    width = max(len(name) for name in columns) + 2
    print(f"{'figure':<20}" + "".join(f"{name:>{width}}" for name in columns))
    for key in (*FIGURES, "review_share", "false_links"):
        values = [_extra(key, evaluation) for evaluation in columns.values()]
        print(f"{key:<20}" + "".join(f"{_cell(key, value):>{width}}" for value in values))


def _extra(key: str, evaluation: Evaluation) -> float | int | None:
    if key == "review_share":
        return evaluation.overall.review_share
    if key == "false_links":
        return evaluation.overall.false_linked
    return evaluation.figures()[key]


@dataclass(frozen=True)
class AccuracyRun:
    cases: Path
    training_cases: Path | None
    """Cases for Splink's m from labels; None: Splink is skipped."""
    u_pairs: float


def print_hub_speed(hub: Evaluation, cases: Sequence[Case], linker: Linker) -> None:
    judging, pairs = judging_seconds(cases, linker)
    print(
        f"hub: {hub.seconds / hub.overall.pairs * 1e6:.0f} µs per pair end to end (reading the file, building "
        f"records, judging); judging alone {judging / pairs * 1e6:.1f} µs per pair"
    )


def print_splink_training(name: str, run: SplinkRun, how: str) -> None:
    print(
        f"{name}: trained in {run.training_seconds:.1f} s ({how}; prior {run.prior:.3g}); "
        f"scoring {run.evaluation.seconds / run.evaluation.overall.pairs * 1e6:.0f} µs per pair"
    )


def splink_columns(cases: Sequence[Case], training_path: Path, u_pairs: float, linker: Linker) -> dict[str, Evaluation]:
    """Splink trained both ways, each scoring the same pairs."""
    training_cases = read_cases(training_path)
    em = run_splink(lambda: em_model(cases, u_pairs), cases, linker)
    blocks = " then ".join("+".join(rule) for rule in EM_BLOCKING)
    print_splink_training("splink-em", em, f"u from {u_pairs:,.0f} random pairs, m by EM blocked on {blocks}")
    labelled = run_splink(lambda: labelled_model(cases, training_cases, u_pairs), cases, linker)
    how = f"u from {u_pairs:,.0f} random pairs, m from the matches of {training_path.name}"
    print_splink_training("splink-labels", labelled, how)
    return {"splink-em": em.evaluation, "splink-labels": labelled.evaluation}


def bench_accuracy(run: AccuracyRun, linker: Linker) -> None:
    cases = read_cases(run.cases)
    print(f"\n== Accuracy and time: {len(cases):,} cases ({run.cases.name})")
    hub = evaluate_file(run.cases, linker)
    print_hub_speed(hub, cases, linker)
    columns = {"hub": hub}
    if run.training_cases is not None:
        columns |= splink_columns(cases, run.training_cases, run.u_pairs, linker)
    print()
    print_side_by_side(columns)
    console = Console(width=100)
    for name, evaluation in columns.items():
        table = kinds_table(evaluation)
        table.title = f"{name}: by kind of case"
        console.print(table)


# --- A new referral's linking step at scale ----------------------------------------------------------


def agency_answer(
    person: TruePerson, lookalikes: Sequence[TruePerson], agency: str, rng: random.Random
) -> list[AgencyPerson]:
    """What one agency's search might return: the person (usually) and look-alikes, 3 records in all."""
    chosen = [person] if rng.random() < AGENCY_HOLDS_PERSON else []
    others = [other for other in lookalikes if other.person_id != person.person_id]
    chosen += rng.sample(others, min(len(others), CANDIDATES_PER_AGENCY - len(chosen)))
    return [
        AgencyPerson(agency_person_id=f"{agency}:{index}", person=garbled(as_person(who), rng))
        for index, who in enumerate(chosen)
    ]


def new_referral(people: Sequence[Person]) -> Referral:
    roles = [SubjectRole.SUBJECT_CHILD] + [SubjectRole.OTHER_ADULT] * (len(people) - 1)
    subjects = [
        Subject(subject_id=f"S{index}", role=role, person=person)
        for index, (role, person) in enumerate(zip(roles, people, strict=True), start=1)
    ]
    return Referral.model_validate(
        {
            "referral_id": NEW_REFERRAL,
            "received_at": RECEIVED + timedelta(days=30),
            "referrer": {"kind": "police", "organisation": "Northbridge Police"},
            "concern_categories": ["neglect"],
            "rag": "amber",
            "narrative": "New referral (synthetic, for the benchmark).",
            "subjects": [subject.model_dump() for subject in subjects],
        }
    )


@dataclass
class ReferralTiming:
    lookup_ms: float
    judging_ms: float
    earlier_found: int
    pairs: int

    @property
    def total_ms(self) -> float:
        return self.lookup_ms + self.judging_ms


def link_referral(
    store: HubStore, linker: Linker, members: list[TruePerson], pool: Sequence[TruePerson], rng: random.Random
) -> ReferralTiming:
    """Time one referral's linking step: the lookups, then judging what they found and the agencies' answers."""
    chosen = rng.choices(members, k=REFERRAL_PEOPLE)
    referral = new_referral([garbled(as_person(member), rng) for member in chosen])
    lookalikes = [*members, *rng.sample(pool, 2)]
    answers = [[agency_answer(member, lookalikes, agency, rng) for agency in AGENCIES] for member in chosen]
    started = time.perf_counter()
    earlier = {subject.subject_id: lookup(store, subject.person) for subject in referral.subjects}
    looked_up = time.perf_counter()
    prior_referrals(referral, earlier, linker=linker)
    for subject, subject_answers in zip(referral.subjects, answers, strict=True):
        for answer in subject_answers:
            linker.link_candidates(subject.person, answer)
    judged = time.perf_counter()
    found = sum(len(hits) for hits in earlier.values())
    agency_pairs = sum(len(answer) for subject_answers in answers for answer in subject_answers)
    return ReferralTiming((looked_up - started) * 1e3, (judged - looked_up) * 1e3, found, found + agency_pairs)


def _spread(label: str, values: Sequence[float]) -> str:
    return f"{label} p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"


def bench_referrals(people: int, data_dir: Path, linker: Linker, samples: int) -> None:
    print(f"\n== Linking a {REFERRAL_PEOPLE}-person referral against {people:,} indexed people ({samples} referrals)")
    dataset = population(people, data_dir)
    store = indexed_store(dataset, people, data_dir)
    first_households = (members for members, _ in zip(households(dataset), range(20_000), strict=False))
    households_pool = [members for members in first_households if len(members) >= 2]
    everyone = [member for members in households_pool for member in members]
    rng = random.Random(EVALUATION_SEEDS[1])
    link_referral(store, linker, households_pool[0], everyone, rng)  # warm caches and the connection
    timings = [link_referral(store, linker, rng.choice(households_pool), everyone, rng) for _ in range(samples)]
    print(
        _spread("whole linking step:", [t.total_ms for t in timings])
        + f", max {max(t.total_ms for t in timings):.1f} ms"
    )
    print("  " + _spread("prior-involvement lookups:", [t.lookup_ms for t in timings]))
    print("  " + _spread("judging:", [t.judging_ms for t in timings]))
    print(
        f"  per referral: {statistics.mean(t.earlier_found for t in timings):.1f} earlier subjects found, "
        f"{statistics.mean(t.pairs for t in timings):.1f} pairs judged "
        f"({len(AGENCIES)} agencies x up to {CANDIDATES_PER_AGENCY} candidates per person, plus the earlier subjects)"
    )


# --- Main --------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, help="People in the person index (default 1,000,000; --quick 4,000).")
    parser.add_argument("--cases", type=int, help="Labelled cases (default 3,000; --quick 300).")
    parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run of under a minute.")
    parser.add_argument("--skip-splink", action="store_true", help="Only the hub's engine (no bench group needed).")
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".cache" / "mash-hub" / "bench")
    options = parser.parse_args()
    if not options.skip_splink and importlib.util.find_spec("splink") is None:
        parser.error("Splink is not installed: run with `uv run --locked --group bench ...`, or pass --skip-splink")
    for name in ("people", "cases"):
        if getattr(options, name) is not None and getattr(options, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return options


def main() -> None:
    try:
        run(arguments())
    except UserError as error:
        sys.exit(f"bench_linkage.py: {error}")


def run(options: argparse.Namespace) -> None:
    quick = options.quick
    data_dir: Path = options.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    case_people = QUICK_CASE_PEOPLE if quick else CASE_PEOPLE
    count = options.cases or (QUICK_CASES if quick else CASES)
    accuracy = AccuracyRun(
        cases=cases_file(case_people, count, EVALUATION_SEEDS, data_dir),
        training_cases=None if options.skip_splink else cases_file(case_people, count, TRAINING_SEEDS, data_dir),
        u_pairs=QUICK_U_SAMPLE_PAIRS if quick else U_SAMPLE_PAIRS,
    )
    linker = load_linker()
    bench_accuracy(accuracy, linker)
    people = options.people or (QUICK_CASE_PEOPLE if quick else 1_000_000)
    bench_referrals(people, data_dir, linker, QUICK_REFERRAL_SAMPLES if quick else REFERRAL_SAMPLES)


if __name__ == "__main__":
    main()
