"""Education sandbox over real HTTP: CTF search replies, XSD validity, indexed lookups and XML error bodies.

Most tests run against the handcrafted pupils of `sandbox.education.examples` (Kai Brennan-Lowe
carries every optional CTF element); the sample family's tests use the shared cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from connectors.education import CTF_XSD
from sandbox.education.app import create_app, malformed_body, render_error
from sandbox.education.ctf import attendance_marks, ctf_document
from sandbox.education.examples import (
    ELLIS,
    ELLIS_DUPLICATE,
    KAI,
    KAI_FORMER_UPN,
    NOOR,
    ROSA,
    ZAIN,
    example_population,
)
from sandbox.model.records import AttendancePeriod
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import SandboxCluster, ServerThread
from schemas.identifiers import upn_check_letter

DOCS = Path(__file__).parents[3] / "docs" / "sandboxes" / "education.md"
SAMPLE_UPN = "Y393201510011"
EVERY_OPTIONAL_ELEMENT = (
    "BasicDetails/FormerUPN",
    "BasicDetails/PreferredSurname",
    "BasicDetails/FormerSurname",
    "BasicDetails/PreferredForename",
    "BasicDetails/MiddleNames",
    "FSMhistory/FSMinstance/FSMendDate",
    "SENhistory/SEN/SENprovision",
    "SENhistory/SENneeds/SENneed/SENtypeRank",
    "Address/AddressLines/AddressLine3",
    "Address/PostCode",
    "Attendance/YearData/AttendanceMarks",
    "SchoolHistory/School/LeavingDate",
    "SchoolHistory/School/LeavingReason",
    "Exclusions/Exclusion/Sessions",
    "MASHsandboxExtension/ChildMissingEducation/CMEepisode/EndDate",
)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CTF_XSD)))


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The handcrafted pupils, written as the education sandbox's file."""
    return Dataset(write_population(example_population(), tmp_path_factory.mktemp("education") / "pop", {"seed": 0}))


@pytest.fixture(scope="module")
def base(examples: Dataset) -> Iterator[str]:
    with ServerThread(create_app(examples.database("education"))) as server:
        yield server.url


def _upn(body: str) -> str:
    return upn_check_letter(body) + body


def search(base: str, **body: Any) -> requests.Response:
    return requests.post(f"{base}/pupils/search", data=body, timeout=5)


def valid(schema: etree.XMLSchema, content: bytes) -> etree._Element:
    root = etree.fromstring(content)
    assert schema.validate(root), schema.error_log
    return root


