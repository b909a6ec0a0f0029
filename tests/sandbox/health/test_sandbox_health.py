"""The health sandbox answers as the NHS PDS FHIR API does, over real HTTP.

Most tests serve the handcrafted patients of `sandbox.health.examples` (a restricted patient, a
previous surname, a transposed birth date, a homophone, twelve boys with one name and birth date);
one checks the sample family in the generated default population. Every reply is parsed with
fhir.resources R4B, so each response shape is proved to be valid FHIR.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from sandbox.common.faults import FaultInjector
from sandbox.health import search as health_search
from sandbox.health.app import create_app, malformed_body, render_error
from sandbox.health.examples import CHLOE, JACK_RYAN, MIA, NADIA, OLIVER, example_population
from sandbox.health.query import parse_patient_query
from sandbox.model.truth import Population
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import SandboxCluster, ServerThread

NHS = "https://fhir.nhs.uk/Id/nhs-number"
TIMEOUT = 5
Params = Any
"""Form fields as requests takes them: a mapping (a list value repeats the field) or (name, value) pairs."""


@pytest.fixture(scope="module")
def health_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return Dataset(write_population(example_population(), tmp_path_factory.mktemp("health") / "pop", {"seed": 0}))


@pytest.fixture(scope="module")
def health(health_dataset: Dataset) -> Iterator[str]:
    """The base URL of a real health sandbox serving the example patients."""
    with ServerThread(create_app(health_dataset.database("health"))) as server:
        yield server.url


def _headers(**extra: str) -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4()), **extra}


def search(url: str, params: Params, path: str = "/Patient/_search") -> requests.Response:
    return requests.post(url + path, data=params, headers=_headers(), timeout=TIMEOUT)


def read(url: str, patient_id: str) -> requests.Response:
    return requests.get(f"{url}/Patient/{patient_id}", headers=_headers(), timeout=TIMEOUT)


def fhir(response: requests.Response) -> Any:
    """The reply as a validated R4B resource, after checking it is FHIR JSON."""
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    model = {"Bundle": Bundle, "Patient": Patient, "OperationOutcome": OperationOutcome}[body["resourceType"]]
    return model.model_validate(body)


def patients(response: requests.Response) -> list[tuple[Patient, float]]:
    assert response.status_code == 200, response.text
    bundle = fhir(response)
    assert isinstance(bundle, Bundle) and bundle.type == "searchset" and bundle.timestamp is not None
    found = []
    for entry in bundle.entry or []:
        assert isinstance(entry.resource, Patient) and entry.search is not None and entry.search.score is not None
        assert entry.fullUrl.endswith(f"/Patient/{entry.resource.id}")
        found.append((entry.resource, float(entry.search.score)))
    assert bundle.total == len(found)
    return found


def only(response: requests.Response) -> tuple[Patient, float]:
    [match] = patients(response)
    return match


def spine_code(response: requests.Response) -> str:
    outcome = fhir(response)
    assert isinstance(outcome, OperationOutcome)
    details = outcome.issue[0].details
    assert details is not None and details.coding
    return str(details.coding[0].code)


def test_exact_search_scores_one_and_shows_current_details_only(health: str) -> None:
    patient, score = only(search(health, {"family": "BENNETT", "given": "chloe", "birthdate": "eq2012-09-03"}))
    assert score == 1.0 and patient.id == CHLOE.patient_id
    assert [(name.use, name.family) for name in patient.name] == [("usual", "Bennett")]
    assert patient.name[0].given == ["Chloe", "Anne"]
    [address] = patient.address
    assert (address.use, address.line, address.postalCode) == ("home", ["22 Alder Grove", "Northbridge"], "NE4 2AG")
    assert address.period.start.isoformat() == "2023-05-01" and address.period.end is None
    [gp] = patient.generalPractitioner
    assert gp.identifier.system == "https://fhir.nhs.uk/Id/ods-organization-code"
    assert gp.identifier.value == CHLOE.gp.ods_code and gp.identifier.period.start.isoformat() == "2023-05-20"
    assert [(label.code, label.display) for label in patient.meta.security] == [("U", "unrestricted")]
    [identifier] = patient.identifier
    assert (identifier.system, identifier.value) == (NHS, "9991001026")
    status = identifier.extension[0]
    assert status.url.endswith("Extension-UKCore-NHSNumberVerificationStatus")
    assert status.valueCodeableConcept.coding[0].code == "01"


def test_read_adds_old_names_and_former_addresses_by_id_or_nhs_number(health: str) -> None:
    by_id = read(health, CHLOE.patient_id)
    assert by_id.status_code == 200 and by_id.headers["ETag"] == 'W/"1"'
    patient = fhir(by_id)
    assert isinstance(patient, Patient)
    assert [(name.use, name.family) for name in patient.name] == [("usual", "Bennett"), ("old", "Marsh")]
    current, former = patient.address
    assert current.period.end is None and current.postalCode == "NE4 2AG"
    assert (former.use, former.postalCode, former.period.end.isoformat()) == ("home", "NE5 3CR", "2023-05-01")
    assert read(health, CHLOE.nhs_number).json() == by_id.json()


def test_history_finds_a_previous_surname_or_postcode(health: str) -> None:
    old_name = {"family": "Marsh", "given": "Chloe", "birthdate": "2012-09-03"}
    assert patients(search(health, old_name)) == []
    patient, score = only(search(health, old_name | {"_history": "true"}))
    assert patient.id == CHLOE.patient_id and 0.9 < score < 1
    assert [name.family for name in patient.name] == ["Bennett"], "a history match still shows current details"
    old_home = {"family": "Bennett", "birthdate": "2012-09-03", "address-postalcode": "ne53cr"}
    assert patients(search(health, old_home)) == []
    assert only(search(health, old_home | {"_history": "true"}))[0].id == CHLOE.patient_id


def test_restricted_patient_comes_without_location_and_never_to_a_postcode_search(health: str) -> None:
    patient, score = only(search(health, {"family": "Rahman", "birthdate": "eq2013-06-21"}))
    assert score == 1.0 and patient.id == NADIA.patient_id
    assert [(label.system, label.code) for label in patient.meta.security] == [
        ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")
    ]
    assert patient.address is None and patient.telecom is None and patient.generalPractitioner is None
    full = fhir(read(health, NADIA.patient_id))
    assert full.address is None and full.generalPractitioner is None
    for narrowing in ({"address-postalcode": NADIA.postcode}, {"general-practitioner": NADIA.gp.ods_code}):
        assert patients(search(health, {"family": "Rahman", "birthdate": "eq2013-06-21"} | narrowing)) == []


def test_fuzzy_search_finds_a_transposed_birth_date_with_a_lower_score(health: str) -> None:
    referral = {"family": "Quinn", "given": "Oliver", "birthdate": "eq2014-07-04"}
    assert patients(search(health, referral)) == []
    patient, score = only(search(health, referral | {"_fuzzy-match": "true"}))
    assert patient.id == OLIVER.patient_id and patient.birthDate.isoformat() == "2014-04-07"
    assert 0.9 < score < 1
    assert patient.identifier[0].extension[0].valueCodeableConcept.coding[0].code == "02"
    assert patients(search(health, referral | {"_fuzzy-match": "true", "_exact-match": "true"})) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"family": "Smith", "given": "Mia", "birthdate": "2017-11-05"}, MIA),
        ({"family": "Smythe", "given": "Mia", "birthdate": ["ge2017-01-01", "le2017-12-31"]}, MIA),
        ({"family": "Quinn", "given": "Olivr", "birthdate": "2014-04-07"}, OLIVER),
        ({"family": "Oliver", "given": "Quinn", "birthdate": "2014-04-07"}, OLIVER),
        ({"family": "Marsh", "given": "Cloe", "birthdate": "2012-09-03"}, CHLOE),
        (
            {"given": "Chloe", "gender": "female", "address-postalcode": "NE5 3CR", "birthdate": ["ge2012-01-01"]},
            CHLOE,
        ),
    ],
    ids=["homophone", "homophone-over-a-range", "typo", "swapped-names", "typo-and-old-surname", "by-old-postcode"],
)
def test_fuzzy_search_tolerates_what_pds_fuzzy_search_does(health: str, params: Params, expected: object) -> None:
    assert isinstance(params, dict)
    patient, score = only(search(health, params | {"_fuzzy-match": "true"}))
    assert patient.id == getattr(expected, "patient_id", None) and 0.75 <= score < 1


def test_more_matches_than_max_results_is_a_200_too_many_matches_outcome(health: str) -> None:
    jacks = {"family": "Taylor", "given": "Jack", "birthdate": "eq2016-01-15"}
    assert [score for _, score in patients(search(health, jacks))] == [1.0] * 12, "the default maximum is 50"
    assert len(patients(search(health, jacks | {"_max-results": "12"}))) == 12
    refused = search(health, jacks | {"_max-results": "11"})
    assert refused.status_code == 200 and spine_code(refused) == "TOO_MANY_MATCHES"
    issue = fhir(refused).issue[0]
    assert (issue.severity, issue.code) == ("information", "multiple-matches")
    narrowed = search(health, [*jacks.items(), ("given", "Ryan"), ("_max-results", "1")])
    assert only(narrowed)[0].id == JACK_RYAN.patient_id


def test_wildcards_and_birth_ranges_use_the_index_and_score_below_one(health: str) -> None:
    params = {"family": "Tay*", "birthdate": ["ge2016-01-01", "le2016-01-31"], "address-postalcode": "NE7*"}
    patient, score = only(search(health, params))
    assert patient.id == JACK_RYAN.patient_id and score < 1
    assert only(search(health, params | {"family": "Taylor", "address-postalcode": "NE7 1TS"}))[1] == 1.0
    assert patients(search(health, params | {"birthdate": ["ge2016-01-16", "le2016-01-31"]})) == []


def test_a_block_too_large_to_read_is_too_many_matches(health: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health_search, "BLOCK_LIMIT", 5)
    response = search(health, {"family": "Taylor", "birthdate": "ge2016-01-01"})
    assert response.status_code == 200 and spine_code(response) == "TOO_MANY_MATCHES"


def test_get_search_answers_as_post_does(health: str) -> None:
    params = {"family": "Quinn", "given": "Oliver", "birthdate": "2014-07-04", "_fuzzy-match": "true"}
    response = requests.get(f"{health}/Patient", params=params, headers=_headers(), timeout=TIMEOUT)
    assert only(response)[0].id == OLIVER.patient_id


def test_request_id_is_required_and_echoed_with_the_correlation_id(health: str) -> None:
    body = {"family": "Quinn", "birthdate": "2014-04-07"}
    missing = requests.post(f"{health}/Patient/_search", data=body, timeout=TIMEOUT)
    assert missing.status_code == 400 and spine_code(missing) == "MISSING_VALUE"
    invalid = requests.post(f"{health}/Patient/_search", data=body, headers={"X-Request-ID": "1234"}, timeout=TIMEOUT)
    assert invalid.status_code == 400 and spine_code(invalid) == "INVALID_VALUE"
    assert invalid.headers["X-Request-ID"] == "1234"
    headers = _headers(**{"X-Correlation-ID": "corr-17"})
    answered = requests.post(f"{health}/Patient/_search", data=body, headers=headers, timeout=TIMEOUT)
    assert answered.headers["X-Request-ID"] == headers["X-Request-ID"]
    assert answered.headers["X-Correlation-ID"] == "corr-17"
    refused = requests.get(f"{health}/Patient/0000000000", headers={"X-Correlation-ID": "corr-18"}, timeout=TIMEOUT)
    assert refused.status_code == 400 and refused.headers["X-Correlation-ID"] == "corr-18"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "UNSUPPORTED_SERVICE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "colour": "blue"}, "ADDITIONAL_PROPERTIES"),
        ({"family": "Quinn", "birthdate": "07-04-2014"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "eq2014-02-30"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": ["ge2014-01-01", "ge2014-02-01"]}, "INVALID_SEARCH_DATA"),
        ({"family": "Quinn", "given": "Oliver"}, "MISSING_VALUE"),
        ({"given": "Oliver", "birthdate": "2014-04-07"}, "INVALID_SEARCH_DATA"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "_max-results": "0"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "_max-results": "51"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "_max-results": "ten"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "gender": "boy"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "_fuzzy-match": "yes"}, "INVALID_VALUE"),
        ({"family": "Quinn", "birthdate": "2014-04-07", "_fuzzy-match": "true"}, "INVALID_SEARCH_DATA"),
        (
            {"family": "Qu*", "given": "Oliver", "birthdate": "2014-04-07", "_fuzzy-match": "true"},
            "INVALID_SEARCH_DATA",
        ),
        ({"family": "Q*", "birthdate": "2014-04-07"}, "INVALID_SEARCH_DATA"),
        ({"family": ["Quinn", "Quin"], "birthdate": "2014-04-07"}, "INVALID_SEARCH_DATA"),
        ({"family": "", "birthdate": "2014-04-07"}, "INVALID_VALUE"),
        ({"identifier": "https://example.org/mrn|9991001034"}, "INVALID_VALUE"),
        ({"identifier": f"{NHS}|9991001035"}, "INVALID_VALUE"),
    ],
)
def test_bad_searches_are_refused_with_spine_codes_that_never_echo_the_data(
    health: str, params: Params, code: str
) -> None:
    response = search(health, params)
    assert response.status_code == 400 and spine_code(response) == code
    assert "Quinn" not in response.text and "2014" not in response.text and "9991001" not in response.text


def test_search_details_belong_in_a_form_encoded_body(health: str) -> None:
    in_url = requests.post(
        f"{health}/Patient/_search?family=Quinn", data={"birthdate": "2014-04-07"}, headers=_headers(), timeout=TIMEOUT
    )
    assert in_url.status_code == 400 and spine_code(in_url) == "INVALID_SEARCH_DATA"
    as_json = requests.post(
        f"{health}/Patient/_search", json={"family": "Quinn", "birthdate": "2014-04-07"}, headers=_headers()
    )
    assert as_json.status_code == 400 and spine_code(as_json) == "INVALID_VALUE"


def test_read_errors(health: str) -> None:
    unknown = read(health, "no-such-patient")
    assert unknown.status_code == 404 and spine_code(unknown) == "RESOURCE_NOT_FOUND"
    bad_number = read(health, "9991001035")
    assert bad_number.status_code == 400 and spine_code(bad_number) == "INVALID_RESOURCE_ID"
    assert read(health, "9991001204").status_code == 404, "a valid NHS number no record has"
    wrong_method = requests.delete(f"{health}/Patient/{OLIVER.patient_id}", headers=_headers(), timeout=TIMEOUT)
    assert wrong_method.status_code == 405 and spine_code(wrong_method) == "METHOD_NOT_ALLOWED"


def test_identifier_search_finds_the_nhs_number_and_checks_any_demographics(health: str) -> None:
    patient, score = only(search(health, {"identifier": f"{NHS}|9991001034"}))
    assert patient.id == OLIVER.patient_id and score == 1.0
    assert only(search(health, {"identifier": "9991001034", "family": "Quinn"}))[1] == 1.0
    assert patients(search(health, {"identifier": "9991001034", "birthdate": "2014-07-04"})) == []


def test_encounters_and_flags_of_a_patient(health: str) -> None:
    encounters = fhir(search(health, {"patient": f"Patient/{NADIA.patient_id}"}, "/Encounter/_search"))
    [entry] = encounters.entry
    encounter = entry.resource
    assert isinstance(encounter, Encounter) and encounter.class_fhir.code == "EMER"
    assert encounter.type[0].coding[0].code == "4525004" and encounter.period.start.isoformat() == "2026-09-14"
    assert encounter.subject.reference == f"Patient/{NADIA.patient_id}"
    [plan] = fhir(search(health, {"patient": NADIA.patient_id}, "/Flag/_search")).entry
    assert isinstance(plan.resource, Flag) and plan.resource.status == "active"
    assert plan.resource.code.coding[0].code == "CPP" and plan.resource.period.end is None
    [looked_after] = fhir(search(health, {"patient": f"Patient/{CHLOE.patient_id}"}, "/Flag/_search")).entry
    assert looked_after.resource.status == "inactive" and looked_after.resource.period.end.isoformat() == "2025-03-31"
    nobody = fhir(search(health, {"patient": "Patient/no-such-patient"}, "/Encounter/_search"))
    assert nobody.total == 0 and nobody.entry is None


@pytest.mark.parametrize(
    ("params", "code"),
    [({}, "MISSING_VALUE"), ({"patient": OLIVER.patient_id, "date": "2026"}, "ADDITIONAL_PROPERTIES")],
)
def test_bad_encounter_and_flag_searches(health: str, params: Params, code: str) -> None:
    for path in ("/Encounter/_search", "/Flag/_search"):
        response = search(health, params, path)
        assert response.status_code == 400 and spine_code(response) == code


def test_shared_layer_errors_and_broken_bodies_are_pds_shaped(health_dataset: Dataset) -> None:
    """Faults injected in front of the app answer as PDS's API platform does; a malformed body is cut FHIR."""
    injector = FaultInjector(
        create_app(health_dataset.database("health")), render_error=render_error, malformed_body=malformed_body
    )
    server = ServerThread(injector)
    server.start()
    try:
        injector.script(["http_429", "http_503", "http_500", "http_504", "malformed"])
        statuses = []
        for expected in ("TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE", "UNKNOWN_ERROR", "UNABLE_TO_CALL_SERVICE"):
            response = search(server.url, {"family": "Quinn", "birthdate": "2014-04-07"})
            assert spine_code(response) == expected
            statuses.append(response.status_code)
        assert statuses == [429, 503, 500, 504]
        broken = search(server.url, {"family": "Quinn", "birthdate": "2014-04-07"})
        assert broken.status_code == 200 and broken.headers["content-type"].startswith("application/fhir+json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
    finally:
        server.stop()
    for status in (401, 403):
        denied = json.loads(bytes(render_error(status, "ACCESS_DENIED", "Missing access token").body))
        issue = OperationOutcome.model_validate(denied).issue[0]
        assert issue.code == "forbidden" and issue.details.coding[0].code == "ACCESS_DENIED"


def _padded_population(extra: int) -> Population:
    """The examples plus `extra` unremarkable patients, so SQLite plans queries as for a real population."""
    population = example_population()
    for number in range(extra):
        population.health.patients.append(
            replace(
                MIA,
                patient_id=f"filler-{number:06d}",
                nhs_number="",
                family_name=f"Filler{number % 997}",
                birth_date=date(1940, 1, 1) + timedelta(days=number % 30000),
                postcode=f"NE{number % 50} {number % 9}AB",
            )
        )
    return population


def test_every_search_block_is_an_indexed_lookup(tmp_path: Path) -> None:
    """No search reads the whole patients table: each block is answered through an index."""
    database = Dataset(write_population(_padded_population(2000), tmp_path / "pop", {"seed": 0})).database("health")
    by_postcode = [("given", "Chloe"), ("gender", "female"), ("address-postalcode", "NE5 3CR")]
    by_postcode += [("birthdate", "le2013-01-01"), ("_fuzzy-match", "true")]
    searches: list[list[tuple[str, str]]] = [
        [("identifier", "9991001034")],
        [("family", "Quinn"), ("birthdate", "2014-04-07")],
        [("family", "Quinn"), ("given", "Oliver"), ("birthdate", "2014-07-04"), ("_fuzzy-match", "true")],
        [("family", "Quinn"), ("birthdate", "ge2014-01-01"), ("birthdate", "le2014-12-31")],
        [("family", "Qu*"), ("birthdate", "ge2014-01-01")],
        [("family", "Quinn"), ("given", "Oliver"), ("birthdate", "ge2014-01-01"), ("_fuzzy-match", "true")],
        by_postcode,
    ]
    for pairs in searches:
        condition, params = health_search.block_condition(database.table("patients"), parse_patient_query(pairs))
        plan = database.query(f"EXPLAIN QUERY PLAN SELECT doc FROM patients WHERE {condition}", params)
        steps = [str(row[-1]) for row in plan]
        assert steps[0].startswith("SEARCH patients USING INDEX"), steps
        assert not any(step.startswith("SCAN") for step in steps), steps


def test_sample_family_in_the_generated_population(cluster: SandboxCluster) -> None:
    url = cluster.endpoints["health"]
    request_id = str(uuid.uuid4())
    response = requests.post(
        f"{url}/Patient/_search", data={"identifier": f"{NHS}|9990001014"}, headers={"X-Request-ID": request_id}
    )
    assert response.headers["X-Request-ID"] == request_id
    patient, score = only(response)
    assert patient.name[0].family == "Okafor-Reid" and score == 1.0
    grace, _ = only(search(url, {"family": "okafor", "given": "GRACE", "birthdate": "eq1989-11-20"}))
    assert grace.birthDate.isoformat() == "1989-11-20"
    encounters = fhir(search(url, {"patient": f"Patient/{patient.id}"}, "/Encounter/_search"))
    assert [entry.resource.period.start.isoformat() for entry in encounters.entry] == ["2026-10-18"]
