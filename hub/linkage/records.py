"""The linkage view of a person: normalised once, with every comparison key computed up front.

Built from a referral's `schemas.Person`, an agency's `schemas.AgencyPerson`, or a PERSON of the
linkage-case interchange format. Comparing two records then needs no text processing at all,
which keeps judging one pair in the tens of microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import jellyfish
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from hub.linkage import normalise
from hub.linkage.name_tables import name_tables, variant_key
from schemas import AgencyPerson, Person, PersonName
from schemas.config_files import describe_problems
from schemas.identifiers import is_valid_nhs_number, is_valid_upn

IDENTIFIER_FIELDS = ("nhs_number", "upn", "police_nominal_id", "housing_reference")
CHECKED_IDENTIFIERS = {"nhs_number": is_valid_nhs_number, "upn": is_valid_upn}
_KNOWN_SEXES = frozenset({"male", "female", "other"})
_SCHEME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_IDENTIFIER_LENGTH = 64
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


class UnusableRecord(ValueError):
    """A person record the engine cannot judge; the message says why in words, never with values."""


class MalformedPerson(ValueError):
    """A PERSON of the interchange format that does not follow it; the message names the field."""


@dataclass(frozen=True, slots=True)
class Name:
    """One name (a given name, or a whole family name) with its comparison keys."""

    text: str
    """Letters only, lower case, no accents: "okaforreid"."""
    parts: tuple[str, ...]
    """The words of a compound family name ("okafor", "reid"), particles such as "de" left out."""
    metaphone: str
    soundex: str
    nicknames: frozenset[str]
    variant_groups: frozenset[int]
    variant_key: str


@lru_cache(maxsize=262_144)
def name_of(words: tuple[str, ...]) -> Name:
    """The `Name` for already split words; cached, since the same names recur across many records."""
    text = "".join(words)
    tables = name_tables()
    parts = tuple(word for word in words if len(word) > 1 and word not in normalise.NAME_PARTICLES)
    return Name(
        text=text,
        parts=parts or (text,),
        metaphone=jellyfish.metaphone(text),
        soundex=jellyfish.soundex(text),
        nicknames=tables.nickname_of(text),
        variant_groups=tables.variant_groups_of(text),
        variant_key=variant_key(text),
    )


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A birth date, possibly known only to the year or month."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def is_full(self) -> bool:
        return self.day is not None

    @property
    def digits(self) -> str:
        """ "YYYYMMDD" of a full date, for counting mistyped digits."""
        return f"{self.year:04d}{self.month or 0:02d}{self.day or 0:02d}"

    def as_date(self) -> date | None:
        """The full date, or None for a partial one."""
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    @classmethod
    def of(cls, day: date) -> BirthDate:
        return cls(day.year, day.month, day.day)

    @classmethod
    def parse(cls, text: str) -> BirthDate:
        """ "YYYY-MM-DD", or a partial "YYYY-MM" or "YYYY"; ValueError otherwise."""
        if partial := _PARTIAL_DATE.match(text):
            year, month = int(partial[1]), int(partial[2]) if partial[2] else None
            if month is not None and not 1 <= month <= 12:
                raise ValueError("is not a date (YYYY-MM-DD)")
            return cls(year, month)
        try:
            return cls.of(date.fromisoformat(text))
        except ValueError:
            raise ValueError("is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True, slots=True)
class Place:
    """An address: its line for fuzzy comparison and its postcode with sector and district."""

    line: str | None
    postcode: str | None
    sector: str | None
    district: str | None

    @classmethod
    def of(cls, line: str | None, postcode: str | None) -> Place | None:
        cleaned_line = normalise.address_line(line) if line else ""
        code = normalise.postcode(postcode) if postcode else None
        if not cleaned_line and code is None:
            return None
        return cls(
            line=cleaned_line or None,
            postcode=code,
            sector=normalise.postcode_sector(code) if code else None,
            district=normalise.postcode_district(code) if code else None,
        )


@dataclass(frozen=True, slots=True)
class LinkageRecord:
    """One person as the engine compares them."""

    record_id: str
    given: tuple[Name, ...]
    """Given names in order, first name first (hyphenated ones split: "Amara-Joy" is two)."""
    given_text: str
    family: Name | None
    other_given: tuple[Name, ...]
    """Other given names the person is known by (a known-as name, an alias's first name)."""
    other_family: tuple[Name, ...]
    """Other family names the person is known by (previous surnames, an alias's surname)."""
    birth_date: BirthDate | None
    sex: str | None
    address: Place | None
    other_addresses: tuple[Place, ...]
    identifiers: Mapping[str, str]
    """Valid identifiers only, normalised; an identifier failing its check digit is not evidence."""

    @property
    def has_name(self) -> bool:
        return bool(self.given or self.family or self.other_given or self.other_family)


def _words(text: str | None) -> list[str]:
    return normalise.name_words(text) if text else []


def _identifiers(values: Mapping[str, str | None]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for field, value in values.items():
        if not value or not value.strip():
            continue
        cleaned = normalise.identifier(value)
        check = CHECKED_IDENTIFIERS.get(field)
        if check is None or check(cleaned):
            kept[field] = cleaned
    return kept


def build_record(
    record_id: str,
    *,
    given_names: Sequence[str] = (),
    family_name: str | None = None,
    other_given_names: Iterable[str] = (),
    other_family_names: Iterable[str] = (),
    birth_date: BirthDate | date | None = None,
    sex: str | None = None,
    address_line: str | None = None,
    postcode: str | None = None,
    other_addresses: Iterable[tuple[str | None, str | None]] = (),
    identifiers: Mapping[str, str | None] | None = None,
) -> LinkageRecord:
    """The one place a record is made; raises `UnusableRecord` when it has no name and no identifier."""
    given_words = [word for text in given_names for word in _words(text)]
    family_words = _words(family_name)
    other_given = {name_of(tuple(words)) for text in other_given_names if (words := _words(text))}
    other_family = {name_of(tuple(words)) for text in other_family_names if (words := _words(text))}
    kept_identifiers = _identifiers(identifiers or {})
    places = (Place.of(line, code) for line, code in other_addresses)
    record = LinkageRecord(
        record_id=record_id,
        given=tuple(name_of((word,)) for word in given_words),
        given_text="".join(given_words),
        family=name_of(tuple(family_words)) if family_words else None,
        other_given=tuple(sorted(other_given, key=lambda name: name.text)),
        other_family=tuple(sorted(other_family, key=lambda name: name.text)),
        birth_date=BirthDate.of(birth_date) if isinstance(birth_date, date) else birth_date,
        sex=sex.casefold() if sex and sex.casefold() in _KNOWN_SEXES else None,
        address=Place.of(address_line, postcode),
        other_addresses=tuple(place for place in places if place is not None),
        identifiers=kept_identifiers,
    )
    if not record.has_name and not kept_identifiers:
        raise UnusableRecord("the record has no name and no usable identifier, so it cannot be compared")
    return record


def _alias_parts(aliases: Sequence[PersonName]) -> tuple[list[str], list[str]]:
    return [alias.given_names[0] for alias in aliases if alias.given_names], [alias.family_name for alias in aliases]


def from_person(person: Person, record_id: str = "query") -> LinkageRecord:
    """A referral's (or an agency's) `schemas.Person`.

    Aliases count as other names, and earlier homes as other addresses. An agency's record may hold no name
    (PDS sends some Patients with only an NHS number): it is compared on what it has, its identifiers above all.
    """
    other_given, other_family = _alias_parts(person.aliases)
    address = person.address
    name = person.name
    return build_record(
        record_id,
        given_names=name.given_names if name is not None else (),
        family_name=name.family_name if name is not None else None,
        other_given_names=other_given,
        other_family_names=other_family,
        birth_date=person.birth_date,
        sex=person.sex.value,
        address_line=address.line if address else None,
        postcode=address.postcode if address else None,
        other_addresses=[(previous.line, previous.postcode) for previous in person.previous_addresses],
        identifiers=person.identifiers.present(),
    )


def from_agency_person(candidate: AgencyPerson) -> LinkageRecord:
    """An agency's candidate, identified by the agency's own person id."""
    return from_person(candidate.person, candidate.agency_person_id)


class InterchangePerson(BaseModel):
    """PERSON of the linkage-case interchange format (docs/linkage.md); every field may be null or absent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    given_names: str | None = None
    family_name: str | None = None
    other_names: list[str] = []
    birth_date: str | None = None
    sex: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    identifiers: dict[str, str] = {}
    """Other identifiers by scheme ("upn", "police_nominal_id", or a data set's own, "soc_sec_id")."""

    @field_validator("birth_date")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        if value is not None:
            BirthDate.parse(value)
        return value

    @field_validator("sex")
    @classmethod
    def _a_sex(cls, value: str | None) -> str | None:
        if value is not None and value not in {"male", "female", "unknown"}:
            raise ValueError("must be male, female, unknown or null")
        return value

    @field_validator("other_names", mode="before")
    @classmethod
    def _null_is_none(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("identifiers", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("identifiers")
    @classmethod
    def _schemes(cls, value: dict[str, str]) -> dict[str, str]:
        for scheme, number in value.items():
            if scheme == "nhs_number":
                raise ValueError("an NHS number goes in nhs_number, not there")
            if not _SCHEME.fullmatch(scheme):
                raise ValueError("each scheme is a lower-case name of letters, digits and _ (up to 40)")
            if len(number) > MAX_IDENTIFIER_LENGTH:
                raise ValueError(f"an identifier is at most {MAX_IDENTIFIER_LENGTH} characters")
        return value


def _split_other_names(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """One word is another given or family name (so both); several words a full name, surname last."""
    given: list[str] = []
    family: list[str] = []
    for name in names:
        words = name.split()
        if len(words) == 1:
            given.append(words[0])
            family.append(words[0])
        elif words:
            given.append(words[0])
            family.append(words[-1])
    return given, family


def from_interchange_person(person: InterchangePerson, record_id: str) -> LinkageRecord:
    """A validated interchange PERSON as a record; raises `UnusableRecord`."""
    other_given, other_family = _split_other_names(person.other_names)
    return build_record(
        record_id,
        given_names=[person.given_names] if person.given_names else [],
        family_name=person.family_name,
        other_given_names=other_given,
        other_family_names=other_family,
        birth_date=BirthDate.parse(person.birth_date) if person.birth_date else None,
        sex=person.sex,
        address_line=person.address_line,
        postcode=person.postcode,
        identifiers={**person.identifiers, "nhs_number": person.nhs_number},
    )


def describe_document_problem(error: ValidationError) -> str:
    """The first problem as "field: what is wrong", in a data format's words (a field, not a setting)."""
    return describe_problems(error, first_only=True).replace("unknown setting", "unknown field")


def from_interchange(document: Mapping[str, Any], record_id: str) -> LinkageRecord:
    """A PERSON JSON object as a record; `MalformedPerson` names a bad field, `UnusableRecord` says why."""
    try:
        person = InterchangePerson.model_validate(document)
    except ValidationError as error:
        raise MalformedPerson(describe_document_problem(error)) from None
    return from_interchange_person(person, record_id)
