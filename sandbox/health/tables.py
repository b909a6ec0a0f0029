"""The health sandbox's tables: PDS patients, found by NHS number, birth date, name or postcode; A&E and CP-IS.

Patients carry the folded and Soundex name-and-birth keys of `sandbox.health.keys`, which
`sandbox.health.search` looks up; encounters and flags hang off a patient id.
"""

from __future__ import annotations

from sandbox.common.store import Key, TableSpec, date_key
from sandbox.health.keys import family_birth_keys, postcode_keys, sound_birth_keys
from sandbox.model.records import HealthEncounter, HealthFlag, HealthPatient

PATIENTS = TableSpec(
    "patients",
    HealthPatient,
    lambda p: p.patient_id,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("nhs_number", lambda p: p.nhs_number or None),
        Key("birth_date", lambda p: date_key(p.birth_date)),
        Key("family_births", family_birth_keys, multi=True),
        Key("sound_births", sound_birth_keys, multi=True),
        Key("postcodes", postcode_keys, multi=True),
    ),
)
"""Patients are found by NHS number, by birth date (an exact date, or its day-month transposition for
fuzzy searches), or by a (folded or Soundex) family name and birth range, or by postcode: see
`sandbox.health.keys` and `sandbox.health.search`. person_id is for scoring linkage only."""
ENCOUNTERS = TableSpec(
    "encounters", HealthEncounter, lambda e: e.encounter_id, keys=(Key("patient_id", lambda e: e.patient_id),)
)
FLAGS = TableSpec("flags", HealthFlag, lambda f: f.flag_id, keys=(Key("patient_id", lambda f: f.patient_id),))
