"""`hub linkage evaluate FILE [--json]`: the engine's figures on labelled cases of the interchange format.

Every candidate is judged against its case's query. Figures: pairs, linked, review, precision
(share of linked that are truly the person), recall (share of true pairs linked),
recall_with_review (share of true pairs linked or sent to review), f1, false_link_rate (false
links per false-labelled candidate) and seconds (wall time). Malformed lines are reported with
their line number and skipped; unusable records are reported and counted as not linked.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from hub.errors import UserError
from hub.linkage.engine import Linker
from hub.linkage.interchange import Case, MalformedCase, parse_case
from hub.linkage.judgement import Judgement, Outcome
from hub.linkage.records import LinkageRecord, UnusableRecord, from_interchange_person

FIGURES = ("pairs", "linked", "review", "precision", "recall", "recall_with_review", "f1", "false_link_rate", "seconds")
"""The keys of `--json`, exactly."""


@dataclass
class Tally:
    """Counts for one set of pairs (all of them, or one kind of case)."""

    pairs: int = 0
    linked: int = 0
    review: int = 0
    true_pairs: int = 0
    true_linked: int = 0
    true_review: int = 0
    false_linked: int = 0

    def add(self, outcome: Outcome, label: bool) -> None:
        self.pairs += 1
        self.linked += outcome is Outcome.LINKED
        self.review += outcome is Outcome.REVIEW
        if label:
            self.true_pairs += 1
            self.true_linked += outcome is Outcome.LINKED
            self.true_review += outcome is Outcome.REVIEW
        else:
            self.false_linked += outcome is Outcome.LINKED

    @property
    def precision(self) -> float | None:
        return self.true_linked / self.linked if self.linked else None

    @property
    def recall(self) -> float | None:
        return self.true_linked / self.true_pairs if self.true_pairs else None

    @property
    def recall_with_review(self) -> float | None:
        return (self.true_linked + self.true_review) / self.true_pairs if self.true_pairs else None

    @property
    def f1(self) -> float | None:
        precision, recall = self.precision, self.recall
        if precision is None or recall is None:
            return None
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    @property
    def false_link_rate(self) -> float | None:
        false_pairs = self.pairs - self.true_pairs
        return self.false_linked / false_pairs if false_pairs else None

    @property
    def review_share(self) -> float | None:
        return self.review / self.pairs if self.pairs else None


@dataclass
class Evaluation:
    overall: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(line number, what is wrong)."""
    unusable: list[str] = field(default_factory=list)
    """One note per unusable query or candidate: where, and why."""
    set_aside: list[str] = field(default_factory=list)
    """One note per field left out of a record because its value was unusable; the record was still judged."""
    seconds: float = 0.0

    def figures(self) -> dict[str, float | int | None]:
        overall = self.overall
        values: dict[str, float | int | None] = {
            "pairs": overall.pairs,
            "linked": overall.linked,
            "review": overall.review,
            "precision": overall.precision,
            "recall": overall.recall,
            "recall_with_review": overall.recall_with_review,
            "f1": overall.f1,
            "false_link_rate": overall.false_link_rate,
            "seconds": round(self.seconds, 3),
        }
        return {key: values[key] for key in FIGURES}


def _judge_case(linker: Linker, case: Case, number: int, evaluation: Evaluation) -> None:
    kind = evaluation.by_kind[case.kind]
    evaluation.set_aside += [f"line {number} (case {case.case_id}), {note}" for note in case.set_aside]
    try:
        query: LinkageRecord | None = from_interchange_person(case.query, "query")
    except UnusableRecord as refusal:
        query = None
        count = len(case.candidates)
        evaluation.unusable.append(
            f"line {number} (case {case.case_id}): the query is unusable ({refusal}); "
            f"its {count} candidate{'s are' if count != 1 else ' is'} counted as not linked"
        )
    judged: dict[str, Judgement] = {}
    records: dict[str, LinkageRecord] = {}
    agencies = {candidate.agency for candidate in case.candidates}
    agency = agencies.pop() if len(agencies) == 1 else None
    for candidate in case.candidates:
        if query is None:
            continue
        try:
            record = records[candidate.record_id] = from_interchange_person(candidate, candidate.record_id)
            judged[candidate.record_id] = linker.judge(query, record, candidate.agency)
        except UnusableRecord as refusal:
            evaluation.unusable.append(
                f"line {number} (case {case.case_id}, candidate {candidate.record_id}): refused ({refusal}); "
                "counted as not linked"
            )
    answered = linker.one_answer(list(judged.values()), records, agency)
    answer = {judgement.record_id: judgement.outcome for judgement in answered}
    for candidate in case.candidates:
        outcome = answer.get(candidate.record_id, Outcome.NOT_LINKED)
        evaluation.overall.add(outcome, candidate.label)
        kind.add(outcome, candidate.label)


