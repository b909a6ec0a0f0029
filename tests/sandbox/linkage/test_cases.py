"""Linkage cases: the fixed format, the same bytes for the same seed, mostly hard, labels from the truth."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sandbox.common.store import search_key
from sandbox.health.keys import transposed
from sandbox.linkage.cases import (
    HARD_SHARES,
    KINDS,
    Case,
    LinkageCaseError,
    LinkageCases,
    TooManyCases,
    check_request,
    linkage_cases,
)
from sandbox.linkage.city import PERSON_TABLES
from sandbox.model.truth import TruePerson
from sandbox.population.dataset import Dataset
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here

PERSON_KEYS = {
    "given_names",
    "family_name",
    "other_names",
    "birth_date",
    "sex",
    "address_line",
    "postcode",
    "nhs_number",
}
CANDIDATE_KEYS = PERSON_KEYS | {"record_id", "label", "agency"}
CASE_ID = re.compile(rf"^({'|'.join(KINDS)})-\d{{6}}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COUNT, SEED = 400, 11


@pytest.fixture(scope="module")
def builder(dataset: Dataset) -> LinkageCases:
    return LinkageCases(dataset)


@pytest.fixture(scope="module")
def cases(builder: LinkageCases) -> list[Case]:
    return list(builder.cases(COUNT, SEED))


def _digest(cases: list[Case]) -> str:
    return hashlib.sha256("".join(f"{case.line()}\n" for case in cases).encode()).hexdigest()


def _assert_person(person: dict[str, Any]) -> None:
    for field in ("given_names", "family_name", "address_line", "postcode"):
        assert person[field] is None or (isinstance(person[field], str) and person[field]), field
    assert isinstance(person["other_names"], list) and all(isinstance(n, str) and n for n in person["other_names"])
    assert person["birth_date"] is None or ISO_DATE.match(person["birth_date"])
    if person["birth_date"]:
        date.fromisoformat(person["birth_date"])
    assert person["sex"] in {"male", "female", "unknown", None}
    assert person["nhs_number"] is None or re.fullmatch(r"\d{10}", person["nhs_number"])
    assert person["given_names"] or person["family_name"], "a candidate needs a name"


def test_every_line_parses_with_exactly_the_format_keys_and_types(cases: list[Case]) -> None:
    lines = [case.line() for case in cases]
    assert len(lines) == COUNT and all("\n" not in line for line in lines)
    ids = []
    for line in lines:
        document = json.loads(line)
        assert list(document) == ["case_id", "query", "candidates"]
        assert CASE_ID.match(document["case_id"]), document["case_id"]
        ids.append(document["case_id"])
        assert set(document["query"]) == PERSON_KEYS
        _assert_person(document["query"])
        assert document["candidates"], document["case_id"]
        for candidate in document["candidates"]:
            assert set(candidate) == CANDIDATE_KEYS
            assert isinstance(candidate["label"], bool) and isinstance(candidate["record_id"], str)
            _assert_person(candidate)
        record_ids = [candidate["record_id"] for candidate in document["candidates"]]
        assert record_ids == sorted(set(record_ids)), "candidates are unique and in record order, not label order"
    assert len(set(ids)) == len(ids)
    assert [int(case_id[-6:]) for case_id in ids] == list(range(1, COUNT + 1))


def test_the_same_population_count_and_seed_give_the_same_bytes(dataset: Dataset, cases: list[Case]) -> None:
    again = list(LinkageCases(dataset).cases(COUNT, SEED))
    assert _digest(again) == _digest(cases)
    assert _digest(list(LinkageCases(dataset).cases(COUNT, SEED + 1))) != _digest(cases)
    assert [case.document() for case in cases[:5]] == list(linkage_cases(dataset, COUNT, SEED))[:5]


def test_the_mix_is_mostly_hard_with_every_hard_kind_and_some_easy_ones(builder: LinkageCases) -> None:
    for count in (COUNT, builder.capacity):
        kinds = Counter(case.kind for case in builder.cases(count, SEED))
        assert sum(kinds[kind] for kind in HARD_SHARES) >= 0.7 * count, kinds
        assert all(kinds[kind] for kind in HARD_SHARES), kinds
        assert 0 < kinds["easy"] <= 0.15 * count, kinds
        assert kinds == builder.plan(count)


def test_cases_come_from_every_agency(cases: list[Case]) -> None:
    agencies = Counter(case.agency for case in cases)
    assert set(agencies) == set(PERSON_TABLES) and min(agencies.values()) >= COUNT // 10, agencies


def test_every_case_has_a_true_candidate_and_hard_ones_a_false_one(cases: list[Case]) -> None:
    for case in cases:
        labels = [candidate["label"] for candidate in case.candidates]
        assert any(labels), case.case_id
        if case.kind != "easy":
            assert not all(labels), case.case_id


def _record_person(dataset: Dataset, agency: str, record_id: str) -> str:
    prefix, _, own_id = record_id.partition(":")
    assert prefix == agency
    record = dataset.database(agency).table(PERSON_TABLES[agency]).get(own_id)
    assert record is not None, record_id
    person_id: str = record.person_id
    return person_id


def _truth(dataset: Dataset, person_id: str) -> TruePerson:
    person: TruePerson | None = dataset.database("truth").table("people").get(person_id)
    assert person is not None
    return person


def test_labels_agree_with_the_truth_and_every_own_record_is_a_candidate(dataset: Dataset, cases: list[Case]) -> None:
    duplicates = 0
    for case in cases:
        owners = {c["record_id"]: _record_person(dataset, case.agency, c["record_id"]) for c in case.candidates}
        for candidate in case.candidates:
            assert candidate["label"] == (owners[candidate["record_id"]] == case.subject_id), case.case_id
        held = dataset.database(case.agency).table(PERSON_TABLES[case.agency]).find(person_id=case.subject_id)
        assert len(held) == sum(candidate["label"] for candidate in case.candidates), case.case_id
        duplicates += len(held) > 1
    assert duplicates, "an agency's duplicate records are all true candidates"


def _names_of(person: TruePerson) -> set[str | None]:
    return {search_key(name) for name in (person.family_name, *person.alias_family_names, person.preferred_surname)}


def test_queries_describe_the_true_person(dataset: Dataset, cases: list[Case]) -> None:
    respelt = 0
    for case in cases:
        truth, query = _truth(dataset, case.subject_id), case.query
        assert query["nhs_number"] in {truth.nhs_number, None}
        allowed_dates = {truth.birth_date.isoformat(), None}
        if case.kind == "transposed-date":
            allowed_dates = {str(transposed(truth.birth_date)), truth.birth_date.isoformat()}
        assert query["birth_date"] in allowed_dates, case.case_id
        assert query["sex"] in {truth.sex, None}
        respelt += search_key(query["family_name"]) not in _names_of(truth)
    assert respelt <= 0.1 * len(cases), "only a few referrals spell the surname differently"


def test_each_kind_holds_its_look_alike(dataset: Dataset, cases: list[Case]) -> None:
    for case in cases:
        truth = _truth(dataset, case.subject_id)
        false_people = [
            _truth(dataset, _record_person(dataset, case.agency, c["record_id"]))
            for c in case.candidates
            if not c["label"]
        ]
        first_own = next(c for c in case.candidates if c["label"])
        if case.kind == "twins":
            assert truth.twin_of in {person.person_id for person in false_people}
        elif case.kind == "same-name":
            key = (search_key(truth.given_names[0]), search_key(truth.family_name))
            assert key in {(search_key(p.given_names[0]), search_key(p.family_name)) for p in false_people}
        elif case.kind == "transposed-date":
            recorded = date.fromisoformat(first_own["birth_date"])
            assert str(transposed(recorded)) == case.query["birth_date"], case.case_id
        elif case.kind == "missing-identifier":
            assert case.query["nhs_number"] is None
        elif case.kind == "name-change":
            assert truth.alias_family_names or truth.preferred_surname


def test_impossible_requests_are_refused(builder: LinkageCases) -> None:
    with pytest.raises(TooManyCases, match=f"at most {builder.capacity:,}"):
        builder.plan(builder.capacity + 1)
    for count, seed, field in ((0, 1, "cases"), (5, -1, "seed")):
        with pytest.raises(LinkageCaseError, match=f"^{field}: "):
            check_request(count, seed)


# --- The command -----------------------------------------------------------------------------------


def test_the_command_writes_the_same_bytes_to_a_file_and_to_standard_output(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "cases.jsonl"
    options = ("sandbox", "linkage-cases", "--cases", "40", "--seed", "3", "--data", str(dataset.directory))
    written = run_hub_here(*options, "--out", str(out), home=tmp_path / "home")
    assert written.returncode == 0, written.stderr
    assert written.stdout == "" and "40 linkage cases" in written.stderr
    printed = run_hub_here(*options, home=tmp_path / "home")
    assert printed.returncode == 0, printed.stderr
    assert out.read_text(encoding="utf-8") == printed.stdout
    expected = "".join(f"{case.line()}\n" for case in LinkageCases(dataset).cases(40, 3))
    assert printed.stdout == expected
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_the_command_generates_the_default_population_quietly_on_standard_error(tmp_path: Path) -> None:
    result = run_hub_here("sandbox", "linkage-cases", "--cases", "5", "--seed", "1", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Generating a population of 2,000 people" in result.stderr
    assert (tmp_path / "sandbox" / "population-2026-2000" / "manifest.json").is_file()
    numbers = [json.loads(line)["case_id"][-6:] for line in result.stdout.splitlines()]
    assert numbers == [f"{n:06d}" for n in range(1, 6)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--cases", "0"], "cases: must be at least 1 (got 0)"),
        (["--cases", "5", "--seed", "-1"], "seed: must be 0 or more (got -1)"),
        (["--cases", "99999999"], "can supply at most"),
        (["--cases", "5", "--out", "{tmp}/missing/cases.jsonl"], "does not exist"),
        (["--cases", "5", "--data", "{tmp}"], "holds no sandbox population"),
    ],
)
def test_the_command_refuses_impossible_requests_in_one_line(
    dataset: Dataset, tmp_path: Path, options: list[str], expected: str
) -> None:
    arguments = [option.replace("{tmp}", str(tmp_path)) for option in options]
    if "--seed" not in arguments:
        arguments += ["--seed", "1"]
    if "--data" not in arguments:
        arguments += ["--data", str(dataset.directory)]
    if "--out" not in arguments:
        arguments += ["--out", str(tmp_path / "cases.jsonl")]
    result = run_hub_here("sandbox", "linkage-cases", *arguments, home=tmp_path / "home")
    assert_clean_refusal(result, expected)
    assert result.stdout == ""
    assert not (tmp_path / "cases.jsonl").exists() and not (tmp_path / "home").exists()
