"""`hub linkage estimate`: reproducible parameters with their provenance, documented level by level."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from hub.linkage.comparisons import default_comparisons
from hub.linkage.estimate import EstimationRequest, estimate_model
from hub.linkage.model import LinkageModel, ModelFile, read_model_file
from sandbox.linkage.pairs import LabelledCity
from sandbox.population.dataset import Dataset
from sandbox.world.default import write_default_population
from tests.hub.cli.test_bad_input import run_hub
from tests.hub.linkage.builders import REPO_ROOT

SMALL = EstimationRequest(people=3000, population_seed=5, seed=2, subjects=600, random_pairs=6000)


@pytest.fixture(scope="module")
def small_population(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("population") / "p"
    return Dataset(write_default_population(folder, SMALL.population_seed, SMALL.people))


def weight(document: dict[str, Any], field: str, level: str) -> float:
    parameters = document["comparisons"][field]["levels"][level]
    return math.log2(parameters["m"] / parameters["u"])


def test_the_same_population_and_seed_give_the_same_parameters(small_population: Dataset) -> None:
    population = LabelledCity(small_population)
    first, second = estimate_model(population, SMALL), estimate_model(population, SMALL)
    assert first["comparisons"] == second["comparisons"]
    assert first["term_frequencies"] == second["term_frequencies"]
    provenance = first["provenance"]
    assert provenance["population"]["people"] == SMALL.people and provenance["population"]["seed"] == 5
    assert provenance["matched_pairs"] >= SMALL.subjects and provenance["random_pairs"] == SMALL.random_pairs
    assert first["prior_match_probability"] == pytest.approx(1 / SMALL.people)


def test_estimated_weights_point_the_right_way(small_population: Dataset) -> None:
    document = estimate_model(LabelledCity(small_population), SMALL)
    LinkageModel(ModelFile.model_validate(document), default_comparisons())  # every level has parameters
    for field, agree, disagree in [
        ("given_name", "exact", "differs"),
        ("family_name", "exact", "differs"),
        ("birth_date", "exact", "differs"),
        ("sex", "match", "differs"),
        ("nhs_number", "match", "conflict"),
    ]:
        assert weight(document, field, agree) > 0 > weight(document, field, disagree), field
    frequencies = document["term_frequencies"]["family_name"]
    assert all(share > frequencies["floor"] for share in frequencies["values"].values())


def test_the_committed_model_records_its_provenance() -> None:
    model = read_model_file(REPO_ROOT / "config" / "linkage_model.json")
    provenance = model.provenance
    for key in ("method", "estimated_on", "population", "estimation_seed", "matched_pairs", "random_pairs"):
        assert key in provenance
    assert provenance["population"]["people"] >= 10_000


def test_every_level_is_documented_for_practitioners_and_engineers() -> None:
    docs = (REPO_ROOT / "docs" / "linkage.md").read_text(encoding="utf-8")
    for comparison in default_comparisons():
        assert f"`{comparison.field}`" in docs, comparison.field
        for level in comparison.levels:
            assert f"`{level.key}`" in docs, (comparison.field, level.key)
            assert level.words in docs, level.words


def test_the_command_writes_a_model_file(tmp_path: Path, small_population: Dataset) -> None:
    out = tmp_path / "model.json"
    arguments = ["--data", str(small_population.directory), "--out", str(out), "--subjects", "200"]
    result = run_hub("linkage", "estimate", *arguments, "--random-pairs", "2000", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout
    assert json.loads(out.read_text())["provenance"]["random_pairs"] == 2000


def test_the_command_refuses_a_missing_output_folder(tmp_path: Path) -> None:
    result = run_hub("linkage", "estimate", "--out", str(tmp_path / "nowhere" / "m.json"), home=tmp_path / "home")
    assert result.returncode == 1 and "does not exist" in result.stderr and "Traceback" not in result.stderr
