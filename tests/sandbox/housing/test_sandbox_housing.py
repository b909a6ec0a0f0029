"""Housing sandbox over real HTTP: people search, records, problem+json errors and streamed CSV exports.

Most tests run against the handcrafted Dunmore household (`sandbox.housing.examples`): a tenant
with a previous surname, a partner with no birth date, arrears through to eviction, ASB, and a
homelessness case with two children.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.housing.app import create_app, malformed_body, render_error
from sandbox.housing.examples import DEAN, JAYDEN, KERRY, LEE, MIA, ROWAN_COURT, example_population
from sandbox.housing.export import HOMELESSNESS_COLUMNS, PEOPLE_COLUMNS, TENANCY_COLUMNS
from sandbox.housing.vocabulary import CODE_TABLES
from sandbox.model.records import HousingPerson, HousingRecords, Tenancy
from sandbox.model.truth import Population
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import SandboxCluster, ServerThread

DOCS = Path(__file__).parents[3] / "docs" / "sandboxes" / "housing.md"
PROBLEM_JSON = "application/problem+json"


def serve(population: Population, directory: Path) -> Iterator[str]:
    dataset = Dataset(write_population(population, directory, {"seed": 0}))
    with ServerThread(create_app(dataset.database("housing"))) as server:
        yield server.url


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(example_population(), tmp_path_factory.mktemp("housing") / "population")


def search(base: str, **body: Any) -> requests.Response:
    return requests.post(f"{base}/api/people/search", json=body, timeout=5)


def found(base: str, **body: Any) -> list[tuple[str, list[str]]]:
    response = search(base, **body)
    assert response.status_code == 200, response.text
    return [(person["person_ref"], person["matched_on"]) for person in response.json()]


def records(base: str, person_ref: str) -> dict[str, Any]:
    response = requests.post(f"{base}/api/records", json={"person_ref": person_ref}, timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- Search ---------------------------------------------------------------------------------------------------------


def test_search_by_surname_and_birth_date(base: str) -> None:
    [person] = search(base, surname="dunmore", forename="Kerry", date_of_birth="1990-02-17").json()
    assert person == {
        "person_ref": KERRY.person_ref,
        "surname": "Dunmore",
        "forename": "Kerry",
        "previous_surnames": ["Beckett"],
        "date_of_birth": "1990-02-17",
        "sex": "female",
        "current_address": None,
        "matched_on": ["surname", "date_of_birth", "forename"],
    }


def test_a_previous_surname_finds_the_person(base: str) -> None:
    assert found(base, surname="Beckett", date_of_birth="1990-02-17") == [
        (KERRY.person_ref, ["previous_surname", "date_of_birth"])
    ]


def test_a_person_without_a_birth_date_is_found_by_surname_and_postcode(base: str) -> None:
    assert found(base, surname="Pryce", date_of_birth="1988-04-12") == [], "no birth date is held to match"
    assert found(base, surname="Pryce", postcode="ne32rw") == [(DEAN.person_ref, ["surname", "postcode"])]
    assert found(base, surname="Pryce", date_of_birth="1988-04-12", postcode="NE3 2RW") == [
        (DEAN.person_ref, ["surname", "postcode"])
    ]
    [dean] = search(base, surname="Pryce", postcode="NE3 2RW").json()
    assert dean["date_of_birth"] is None


def test_with_both_a_birth_date_wins_over_the_postcode_where_one_is_held(base: str) -> None:
    """Siblings share surname and postcode; their own birth dates keep them out of a parent's search."""
    assert found(base, surname="Dunmore", date_of_birth="1990-02-17", postcode="NE3 2RW") == [
        (KERRY.person_ref, ["surname", "date_of_birth", "postcode"])
    ]


def test_postcode_search_covers_former_tenancies_and_no_other_address(base: str) -> None:
    refs = [ref for ref, _ in found(base, surname="Dunmore", postcode="NE3 2RW")]
    assert refs == [KERRY.person_ref, JAYDEN.person_ref, MIA.person_ref]
    assert LEE.person_ref not in refs
    assert [ref for ref, _ in found(base, surname="Dunmore", postcode="NE8 4KS")] == [LEE.person_ref]


