"""`hub linkage estimate`: parameters from unlabelled cases, reproducible, with their provenance and convergence."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hub.linkage.comparisons import default_comparisons
from hub.linkage.engine import load_linker
from hub.linkage.estimate import EstimationRequest, estimate_model, pairs_from_cases
from hub.linkage.evaluation import evaluate_lines
from hub.linkage.judgement import Outcome
from hub.linkage.model import LinkageModel, ModelFile, read_model_file
from hub.linkage.records import LinkageRecord, build_record
from sandbox.linkage.cases import LinkageCases
from sandbox.population.dataset import Dataset
from sandbox.world.default import write_default_population
from tests.hub.linkage.builders import REPO_ROOT
from tests.hub_here import run_hub_here

REQUEST = EstimationRequest(random_pairs=20_000, seed=2)


@pytest.fixture(scope="module")
def case_lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("population") / "p"
    dataset = Dataset(write_default_population(folder, seed=5, people=4000))
    return [case.line() for case in LinkageCases(dataset).cases(900, seed=4)]


@pytest.fixture(scope="module")
def cases_file(case_lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    path.write_text("\n".join(case_lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(case_lines: list[str]) -> dict[str, Any]:
    return estimate_model(pairs_from_cases(case_lines, "cases.jsonl"), REQUEST)


def weight(document: dict[str, Any], field: str, level: str) -> float:
    parameters = document["comparisons"][field]["levels"][level]
    return math.log2(parameters["m"] / parameters["u"])


def _relabelled(lines: list[str], label: bool) -> list[str]:
    documents = [json.loads(line) for line in lines]
    for document in documents:
        for candidate in document["candidates"]:
            candidate["label"] = label
    return [json.dumps(document) for document in documents]


def test_labels_are_never_read(case_lines: list[str], document: dict[str, Any]) -> None:
    for label in (True, False):
        relabelled = estimate_model(pairs_from_cases(_relabelled(case_lines, label), "cases.jsonl"), REQUEST)
        assert relabelled["comparisons"] == document["comparisons"]
        assert relabelled["prior_match_probability"] == document["prior_match_probability"]


def test_the_same_cases_and_seed_give_the_same_parameters(case_lines: list[str], document: dict[str, Any]) -> None:
    again = estimate_model(pairs_from_cases(case_lines, "cases.jsonl"), REQUEST)
    assert again["comparisons"] == document["comparisons"] and again["agencies"] == document["agencies"]
    assert again["term_frequencies"] == document["term_frequencies"]


def test_estimated_weights_point_the_right_way(document: dict[str, Any]) -> None:
    LinkageModel(ModelFile.model_validate(document), default_comparisons())  # every level has parameters
    for field, agree, disagree in [
        ("given_name", "exact", "differs"),
        ("family_name", "exact", "differs"),
        ("birth_date", "exact", "differs"),
        ("address", "same_address", "differs"),
        ("nhs_number", "match", "conflict"),
    ]:
        assert weight(document, field, agree) > 0 > weight(document, field, disagree), field
    assert weight(document, "given_name", "exact") > weight(document, "given_name", "one_edit") > 0


def test_convergence_and_provenance_are_recorded(document: dict[str, Any]) -> None:
    provenance = document["provenance"]
    assert "labels never read" in provenance["method"]
    assert provenance["source"]["kind"] == "interchange cases" and len(provenance["source"]["sha256"]) == 64
    assert provenance["random_pairs"] == REQUEST.random_pairs and provenance["pairs"] > 900
    sessions = provenance["sessions"]
    assert [session["rule"] for session in sessions] == ["same birth date", "same first name and surname"]
    assert all(session["converged"] and session["pairs"] > 0 for session in sessions)
    assert "birth_date" not in sessions[0]["estimated"] and "given_name" not in sessions[1]["estimated"]
    assert 0 < document["prior_match_probability"] < 0.01


def test_each_agency_with_enough_pairs_gets_its_own_m(document: dict[str, Any]) -> None:
    agencies = document["agencies"]
    assert agencies and set(agencies) <= {"health", "police", "education", "housing"}
    for name, parameters in agencies.items():
        assert parameters["provenance"]["pairs"] >= 400, name
        assert parameters["comparisons"]["given_name"]["levels"]["exact"]["m"] > 0.5, name


def test_a_model_estimated_on_the_cases_links_them_safely(
    case_lines: list[str], document: dict[str, Any], tmp_path: Path
) -> None:
    """The done-when targets, on the hard cases the model was estimated from (labels read only here)."""
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    evaluation = evaluate_lines(case_lines, load_linker(None, path))
    overall = evaluation.overall
    assert overall.precision is not None and overall.precision >= 0.995
    assert overall.recall_with_review is not None and overall.recall_with_review >= 0.98
    assert overall.review_share is not None and overall.review_share <= 0.10


def test_the_committed_model_is_estimated_without_labels() -> None:
    model = read_model_file(REPO_ROOT / "config" / "linkage_model.json")
    provenance = model.provenance
    assert "labels never read" in provenance["method"]
    assert all(session["converged"] for session in provenance["sessions"])
    assert provenance["source"]["kind"].startswith("sandbox cases") and provenance["pairs"] >= 10_000
    assert model.agencies, "the sandbox cases name their agencies, so each gets its own m"


def test_every_level_is_documented_for_practitioners_and_engineers() -> None:
    docs = (REPO_ROOT / "docs" / "linkage.md").read_text(encoding="utf-8")
    for comparison in default_comparisons():
        assert f"`{comparison.field}`" in docs, comparison.field
        for level in comparison.levels:
            assert f"`{level.key}`" in docs, (comparison.field, level.key)
            assert level.words in docs, level.words


def test_the_command_estimates_from_cases_and_evaluate_uses_the_model(cases_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    arguments = ["--from-cases", str(cases_file), "--out", str(out), "--random-pairs", "5000"]
    result = run_hub_here("linkage", "estimate", *arguments, home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Training sessions" in result.stdout and "converged" in result.stdout and "Wrote" in result.stdout
    assert json.loads(out.read_text())["provenance"]["random_pairs"] == 5000
    evaluated = run_hub_here(
        "linkage", "evaluate", str(cases_file), "--model", str(out), "--json", home=tmp_path / "home"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["precision"] >= 0.99


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--from-cases", "{missing}"], "no such file"),
        (["--from-cases", "{folder}"], "it is a folder"),
        (["--from-cases", "{empty}"], "usable pairs"),
        (["--out", "{nowhere}"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, arguments: list[str], words: str) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"case_id": "x", "query": {}, "candidates": []}\n', encoding="utf-8")
    places = {
        "missing": tmp_path / "absent.jsonl",
        "folder": tmp_path,
        "empty": empty,
        "nowhere": tmp_path / "nowhere" / "m.json",
    }
    filled = [argument.format(**places) for argument in arguments]
    out = [] if "--out" in filled else ["--out", str(tmp_path / "model.json")]
    result = run_hub_here("linkage", "estimate", *filled, *out, home=tmp_path / "home")
    assert result.returncode == 1, result.stdout
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "model.json").exists()


def _with_case_system_ids(lines: list[str]) -> list[str]:
    """The cases as a council's data carrying its own person id: the same id on the person's records
    (one in ten mistyped by a slip), another person's id on everyone else's. Test set-up only reads labels."""
    documents = [json.loads(line) for line in lines]
    for number, document in enumerate(documents):
        person_id = f"{700000 + number}"
        document["query"]["identifiers"] = {"case_system_id": person_id}
        for place, candidate in enumerate(document["candidates"]):
            same = person_id if number % 10 else person_id[:-2] + person_id[-1] + person_id[-2]
            candidate["identifiers"] = {"case_system_id": same if candidate["label"] else f"9{number:05d}{place}"}
    return [json.dumps(document) for document in documents]


def test_another_identifier_scheme_is_estimated_and_overrides_the_twins_rule(
    case_lines: list[str], tmp_path: Path
) -> None:
    """A scheme the hub does not know gets its own comparison, and a match of it is an identifier match."""
    model = estimate_model(pairs_from_cases(_with_case_system_ids(case_lines), "ids.jsonl"), REQUEST)
    assert model["identifier_schemes"] == ["case_system_id"]
    assert weight(model, "case_system_id", "match") > 10 and weight(model, "case_system_id", "conflict") < -3
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    linker = load_linker(None, path)

    def twin(given: str, case_id: str | None) -> LinkageRecord:
        return build_record(
            "C",
            given_names=[given],
            family_name="Okafor",
            birth_date=date(2015, 3, 12),
            address_line="14 Larch Close, Northbridge",
            postcode="NE6 5QT",
            identifiers={"case_system_id": case_id},
        )

    query = twin("Amara", "700123")
    unknown = linker.judge(query, twin("Adaeze", None))
    assert unknown.outcome is Outcome.REVIEW and "could be a twin" in " ".join(unknown.review_reasons)
    other = linker.judge(query, twin("Adaeze", "700199"))  # her twin, by id
    assert other.outcome is not Outcome.LINKED and other.match_weight < unknown.match_weight - 5
    same = linker.judge(query, twin("Adaeze", "700123"))  # the same person under another first name
    assert same.outcome is Outcome.LINKED and "case system id matches" in same.summary
