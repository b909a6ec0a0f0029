"""How an agency's copy of a person drifts from the truth, and the ledger of what drifted.

Each agency view starts from the true details (`Draft.of`) and passes them through its `Noiser`,
which tries every noise kind in a fixed order. A record is *eligible* for a kind when that kind
could change it (only a birth day of 12 or less can be swapped with the month); an eligible
record gets the error with the configured probability. The ledger counts both, so the manifest
reports the rate actually produced next to the rate asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sandbox.model.records import PreviousAddress
from sandbox.model.truth import REFERENCE_DATE, TruePerson
from sandbox.world.city.garbling import spelling_variant, typo
from sandbox.world.city.name_variants import NICKNAMES, SPELLING_VARIANTS
from sandbox.world.settings import NOISE_KINDS, UNSUPPORTED, NoiseRates


@dataclass(slots=True)
class Draft:
    """The identifying details an agency is about to record, before and after noise."""

    given: list[str]
    family: str
    birth_date: date | None
    sex: str | None
    line: str | None
    postcode: str | None
    address_since: date | None
    previous_addresses: tuple[PreviousAddress, ...]
    earlier_surnames: tuple[str, ...]
    """Surnames the agency also knows the person by (all earlier ones, unless noise took one)."""
    knows_current_surname: bool = True

    @classmethod
    def of(cls, person: TruePerson) -> Draft:
        return cls(
            given=list(person.given_names),
            family=person.family_name,
            birth_date=person.birth_date,
            sex=person.sex,
            line=person.address_line,
            postcode=person.postcode,
            address_since=person.address_since,
            previous_addresses=person.previous_addresses,
            earlier_surnames=person.alias_family_names,
        )


@dataclass
class NoiseLedger:
    """Eligible and applied counts per agency and kind, across every batch of a generation."""

    configured: dict[str, dict[str, float]]
    counts: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {
            agency: {kind: [0, 0] for kind in NOISE_KINDS if kind not in UNSUPPORTED[agency]}
            for agency in self.configured
        }

    def report(self) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """Per agency and kind it can show: eligible, applied, produced rate (None if none eligible), configured."""
        return {
            agency: {
                kind: {
                    "eligible": eligible,
                    "applied": applied,
                    "rate": round(applied / eligible, 6) if eligible else None,
                    "configured": self.configured[agency][kind],
                }
                for kind, (eligible, applied) in kinds.items()
            }
            for agency, kinds in self.counts.items()
        }


def _varies(name: str) -> bool:
    """Whether a name (or a part of a compound one) has another recorded spelling."""
    if name in SPELLING_VARIANTS:
        return True
    return any(
        separator in name and any(part in SPELLING_VARIANTS for part in name.split(separator))
        for separator in ("-", " ")
    )


def _transposed(born: date) -> date:
    return date(born.year, born.day, born.month)


def _digit_typo(rng: random.Random, born: date) -> date:
    """One digit of YYYYMMDD mistyped, giving another real date that is not in the future."""
    digits = born.strftime("%Y%m%d")
    for _ in range(20):
        position = rng.choice((2, 3, 3, 6, 7, 7))
        changed = digits[:position] + str(rng.randrange(10)) + digits[position + 1 :]
        if changed == digits:
            continue
        try:
            candidate = date(int(changed[:4]), int(changed[4:6]), int(changed[6:]))
        except ValueError:
            continue
        if candidate <= REFERENCE_DATE:
            return candidate
    return born.replace(day=born.day + 1 if born.day < 28 else born.day - 1)


class Noiser:
    """Applies one agency's configured noise to drafts, counting into the shared ledger."""

    def __init__(self, agency: str, rates: NoiseRates, rng: random.Random, ledger: NoiseLedger) -> None:
        self._rng = rng
        self._rates = rates.rates()
        self._counts = ledger.counts[agency]

    def _hit(self, kind: str) -> bool:
        """Count one eligible record for `kind` and decide whether it gets the error."""
        counts = self._counts.get(kind)
        if counts is None:
            return False
        counts[0] += 1
        rate = self._rates[kind]
        if rate and self._rng.random() < rate:
            counts[1] += 1
            return True
        return False

    def duplicate(self) -> bool:
        """Whether this (original) record gets a second record for the same person."""
        return self._hit("duplicate")

    def apply(self, draft: Draft, person: TruePerson) -> Draft:
        rng = self._rng
        if person.alias_family_names and self._hit("old_surname"):
            draft.family = person.alias_family_names[0]
            draft.earlier_surnames = person.alias_family_names[1:]
            draft.knows_current_surname = False
        if "-" in draft.family and self._hit("hyphenated_part"):
            draft.family = rng.choice(draft.family.split("-"))
        nicknames = (person.known_as,) if person.known_as else NICKNAMES.get(draft.given[0], ())
        if nicknames and self._hit("nickname"):
            draft.given[0] = rng.choice(nicknames)
        given_varies, family_varies = _varies(draft.given[0]), _varies(draft.family)
        if (given_varies or family_varies) and self._hit("spelling_variant"):
            if given_varies and (not family_varies or rng.random() < 0.5):
                draft.given[0] = spelling_variant(rng, draft.given[0]) or draft.given[0]
            else:
                draft.family = spelling_variant(rng, draft.family) or draft.family
        if len(draft.given) > 1 and self._hit("middle_name_dropped"):
            del draft.given[1:]
        if self._hit("typo"):
            if rng.random() < 0.5:
                draft.given[0] = typo(rng, draft.given[0])
            else:
                draft.family = typo(rng, draft.family)
        if self._hit("names_swapped"):
            draft.given[0], draft.family = draft.family, draft.given[0]
        self._dates(draft)
        if draft.sex is not None and self._hit("missing_sex"):
            draft.sex = None
        if person.previous_addresses and self._hit("old_address"):
            moved_from = person.previous_addresses[0]
            draft.line, draft.postcode = moved_from.line, moved_from.postcode
            draft.address_since = moved_from.start
            draft.previous_addresses = person.previous_addresses[1:]
        if draft.postcode and self._hit("missing_postcode"):
            draft.postcode = None
        return draft

    def _dates(self, draft: Draft) -> None:
        born = draft.birth_date
        if born is None:
            return
        swappable = born.day <= 12 and born.day != born.month and _transposed(born) <= REFERENCE_DATE
        if swappable and self._hit("day_month_transposed"):
            born = _transposed(born)
        if self._hit("birth_date_typo"):
            born = _digit_typo(self._rng, born)
        draft.birth_date = None if self._hit("missing_birth_date") else born