@pytest.mark.parametrize(("forename", "expected"), [("Jay", JAYDEN), ("jayden", JAYDEN), ("M", MIA), ("Mia Rose", MIA)])
def test_a_forename_narrows_by_its_start(base: str, forename: str, expected: HousingPerson) -> None:
    assert [ref for ref, _ in found(base, surname="Dunmore", forename=forename, postcode="NE3 2RW")] == [
        expected.person_ref
    ]


def test_a_birth_date_range_finds_a_record_keyed_a_few_days_out(base: str) -> None:
    """Jayden is held born 30 August; a trace a week either side of 31 August finds him, and only him."""
    week = {"date_of_birth_from": "2016-08-24", "date_of_birth_to": "2016-09-07"}
    assert found(base, surname="Dunmore", **week) == [(JAYDEN.person_ref, ["surname", "date_of_birth_range"])]
    assert found(base, surname="Dunmore", date_of_birth="2016-08-31") == []
    assert found(base, surname="Dunmore", date_of_birth_from="2016-08-31", date_of_birth_to="2016-09-07") == []


def test_a_birth_date_range_with_a_postcode_still_keeps_out_household_members_born_outside_it(base: str) -> None:
    refs = found(
        base, surname="Dunmore", postcode="NE3 2RW", date_of_birth_from="2016-08-24", date_of_birth_to="2016-09-07"
    )
    assert refs == [(JAYDEN.person_ref, ["surname", "date_of_birth_range", "postcode"])]
    assert found(
        base, surname="Pryce", postcode="NE3 2RW", date_of_birth_from="1988-04-05", date_of_birth_to="1988-04-19"
    ) == [(DEAN.person_ref, ["surname", "postcode"])], "no birth date is held, so the postcode finds him"


def test_no_match_is_an_empty_list(base: str) -> None:
    assert found(base, surname="Quillfeather", date_of_birth="2014-02-28") == []


def test_too_many_matches_is_a_problem_not_a_truncated_list(base: str) -> None:
    response = search(base, surname="Dunmore", postcode="NE3 2RW", max_results=2)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/too-many-matches")


# --- Records --------------------------------------------------------------------------------------------------------


def test_records_list_the_tenancy_household_arrears_notices_proceedings_and_asb(base: str) -> None:
    body = records(base, KERRY.person_ref)
    assert body["person_ref"] == KERRY.person_ref and body["person"]["previous_surnames"] == ["Beckett"]
    [tenancy] = body["tenancies"]
    assert tenancy["address"] == {"line": ROWAN_COURT, "postcode": "NE3 2RW"}
    assert (tenancy["start_date"], tenancy["end_date"]) == ("2017-05-01", "2025-08-18")
    assert tenancy["tenant"]["person_ref"] == KERRY.person_ref and tenancy["tenant"]["relationship"] == "tenant"
    assert [(m["forename"], m["relationship"], m["date_of_birth"]) for m in tenancy["household"]] == [
        ("Jayden", "child", "2016-08-30"),
        ("Mia", "child", "2020-01-05"),
        ("Dean", "partner", None),
    ]
    assert [(a["as_at"], a["balance"], a["weeks_in_arrears"]) for a in tenancy["arrears"]] == [
        ("2024-06-03", "612.40", 5),
        ("2024-10-07", "1388.90", 11),
        ("2025-02-03", "2140.00", 17),
    ]
    assert tenancy["notices"] == [
        {
            "notice_ref": "NSP100001",
            "type": "notice_seeking_possession",
            "served_on": "2024-07-15",
            "ground": "Ground 10 (rent arrears)",
        }
    ]
    assert [(stage["stage"], stage["date"]) for stage in tenancy["possession_proceedings"]] == [
        ("possession_claim", "2024-11-20"),
        ("possession_order_suspended", "2025-01-14"),
        ("warrant_of_possession", "2025-06-30"),
        ("eviction", "2025-08-18"),
    ]
    assert {stage["reference"] for stage in tenancy["possession_proceedings"]} == {"K00NB417"}
    assert tenancy["asb_cases"] == [
        {
            "case_ref": "ASB100001",
            "opened": "2023-03-10",
            "category": "noise",
            "responsible_person_ref": DEAN.person_ref,
            "outcome": "warning",
        }
    ]


