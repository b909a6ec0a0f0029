"""The shared model: JSON round trips, exported JSON Schema in sync, and clear refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas import (
    AgencyPerson,
    AgencyReply,
    CheckResult,
    Chronology,
    ChronologyEntry,
    EntryCategory,
    Involvement,
    InvolvementRole,
    Person,
    PersonName,
    Referral,
    ReplyStatus,
    SourceRef,
)
from schemas.export import EXPORTED, JSON_DIR, render
from schemas.identifiers import is_valid_nhs_number, is_valid_upn, nhs_number_check_digit, upn_check_letter
from schemas.models import NARRATIVE_MAX_CHARACTERS, ORGANISATION_MAX_CHARACTERS, SUBJECTS_MAX

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "examples" / "referral.json"


def sample_referral() -> Referral:
    return Referral.model_validate_json(SAMPLE.read_text())


def sample_entry() -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date(2026, 11, 1),
        category=EntryCategory.DOMESTIC_ABUSE_INCIDENT,
        summary="Domestic abuse incident at the home address; two children present.",
        source=SourceRef(agency="police", record_id="OCC-1"),
        people=[Involvement(agency_person_id="NOM-1", role=InvolvementRole.CHILD_PRESENT, subject_id="S1")],
    )


def test_referral_round_trips_through_json() -> None:
    referral = sample_referral()
    assert Referral.model_validate_json(referral.model_dump_json()) == referral


def test_reply_and_chronology_round_trip_through_json() -> None:
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    reply = AgencyReply(
        agency="police",
        referral_id="REF-1",
        subject_id="S1",
        status=ReplyStatus.FOUND,
        requested_at=when,
        completed_at=when,
        candidates=[AgencyPerson(agency_person_id="NOM-1", person=sample_referral().subjects[0].person)],
        entries=[sample_entry()],
    )
    chronology = Chronology(
        referral_id="REF-1",
        child_subject_id="S1",
        version=1,
        assembled_at=when,
        entries=[sample_entry()],
        checks=[CheckResult(agency="police", subject_id="S1", status=ReplyStatus.FOUND, record_count=1)],
    )
    assert AgencyReply.model_validate_json(reply.model_dump_json()) == reply
    assert Chronology.model_validate_json(chronology.model_dump_json()) == chronology
    assert reply.duration_ms == 0


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_exported_json_schema_is_in_sync(name: str) -> None:
    exported = JSON_DIR / f"{name}.v1.schema.json"
    assert exported.read_text() == render(EXPORTED[name]), "run `uv run python -m schemas.export` and commit"


def test_exported_schema_validates_the_sample_shape() -> None:
    schema = json.loads((JSON_DIR / "referral.v1.schema.json").read_text())
    assert set(schema["required"]) >= {"referral_id", "received_at", "referrer", "rag", "subjects", "narrative"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r["subjects"][0]["person"]["identifiers"].update(nhs_number="9990001015"), "nhs_number"),
        (lambda r: r["subjects"][0].update(role="child"), "role"),
        (lambda r: r.update(rag="purple"), "rag"),
        (lambda r: r.update(received_at="2026-11-02T09:15:00"), "time zone"),
        (lambda r: r["subjects"][1].update(subject_id="S1"), "unique"),
        (lambda r: [s.update(role="other_adult") for s in r["subjects"]], "subject_child"),
        (lambda r: r.update(surprise="field"), "surprise"),
        (lambda r: r.update(referral_id="has spaces/and slashes"), "referral_id"),
        (lambda r: r["subjects"][0]["person"]["name"].update(given_names=[]), "at least one given name"),
        (lambda r: r.update(narrative="x" * (NARRATIVE_MAX_CHARACTERS + 1)), "narrative"),
        (lambda r: r["referrer"].update(organisation="x" * (ORGANISATION_MAX_CHARACTERS + 1)), "organisation"),
        (lambda r: r.update(subjects=r["subjects"] * (SUBJECTS_MAX // 4 + 1)), "at most 50 items"),
    ],
)
def test_invalid_referrals_are_refused(change: object, field: str) -> None:
    raw = json.loads(SAMPLE.read_text())
    change(raw)  # type: ignore[operator]
    with pytest.raises(ValidationError) as refused:
        Referral.model_validate(raw)
    assert field in str(refused.value)


def test_identifier_checks() -> None:
    assert is_valid_nhs_number("9990001014")
    assert not is_valid_nhs_number("9990001015")
    assert not is_valid_nhs_number("999000101")
    assert nhs_number_check_digit("999000101") == 4
    upn = upn_check_letter("393201510011") + "393201510011"
    assert is_valid_upn(upn)
    assert not is_valid_upn("A" + upn[1:] if upn[0] != "A" else "B" + upn[1:])


def test_postcode_is_normalised_and_names_display() -> None:
    person = Person.model_validate(
        {"name": {"given_names": ["Ada", "May"], "family_name": "Stone"}, "address": {"postcode": "ne65qt"}}
    )
    assert person.address is not None and person.address.postcode == "NE6 5QT"
    assert PersonName(given_names=["Ada", "May"], family_name="Stone").display == "Ada May Stone"
