"""The kinds of linkage case: who can be a subject, and who could be mistaken for them.

Each kind (twins, same name, name change, transposed date, missing identifier, household, easy) says
which people are eligible, who their confusers are (in the order a search would show them), and
which of those an agency must hold for the case to test anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sandbox.linkage.city import City, transposed_birth_date
from sandbox.model.truth import TruePerson


@dataclass(frozen=True)
class Kind:
    """Who can be a subject, who could be mistaken for them, and which of those must be at the agency."""

    eligible: Callable[[TruePerson], bool]
    confusers: Callable[[City, TruePerson], list[str]]
    required: Callable[[City, TruePerson], list[str]] | None
    """Look-alikes of which at least one must be held by the agency (None: no false candidate needed)."""
    fits: Callable[[City, TruePerson, str], bool] | None = None
    """Whether the person's own record at an agency suits the kind (None: any record does)."""


def _unique(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(pid for group in groups for pid in group))


def _twin(_: City, subject: TruePerson) -> list[str]:
    return [subject.twin_of] if subject.twin_of else []


def _twin_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(_twin(city, subject), city.siblings(subject), city.housemates(subject))


def _same_name_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.namesakes(subject), city.housemates(subject))


def _name_change_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(
        city.earlier_name_relatives(subject),
        city.housemates(subject),
        city.namesakes(subject, subject.alias_family_names),
        city.ordered_relatives(subject),
    )


def _transposed_confusers(city: City, subject: TruePerson) -> list[str]:
    swapped = transposed_birth_date(subject.birth_date)
    lookalikes = city.born_on(swapped, subject) if swapped else []
    same_surname = [pid for pid in lookalikes if city.people[pid].family_name == subject.family_name]
    return _unique(same_surname, city.siblings(subject), city.housemates(subject), lookalikes)


def _dated_as_born_or_swapped(city: City, subject: TruePerson, agency: str) -> bool:
    """The person's first record there holds the true birth date or its swap: the query can differ by just a swap."""
    swapped = transposed_birth_date(subject.birth_date)
    recorded = city.recorded_births[agency][city.records[agency][subject.person_id][0]]
    return swapped is not None and recorded in (subject.birth_date.isoformat(), swapped.isoformat())


def _missing_identifier_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.namesakes(subject), city.housemates(subject), city.ordered_relatives(subject))


def _household_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.housemates(subject), city.siblings(subject), city.ordered_relatives(subject))


def _easy_confusers(city: City, subject: TruePerson) -> list[str]:
    """A couple of people born the same day: what a birth-date search brings back besides the person."""
    return city.born_on(subject.birth_date, subject)[:2]


def _everyone(subject: TruePerson) -> bool:
    return True


KIND_RULES: dict[str, Kind] = {
    "twins": Kind(lambda s: s.twin_of is not None, _twin_confusers, _twin),
    "same-name": Kind(_everyone, _same_name_confusers, lambda city, s: city.namesakes(s)),
    "name-change": Kind(
        lambda s: bool(s.alias_family_names or s.preferred_surname), _name_change_confusers, _name_change_confusers
    ),
    "transposed-date": Kind(
        lambda s: transposed_birth_date(s.birth_date) is not None,
        _transposed_confusers,
        _transposed_confusers,
        _dated_as_born_or_swapped,
    ),
    "missing-identifier": Kind(_everyone, _missing_identifier_confusers, _missing_identifier_confusers),
    "household": Kind(_everyone, _household_confusers, _household_confusers),
    "easy": Kind(_everyone, _easy_confusers, None),
}
