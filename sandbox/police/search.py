"""What a force's research screens let a researcher ask, and how each question becomes one indexed query.

A nominal search names a surname (matched against aliases too), optionally a forename (the first
forename or any alias forename, so a nickname recorded as an alias still finds the nominal), and
at most one birth criterion: an exact date of birth, a birth year, or an age range on the
sandbox's "today". Nominals whose date of birth was never recorded are included unless the
researcher asks otherwise, because an unknown date cannot rule them out. Results come back in
nominal id order, at most `max_results` of them, with a flag when more matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sandbox.common.store import Database, RecordTable, search_key
from sandbox.model.records import PoliceNominal, PoliceOccurrence, ProtectionNotice
from sandbox.model.truth import REFERENCE_DATE
from sandbox.police.keys import birth_key, name_prefix, prefix_end

DEFAULT_MAX_RESULTS = 25
MAX_RESULTS = 100
AGE_REFERENCE_DATE = REFERENCE_DATE
"""Ages are worked out on the sandbox world's "today", so age searches match the generated population."""
EARLIEST_BIRTH = date(1, 1, 1)
ID_BATCH = 500


def _iso_text(value: object) -> object:
    """Dates travel as ISO text: a bare number is refused rather than read as a Unix timestamp."""
    if not isinstance(value, str | date):
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]


class Query(BaseModel):
    """A request body as JSON types: numbers stay numbers, dates are ISO text, unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NominalSearch(Query):
    surname: str = Field(min_length=1, max_length=100)
    forenames: str | None = Field(default=None, max_length=200)
    date_of_birth: IsoDate | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100, strict=True)
    age_from: int | None = Field(default=None, ge=0, le=130, strict=True)
    age_to: int | None = Field(default=None, ge=0, le=130, strict=True)
    postcode: str | None = Field(default=None, max_length=10)
    include_unknown_dob: bool = Field(default=True, strict=True)
    max_results: int = Field(default=DEFAULT_MAX_RESULTS, ge=1, le=MAX_RESULTS, strict=True)

    @model_validator(mode="after")
    def _one_birth_criterion(self) -> Self:
        given = [self.date_of_birth is not None, self.birth_year is not None]
        given.append(self.age_from is not None or self.age_to is not None)
        if sum(given) > 1:
            raise ValueError("give at most one of date_of_birth, birth_year or an age range (age_from, age_to)")
        if self.age_from is not None and self.age_to is not None and self.age_from > self.age_to:
            raise ValueError("age_from must not be greater than age_to")
        return self

    @property
    def first_forename(self) -> str | None:
        return search_key(self.forenames.split()[0]) if self.forenames and self.forenames.split() else None

    @property
    def postcode_key(self) -> str | None:
        compact = "".join((self.postcode or "").split()).upper()
        return compact or None


class NominalRequest(Query):
    """Occurrences and Public Protection Notices are asked for one nominal at a time."""

    nominal_id: str = Field(min_length=1, max_length=64)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February that does not exist)."""
    year = day.year - years
    if year < EARLIEST_BIRTH.year:
        return EARLIEST_BIRTH
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def birth_range(query: NominalSearch, today: date = AGE_REFERENCE_DATE) -> tuple[date, date] | None:
    """The birth dates the query allows, inclusive; None when it sets no birth criterion."""
    if query.date_of_birth is not None:
        return query.date_of_birth, query.date_of_birth
    if query.birth_year is not None:
        return date(query.birth_year, 1, 1), date(query.birth_year, 12, 31)
    if query.age_from is None and query.age_to is None:
        return None
    latest = years_before(today, query.age_from or 0)
    earliest = EARLIEST_BIRTH if query.age_to is None else years_before(today, query.age_to + 1) + timedelta(days=1)
    return earliest, latest


def _side_table(table: RecordTable[Any], key_name: str) -> str:
    key = next(key for key in table.spec.multi_keys if key.name == key_name)
    return table.spec.side_table(key)


def nominal_condition(table: RecordTable[PoliceNominal], query: NominalSearch) -> tuple[str, list[str]]:
    """The SQL condition (and its bound values) for a search: one range scan of a name-and-birth key."""
    surname = search_key(query.surname) or ""
    forename = query.first_forename
    if forename:
        side, prefix = _side_table(table, "name_births"), name_prefix(surname, forename)
    else:
        side, prefix = _side_table(table, "surname_births"), name_prefix(surname)
    span = birth_range(query)
    params: list[str] = []
    if span is None:
        clause = "value >= ? AND value < ?"
        params += [prefix, prefix_end(prefix)]
    else:
        clause = "value BETWEEN ? AND ?"
        params += [birth_key(prefix, span[0]), birth_key(prefix, span[1])]
        if query.include_unknown_dob:
            clause = f"{clause} OR value = ?"
            params.append(prefix)
    condition = f"id IN (SELECT id FROM {side} WHERE {clause})"  # noqa: S608 (constant SQL; values are bound)
    if postcode := query.postcode_key:
        condition += " AND postcode = ?"
        params.append(postcode)
    return condition, params


def search_nominals(table: RecordTable[PoliceNominal], query: NominalSearch) -> tuple[list[PoliceNominal], bool]:
    """(up to max_results nominals in id order, whether more matched)."""
    condition, params = nominal_condition(table, query)
    found = table.where(condition, params, limit=query.max_results + 1)
    return found[: query.max_results], len(found) > query.max_results


def get_many(table: RecordTable[Any], ids: Iterable[str]) -> dict[str, Any]:
    """Records by id (missing ids left out), fetched in batches through the primary key."""
    wanted: Sequence[str] = list(dict.fromkeys(ids))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), ID_BATCH):
        for record in table.find_any("id", wanted[start : start + ID_BATCH]):
            found[table.spec.id_of(record)] = record
    return found


def occurrences_of(database: Database, nominal_id: str) -> list[PoliceOccurrence]:
    """Every occurrence the nominal is linked to, in any role, oldest first."""
    linked: list[PoliceOccurrence] = database.table("occurrences").find(nominal_ids=nominal_id)
    return sorted(linked, key=lambda occurrence: (occurrence.occurred_on, occurrence.occurrence_id))


def notices_of(database: Database, nominal_id: str) -> list[ProtectionNotice]:
    """Every Public Protection Notice submitted about the nominal, oldest first."""
    notices: list[ProtectionNotice] = database.table("notices").find(nominal_id=nominal_id)
    return sorted(notices, key=lambda notice: (notice.submitted_on, notice.ppn_id))