def test_homelessness_case_lists_every_member_with_their_relationship(base: str) -> None:
    [case] = records(base, JAYDEN.person_ref)["homelessness"]
    assert case["applicant_ref"] == KERRY.person_ref and case["application_date"] == "2025-08-19"
    assert [(m["person_ref"], m["relationship"]) for m in case["household"]] == [
        (KERRY.person_ref, "applicant"),
        (JAYDEN.person_ref, "child"),
        (MIA.person_ref, "child"),
        (DEAN.person_ref, "partner"),
    ]
    assert case["household"][1]["date_of_birth"] == "2016-08-30"
    assert (case["reason_for_loss_of_last_settled_home"], case["duty"]) == ("rent_arrears", "relief")
    assert case["temporary_accommodation"] is True
    assert case["temporary_accommodation_type"] == "bed_and_breakfast"


def test_a_person_with_no_records_has_empty_lists_and_a_current_address(base: str) -> None:
    body = records(base, LEE.person_ref)
    assert body["person"]["current_address"] == {"line": "22 Kiln Street, Northbridge", "postcode": "NE8 4KS"}
    assert len(body["tenancies"]) == 1 and body["homelessness"] == []


def test_unknown_person_ref_is_a_404_problem(base: str) -> None:
    response = requests.post(f"{base}/api/records", json={"person_ref": "HP999999"}, timeout=5)
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"].endswith("/person-not-found") and body["status"] == 404
    assert "HP999999" not in response.text


# --- Errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"surname": "Dunmore"}, ["date_of_birth"]),
        ({"forename": "Kerry", "date_of_birth": "1990-02-17"}, ["surname"]),
        ({"surname": "Dunmore", "date_of_birth": "17/02/1990"}, ["date_of_birth"]),
        ({"surname": "Dunmore", "date_of_birth": 634953600}, ["date_of_birth"]),
        ({"surname": "Dunmore", "postcode": "Kerry's house"}, ["postcode"]),
        ({"surname": "Dunmore", "date_of_birth": "1990-02-17", "max_results": 1000}, ["max_results"]),
        ({"surname": "Dunmore", "date_of_birth": "1990-02-17", "nhs_number": "9990001014"}, ["body"]),
        (["Dunmore", "1990-02-17"], ["body"]),
        ({"surname": "Dunmore", "date_of_birth_from": "1990-02-10"}, ["date_of_birth_to"]),
        ({"surname": "Dunmore", "date_of_birth_to": "1990-02-24"}, ["date_of_birth_from"]),
        (
            {"surname": "Dunmore", "date_of_birth_from": "1990-02-24", "date_of_birth_to": "1990-02-10"},
            ["date_of_birth_to"],
        ),
        (
            {"surname": "Dunmore", "date_of_birth_from": "1990-01-01", "date_of_birth_to": "1990-12-31"},
            ["date_of_birth_to"],
        ),
        (
            {"surname": "Dunmore", "date_of_birth_from": "17/02/1990", "date_of_birth_to": "1990-02-24"},
            ["date_of_birth_from"],
        ),
        (
            {
                "surname": "Dunmore",
                "date_of_birth": "1990-02-17",
                "date_of_birth_from": "1990-02-10",
                "date_of_birth_to": "1990-02-24",
            },
            ["date_of_birth"],
        ),
    ],
)
def test_invalid_searches_name_the_fields_but_never_echo_values(base: str, body: Any, names: list[str]) -> None:
    response = requests.post(f"{base}/api/people/search", json=body, timeout=5)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "invalid_params"}
    assert problem["type"].endswith("/invalid-request") and problem["status"] == 400
    assert [param["name"] for param in problem["invalid_params"]] == names
    for value in ("Dunmore", "Kerry", "1990", "17/02", "634953600", "9990001014", "nhs_number", "1000"):
        assert value not in response.text


