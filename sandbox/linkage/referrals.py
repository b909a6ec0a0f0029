"""A case's query: the person as a referral describes them.

The query holds the person's true details, garbled as referrals are: no NHS number, a nickname,
only the first given name, an old address, now and then no birth date. Each rate is a probability
per case.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sandbox.linkage.city import transposed_birth_date
from sandbox.linkage.interchange import person
from sandbox.model.truth import TruePerson
from sandbox.world.city.garbling import nickname_for, spelling_variant

# How referrals describe people (each a probability per case).
NHS_NUMBER_GIVEN = 0.45
FIRST_GIVEN_NAME_ONLY = 0.35
NICKNAME_GIVEN = 0.12
KNOWN_AS_AMONG_OTHER_NAMES = 0.3
SPELT_DIFFERENTLY = 0.04
NO_BIRTH_DATE = 0.03
NO_SEX = 0.05
OLD_ADDRESS = 0.12
NO_ADDRESS = 0.06
PREFERRED_SURNAME_GIVEN = 0.5
NO_BIRTH_DATE_WITHOUT_IDENTIFIERS = 0.55


def _referral_given_names(subject: TruePerson, rng: random.Random) -> tuple[list[str], list[str]]:
    """Given names as referred (often only the first; sometimes a nickname) and other names they go by."""
    given = list(subject.given_names[:1] if rng.random() < FIRST_GIVEN_NAME_ONLY else subject.given_names)
    others: list[str] = []
    nickname = subject.known_as or nickname_for(rng, given[0])
    if nickname and rng.random() < NICKNAME_GIVEN:
        others.append(given[0])
        given[0] = nickname
    elif subject.known_as and rng.random() < KNOWN_AS_AMONG_OTHER_NAMES:
        others.append(subject.known_as)
    if rng.random() < SPELT_DIFFERENTLY:
        given[0] = spelling_variant(rng, given[0]) or given[0]
    return given, others


def _referral_family_name(subject: TruePerson, kind: str, rng: random.Random) -> tuple[str, list[str]]:
    """The surname a referral gives: usually the current one; for name changes often an earlier or a used one."""
    family = subject.family_name
    if subject.preferred_surname and rng.random() < PREFERRED_SURNAME_GIVEN:
        return subject.preferred_surname, [family] if rng.random() < 0.5 else []
    if kind == "name-change" and subject.alias_family_names:
        draw = rng.random()
        if draw < 0.4:
            return family, list(subject.alias_family_names)
        if draw < 0.7:
            return subject.alias_family_names[0], []
    return family, []


def _referral_address(subject: TruePerson, rng: random.Random) -> tuple[str | None, str | None]:
    draw = rng.random()
    if draw < NO_ADDRESS:
        return None, None
    if draw < NO_ADDRESS + OLD_ADDRESS and subject.previous_addresses:
        moved_from = subject.previous_addresses[0]
        return moved_from.line, moved_from.postcode
    return subject.address_line, subject.postcode


def _referral_birth_date(subject: TruePerson, kind: str, held: list[dict[str, Any]], rng: random.Random) -> date | None:
    """For transposed-date cases the query and the person's record disagree by a day-month swap."""
    if kind == "transposed-date":
        swapped = transposed_birth_date(subject.birth_date)
        recorded_swapped = swapped is not None and held[0]["birth_date"] == swapped.isoformat()
        return subject.birth_date if recorded_swapped else swapped
    missing = NO_BIRTH_DATE_WITHOUT_IDENTIFIERS if kind == "missing-identifier" else NO_BIRTH_DATE
    return None if rng.random() < missing else subject.birth_date


def referral_query(subject: TruePerson, kind: str, held: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """The subject as a referral describes them; `held` are their records at the agency searched."""
    given, other_given = _referral_given_names(subject, rng)
    family, other_family = _referral_family_name(subject, kind, rng)
    if rng.random() < SPELT_DIFFERENTLY:
        family = spelling_variant(rng, family) or family
    born = _referral_birth_date(subject, kind, held, rng)
    sex = None if rng.random() < NO_SEX else subject.sex
    line, postcode = _referral_address(subject, rng)
    nhs_given = kind != "missing-identifier" and rng.random() < NHS_NUMBER_GIVEN
    return person(
        " ".join(given), family, (*other_family, *other_given), born, sex, line, postcode,
        subject.nhs_number if nhs_given else None,
    )  # fmt: skip
