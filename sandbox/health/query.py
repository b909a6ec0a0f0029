"""A PDS patient search request: its parameters checked in the order PDS checks them, then typed.

The parameters and their rules are those of the PDS FHIR API's "Search for a patient": `family`,
`given` (repeatable), `gender`, `birthdate` (`eq`/`ge`/`le`, two for a range), `death-date`,
`address-postalcode` (or `address-postcode`), `general-practitioner`, `email`, `phone`, and the
options `_fuzzy-match`, `_exact-match`, `_history` and `_max-results` (1 to 50, default 50). The
sandbox adds `identifier` (`https://fhir.nhs.uk/Id/nhs-number|<NHS number>`), which PDS answers with
a read instead. Refusals are OperationOutcomes; their diagnostics name the field, never its value.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sandbox.health.fhir import NHS_NUMBER_SYSTEM, FhirError
from schemas.identifiers import is_valid_nhs_number

DEFAULT_MAX_RESULTS = 50
MAX_RESULTS = 50
BOOLEAN_OPTIONS = ("_fuzzy-match", "_exact-match", "_history")
NAMED = ("family", "given", "gender", "birthdate", "death-date", "address-postalcode", "address-postcode")
OTHERS = ("general-practitioner", "email", "phone", "identifier", "_max-results")
PARAMETERS = frozenset((*BOOLEAN_OPTIONS, *NAMED, *OTHERS))
REPEATABLE = frozenset(("given", "birthdate", "death-date"))
WILDCARDED = frozenset(("family", "given", "address-postalcode", "address-postcode"))
GENDERS = frozenset(("male", "female", "other", "unknown"))
BIRTH_MISSING = "Missing value - 'birth_date/birth_date_range_start/birth_date_range_end'"
MINIMUM = (
    "Invalid search data provided - 'No searches were performed as the search criteria did not meet the minimum "
    "requirements'"
)
_DATE = re.compile(r"^(eq|ge|le)?(\d{4}-\d{2}-\d{2})$")
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z_:.-]{0,39}$")
_ODS_CODE = re.compile(r"^[A-Za-z0-9]{3,10}$")


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of dates; either end may be open. An exact date has low == high."""

    low: date | None
    high: date | None

    @property
    def exact(self) -> date | None:
        return self.low if self.low is not None and self.low == self.high else None

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return (self.low is None or day >= self.low) and (self.high is None or day <= self.high)


@dataclass(frozen=True)
class PatientQuery:
    nhs_number: str | None
    family: str | None
    given: tuple[str, ...]
    birth: DateRange | None
    death: DateRange | None
    gender: str | None
    postcode: str | None
    general_practitioner: str | None
    contact: bool
    """An email or phone number was given: the sandbox holds neither, so nothing can match."""
    fuzzy: bool
    exact: bool
    history: bool
    max_results: int

    @property
    def excludes_restricted(self) -> bool:
        """PDS never returns a restricted patient to a search that names a postcode or GP practice."""
        return self.postcode is not None or self.general_practitioner is not None


def _invalid(field: str, *, where: str = "field") -> FhirError:
    return FhirError(400, "INVALID_VALUE", f"Invalid value in {where} '{field}'")


def _unexpected(names: list[str]) -> FhirError:
    shown = [f"'{name}'" if _PARAMETER_NAME.match(name) else "an unreadable name" for name in sorted(names)]
    verb = "was" if len(shown) == 1 else "were"
    message = "Invalid request with error - Additional properties are not allowed"
    return FhirError(400, "ADDITIONAL_PROPERTIES", f"{message} ({', '.join(shown)} {verb} unexpected)")


def _date_range(field: str, values: list[str]) -> DateRange | None:
    if not values:
        return None
    if len(values) > 2:
        raise FhirError(400, "INVALID_SEARCH_DATA", f"Give '{field}' at most twice (a 'ge' and an 'le' for a range)")
    low: date | None = None
    high: date | None = None
    prefixes = []
    for value in values:
        match = _DATE.match(value)
        if match is None:
            raise _invalid(field)
        try:
            day = date.fromisoformat(match.group(2))
        except ValueError:
            raise _invalid(field) from None
        prefix = match.group(1) or "eq"
        prefixes.append(prefix)
        if prefix in ("eq", "ge"):
            low = day if low is None else max(low, day)
        if prefix in ("eq", "le"):
            high = day if high is None else min(high, day)
    if len(values) == 2 and sorted(prefixes) != ["ge", "le"]:
        raise FhirError(400, "INVALID_SEARCH_DATA", f"A '{field}' range is one 'ge' and one 'le' value")
    return DateRange(low, high)