def test_a_body_that_is_not_json_is_refused(base: str) -> None:
    broken = requests.post(
        f"{base}/api/people/search", data=b'{"surname": "Dunmore"', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["invalid_params"] == [
        {"name": "body", "reason": "must be a JSON object"}
    ]
    form = requests.post(f"{base}/api/people/search", data={"surname": "Dunmore"}, timeout=5)
    assert form.status_code == 415 and form.json()["type"].endswith("/unsupported-media-type")
    assert "Dunmore" not in broken.text + form.text


def test_unknown_paths_and_methods_are_problems(base: str) -> None:
    missing = requests.get(f"{base}/api/tenants", timeout=5)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM_JSON
    wrong_method = requests.get(f"{base}/api/records", timeout=5)
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["type"].endswith("/method-not-allowed")


def test_render_error_and_malformed_body_for_the_shared_layers() -> None:
    response = render_error(401, "ACCESS_DENIED", "A valid access token is required.")
    assert response.status_code == 401 and response.media_type == PROBLEM_JSON
    assert json.loads(bytes(response.body)) == {
        "type": "https://housing.sandbox.mash-hub.test/problems/access-denied",
        "title": "Unauthorized",
        "status": 401,
        "detail": "A valid access token is required.",
    }
    body, content_type = malformed_body()
    assert content_type == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


# --- Exports --------------------------------------------------------------------------------------------------------


def export(base: str, name: str) -> tuple[requests.Response, list[dict[str, str]]]:
    response = requests.get(f"{base}/export/{name}.csv", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def test_tenancies_export_has_one_row_per_person_per_tenancy(base: str) -> None:
    response, rows = export(base, "tenancies")
    assert response.content.startswith(",".join(TENANCY_COLUMNS).encode() + b"\r\n")
    assert response.headers.get("transfer-encoding") == "chunked", "streamed, not built in memory"
    rowan = [row for row in rows if row["tenancy_ref"] == "TEN100001"]
    assert [(row["person_ref"], row["relationship_to_tenant"]) for row in rowan] == [
        (KERRY.person_ref, "tenant"),
        (JAYDEN.person_ref, "child"),
        (MIA.person_ref, "child"),
        (DEAN.person_ref, "partner"),
    ]
    assert rowan[0] | {"person_ref": "", "relationship_to_tenant": ""} == {
        "tenancy_ref": "TEN100001",
        "address_line": ROWAN_COURT,
        "postcode": "NE3 2RW",
        "tenure": "secure council tenancy",
        "start_date": "2017-05-01",
        "end_date": "2025-08-18",
        "person_ref": "",
        "relationship_to_tenant": "",
        "arrears_balance": "2140.00",
        "arrears_weeks": "17",
        "arrears_as_at": "2025-02-03",
        "latest_action": "eviction",
        "latest_action_date": "2025-08-18",
        "asb_cases": "1",
    }
    lee = next(row for row in rows if row["tenancy_ref"] == "TEN100002")
    assert (lee["end_date"], lee["arrears_balance"], lee["latest_action"]) == ("", "", "")


def test_homelessness_export_is_h_clic_like_with_one_row_per_member(base: str) -> None:
    _, rows = export(base, "homelessness")
    assert list(rows[0]) == list(HOMELESSNESS_COLUMNS)
    assert [(row["member_number"], row["relationship_to_applicant"], row["forename"]) for row in rows] == [
        ("1", "applicant", "Kerry"),
        ("2", "child", "Jayden"),
        ("3", "child", "Mia"),
        ("4", "partner", "Dean"),
    ]
    assert rows[1]["date_of_birth"] == "2016-08-30" and rows[3]["date_of_birth"] == ""
    assert {(row["case_ref"], row["reason_for_loss_of_last_settled_home"], row["duty"]) for row in rows} == {
        ("HL100001", "rent_arrears", "relief")
    }
    assert {(row["temporary_accommodation"], row["temporary_accommodation_type"]) for row in rows} == {
        ("Y", "bed_and_breakfast")
    }


def test_people_export_keeps_previous_surnames_and_blank_birth_dates(base: str) -> None:
    _, rows = export(base, "people")
    assert list(rows[0]) == list(PEOPLE_COLUMNS)
    by_ref = {row["person_ref"]: row for row in rows}
    assert by_ref[KERRY.person_ref]["previous_surnames"] == "Beckett"
    assert by_ref[DEAN.person_ref]["date_of_birth"] == ""
    assert "X-KERRY" not in str(rows), "the ground-truth person_id never leaves the sandbox"


def test_exports_stream_every_page_in_order_and_are_deterministic(tmp_path: Path) -> None:
    """More rows than one page of the table (1,000) or of the export (500), to cross every boundary."""
    people = [
        HousingPerson(f"HP{n:06d}", f"X{n}", f"Surname{n % 97}", f"Forename{n}", date(1980, 1, 1 + n % 28))
        for n in range(2345, 0, -1)
    ]
    tenancies = [
        Tenancy(
            f"TEN{n:06d}", f"{n} Long Row, Northbridge", "NE1 1AA", "assured tenancy", date(2020, 1, 1), None, ref, ()
        )
        for n, ref in enumerate(sorted(person.person_ref for person in people), 1)
    ]
    population = Population(seed=0, housing=HousingRecords(people=people, tenancies=tenancies))
    for base_url in serve(population, tmp_path / "population"):
        first, rows = export(base_url, "people")
        second = requests.get(f"{base_url}/export/people.csv", timeout=10)
        assert first.content == second.content
        assert [row["person_ref"] for row in rows] == [f"HP{n:06d}" for n in range(1, 2346)]
        _, tenancy_rows = export(base_url, "tenancies")
        assert len(tenancy_rows) == 2345 and tenancy_rows[-1]["tenancy_ref"] == "TEN002345"


# --- The sample family and the documentation ------------------------------------------------------------------------


def test_sample_family_in_the_cluster(cluster: SandboxCluster) -> None:
    base_url = cluster.endpoints["housing"]
    [grace] = search(base_url, surname="Okafor", date_of_birth="1989-11-20").json()
    assert grace["current_address"]["postcode"] == "NE6 5QT"
    [tenancy] = records(base_url, grace["person_ref"])["tenancies"]
    assert tenancy["tenant"]["person_ref"] == grace["person_ref"]
    assert {member["relationship"] for member in tenancy["household"]} == {"child", "occupant"}
    assert tenancy["arrears"] and tenancy["notices"][0]["type"] == "notice_seeking_possession"
    _, rows = export(base_url, "tenancies")
    assert any(row["address_line"] == "14 Larch Close, Northbridge" for row in rows)


def fenced(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page, flags=re.DOTALL)


def test_the_documented_examples_are_what_the_sandbox_answers(base: str) -> None:
    page = DOCS.read_text(encoding="utf-8")
    search_request, search_reply, records_request, records_reply, bad_request, bad_reply = map(
        json.loads, fenced(page, "json")
    )
    assert search(base, **search_request).json() == search_reply
    assert records(base, **records_request) == records_reply
    refused = search(base, **bad_request)
    assert (refused.status_code, refused.json()) == (400, bad_reply)
    [homelessness_csv] = fenced(page, "text")
    assert requests.get(f"{base}/export/homelessness.csv", timeout=5).text == homelessness_csv.replace("\n", "\r\n")


def test_the_documentation_lists_every_code_and_export_column() -> None:
    page = DOCS.read_text(encoding="utf-8")
    for field, codes in CODE_TABLES.items():
        assert f"`{field}`" in page, field
        missing = [code for code in codes if f"`{code}`" not in page]
        assert not missing, f"{field}: {missing}"
    for column in (*PEOPLE_COLUMNS, *TENANCY_COLUMNS, *HOMELESSNESS_COLUMNS):
        assert f"`{column}`" in page, column
