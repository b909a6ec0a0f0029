"""Each connector against its real sandbox over HTTP: found, no record, failure, privacy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from connectors.sdk.base import Connector
from connectors.testing import CONNECTORS
from sandbox.common.settings import SandboxSettings
from sandbox.population.dataset import Dataset, write_population
from sandbox.server import SandboxCluster
from sandbox.world.default import build_population
from schemas import Referral, ReplyStatus
from tests.contract.agencies._sandboxed import UNKNOWN_SUBJECT

HELD = {
    "health": ["S1", "S2", "S3", "S4"],
    "police": ["S1", "S2", "S3", "S4"],
    "education": ["S1", "S2"],
    "housing": ["S1", "S2", "S3", "S4"],
}
CASES = [(agency, subject_id) for agency, subject_ids in HELD.items() for subject_id in subject_ids]
UNKNOWN = UNKNOWN_SUBJECT


def _connector(cluster: SandboxCluster, agency: str) -> Connector:
    return CONNECTORS[agency].configured(cluster.endpoints[agency])


def test_connector_registry_names_the_four_agencies() -> None:
    assert {agency: cls.agency for agency, cls in CONNECTORS.items()} == {
        "health": "health",
        "police": "police",
        "education": "education",
        "housing": "housing",
    }


@pytest.mark.parametrize(("agency", "subject_id"), CASES)
def test_sample_subject_is_found_with_attributed_entries(
    cluster: SandboxCluster, referral: Referral, agency: str, subject_id: str
) -> None:
    reply = _connector(cluster, agency).check(referral.referral_id, referral.subject(subject_id))
    assert reply.status is ReplyStatus.FOUND, reply.error_code
    assert (reply.agency, reply.referral_id, reply.subject_id) == (agency, referral.referral_id, subject_id)
    assert reply.completed_at is not None and reply.requested_at <= reply.completed_at
    assert reply.requested_at.tzinfo is not None
    assert len(reply.candidates) == 1 and reply.entries
    candidate = reply.candidates[0]
    assert candidate.person.birth_date == referral.subject(subject_id).person.birth_date
    for entry in reply.entries:
        assert entry.source.agency == agency and entry.source.record_id
        assert entry.summary.endswith(".")
    assert any(p.agency_person_id == candidate.agency_person_id for e in reply.entries for p in e.people)


@pytest.mark.parametrize("subject_id", ["S3", "S4"])
def test_adults_are_not_pupils(cluster: SandboxCluster, referral: Referral, subject_id: str) -> None:
    reply = _connector(cluster, "education").check(referral.referral_id, referral.subject(subject_id))
    assert reply.status is ReplyStatus.NO_RECORD and not reply.entries


def test_referral_highlights_reach_the_chronology(cluster: SandboxCluster, referral: Referral) -> None:
    child = referral.subject("S1")
    summaries = {
        agency: [entry.summary for entry in _connector(cluster, agency).check(referral.referral_id, child).entries]
        for agency in HELD
    }
    assert any("A&E" in summary and "head injury" in summary for summary in summaries["health"])
    assert any(
        s.startswith("Domestic abuse incident at home address; DASH risk assessed as medium; two children present.")
        for s in summaries["police"]
    )
    assert any(s.startswith("Attendance 82%") for s in summaries["education"])
    assert any(s.startswith("Suspended") for s in summaries["education"])
    assert any(s.startswith("Notice seeking possession") for s in summaries["housing"])


@pytest.mark.parametrize("agency", list(HELD))
def test_unknown_person_is_no_record(cluster: SandboxCluster, agency: str) -> None:
    reply = _connector(cluster, agency).check("REF-TEST", UNKNOWN)
    assert reply.status is ReplyStatus.NO_RECORD
    assert reply.error_code is None and not reply.candidates and not reply.entries


@pytest.mark.parametrize("agency", list(HELD))
def test_dead_endpoint_fails_without_raising(closed_port_url: str, referral: Referral, agency: str) -> None:
    connector = CONNECTORS[agency].configured(
        closed_port_url, timeouts={"connect": 0.5}, retry={"attempts": 2, "backoff_seconds": 0.01}
    )
    reply = connector.check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FAILED
    assert reply.error_code == "connection_error"
    assert reply.completed_at is not None and not reply.candidates


@pytest.mark.parametrize("agency", list(HELD))
def test_no_personal_data_in_any_url(cluster: SandboxCluster, referral: Referral, agency: str) -> None:
    connector = _connector(cluster, agency)
    before = len(cluster.seen_urls(agency))
    sent = [
        exchange.path
        for subject in referral.subjects
        for exchange in connector.check_recorded(referral.referral_id, subject).recording.exchanges
    ]
    assert sent, "the connector made no requests"
    urls = [unquote(url).casefold() for url in sent + cluster.seen_urls(agency)[before:]]
    for subject in referral.subjects:
        person = subject.person
        assert person.birth_date is not None
        markers = [
            person.name.family_name,
            *person.name.given_names,
            *(alias.family_name for alias in person.aliases),
            person.birth_date.isoformat(),
            person.birth_date.strftime("%d%m%Y"),
            *person.identifiers.present().values(),
            *([person.address.postcode.replace(" ", "")] if person.address and person.address.postcode else []),
        ]
        for marker in markers:
            leaked = [url for url in urls if marker.casefold() in url.replace(" ", "")]
            assert not leaked, f"{agency} sent personal data in a URL"


def test_duplicate_agency_records_give_multiple_candidates(referral: Referral, tmp_path: Path) -> None:
    population = build_population(people=4)
    original = next(n for n in population.police.nominals if n.forenames == ("Amara", "Joy"))
    duplicate = replace(original, nominal_id="NOM999999")
    population.police.nominals.append(duplicate)
    occurrences = population.police.occurrences
    occurrences[0] = replace(occurrences[0], persons=(*occurrences[0].persons, ("NOM999999", "child_present")))
    dataset = Dataset(write_population(population, tmp_path / "population", {"seed": 0}))
    with SandboxCluster(dataset, settings=SandboxSettings.unauthenticated()) as cluster:
        reply = _connector(cluster, "police").check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.MULTIPLE_CANDIDATES
    assert sorted(c.agency_person_id for c in reply.candidates) == sorted([original.nominal_id, "NOM999999"])
    incident = occurrences[0].occurrence_id
    from_incident = [entry for entry in reply.entries if entry.source.record_id == incident]
    assert len(from_incident) == 1, "an occurrence reached through two candidates is listed once"
