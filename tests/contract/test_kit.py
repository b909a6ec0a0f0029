"""The contract kit's own checks catch what they are for (so a passing contract test means something)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import BaseModel, SecretStr

from connectors.police import PoliceConnector
from connectors.sdk.auth import NoCredentials
from connectors.sdk.base import Connector
from connectors.sdk.config import AgencyConfig
from connectors.testing import declaration_problems, fast_config, leaked_markers, personal_data_markers, reply_problems
from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    EntryCategory,
    Involvement,
    InvolvementRole,
    Person,
    PersonName,
    ReplyStatus,
    SourceRef,
)

PERSON = Person(
    name=PersonName(given_names=["Ottoline", "May"], family_name="Brackenridge"), birth_date=date(2016, 6, 1)
)


class PlainSecret(BaseModel):
    client_id: str
    client_secret: str
    token_url: str | None = None


class HiddenSecret(BaseModel):
    client_id: str
    client_secret: SecretStr | None = None


LeakyConnector: type[Connector] = type(
    "LeakyConnector", (PoliceConnector,), {"credential_types": (PlainSecret, HiddenSecret, NoCredentials)}
)


def _entry(agency: str, category: EntryCategory, person_id: str) -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date(2024, 1, 5),
        category=category,
        summary="Something happened.",
        source=SourceRef(agency=agency, record_id="R1"),
        people=[Involvement(agency_person_id=person_id, role=InvolvementRole.SUBJECT)],
    )


def _reply(*entries: ChronologyEntry) -> AgencyReply:
    return AgencyReply(
        agency="police_west",
        referral_id="REF-1",
        subject_id="S1",
        status=ReplyStatus.FOUND,
        requested_at="2026-01-01T00:00:00Z",
        candidates=[AgencyPerson(agency_person_id="N1", person=PERSON)],
        entries=list(entries),
    )


def test_a_secret_not_held_as_secretstr_is_a_problem() -> None:
    assert declaration_problems(PoliceConnector) == []
    assert declaration_problems(LeakyConnector) == [
        "LeakyConnector: PlainSecret.client_secret looks secret but is not a SecretStr"
    ]


def test_reply_problems_name_attribution_category_and_candidate_faults() -> None:
    good = _entry("police_west", EntryCategory.MISSING_EPISODE, "N1")
    assert reply_problems(_reply(good), PoliceConnector, "police_west") == []
    bad = [
        _entry("police", EntryCategory.MISSING_EPISODE, "N1"),
        _entry("police_west", EntryCategory.SCHOOL_ENROLMENT, "N1"),
        _entry("police_west", EntryCategory.MISSING_EPISODE, "N2"),
    ]
    assert reply_problems(_reply(*bad), PoliceConnector, "police_west") == [
        "entry 0 (missing_episode): source.agency is 'police', not 'police_west'",
        "entry 1 (school_enrolment): category not declared in the connector's allow-list",
        "entry 2 (missing_episode): names none of the returned candidates among its people",
    ]


@pytest.mark.parametrize(
    "url",
    ["/search?surname=brackenridge", "/search?dob=01%2F06%2F2016", "/people/20160601", "/search?given=Ottoline+May"],
)
def test_markers_are_found_however_a_url_spells_them(url: str) -> None:
    assert leaked_markers([url], personal_data_markers(PERSON))


def test_markers_ignore_what_is_not_personal() -> None:
    assert leaked_markers(["/nominals/search", "/Patient/44c4a2ef-881d"], personal_data_markers(PERSON)) == []


def test_fast_settings_merge_with_the_entry_and_overrides() -> None:
    entry = AgencyConfig(
        id="police",
        name="Police",
        connector="connectors.police:PoliceConnector",
        endpoint="https://police.example",
        lawful_basis="Children Act 1989",
        timeouts={"connect": 3, "read": 20},
        circuit_breaker={"failure_threshold": 7},
    )
    fast = fast_config(entry, "http://127.0.0.1:9", retry={"attempts": 1}, circuit_breaker={"reset_after": "1s"})
    assert fast.endpoint == "http://127.0.0.1:9" and fast.timeouts.read == 1.0
    assert (fast.retry.attempts, fast.retry.backoff_seconds) == (1, 0.01)
    assert (fast.circuit_breaker.failure_threshold, fast.circuit_breaker.reset_after) == (7, timedelta(seconds=1))
