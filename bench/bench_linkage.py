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
asserts nothing. This module runs both parts and prints the accuracy comparison; the cases are
`linkage_cases.py`'s, Splink is `linkage_splink.py` (its model `linkage_splink_model.py`), and the
referral's linking step `linkage_referrals.py`.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linkage_cases import cases_file, read_cases
from linkage_referrals import bench_referrals
from linkage_splink import EM_BLOCKING, SplinkRun, em_model, labelled_model, run_splink
from rich.console import Console

from hub.errors import UserError
from hub.linkage import Linker, load_linker
from hub.linkage.evaluation import FIGURES, Evaluation, evaluate_file, kinds_table
from hub.linkage.interchange import Case
from hub.linkage.records import UnusableRecord, from_interchange_person

CASE_PEOPLE, QUICK_CASE_PEOPLE = 20_000, 4_000
CASES, QUICK_CASES = 3_000, 300
EVALUATION_SEEDS = (1, 3)
"""(population, cases): seeds the hub's model never saw (estimated on 101, thresholds chosen on 11 and 2027)."""
TRAINING_SEEDS = (2, 4)
"""Another population's cases, for Splink's m from labels only."""
U_SAMPLE_PAIRS, QUICK_U_SAMPLE_PAIRS = 5e6, 2e5
REFERRAL_SAMPLES, QUICK_REFERRAL_SAMPLES = 200, 20


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
    samples = QUICK_REFERRAL_SAMPLES if quick else REFERRAL_SAMPLES
    bench_referrals(people, data_dir, linker, samples, seed=EVALUATION_SEEDS[1])


if __name__ == "__main__":
    main()