def _boolean(field: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise _invalid(field)
    return value.lower() == "true"


def _max_results(value: str | None) -> int:
    if value is None:
        return DEFAULT_MAX_RESULTS
    if not value.isdigit() or not 1 <= int(value) <= MAX_RESULTS:
        raise _invalid("_max-results")
    return int(value)


def _nhs_number(value: str | None) -> str | None:
    if value is None:
        return None
    system, _, number = value.rpartition("|")
    if (system and system != NHS_NUMBER_SYSTEM) or not is_valid_nhs_number(number):
        raise _invalid("identifier")
    return number


def _check_wildcards(values: dict[str, list[str]], fuzzy: bool) -> None:
    for field, texts in values.items():
        for text in texts:
            if "*" not in text:
                continue
            if field not in WILDCARDED:
                raise _invalid(field)
            if fuzzy:
                raise FhirError(400, "INVALID_SEARCH_DATA", "Wildcards cannot be used with a fuzzy search")
            if "*" in text[:2]:
                raise FhirError(400, "INVALID_SEARCH_DATA", f"A wildcard in '{field}' must follow two characters")


def _check_minimum(query: PatientQuery) -> None:
    if query.nhs_number is not None:
        return
    if query.birth is None:
        raise FhirError(400, "MISSING_VALUE", BIRTH_MISSING)
    if not query.fuzzy:
        if query.family is None:
            raise FhirError(400, "INVALID_SEARCH_DATA", MINIMUM)
        return
    located = query.gender is not None and query.postcode is not None
    combinations = (
        bool(query.given) and query.family is not None,
        query.family is not None and located,
        bool(query.given) and located,
    )
    if not any(combinations):
        raise FhirError(400, "INVALID_SEARCH_DATA", MINIMUM)


def parse_patient_query(pairs: list[tuple[str, str]]) -> PatientQuery:
    """Check a search's (name, value) pairs, in the order PDS does, and type them."""
    if not pairs:
        raise FhirError(400, "UNSUPPORTED_SERVICE", "No search parameters were provided")
    if unexpected := sorted({name for name, _ in pairs if name not in PARAMETERS}):
        raise _unexpected(unexpected)
    counts = Counter(name for name, _ in pairs)
    if repeated := sorted(name for name, times in counts.items() if times > 1 and name not in REPEATABLE):
        raise FhirError(400, "INVALID_SEARCH_DATA", f"'{repeated[0]}' may be given only once")
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        if not value.strip():
            raise _invalid(name)
        values.setdefault(name, []).append(value.strip())
    one = {name: texts[0] for name, texts in values.items()}
    if "address-postalcode" in one and "address-postcode" in one:
        raise FhirError(400, "INVALID_SEARCH_DATA", "Give 'address-postalcode' or 'address-postcode', not both")
    fuzzy = _boolean("_fuzzy-match", one.get("_fuzzy-match"))
    gender = one.get("gender")
    if gender is not None and gender.lower() not in GENDERS:
        raise _invalid("gender")
    practice = one.get("general-practitioner")
    if practice is not None and not _ODS_CODE.match(practice):
        raise _invalid("general-practitioner")
    query = PatientQuery(
        nhs_number=_nhs_number(one.get("identifier")),
        family=one.get("family"),
        given=tuple(values.get("given", ())),
        birth=_date_range("birthdate", values.get("birthdate", [])),
        death=_date_range("death-date", values.get("death-date", [])),
        gender=gender.lower() if gender else None,
        postcode=one.get("address-postalcode") or one.get("address-postcode"),
        general_practitioner=practice.upper() if practice else None,
        contact="email" in one or "phone" in one,
        fuzzy=fuzzy,
        exact=_boolean("_exact-match", one.get("_exact-match")),
        history=_boolean("_history", one.get("_history")) or fuzzy,
        max_results=_max_results(one.get("_max-results")),
    )
    _check_wildcards(values, fuzzy)
    _check_minimum(query)
    return query
