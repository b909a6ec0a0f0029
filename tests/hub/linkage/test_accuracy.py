"""The done-when targets, on generated hard cases from a population the model never saw.

The committed model was estimated without labels on cases of population seed 101; this population
(seed 7) and its cases (seed 3) are used for nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.linkage.engine import Linker
from hub.linkage.evaluation import Evaluation, evaluate_lines
from sandbox.linkage.cases import LinkageCases
from sandbox.population.dataset import Dataset
from sandbox.world.default import write_default_population

PEOPLE, POPULATION_SEED = 20_000, 7
CASES, CASES_SEED = 3_000, 3
KINDS = {"twins", "same-name", "name-change", "transposed-date", "missing-identifier"}


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory, linker: Linker) -> Iterator[Evaluation]:
    directory = write_default_population(tmp_path_factory.mktemp("population") / "p", POPULATION_SEED, PEOPLE)
    lines = (case.line() for case in LinkageCases(Dataset(Path(directory))).cases(CASES, CASES_SEED))
    result = evaluate_lines(lines, linker)
    print_figures(result)
    yield result


def print_figures(result: Evaluation) -> None:
    print(f"\noverall: {result.figures()} review share {result.overall.review_share:.4f}")
    for kind, tally in sorted(result.by_kind.items()):
        print(
            f"  {kind:<20} pairs {tally.pairs:>5} precision {tally.precision} recall {tally.recall:.4f} "
            f"recall_with_review {tally.recall_with_review:.4f} review share {tally.review_share:.4f}"
        )


def test_every_hard_kind_is_measured(evaluation: Evaluation) -> None:
    assert set(evaluation.by_kind) >= KINDS
    assert not evaluation.malformed and not evaluation.unusable
    assert evaluation.overall.pairs > 2 * CASES


def test_auto_links_are_precise(evaluation: Evaluation) -> None:
    assert evaluation.overall.precision is not None and evaluation.overall.precision >= 0.995


def test_true_pairs_are_linked_or_reviewed(evaluation: Evaluation) -> None:
    assert evaluation.overall.recall_with_review is not None and evaluation.overall.recall_with_review >= 0.98


def test_no_more_than_a_tenth_goes_to_review(evaluation: Evaluation) -> None:
    assert evaluation.overall.review_share is not None and evaluation.overall.review_share <= 0.10
