"""How the housing system finds people: surname (current or previous) with birth date or postcode.

Housing records often lack a birth date (a lodger, a partner added to a tenancy, an applicant
who would not give one), so a birth date cannot be required. The address stands in for it: a
person is also found by surname and the postcode of any tenancy (current or former) they were
recorded on. When both are sent, a record matches on its birth date if it has one, and on the
postcode only if it has none, so a sibling at the same address with another birth date is not
returned. Every lookup uses an indexed key; nothing scans a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from pydantic import ConfigDict, Field, field_validator

from sandbox.common.store import Database, search_key
from sandbox.housing.documents import current_of, tenancy_refs
from sandbox.housing.keys import postcode_key, surname_birth_key
from sandbox.housing.problems import InvalidParam, Problem, RequestModel
from sandbox.model.records import HousingPerson, Tenancy

DEFAULT_MAX_RESULTS = 20
MAX_RESULTS = 100
POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


class PeopleSearch(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    RULES: ClassVar[dict[str, str]] = {
        "surname": "must be a non-empty string of at most 100 characters",
        "forename": "must be a string of at most 100 characters",
        "date_of_birth": "must be a date in YYYY-MM-DD form",
        "postcode": "must be a UK postcode",
        "max_results": f"must be a whole number from 1 to {MAX_RESULTS}",
    }

    surname: str = Field(min_length=1, max_length=100)
    forename: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = Field(default=None, strict=True)
    postcode: str | None = None
    max_results: int = Field(default=DEFAULT_MAX_RESULTS, ge=1, le=MAX_RESULTS, strict=True)

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, value: str | None) -> str | None:
        key = postcode_key(value)
        if key is not None and not POSTCODE_SHAPE.match(key):
            raise ValueError("not a UK postcode")
        return key


@dataclass(frozen=True)
class Match:
    person: HousingPerson
    matched_on: tuple[str, ...]
    """Which details matched: surname or previous_surname, then date_of_birth, postcode, forename."""


def forename_agrees(recorded: str, wanted: str) -> bool:
    """Either forename starts with the other (Chris and Christopher, A and Amara), as screens allow."""
    wanted_key = search_key(wanted.split()[0]) if wanted.split() else None
    if wanted_key is None:
        return True
    return any(
        word.startswith(wanted_key) or wanted_key.startswith(word) for word in (search_key(recorded) or "").split()
    )


def people_at_postcode(database: Database, postcode: str) -> set[str]:
    """Everyone recorded on a tenancy (current or former) at the postcode: the tenant and members."""
    tenancies: list[Tenancy] = database.table("tenancies").find(postcode=postcode)
    return {ref for tenancy in tenancies for ref in tenancy_refs(tenancy)}


def _surname_match(person: HousingPerson, surname: str) -> str | None:
    if search_key(person.surname) == surname:
        return "surname"
    if any(search_key(previous) == surname for previous in person.previous_surnames):
        return "previous_surname"
    return None


def search_people(database: Database, query: PeopleSearch) -> list[Match]:
    """The people matching `query`, in person_ref order; a problem if too many match."""
    if query.date_of_birth is None and query.postcode is None:
        needed = InvalidParam("date_of_birth", "date_of_birth or postcode is required with surname")
        raise Problem(400, "invalid_request", "Send a date_of_birth or a postcode with the surname.", [needed])
    people = database.table("people")
    surname = search_key(query.surname) or ""
    dob = query.date_of_birth
    found: dict[str, HousingPerson] = {}
    if dob is not None:
        by_birth = people.find(surname_births=surname_birth_key(surname, dob))
        found.update((person.person_ref, person) for person in by_birth)
    at_postcode = people_at_postcode(database, query.postcode) if query.postcode else set()
    for person in people.find_any("id", sorted(at_postcode)):
        if _surname_match(person, surname) and (dob is None or person.date_of_birth is None):
            found.setdefault(person.person_ref, person)
    matches = []
    for ref in sorted(found):
        person = found[ref]
        if query.forename and not forename_agrees(person.forename, query.forename):
            continue
        matched_on = [
            _surname_match(person, surname) or "surname",
            *(["date_of_birth"] if dob is not None and person.date_of_birth == dob else []),
            *(["postcode"] if ref in at_postcode else []),
            *(["forename"] if query.forename else []),
        ]
        matches.append(Match(person, tuple(matched_on)))
    if len(matches) > query.max_results:
        raise Problem(
            422,
            "too_many_matches",
            f"More than {query.max_results} people match; add a forename, date_of_birth or postcode.",
        )
    return matches


def current_tenancy(database: Database, person_ref: str) -> Tenancy | None:
    return current_of(database.table("tenancies").find(person_refs=person_ref))
