"""How a PDS patient search becomes a few indexed lookups, then a scored, ordered list of matches.

Every search first takes a small block of candidate records from an index (see `sandbox.health.keys`),
then scores each candidate (`sandbox.health.match`):

- an NHS number (`identifier`): the record(s) with that number;
- an exact birth date: the records born that day, and for a fuzzy search also those born on the
  day-month transposition of it (4 March for 3 April);
- a birth-date range with a family name: the records whose current or previous family name is that
  name (or starts with a wildcard's prefix) and who were born in the range, or for a fuzzy search
  whose family name has the same Soundex code;
- a birth-date range without a family name (a fuzzy search by given name, gender and postcode): the
  records with that current or previous postcode born in the range.

A block larger than `BLOCK_LIMIT` is refused as too many matches rather than read: narrow the birth
range. Restricted patients are dropped when the search names a postcode or GP practice, as PDS does.
"""

from __future__ import annotations

from typing import Any

from sandbox.common.store import RecordTable
from sandbox.health.keys import fold, key_range, postcode_key, prefix_range, soundex, transposed
from sandbox.health.match import score
from sandbox.health.query import DateRange, PatientQuery
from sandbox.model.records import HealthPatient

BLOCK_LIMIT = 5000
"""The most candidate records one search may consider (an exact birth date gives a few dozen at 1,000,000 people)."""


class TooManyMatches(Exception):
    """More patients could match than the search may return (or than the sandbox will consider)."""


def _birth_condition(birth: DateRange) -> tuple[list[str], list[Any]]:
    clauses, params = [], []
    if birth.low is not None:
        clauses.append("birth_date >= ?")
        params.append(birth.low.isoformat())
    if birth.high is not None:
        clauses.append("birth_date <= ?")
        params.append(birth.high.isoformat())
    return clauses, params


def _side(table: RecordTable[HealthPatient], key: str, condition: str) -> str:
    """A condition on a multi-valued key's side table (names are the spec's own, never request text)."""
    return f"id IN (SELECT id FROM {table.spec.name}__{key} WHERE {condition})"  # noqa: S608


def block_condition(table: RecordTable[HealthPatient], query: PatientQuery) -> tuple[str, list[Any]]:
    """The SQL condition (over indexed key columns) that selects a search's candidate records."""
    if query.nhs_number is not None:
        return "nhs_number = ?", [query.nhs_number]
    birth = query.birth
    assert birth is not None, "validation requires a birth date without an NHS number"
    if (born := birth.exact) is not None:
        days = [born, *([other] if query.fuzzy and (other := transposed(born)) else [])]
        return f"birth_date IN ({', '.join('?' for _ in days)})", [day.isoformat() for day in days]
    if query.family is not None:
        family = fold(query.family)
        if query.fuzzy:
            code = soundex(family) or ""
            return _side(table, "sound_births", "value BETWEEN ? AND ?"), list(key_range(code, birth.low, birth.high))
        if "*" not in family:
            name_keys = list(key_range(family, birth.low, birth.high))
            return _side(table, "family_births", "value BETWEEN ? AND ?"), name_keys
        clauses, params = _birth_condition(birth)
        prefix = _side(table, "family_births", "value BETWEEN ? AND ?")
        return " AND ".join([prefix, *clauses]), [*prefix_range(family.split("*")[0]), *params]
    clauses, params = _birth_condition(birth)
    by_postcode = _side(table, "postcodes", "value = ?")
    return " AND ".join([by_postcode, *clauses]), [postcode_key(query.postcode), *params]


def candidates(table: RecordTable[HealthPatient], query: PatientQuery) -> list[HealthPatient]:
    condition, params = block_condition(table, query)
    if table.count(condition, params) > BLOCK_LIMIT:
        raise TooManyMatches
    return table.where(condition, params)


def find_patients(table: RecordTable[HealthPatient], query: PatientQuery) -> list[tuple[HealthPatient, float]]:
    """The matching records with their scores, best first (then by id, so the order is stable)."""
    matches = []
    for patient in candidates(table, query):
        if patient.restricted and query.excludes_restricted:
            continue
        found = score(query, patient)
        if found is not None and (found == 1.0 or not query.exact):
            matches.append((patient, found))
    matches.sort(key=lambda match: (-match[1], match[0].patient_id))
    if len(matches) > query.max_results:
        raise TooManyMatches
    return matches
