"""How the housing system finds people: surname (current or previous) with birth date or postcode.

A birth date is asked for exactly (`date_of_birth`) or as a range (`date_of_birth_from` to
`date_of_birth_to`, at most `MAX_BIRTH_RANGE_DAYS` days), as a housing officer tracing someone whose
recorded birth date may be keyed a few days out would ask; the cap keeps it a trace of one person.

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
from datetime import date, timedelta
from typing import ClassVar

from pydantic import ConfigDict, Field, field_validator

from sandbox.common.store import Database, search_key
from sandbox.housing.documents import current_of, tenancy_refs
from sandbox.housing.keys import postcode_key, surname_birth_key
from sandbox.housing.problems import InvalidParam, Problem, RequestModel
from sandbox.model.records import HousingPerson, Tenancy

DEFAULT_MAX_RESULTS = 20
MAX_BIRTH_RANGE_DAYS = 31
"""The widest birth-date range a search may ask for: enough for a date keyed a few days or weeks out."""
MAX_RESULTS = 100
POSTCODE_SHAPE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


class PeopleSearch(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    RULES: ClassVar[dict[str, str]] = {
        "surname": "must be a non-empty string of at most 100 characters",
        "forename": "must be a string of at most 100 characters",
        "date_of_birth": "must be a date in YYYY-MM-DD form",
        "date_of_birth_from": "must be a date in YYYY-MM-DD form",
        "date_of_birth_to": "must be a date in YYYY-MM-DD form",
        "postcode": "must be a UK postcode",
        "max_results": f"must be a whole number from 1 to {MAX_RESULTS}",
    }

    surname: str = Field(min_length=1, max_length=100)
    forename: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = Field(default=None, strict=True)
    date_of_birth_from: date | None = Field(default=None, strict=True)
    date_of_birth_to: date | None = Field(default=None, strict=True)
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
class BirthRange:
    """The birth dates a search asks for, inclusive; `exact` when it gave one `date_of_birth`."""

    earliest: date
    latest: date
    exact: bool

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.earliest <= day <= self.latest


def _invalid(field: str, reason: str, detail: str) -> Problem:
    return Problem(400, "invalid_request", detail, [InvalidParam(field, reason)])


def birth_range(query: PeopleSearch) -> BirthRange | None:
    """The birth dates `query` asks for, or None when it gives none; a problem if the range is not one."""
    low, high = query.date_of_birth_from, query.date_of_birth_to
    if query.date_of_birth is not None:
        if low is not None or high is not None:
            reason = "must not be sent with date_of_birth_from or date_of_birth_to"
            raise _invalid("date_of_birth", reason, "Send a date_of_birth or a range, not both.")
        return BirthRange(query.date_of_birth, query.date_of_birth, exact=True)
    if low is None and high is None:
        return None
    if low is None or high is None:
        field = "date_of_birth_from" if low is None else "date_of_birth_to"
        raise _invalid(field, "is required with the other end of the range", "A birth-date range needs both ends.")
    if low > high:
        raise _invalid("date_of_birth_to", "must not be before date_of_birth_from", "The birth-date range is empty.")
    if high - low > timedelta(days=MAX_BIRTH_RANGE_DAYS):
        reason = f"must be at most {MAX_BIRTH_RANGE_DAYS} days after date_of_birth_from"
        raise _invalid("date_of_birth_to", reason, "The birth-date range is too wide.")
    return BirthRange(low, high, exact=False)


@dataclass(frozen=True)
class Match:
    person: HousingPerson
    matched_on: tuple[str, ...]
    """Which details matched: surname or previous_surname, then date_of_birth (or date_of_birth_range),
    postcode, forename."""


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
    born = birth_range(query)
    if born is None and query.postcode is None:
        needed = InvalidParam("date_of_birth", "date_of_birth (or a range) or postcode is required with surname")
        raise Problem(400, "invalid_request", "Send a date_of_birth or a postcode with the surname.", [needed])
    people = database.table("people")
    surname = search_key(query.surname) or ""
    found: dict[str, HousingPerson] = {}
    if born is not None:
        side = people.spec.side_table(next(key for key in people.spec.multi_keys if key.name == "surname_births"))
        condition = f"id IN (SELECT id FROM {side} WHERE value BETWEEN ? AND ?)"  # noqa: S608 (constant SQL)
        keys = [surname_birth_key(surname, born.earliest), surname_birth_key(surname, born.latest)]
        found.update((person.person_ref, person) for person in people.where(condition, keys))
    at_postcode = people_at_postcode(database, query.postcode) if query.postcode else set()
    for person in people.find_any("id", sorted(at_postcode)):
        if _surname_match(person, surname) and (born is None or person.date_of_birth is None):
            found.setdefault(person.person_ref, person)
    matches = []
    for ref in sorted(found):
        person = found[ref]
        if query.forename and not forename_agrees(person.forename, query.forename):
            continue
        matched_on = [
            _surname_match(person, surname) or "surname",
            *([_birth_matched(born)] if born is not None and person.date_of_birth in born else []),
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


def _birth_matched(born: BirthRange) -> str:
    return "date_of_birth" if born.exact else "date_of_birth_range"


def current_tenancy(database: Database, person_ref: str) -> Tenancy | None:
    return current_of(database.table("tenancies").find(person_refs=person_ref))
