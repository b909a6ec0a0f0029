"""What each generated population holds on disk: the tables of the truth, and every file's tables.

This is the contract between the population generator (which writes these tables) and the agency
sandboxes (which search them). Each agency's own tables are in its package (`sandbox.health.tables`,
...), next to the keys it searches by; search keys are normalised with `search_key`; dates are ISO
strings, so ranges compare correctly as text.
"""

from __future__ import annotations

from typing import Any

from sandbox.common.store import Key, TableSpec
from sandbox.education.tables import PUPILS
from sandbox.health.tables import ENCOUNTERS, FLAGS, PATIENTS
from sandbox.housing.tables import HOMELESSNESS, HOUSING_PEOPLE, TENANCIES
from sandbox.model.truth import Household, LifeEvent, Relationship, TruePerson
from sandbox.police.tables import NOMINALS, NOTICES, OCCURRENCES

AGENCIES = ("health", "police", "education", "housing")

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
