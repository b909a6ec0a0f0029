"""`hub linkage evaluate FILE [--json]` on hand-written cases of the fixed interchange format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.linkage.evaluation import FIGURES
from tests.hub_here import run_hub_here

AMARA: dict[str, Any] = {
    "given_names": "Amara Joy",
    "family_name": "Okafor-Reid",
    "other_names": [],
    "birth_date": "2015-03-12",
    "sex": "female",
    "address_line": "14 Larch Close, Northbridge",
    "postcode": "NE6 5QT",
    "nhs_number": None,
}


def candidate(record_id: str, label: bool, **changes: Any) -> dict[str, Any]:
    return {**AMARA, **changes, "record_id": record_id, "label": label}


def case(case_id: str, candidates: list[dict[str, Any]], **query_changes: Any) -> str:
    return json.dumps({"case_id": case_id, "query": {**AMARA, **query_changes}, "candidates": candidates})


def cases_file(tmp_path: Path) -> Path:
    lines = [
        case("twins-000001", [candidate("police:1", True), candidate("police:2", False, given_names="Adaeze")]),
        '{"case_id": "easy-000002", "query": ',
        case("easy-000003", [candidate("health:3", True, birth_date="12/03/2015")]),
        "",
        case("easy-000004", [candidate("health:4", False, given_names=None, family_name=None)]),
        case("same-name-000005", [candidate("housing:5", False, birth_date="1985-03-12")]),
        case("easy-000006", [candidate("health:6", True)], given_names=None, family_name=None),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_figures_and_kinds_with_malformed_lines_and_refusals_reported(tmp_path: Path) -> None:
    result = run_hub_here("linkage", "evaluate", str(cases_file(tmp_path)), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for figure in ("pairs", "precision", "recall with review", "false link rate", "review share"):
        assert figure in out
    assert "twins" in out and "same-name" in out and "easy" in out  # the per-kind breakdown
    errors = result.stderr.splitlines()
    assert "line 2: malformed, skipped: not valid JSON (column 37)" in errors
    # A bad birth date is a missing one: the case and its candidate are still judged, with a note.
    assert "line 3 (case easy-000003), candidate health:3: birth_date is not a date, so it was left out" in errors
    assert not any(line.startswith("line 3: malformed") for line in errors)
    assert any(line.startswith("line 5 (case easy-000004, candidate health:4): refused") for line in errors)
    assert any(line.startswith("line 7 (case easy-000006): the query is unusable") for line in errors)
    assert errors[-1].endswith("its 1 candidate is counted as not linked")
    assert all("Amara" not in line and "2015" not in line for line in errors)


def test_json_has_exactly_the_figures(tmp_path: Path) -> None:
    result = run_hub_here("linkage", "evaluate", str(cases_file(tmp_path)), "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert list(figures) == list(FIGURES)
    # Lines 1, 3, 5, 6 and 7: six pairs; the twin is held at review, and so is line 3's true candidate (its
    # birth date left out as unusable, the rest agreeing); the unusable ones count as not linked.
    assert (figures["pairs"], figures["linked"], figures["review"]) == (6, 1, 2)
    assert figures["precision"] == 1.0
    assert abs(figures["recall"] - 1 / 3) < 1e-9  # the true candidate of the unusable query is not linked
    assert abs(figures["recall_with_review"] - 2 / 3) < 1e-9
    assert figures["false_link_rate"] == 0.0
    assert abs(figures["f1"] - 0.5) < 1e-9
    assert figures["seconds"] >= 0


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run_hub_here("linkage", "evaluate", str(tmp_path / "absent.jsonl"), home=tmp_path / "home")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Cannot read" in result.stderr and "no such file" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one message (rich may wrap it once)