def upns(schema: etree.XMLSchema, response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return [pupil.findtext("UPN") or "" for pupil in valid(schema, response.content).iterfind("CTFpupilData/Pupil")]


def error_code(schema: etree.XMLSchema, response: requests.Response) -> str:
    return valid(schema, response.content).findtext("Code") or ""


# --- Documents and the XSD ------------------------------------------------------------------------------------------


def test_a_pupil_with_every_optional_element_validates(schema: etree.XMLSchema) -> None:
    root = valid(schema, ctf_document([KAI]))
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil is not None
    missing = [path for path in EVERY_OPTIONAL_ELEMENT if pupil.find(path) is None]
    assert missing == []
    categories = [exclusion.findtext("Category") for exclusion in pupil.iterfind("Exclusions/Exclusion")]
    assert categories == ["FIXD", "LNCH", "FIXD", "PERM"]
    assert [school.findtext("Estab") for school in pupil.iterfind("SchoolHistory/School")] == ["2031", "4002", "4010"]
    assert len(pupil.findall("Attendance/YearData")) == 4
    assert pupil.findtext("SENhistory/SENneeds/SENneed[SENtypeRank='1']/SENtype") == "SLCN"


def test_minimal_pupils_and_an_empty_result_validate(schema: etree.XMLSchema) -> None:
    minimal = valid(schema, ctf_document([ELLIS])).find("CTFpupilData/Pupil")
    assert minimal is not None
    assert [child.tag for child in minimal] == ["UPN", "Surname", "Forename", "DOB", "Gender", "SchoolHistory"]
    assert minimal.findtext("Gender") == "U"
    empty = valid(schema, ctf_document([]))
    assert empty.find("CTFpupilData") is not None and not empty.findall("CTFpupilData/Pupil")


def test_all_the_examples_together_validate_and_are_deterministic(schema: etree.XMLSchema) -> None:
    pupils = [KAI, ROSA, NOOR, ZAIN, ELLIS, ELLIS_DUPLICATE]
    first, second = ctf_document(pupils), ctf_document(pupils)
    valid(schema, first)
    without_time = re.compile(rb"<DateTime>[^<]*</DateTime>")
    assert without_time.sub(b"", first) == without_time.sub(b"", second)


def test_fsm_eligibility_without_periods_counts_from_school_entry(schema: etree.XMLSchema) -> None:
    pupil = valid(schema, ctf_document([ROSA])).find("CTFpupilData/Pupil")
    assert pupil is not None
    assert [instance.findtext("FSMstartDate") for instance in pupil.iterfind("FSMhistory/FSMinstance")] == [
        ROSA.entry_date.isoformat()
    ]
    assert pupil.find("FSMhistory/FSMinstance/FSMendDate") is None
    assert pupil.findtext("MASHsandboxExtension/ChildMissingEducation/CMEepisode/Reason") == "moved_away"


def test_every_pupil_of_the_generated_population_validates(schema: etree.XMLSchema, dataset: Dataset) -> None:
    """The generator's pupils, all in one document: the XSD is the contract between generator, sandbox and hub."""
    pupils = list(dataset.database("education").table("pupils"))
    assert pupils
    valid(schema, ctf_document(pupils))


def test_attendance_marks_match_the_counts_and_cover_the_term() -> None:
    period = AttendancePeriod(date(2026, 9, 3), date(2026, 10, 30), 78, 51, 9, 18)
    marks = attendance_marks(period)
    assert marks is not None and len(marks) == 2 * ((period.end - period.start).days + 1)
    assert (marks.count("/") + marks.count("\\"), marks.count("I"), marks.count("O")) == (51, 9, 18)
    assert len(marks) - marks.count("#") == 78
    saturday = (date(2026, 9, 5) - period.start).days
    assert marks[2 * saturday : 2 * saturday + 4] == "####"
    assert period.start + timedelta(days=len(marks) // 2 - 1) == period.end
    assert attendance_marks(AttendancePeriod(date(2026, 9, 3), date(2026, 9, 4), 78, 78, 0, 0)) is None
    assert attendance_marks(AttendancePeriod(date(2026, 9, 3), date(2026, 10, 30), 78, 70, 0, 0)) is None


# --- Search ---------------------------------------------------------------------------------------------------------


def test_search_by_upn_or_former_upn(base: str, schema: etree.XMLSchema) -> None:
    assert upns(schema, search(base, upn=KAI.upn)) == [KAI.upn]
    assert upns(schema, search(base, upn=KAI_FORMER_UPN.lower())) == [KAI.upn]
    assert upns(schema, search(base, upn=ELLIS_DUPLICATE.upn)) == [ELLIS_DUPLICATE.upn]


def test_search_by_any_surname_with_birth_date(base: str, schema: etree.XMLSchema) -> None:
    dob = KAI.dob.isoformat()
    for surname in ("Brennan-Lowe", "  brennan-LOWE ", "Lowe", "Brennan"):
        assert upns(schema, search(base, surname=surname, dob=dob)) == [KAI.upn]
    assert upns(schema, search(base, surname="Brennan-Lowe", dob="2012-05-20")) == []


def test_a_birth_date_range_finds_a_pupil_keyed_a_few_days_out(base: str, schema: etree.XMLSchema) -> None:
    """Rosa is held born 3 February 2017; a trace a week either side of 4 February finds her, by name."""
    week = {"dob_from": "2017-01-28", "dob_to": "2017-02-11"}
    assert upns(schema, search(base, surname="Delgado", forename="Rosa", **week)) == [ROSA.upn]
    assert upns(schema, search(base, surname="Delgado", dob="2017-02-04")) == []
    assert upns(schema, search(base, surname="Delgado", dob_from="2017-02-04", dob_to="2017-02-11")) == []
    assert upns(
        schema, search(base, surname="Haddad", forename="Noor", dob_from="2014-09-24", dob_to="2014-10-08")
    ) == [NOOR.upn]


def test_forename_narrows_and_matches_middle_and_preferred_names(base: str, schema: etree.XMLSchema) -> None:
    dob = KAI.dob.isoformat()
    for forename in ("Kaiden", "kai", "Joseph"):
        assert upns(schema, search(base, surname="Lowe", dob=dob, forename=forename)) == [KAI.upn]
    assert upns(schema, search(base, surname="Lowe", dob=dob, forename="Karl")) == []


def test_twins_and_duplicates_come_back_in_one_document(base: str, schema: etree.XMLSchema) -> None:
    twins = upns(schema, search(base, surname="Haddad", dob="2014-10-01"))
    assert sorted(twins) == sorted([NOOR.upn, ZAIN.upn])
    assert upns(schema, search(base, surname="Haddad", dob="2014-10-01", forename="Zain")) == [ZAIN.upn]
    both = upns(schema, search(base, surname="Hart", dob="2015-12-24", forename="Ellis"))
    assert sorted(both) == sorted([ELLIS.upn, ELLIS_DUPLICATE.upn])


def test_json_bodies_work_like_forms(base: str, schema: etree.XMLSchema) -> None:
    response = requests.post(f"{base}/pupils/search", json={"surname": "Delgado", "dob": "2017-02-03"}, timeout=5)
    assert upns(schema, response) == [ROSA.upn]


def test_no_match_is_an_empty_ctf_not_an_error(base: str, schema: etree.XMLSchema) -> None:
    assert upns(schema, search(base, surname="Quillfeather", dob="2014-02-28")) == []
    assert upns(schema, search(base, upn=SAMPLE_UPN)) == []


def test_searches_use_indexes_only(tmp_path: Path) -> None:
    """The statements `RecordTable.find` runs for each search, over a few thousand pupils: no full table scan."""
    crowd = [
        replace(
            ELLIS, upn=_upn(f"393{index:09d}"), surname=f"Surname{index % 700}", dob=date(2010, 1, 1) + timedelta(index)
        )
        for index in range(3000)
    ]
    population = example_population()
    population.education.pupils += crowd
    database = Dataset(write_population(population, tmp_path / "pop", {"seed": 0})).database("education")
    conditions = [
        (f"id IN (SELECT id FROM pupils__{key} WHERE value = ?)", ("x",)) for key in ("upns", "surname_births")
    ]
    conditions.append(("id IN (SELECT id FROM pupils__surname_births WHERE value BETWEEN ? AND ?)", ("x", "y")))
    for condition, params in conditions:
        plan = database.query(f"EXPLAIN QUERY PLAN SELECT doc FROM pupils WHERE {condition} ORDER BY id", params)
        steps = [str(row[-1]) for row in plan]
        assert not [step for step in steps if step.startswith("SCAN")], steps


def test_no_personal_data_in_urls(cluster: SandboxCluster, schema: etree.XMLSchema) -> None:
    url = f"{cluster.endpoints['education']}/pupils/search"
    before = len(cluster.seen_urls("education"))
    assert upns(schema, requests.post(url, data={"surname": "Okafor-Reid", "dob": "2015-03-14"}, timeout=5))
    seen = cluster.seen_urls("education")[before:]
    assert seen and all(u.endswith("/pupils/search") for u in seen)


# --- The sample family ----------------------------------------------------------------------------------------------


def test_sample_child_comes_back_as_a_valid_ctf(cluster: SandboxCluster, schema: etree.XMLSchema) -> None:
    response = requests.post(f"{cluster.endpoints['education']}/pupils/search", data={"upn": SAMPLE_UPN}, timeout=5)
    root = valid(schema, response.content)
    assert root.findtext("Header/DocumentName") == "Common Transfer File"
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil is not None
    assert (pupil.findtext("Surname"), pupil.findtext("Forename"), pupil.findtext("DOB")) == (
        "Okafor-Reid",
        "Amara",
        "2015-03-14",
    )
    assert pupil.findtext("BasicDetails/MiddleNames") == "Joy"
    assert pupil.findtext("Exclusions/Exclusion/Category") == "FIXD"
    assert pupil.findtext("Attendance/YearData/SessionsAttended") == "64"


def test_sample_sibling_by_name(cluster: SandboxCluster, schema: etree.XMLSchema) -> None:
    url = f"{cluster.endpoints['education']}/pupils/search"
    response = requests.post(url, json={"surname": "okafor-reid", "forename": "Tyler", "dob": "2018-07-02"}, timeout=5)
    assert len(upns(schema, response)) == 1


# --- Errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"surname": "Haddad"}, "invalid_request"),
        ({"dob": "2014-10-01"}, "invalid_request"),
        ({}, "invalid_request"),
        ({"surname": "Haddad", "dob": "01/10/2014"}, "invalid_dob"),
        ({"upn": "Y39320151001"}, "invalid_upn"),
        ({"upn": "A393201510011"}, "invalid_upn"),
        ({"surname": "Haddad", "dob": "2014-10-01", "nhs_number": "9990001014"}, "invalid_request"),
        ({"surname": "Haddad", "dob_from": "2014-09-24"}, "invalid_request"),
        ({"surname": "Haddad", "dob_to": "2014-10-08"}, "invalid_request"),
        (
            {"surname": "Haddad", "dob": "2014-10-01", "dob_from": "2014-09-24", "dob_to": "2014-10-08"},
            "invalid_request",
        ),
        ({"surname": "Haddad", "dob_from": "24/09/2014", "dob_to": "2014-10-08"}, "invalid_dob"),
        ({"surname": "Haddad", "dob_from": "2014-10-08", "dob_to": "2014-09-24"}, "invalid_dob_range"),
        ({"surname": "Haddad", "dob_from": "2014-01-01", "dob_to": "2014-12-31"}, "invalid_dob_range"),
    ],
)
def test_bad_requests_get_the_xml_error_body(
    base: str, schema: etree.XMLSchema, body: dict[str, str], code: str
) -> None:
    response = search(base, **body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/xml")
    assert error_code(schema, response) == code
    for value in body.values():
        assert value not in response.text


def test_unreadable_bodies_and_unknown_paths(base: str, schema: etree.XMLSchema) -> None:
    broken = requests.post(
        f"{base}/pupils/search", data=b"{not json", headers={"content-type": "application/json"}, timeout=5
    )
    assert broken.status_code == 400 and error_code(schema, broken) == "invalid_body"
    xml = requests.post(f"{base}/pupils/search", data=b"<upn/>", headers={"content-type": "application/xml"}, timeout=5)
    assert xml.status_code == 415 and error_code(schema, xml) == "unsupported_media_type"
    missing = requests.post(f"{base}/pupils/find", data={"upn": KAI.upn}, timeout=5)
    assert missing.status_code == 404 and error_code(schema, missing) == "not_found"
    wrong_method = requests.get(f"{base}/pupils/search", timeout=5)
    assert wrong_method.status_code == 405 and error_code(schema, wrong_method) == "method_not_allowed"


def test_request_id_is_echoed(base: str) -> None:
    response = requests.post(
        f"{base}/pupils/search", data={"upn": KAI.upn}, headers={"X-Request-ID": "req-123"}, timeout=5
    )
    assert response.headers["X-Request-ID"] == "req-123"


def test_shared_layer_helpers(schema: etree.XMLSchema) -> None:
    response = render_error(429, "Too Many Requests", "Slow down")
    assert response.status_code == 429
    assert valid(schema, bytes(response.body)).findtext("Code") == "too_many_requests"
    body, media_type = malformed_body()
    assert media_type == "application/xml"
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body)


def test_the_documented_examples_validate(schema: etree.XMLSchema) -> None:
    blocks = re.findall(r"```xml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        valid(schema, block.encode("utf-8"))