def evaluate_lines(lines: Iterable[str], linker: Linker) -> Evaluation:
    """Judge every case; malformed lines are noted with their number and skipped."""
    started = time.perf_counter()
    evaluation = Evaluation()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = parse_case(line)
        except MalformedCase as problem:
            evaluation.malformed.append((number, str(problem)))
            continue
        _judge_case(linker, case, number, evaluation)
    evaluation.seconds = time.perf_counter() - started
    return evaluation


def evaluate_file(path: Path, linker: Linker) -> Evaluation:
    """Evaluate a JSON-lines file; a missing or unreadable file is a one-line `UserError`."""
    try:
        with path.open(encoding="utf-8") as file:
            return evaluate_lines(file, linker)
    except FileNotFoundError:
        raise UserError(f"Cannot read {path}: no such file. Write cases with `hub sandbox linkage-cases`.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not readable UTF-8 text"
        raise UserError(f"Cannot read {path}: {reason}.") from None


# --- Printing --------------------------------------------------------------------------------------


def _share(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _figure(key: str, value: float | int | None) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.2f}" if key == "seconds" and value is not None else _share(value)


def figures_table(evaluation: Evaluation) -> Table:
    overall = evaluation.overall
    table = Table(title="Linkage evaluation", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in evaluation.figures().items():
        table.add_row(key.replace("_", " "), _figure(key, value))
    table.add_row("review share", _share(overall.review_share))
    table.add_row("false links", f"{overall.false_linked:,}")
    return table


def kinds_table(evaluation: Evaluation) -> Table:
    """One row per kind of case; narrow enough for an 80-column terminal."""
    table = Table(
        title="By kind of case (case id before its last '-')",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        caption="+review: recall with review; false: false links",
        caption_justify="left",
    )
    table.add_column("kind", no_wrap=True)
    for heading in ("pairs", "linked", "review", "precision", "recall", "+review", "false"):
        table.add_column(heading, justify="right", no_wrap=True)
    for kind, tally in sorted(evaluation.by_kind.items()):
        table.add_row(
            kind,
            f"{tally.pairs:,}",
            f"{tally.linked:,}",
            f"{tally.review:,}",
            _share(tally.precision, 3),
            _share(tally.recall, 3),
            _share(tally.recall_with_review, 3),
            f"{tally.false_linked:,}",
        )
    return table


def print_evaluation(evaluation: Evaluation, *, as_json: bool, out: Console, err: Console) -> None:
    """Figures on `out` (a table, or one JSON object); malformed lines and refusals on `err`."""
    for number, problem in evaluation.malformed:
        err.print(f"line {number}: malformed, skipped: {problem}", markup=False, soft_wrap=True)
    for note in [*evaluation.set_aside, *evaluation.unusable]:
        err.print(note, markup=False, soft_wrap=True)
    if as_json:
        out.print(json.dumps(evaluation.figures()), markup=False, highlight=False, soft_wrap=True)
        return
    out.print(figures_table(evaluation))
    out.print(kinds_table(evaluation))
    if evaluation.malformed:
        out.print(f"{len(evaluation.malformed)} malformed line(s) skipped (listed on stderr).")
    if evaluation.unusable:
        out.print(f"{len(evaluation.unusable)} unusable record(s) counted as not linked (listed on stderr).")
    if evaluation.set_aside:
        out.print(
            f"{len(evaluation.set_aside)} unusable field(s) left out of their records, which were still judged "
            "(listed on stderr)."
        )
