"""Expectation maximisation recovers m from unlabelled cases drawn from a known model."""

from __future__ import annotations

import random

import pytest

from hub.linkage.em import FieldLevels, Pattern, match_share, run_session

FIELDS = (
    FieldLevels("name", ("exact", "close", "differs")),
    FieldLevels("born", ("exact", "near", "differs")),
    FieldLevels("home", ("same", "differs")),
)
TRUE_M = {
    "name": {"exact": 0.85, "close": 0.1, "differs": 0.05},
    "born": {"exact": 0.9, "near": 0.07, "differs": 0.03},
    "home": {"same": 0.7, "differs": 0.3},
}
U = {
    "name": {"exact": 0.02, "close": 0.05, "differs": 0.93},
    "born": {"exact": 0.01, "near": 0.04, "differs": 0.95},
    "home": {"same": 0.05, "differs": 0.95},
}
START = {
    "name": {"exact": 0.5, "close": 0.3, "differs": 0.2},
    "born": {"exact": 0.5, "near": 0.3, "differs": 0.2},
    "home": {"same": 0.5, "differs": 0.5},
}


def _draw(rng: random.Random, probabilities: dict[str, dict[str, float]]) -> Pattern:
    return tuple(
        rng.choices(list(probabilities[spec.field]), weights=list(probabilities[spec.field].values()))[0]
        for spec in FIELDS
    )


def simulated_cases(count: int, seed: int, held_share: float = 0.8) -> list[list[Pattern]]:
    """Each case: the person (if the agency holds them) and three others, in random order."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        case = [_draw(rng, U) for _ in range(3)]
        if rng.random() < held_share:
            case.append(_draw(rng, TRUE_M))
        rng.shuffle(case)
        cases.append(case)
    return cases


def test_em_recovers_m_without_labels() -> None:
    result = run_session("all", simulated_cases(4000, seed=1), FIELDS, [spec.field for spec in FIELDS], U, START)
    assert result.converged and result.iterations < 200
    for field, levels in TRUE_M.items():
        for level, value in levels.items():
            assert result.m[field][level] == pytest.approx(value, abs=0.03), (field, level)
    true_share = 0.8 / 3.8
    assert result.match_share == pytest.approx(true_share, abs=0.02)


def test_fields_held_out_by_a_training_rule_are_neither_used_nor_estimated() -> None:
    result = run_session("same home", simulated_cases(500, seed=2), FIELDS, ["name", "born"], U, START)
    assert set(result.m) == {"name", "born"}
    assert result.provenance()["estimated"] == ["name", "born"]


def test_the_share_of_candidates_that_are_the_person() -> None:
    cases = simulated_cases(3000, seed=3, held_share=0.5)
    assert match_share(cases, FIELDS, TRUE_M, U) == pytest.approx(0.5 / 3.5, abs=0.02)


def test_no_pairs_is_no_session() -> None:
    result = run_session("nothing", [], FIELDS, ["name"], U, START)
    assert result.pairs == 0 and not result.converged and result.m["name"] == START["name"]
