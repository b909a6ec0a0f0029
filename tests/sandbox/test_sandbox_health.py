"""The health sandbox speaks PDS-style FHIR R4: searchsets with scores, OperationOutcome errors."""

from __future__ import annotations

import uuid

import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from sandbox.server import SandboxCluster

NHS = "https://fhir.nhs.uk/Id/nhs-number"


def _post(cluster: SandboxCluster, path: str, body: dict[str, str]) -> requests.Response:
    headers = {"X-Request-ID": str(uuid.uuid4())}
    return requests.post(cluster.endpoints["health"] + path, data=body, headers=headers, timeout=5)


def _spine_code(response: requests.Response) -> str | None:
    outcome = OperationOutcome.model_validate(response.json())
    details = outcome.issue[0].details
    assert details is not None and details.coding
    return details.coding[0].code


def test_missing_request_id_is_a_400_operation_outcome(cluster: SandboxCluster) -> None:
    response = requests.post(
        cluster.endpoints["health"] + "/Patient/_search", data={"identifier": f"{NHS}|9990001014"}, timeout=5
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert _spine_code(response) == "INVALID_VALUE"


def test_search_by_nhs_number_returns_a_scored_searchset(cluster: SandboxCluster) -> None:
    request_id = str(uuid.uuid4())
    response = requests.post(
        cluster.endpoints["health"] + "/Patient/_search",
        data={"identifier": f"{NHS}|9990001014"},
        headers={"X-Request-ID": request_id},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == request_id
    bundle = Bundle.model_validate(response.json())
    assert bundle.type == "searchset" and bundle.total == 1
    entry = bundle.entry[0]
    assert entry.search is not None and float(entry.search.score) == 1.0
    patient = entry.resource
    assert isinstance(patient, Patient)
    assert patient.identifier[0].system == NHS and patient.identifier[0].value == "9990001014"
    assert patient.name[0].family == "Okafor-Reid"


def test_demographic_search_needs_family_and_birthdate(cluster: SandboxCluster) -> None:
    found = _post(cluster, "/Patient/_search", {"family": "OKAFOR", "given": "grace", "birthdate": "eq1989-11-20"})
    assert Bundle.model_validate(found.json()).total == 1
    missing = _post(cluster, "/Patient/_search", {"given": "Grace"})
    assert missing.status_code == 400 and _spine_code(missing) == "MISSING_VALUE"
    bad_date = _post(cluster, "/Patient/_search", {"family": "Okafor", "birthdate": "eq20-11-1989"})
    assert bad_date.status_code == 400 and _spine_code(bad_date) == "INVALID_SEARCH_DATA"


def test_read_patient_and_search_encounters(cluster: SandboxCluster) -> None:
    bundle = Bundle.model_validate(_post(cluster, "/Patient/_search", {"identifier": f"{NHS}|9990001014"}).json())
    patient_id = bundle.entry[0].resource.id
    read = requests.get(
        f"{cluster.endpoints['health']}/Patient/{patient_id}", headers={"X-Request-ID": str(uuid.uuid4())}, timeout=5
    )
    assert Patient.model_validate(read.json()).id == patient_id
    encounters = Bundle.model_validate(
        _post(cluster, "/Encounter/_search", {"patient": f"Patient/{patient_id}"}).json()
    )
    assert [e.resource.period.start.isoformat() for e in encounters.entry if isinstance(e.resource, Encounter)] == [
        "2026-10-18"
    ]
    flags = Bundle.model_validate(_post(cluster, "/Flag/_search", {"patient": patient_id}).json())
    assert flags.total == 0


def test_unknown_patient_is_a_404_operation_outcome(cluster: SandboxCluster) -> None:
    response = requests.get(
        cluster.endpoints["health"] + "/Patient/no-such-id", headers={"X-Request-ID": str(uuid.uuid4())}, timeout=5
    )
    assert response.status_code == 404 and _spine_code(response) == "RESOURCE_NOT_FOUND"
