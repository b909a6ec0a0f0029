"""Police (POLE JSON), education (CTF XML) and housing (JSON and CSV) sandboxes over HTTP."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import requests

from sandbox.assembly import AGENCY_MODULES
from sandbox.server import SandboxCluster


def test_cluster_exposes_the_four_agencies_on_localhost(cluster: SandboxCluster) -> None:
    assert set(cluster.endpoints) == set(AGENCY_MODULES) == {"health", "police", "education", "housing"}
    assert all(url.startswith("http://127.0.0.1:") for url in cluster.endpoints.values())


def test_police_finds_nominals_by_alias_and_lists_roles(cluster: SandboxCluster) -> None:
    base = cluster.endpoints["police"]
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


def test_police_rejects_a_search_without_surname(cluster: SandboxCluster) -> None:
    response = requests.post(f"{cluster.endpoints['police']}/nominals/search", json={"forenames": "Grace"}, timeout=5)
    assert response.status_code == 422


def test_education_returns_a_ctf_document(cluster: SandboxCluster) -> None:
    response = requests.post(
        f"{cluster.endpoints['education']}/pupils/search", data={"upn": "Y393201510011"}, timeout=5
    )
    root = ET.fromstring(response.content)
    assert root.tag == "CTfile" and root.find("Header/DocumentName") is not None
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil is not None
    assert pupil.findtext("Surname") == "Okafor-Reid" and pupil.findtext("DOB") == "2015-03-14"
    assert pupil.findtext("Exclusions/Exclusion/Category") == "FIXD"


def test_education_search_by_name_and_no_match(cluster: SandboxCluster) -> None:
    url = f"{cluster.endpoints['education']}/pupils/search"
    by_name = requests.post(url, json={"surname": "okafor-reid", "forename": "Tyler", "dob": "2018-07-02"}, timeout=5)
    assert len(ET.fromstring(by_name.content).findall("CTFpupilData/Pupil")) == 1
    none = requests.post(url, data={"surname": "Nobody", "dob": "2015-01-01"}, timeout=5)
    root = ET.fromstring(none.content)
    assert root.find("CTFpupilData") is not None and not root.findall("CTFpupilData/Pupil")
    assert requests.post(url, data={"surname": "Okafor-Reid"}, timeout=5).status_code == 400


def test_housing_people_records_and_csv_export(cluster: SandboxCluster) -> None:
    base = cluster.endpoints["housing"]
    people = requests.post(
        f"{base}/api/people/search", json={"surname": "Okafor", "date_of_birth": "1989-11-20"}, timeout=5
    ).json()
    assert len(people) == 1 and people[0]["current_address"]["postcode"] == "NE6 5QT"
    records = requests.post(f"{base}/api/records", json={"person_ref": people[0]["person_ref"]}, timeout=5).json()
    tenancy = records["tenancies"][0]
    assert tenancy["tenant"]["person_ref"] == people[0]["person_ref"]
    assert {member["relationship"] for member in tenancy["household"]} == {"child", "occupant"}
    assert tenancy["arrears"] and tenancy["notices"][0]["type"] == "notice_seeking_possession"
    assert requests.post(f"{base}/api/records", json={"person_ref": "HP999999"}, timeout=5).status_code == 404
    export = requests.get(f"{base}/export/tenancies.csv", timeout=5)
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows[0]["address_line"] == "14 Larch Close, Northbridge"
