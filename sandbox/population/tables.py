"""What each sandbox stores and searches by: the tables of every agency's file and of the truth.

This is the contract between the population generator (which writes these tables) and the
agency sandboxes (which search them). Search keys are normalised with `search_key`; dates are
ISO strings, so ranges compare correctly as text.
"""

from __future__ import annotations

from typing import Any

from sandbox.common.store import Key, TableSpec
from sandbox.education import keys as education_keys
from sandbox.health import keys as health_keys
from sandbox.housing import keys as housing_keys
from sandbox.model.records import (
    HealthEncounter,
    HealthFlag,
    HealthPatient,
    HomelessnessCase,
    HousingPerson,
    PoliceNominal,
    PoliceOccurrence,
    ProtectionNotice,
    Pupil,
    Tenancy,
)
from sandbox.model.truth import Household, LifeEvent, Relationship, TruePerson
from sandbox.police import keys as police_keys

AGENCIES = ("health", "police", "education", "housing")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _postcode_key(postcode: str | None) -> str | None:
    return postcode.replace(" ", "").upper() if postcode else None


PATIENTS = TableSpec(
    "patients",
    HealthPatient,
    lambda p: p.patient_id,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("nhs_number", lambda p: p.nhs_number or None),
        Key("birth_date", lambda p: _iso(p.birth_date)),
        Key("family_births", health_keys.family_birth_keys, multi=True),
        Key("sound_births", health_keys.sound_birth_keys, multi=True),
        Key("postcodes", health_keys.postcode_keys, multi=True),
    ),
)
"""Patients are found by NHS number, by birth date (an exact date, or its day-month transposition for
fuzzy searches), or by a (folded or Soundex) family name and birth range, or by postcode: see
`sandbox.health.keys` and `sandbox.health.search`. person_id is for scoring linkage only."""
ENCOUNTERS = TableSpec(
    "encounters", HealthEncounter, lambda e: e.encounter_id, keys=(Key("patient_id", lambda e: e.patient_id),)
)
FLAGS = TableSpec("flags", HealthFlag, lambda f: f.flag_id, keys=(Key("patient_id", lambda f: f.patient_id),))

NOMINALS = TableSpec(
    "nominals",
    PoliceNominal,
    lambda n: n.nominal_id,
    keys=(
        Key("person_id", lambda n: n.person_id),
        Key("birth_date", lambda n: _iso(n.date_of_birth)),
        Key("postcode", lambda n: _postcode_key(n.address.postcode) if n.address else None),
        Key("surname_births", police_keys.surname_birth_keys, multi=True),
        Key("name_births", police_keys.name_birth_keys, multi=True),
    ),
)
"""Nominals are found by (alias) surname, optionally (alias) forename, and a birth date or range: see
`sandbox.police.keys`. The postcode narrows a search; person_id is for scoring linkage only."""
OCCURRENCES = TableSpec(
    "occurrences",
    PoliceOccurrence,
    lambda o: o.occurrence_id,
    keys=(
        Key("occurred_on", lambda o: _iso(o.occurred_on)),
        Key("nominal_ids", lambda o: [nominal_id for nominal_id, _ in o.persons], multi=True),
    ),
)
NOTICES = TableSpec(
    "notices",
    ProtectionNotice,
    lambda n: n.ppn_id,
    keys=(Key("nominal_id", lambda n: n.nominal_id), Key("occurrence_id", lambda n: n.occurrence_id)),
)

PUPILS = TableSpec(
    "pupils",
    Pupil,
    lambda p: p.upn,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("upns", education_keys.upn_keys, multi=True),
        Key("surname_births", education_keys.surname_birth_keys, multi=True),
    ),
)
"""Pupils are found by current or former UPN, or by legal, former or preferred surname with birth date: see
`sandbox.education.keys`. person_id is for scoring linkage only."""

HOUSING_PEOPLE = TableSpec(
    "people",
    HousingPerson,
    lambda p: p.person_ref,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("surname_births", housing_keys.surname_birth_keys, multi=True),
    ),
)
"""Housing people are found by (previous) surname and birth date, or through the tenancies at a postcode:
see `sandbox.housing.search`. person_id is for scoring linkage only."""
TENANCIES = TableSpec(
    "tenancies",
    Tenancy,
    lambda t: t.tenancy_ref,
    keys=(
        Key("start_date", lambda t: _iso(t.start)),
        Key("postcode", lambda t: housing_keys.postcode_key(t.postcode)),
        Key("person_refs", lambda t: [t.tenant_ref, *(ref for ref, _ in t.members)], multi=True),
    ),
)
HOMELESSNESS = TableSpec(
    "homelessness",
    HomelessnessCase,
    lambda c: c.case_ref,
    keys=(Key("person_refs", lambda c: [c.applicant_ref, *(ref for ref, _ in c.members)], multi=True),),
)

PEOPLE = TableSpec(
    "people",
    TruePerson,
    lambda p: p.person_id,
    keys=(Key("nhs_number", lambda p: p.nhs_number), Key("upn", lambda p: p.upn)),
)
HOUSEHOLDS = TableSpec(
    "households",
    Household,
    lambda h: h.household_id,
    keys=(Key("person_ids", lambda h: [person_id for person_id, _ in h.members], multi=True),),
)
RELATIONSHIPS = TableSpec(
    "relationships",
    Relationship,
    lambda r: f"{r.person_id}>{r.other_id}",
    keys=(Key("person_id", lambda r: r.person_id), Key("other_id", lambda r: r.other_id)),
)
EVENTS = TableSpec(
    "events",
    LifeEvent,
    lambda e: e.event_id,
    keys=(
        Key("kind", lambda e: e.kind),
        Key("household_id", lambda e: e.household_id),
        Key("person_ids", lambda e: [person_id for person_id, _ in e.people], multi=True),
    ),
)

DATABASES: dict[str, tuple[TableSpec[Any], ...]] = {
    "truth": (PEOPLE, HOUSEHOLDS, RELATIONSHIPS, EVENTS),
    "health": (PATIENTS, ENCOUNTERS, FLAGS),
    "police": (NOMINALS, OCCURRENCES, NOTICES),
    "education": (PUPILS,),
    "housing": (HOUSING_PEOPLE, TENANCIES, HOMELESSNESS),
}
"""File stem -> its tables. Each agency's sandbox opens only its own file, never the truth."""
