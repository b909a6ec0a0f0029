"""The police sandbox answers like a force records system's research API (POLE JSON), over real HTTP.

Most tests run against a small handcrafted population (`police_population`) with exactly the
records each behaviour needs: an alias surname, a nickname recorded as an alias forename, a
nominal with no date of birth, a domestic abuse occurrence with children present and PPNs, a
missing episode with a CSE concern, and enough namesakes to hit the result cap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi import FastAPI

from sandbox.common.store import Database
from sandbox.model.records import Address, MissingEpisode, PoliceNominal, PoliceOccurrence, ProtectionNotice
from sandbox.model.truth import Population
from sandbox.police.app import SEARCH_PATHS, create_app, malformed_body, render_error
from sandbox.police.search import DEFAULT_MAX_RESULTS, NominalSearch, birth_range, nominal_condition
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import ServerThread

HOME = Address("14 Larch Close, Northbridge", "NE6 5QT")
MASH = "Children's Social Care (MASH)"
GRACE, LIAM, AMARA, TYLER = "NOM000001", "NOM000002", "NOM000003", "NOM000004"
THOMAS, DANIEL, ZOFIA, ANNA = "NOM000005", "NOM000006", "NOM000007", "NOM000008"
ZOFIA_AGAIN = "NOM000009"
"""A duplicate nominal for Zofia under a misspelt surname, as forces often hold."""
DA_OCCURRENCE, MISSING_OCCURRENCE = "OCC-2026-00001", "OCC-2026-00002"
SMITHS = 30


def _nominal(
    nominal_id: str, surname: str, forenames: tuple[str, ...], born: date | None, sex: str, **extra: Any
) -> PoliceNominal:
    return PoliceNominal(nominal_id, f"P-{nominal_id}", surname, forenames, born, sex, **extra)


def police_population() -> Population:
    """The handcrafted police records the police tests (sandbox and connector) rely on."""
    population = Population(seed=0)
    police = population.police
    police.nominals += [
        _nominal(
            GRACE,
            "Okafor",
            ("Grace",),
            date(1989, 11, 20),
            "female",
            alias_surnames=("Okafor-Reid",),
            alias_forenames=("Gracie",),
            address=HOME,
            pnc_id="08/123456A",
        ),
        _nominal(
            LIAM, "Hartley", ("Liam",), date(1986, 5, 9), "male", pnc_id="04/654321Z", warning_markers=("violence",)
        ),
        _nominal(AMARA, "Okafor-Reid", ("Amara", "Joy"), date(2015, 3, 14), "female", address=HOME),
        _nominal(TYLER, "Okafor-Reid", ("Tyler",), date(2018, 7, 2), "male", address=HOME),
        _nominal(THOMAS, "Reid", ("Thomas",), None, "male"),
        _nominal(DANIEL, "Bradley", ("Daniel", "James"), date(2009, 4, 4), "male", alias_forenames=("Danny",)),
        _nominal(ZOFIA, "Kowalczyk", ("Zofia",), date(2011, 6, 1), "female", address=Address("7 Mill Row", "NE4 2AA")),
        _nominal(ANNA, "Kowalczyk", ("Anna",), date(1984, 2, 17), "female", address=Address("7 Mill Row", "NE4 2AA")),
    ]
    police.nominals.append(_nominal(ZOFIA_AGAIN, "Kowalski", ("Zofia",), date(2011, 6, 1), "female"))
    police.nominals += [
        _nominal(
            f"NOM1{n:05d}", "Smith", ("John",), date(1980, 1, 1), "male", address=Address("1 High St", f"NE1 {n}AB")
        )
        for n in range(SMITHS)
    ]
    police.occurrences += [
        PoliceOccurrence(
            DA_OCCURRENCE,
            "domestic_abuse",
            date(2026, 11, 1),
            "home_address",
            HOME.line,
            "Neighbour reported shouting. Two children upstairs at the time.",
            "Suspect arrested; DASH completed; referral to MASH.",
            ((GRACE, "victim"), (LIAM, "suspect"), (AMARA, "child_present"), (TYLER, "child_present")),
            dash_risk="high",
            location_postcode=HOME.postcode,
            flags=("repeat_victim",),
        ),
        PoliceOccurrence(
            MISSING_OCCURRENCE,
            "missing_person",
            date(2026, 9, 12),
            "home_address",
            "7 Mill Row, Northbridge",
            "Did not return from school; found in a flat in the town centre with older males.",
            "Return home interview requested; strategy discussion.",
            ((ZOFIA, "missing_person"), (ANNA, "reporting_person")),
            location_postcode="NE4 2AA",
            missing=MissingEpisode(date(2026, 9, 12), date(2026, 9, 14), "high", "mother"),
            flags=("cse_concern",),
        ),
        PoliceOccurrence(
            "OCC-2024-00001",
            "assault",
            date(2024, 6, 15),
            "public_place",
            "Quayside, Northbridge",
            "Assault outside licensed premises.",
            "Suspect cautioned.",
            ((LIAM, "suspect"),),
        ),
    ]
    police.notices += [
        ProtectionNotice("PPN-0001", DA_OCCURRENCE, GRACE, date(2026, 11, 1), "domestic_abuse", "high", "MARAC"),
        ProtectionNotice("PPN-0002", DA_OCCURRENCE, AMARA, date(2026, 11, 1), "child_at_risk", "high", MASH),
        ProtectionNotice("PPN-0003", DA_OCCURRENCE, TYLER, date(2026, 11, 1), "child_at_risk", "high", MASH),
        ProtectionNotice(
            "PPN-0004", MISSING_OCCURRENCE, ZOFIA, date(2026, 9, 14), "child_sexual_exploitation", "high", MASH
        ),
    ]
    return population


def police_database(directory: Path) -> Database:
    return Dataset(write_population(police_population(), directory, {"seed": 0})).database("police")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return police_database(tmp_path_factory.mktemp("police") / "population")


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[ServerThread]:
    running = ServerThread(create_app(database))
    running.start()
    yield running
    running.stop()


def _post(server: ServerThread, path: str, body: Any, **headers: str) -> requests.Response:
    return requests.post(f"{server.url}{path}", json=body, headers=headers, timeout=5)


def _search(server: ServerThread, **body: Any) -> dict[str, Any]:
    response = _post(server, "/nominals/search", body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _ids(result: dict[str, Any]) -> list[str]:
    return [nominal["nominal_id"] for nominal in result["nominals"]]


# --- Nominal search ------------------------------------------------------------------------


def test_a_nominal_carries_names_aliases_birth_date_address_pnc_and_markers(server: ServerThread) -> None:
    result = _search(server, surname="Okafor", forenames="Grace", date_of_birth="1989-11-20")
    assert result["count"] == 1 and result["truncated"] is False and result["max_results"] == DEFAULT_MAX_RESULTS
    assert result["nominals"][0] == {
        "nominal_id": GRACE,
        "pnc_id": "08/123456A",
        "surname": "Okafor",
        "forenames": ["Grace"],
        "date_of_birth": "1989-11-20",
        "sex": "female",
        "aliases": {"surnames": ["Okafor-Reid"], "forenames": ["Gracie"]},
        "address": {"line": "14 Larch Close, Northbridge", "postcode": "NE6 5QT"},
        "warning_markers": [],
    }


def test_surname_matches_an_alias_ignoring_case_and_spacing(server: ServerThread) -> None:
    found = _search(server, surname="  OKAFOR-reid ", forenames="grace", date_of_birth="1989-11-20")
    assert _ids(found) == [GRACE]


def test_a_nickname_recorded_as_an_alias_forename_matches(server: ServerThread) -> None:
    assert _ids(_search(server, surname="Bradley", forenames="Danny", date_of_birth="2009-04-04")) == [DANIEL]
    assert _ids(_search(server, surname="Okafor-Reid", forenames="Gracie")) == [GRACE]


def test_only_the_first_forename_of_the_query_and_of_the_nominal_count(server: ServerThread) -> None:
    assert _ids(_search(server, surname="Bradley", forenames="Daniel Xavier")) == [DANIEL]
    assert _ids(_search(server, surname="Bradley", forenames="James")) == []


def test_a_nominal_without_a_birth_date_is_still_found(server: ServerThread) -> None:
    found = _search(server, surname="Reid", forenames="Thomas", date_of_birth="1990-01-01")
    assert _ids(found) == [THOMAS] and found["nominals"][0]["date_of_birth"] is None
    assert _ids(_search(server, surname="Reid", forenames="Thomas", birth_year=1990)) == [THOMAS]
    strict = _search(server, surname="Reid", forenames="Thomas", date_of_birth="1990-01-01", include_unknown_dob=False)
    assert _ids(strict) == []


def test_a_wrong_birth_date_finds_nobody(server: ServerThread) -> None:
    assert _ids(_search(server, surname="Okafor", forenames="Grace", date_of_birth="1989-11-21")) == []


def test_age_range_and_birth_year_stand_in_for_an_unknown_birth_date(server: ServerThread) -> None:
    # On the sandbox's "today" (2026-11-02) Amara is 11 and Tyler 8.
    assert _ids(_search(server, surname="Okafor-Reid", age_from=8, age_to=11)) == [AMARA, TYLER]
    assert _ids(_search(server, surname="Okafor-Reid", age_from=9, age_to=11)) == [AMARA]
    assert _ids(_search(server, surname="Okafor-Reid", age_to=10)) == [TYLER]
    assert _ids(_search(server, surname="Okafor-Reid", birth_year=2018)) == [TYLER]


def test_age_bounds_are_whole_years_on_the_reference_date() -> None:
    query = NominalSearch(surname="X", age_from=11, age_to=11)
    assert birth_range(query, date(2026, 11, 2)) == (date(2014, 11, 3), date(2015, 11, 2))
    assert birth_range(NominalSearch(surname="X", age_from=0), date(2024, 2, 29)) == (date(1, 1, 1), date(2024, 2, 29))
    assert birth_range(NominalSearch(surname="X", age_to=1), date(2024, 2, 29)) == (date(2022, 3, 1), date(2024, 2, 29))


def test_surname_alone_lists_everyone_with_that_surname_or_alias(server: ServerThread) -> None:
    assert _ids(_search(server, surname="Okafor-Reid")) == [GRACE, AMARA, TYLER]


def test_postcode_narrows_the_search(server: ServerThread) -> None:
    assert _ids(_search(server, surname="Smith", forenames="John", postcode="ne1 7ab")) == ["NOM100007"]
    assert _ids(_search(server, surname="Okafor-Reid", postcode="NE4 2AA")) == []


def test_results_are_capped_in_id_order_with_a_truncated_flag(server: ServerThread) -> None:
    smiths = [f"NOM1{n:05d}" for n in range(SMITHS)]
    default = _search(server, surname="Smith", forenames="John", date_of_birth="1980-01-01")
    assert _ids(default) == smiths[:DEFAULT_MAX_RESULTS] and default["truncated"] is True
    capped = _search(server, surname="smith", max_results=10)
    assert _ids(capped) == smiths[:10] and capped["truncated"] is True and capped["count"] == 10
    everyone = _search(server, surname="Smith", max_results=100)
    assert _ids(everyone) == smiths and everyone["truncated"] is False


def test_every_search_is_answered_from_an_index(database: Database) -> None:
    table = database.table("nominals")
    queries = [
        {"surname": "Kowalczyk"},
        {"surname": "Kowalczyk", "forenames": "Zofia", "date_of_birth": "2011-06-01"},
        {"surname": "Okafor-Reid", "age_from": 8, "age_to": 12, "include_unknown_dob": False},
        {"surname": "Okafor-Reid", "forenames": "Amara", "birth_year": 2015, "postcode": "NE6 5QT"},
    ]
    for body in queries:
        condition, params = nominal_condition(table, NominalSearch.model_validate(body))
        sql = f"EXPLAIN QUERY PLAN SELECT doc FROM nominals WHERE {condition} ORDER BY id LIMIT 26"
        plan = " ".join(str(row[-1]) for row in database.query(sql, params))
        assert "SCAN" not in plan, plan


def test_read_one_nominal_by_id(server: ServerThread) -> None:
    response = requests.get(f"{server.url}/nominals/{LIAM}", timeout=5)
    assert response.status_code == 200
    assert response.json()["warning_markers"] == ["violence"] and response.json()["pnc_id"] == "04/654321Z"


# --- Occurrences and PPNs ------------------------------------------------------------------


def _occurrences(server: ServerThread, nominal_id: str) -> list[dict[str, Any]]:
    response = _post(server, "/occurrences/search", {"nominal_id": nominal_id})
    assert response.status_code == 200, response.text
    assert response.json()["nominal_id"] == nominal_id
    occurrences: list[dict[str, Any]] = response.json()["occurrences"]
    return occurrences


def test_a_domestic_abuse_occurrence_lists_every_person_with_their_role(server: ServerThread) -> None:
    [occurrence] = _occurrences(server, AMARA)
    assert occurrence["occurrence_id"] == DA_OCCURRENCE and occurrence["type"] == "domestic_abuse"
    assert occurrence["date"] == "2026-11-01" and occurrence["dash_risk"] == "high"
    assert occurrence["location"] == {"type": "home_address", "address": HOME.line, "postcode": "NE6 5QT"}
    assert occurrence["flags"] == ["child_present", "repeat_victim"] and occurrence["missing_episode"] is None
    assert occurrence["outcome"].startswith("Suspect arrested")
    people = [(p["nominal_id"], p["role"], p["surname"], p["date_of_birth"]) for p in occurrence["persons"]]
    assert people == [
        (GRACE, "victim", "Okafor", "1989-11-20"),
        (LIAM, "suspect", "Hartley", "1986-05-09"),
        (AMARA, "child_present", "Okafor-Reid", "2015-03-14"),
        (TYLER, "child_present", "Okafor-Reid", "2018-07-02"),
    ]


def test_occurrences_come_oldest_first_whatever_the_role(server: ServerThread) -> None:
    occurrences = _occurrences(server, LIAM)
    assert [o["date"] for o in occurrences] == ["2024-06-15", "2026-11-01"]
    assert occurrences[0]["dash_risk"] is None and occurrences[0]["flags"] == []


def test_a_missing_episode_carries_its_report_return_and_risk(server: ServerThread) -> None:
    [occurrence] = _occurrences(server, ANNA)
    assert occurrence["type"] == "missing_person" and occurrence["flags"] == ["cse_concern"]
    assert occurrence["missing_episode"] == {
        "reported": "2026-09-12",
        "returned": "2026-09-14",
        "risk": "high",
        "reported_by": "mother",
    }
    assert [(p["nominal_id"], p["role"]) for p in occurrence["persons"]] == [
        (ZOFIA, "missing_person"),
        (ANNA, "reporting_person"),
    ]


def test_a_nominal_with_no_occurrences_gets_an_empty_list(server: ServerThread) -> None:
    assert _occurrences(server, THOMAS) == []


def test_ppns_are_linked_to_their_occurrence(server: ServerThread) -> None:
    response = _post(server, "/ppns/search", {"nominal_id": TYLER})
    assert response.status_code == 200
    assert response.json() == {
        "nominal_id": TYLER,
        "ppns": [
            {
                "ppn_id": "PPN-0003",
                "nominal_id": TYLER,
                "submitted_on": "2026-11-01",
                "concern": "child_at_risk",
                "risk": "high",
                "shared_with": MASH,
                "occurrence": {"occurrence_id": DA_OCCURRENCE, "type": "domestic_abuse", "date": "2026-11-01"},
            }
        ],
        "count": 1,
    }
    assert _post(server, "/ppns/search", {"nominal_id": LIAM}).json()["ppns"] == []


# --- Errors --------------------------------------------------------------------------------


def _error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "request_id"} and error["code"] == code
    return error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"forenames": "Grace"}, "surname"),
        ({"surname": "   "}, "surname"),
        ({"surname": "Okafor", "date_of_birth": "20/11/1989"}, "date_of_birth"),
        ({"surname": "Okafor", "date_of_birth": 627523200}, "date_of_birth"),
        ({"surname": "Okafor", "age_from": "thirty"}, "age_from"),
        ({"surname": "Okafor", "max_results": 1000}, "max_results"),
        ({"surname": "Okafor", "nhs_number": "9990001014"}, "nhs_number"),
        ({"surname": "Okafor", "birth_year": 1989, "age_from": 30}, "at most one of"),
        ({"surname": "Okafor", "age_from": 40, "age_to": 30}, "age_from must not be greater"),
        (["Okafor"], "must be a JSON object"),
    ],
)
def test_bad_searches_are_400s_that_never_echo_the_values(server: ServerThread, body: Any, field: str) -> None:
    response = _post(server, "/nominals/search", body, **{"X-Request-ID": "req-123"})
    error = _error(response, 400, "invalid_request")
    assert field in error["message"] and error["request_id"] == "req-123"
    for value in ("Okafor", "Grace", "20/11/1989", "627523200", "thirty", "9990001014"):
        assert value not in response.text


def test_broken_json_is_a_400_malformed_json(server: ServerThread) -> None:
    response = requests.post(
        f"{server.url}/nominals/search",
        data=b'{"surname": "Okafor", "forenames": "Gr',
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    error = _error(response, 400, "malformed_json")
    assert error["request_id"] is None and "Okafor" not in response.text


def test_a_form_body_is_refused(server: ServerThread) -> None:
    response = requests.post(f"{server.url}/nominals/search", data={"surname": "Okafor"}, timeout=5)
    assert "JSON object" in _error(response, 400, "invalid_request")["message"]


@pytest.mark.parametrize("path", ["/occurrences/search", "/ppns/search"])
def test_an_unknown_nominal_is_a_404(server: ServerThread, path: str) -> None:
    _error(_post(server, path, {"nominal_id": "NOM999999"}), 404, "nominal_not_found")
    _error(_post(server, path, {}), 400, "invalid_request")


def test_unknown_paths_and_methods_use_the_same_error_body(server: ServerThread) -> None:
    _error(requests.get(f"{server.url}/nominals/NOM999999", timeout=5), 404, "nominal_not_found")
    _error(requests.get(f"{server.url}/vehicles", timeout=5), 404, "not_found")
    _error(requests.delete(f"{server.url}/nominals/search", timeout=5), 405, "method_not_allowed")


def test_render_error_and_malformed_body_for_the_shared_layers() -> None:
    response = render_error(429, "too_many_requests", "Slow down")
    assert response.status_code == 429
    assert json.loads(bytes(response.body)) == {
        "error": {"code": "too_many_requests", "message": "Slow down", "request_id": None}
    }
    body, content_type = malformed_body()
    assert content_type == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert SEARCH_PATHS == ("/nominals/search", "/occurrences/search", "/ppns/search")


def test_no_personal_data_reaches_a_url(server: ServerThread) -> None:
    app = server.app
    assert isinstance(app, FastAPI)
    before = len(app.state.seen_urls)
    nominal_id = _ids(_search(server, surname="Okafor", forenames="Grace", date_of_birth="1989-11-20"))[0]
    _occurrences(server, nominal_id)
    _post(server, "/ppns/search", {"nominal_id": nominal_id})
    urls = list(app.state.seen_urls)[before:]
    assert len(urls) == 3
    assert not [url for url in urls if any(marker in url for marker in ("Okafor", "Grace", "1989"))]


# --- The sample family, in the session's default population --------------------------------


@pytest.fixture(scope="module")
def sample_server(dataset: Dataset) -> Iterator[ServerThread]:
    running = ServerThread(create_app(dataset.database("police")))
    running.start()
    yield running
    running.stop()


def test_sample_family_mother_is_found_by_alias_with_the_household_incident(sample_server: ServerThread) -> None:
    base = sample_server.url
    body = {"surname": "Okafor-Reid", "forenames": "Grace", "date_of_birth": "1989-11-20"}
    nominals = requests.post(f"{base}/nominals/search", json=body, timeout=5).json()["nominals"]
    assert [nominal["surname"] for nominal in nominals] == ["Okafor"]
    occurrences = requests.post(
        f"{base}/occurrences/search", json={"nominal_id": nominals[0]["nominal_id"]}, timeout=5
    ).json()["occurrences"]
    domestic = next(occurrence for occurrence in occurrences if occurrence["type"] == "domestic_abuse")
    assert domestic["dash_risk"] == "medium" and domestic["date"] == "2026-11-01"
    roles = sorted(person["role"] for person in domestic["persons"])
    assert roles == ["child_present", "child_present", "suspect", "victim"]


def test_sample_family_search_without_surname_is_refused(sample_server: ServerThread) -> None:
    _error(_post(sample_server, "/nominals/search", {"forenames": "Grace"}), 400, "invalid_request")
