"""The person index: every referral subject the hub has seen, findable without a plaintext column.

A new referral must be linked to the hub's earlier referrals (about one in five is a re-referral
within a year). Each subject is stored encrypted under its referral's key, and found through
blocking tokens: HMAC-SHA256, under a data key of its own from the key provider, of coarse keys
such as "birth date + the sound of the surname". Equal people give equal tokens; the tokens alone
reveal nothing to someone reading the database, and cannot be checked against a guess without the
key. The few subjects a lookup finds are then decrypted and judged by the linkage model.

Blocking keys are deliberately forgiving, so a typo, a swapped day and month, a changed surname or
a nickname still shares at least one key with the earlier record:

* the NHS number;
* birth date with the sound of each family-name part (an old surname, or one half of a
  double-barrelled one, still meets);
* birth date with the sound of the first given name (a changed surname still meets);
* birth year with the sounds of first given and family name (a swapped day and month still meets);
* postcode with the sound of each family-name part (a wrong birth date still meets).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import jellyfish

from schemas import Person, PersonName

INDEX_KEY_ID = "hub:person-index"
TOKEN_DOMAIN = "person-index"  # noqa: S105 - an HMAC domain label, not a secret
_LETTERS = re.compile(r"[^a-z]+")


def _parts(text: str) -> list[str]:
    """Lower-case ASCII letters of each word (accents dropped; hyphens, apostrophes and spaces split)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return [part for part in _LETTERS.split(folded) if part]


def sound(word: str) -> str:
    """The Metaphone code of one word: spelling variants and homophones share it."""
    return str(jellyfish.metaphone(word)) or word


def _family_sounds(names: Iterable[PersonName]) -> set[str]:
    return {sound(part) for name in names for part in _parts(name.family_name)}


def _first_given_sounds(names: Iterable[PersonName]) -> set[str]:
    return {sound(_parts(name.given_names[0])[0]) for name in names if name.given_names and _parts(name.given_names[0])}


def blocking_keys(person: Person) -> set[str]:
    """The coarse keys this person is indexed and searched under (plaintext: hash before storing)."""
    names = [name for name in (person.name, *person.aliases) if name is not None]
    families, givens = _family_sounds(names), _first_given_sounds(names)
    keys: set[str] = set()
    if person.identifiers.nhs_number:
        keys.add(f"nhs:{person.identifiers.nhs_number}")
    if person.birth_date is not None:
        born = person.birth_date.isoformat()
        keys |= {f"dob:{born}|family:{family}" for family in families}
        keys |= {f"dob:{born}|given:{given}" for given in givens}
        keys |= {f"yob:{person.birth_date.year}|{given}|{family}" for given in givens for family in families}
    if person.address is not None and person.address.postcode:
        postcode = person.address.postcode.replace(" ", "")
        keys |= {f"postcode:{postcode}|family:{family}" for family in families}
    return keys


@dataclass(frozen=True)
class IndexedSubject:
    """A subject of an earlier referral, as the index holds them."""

    referral_id: str
    subject_id: str
    received_at: datetime
    person: Person
    shared_keys: int
    """How many blocking keys it shares with the person looked up (more: a likelier candidate)."""


def chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Bounded IN lists: SQLite and PostgreSQL both cap the parameters of one statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
