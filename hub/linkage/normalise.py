"""How names, addresses and postcodes are put into one form before they are compared.

Agencies differ in case, accents, spacing, hyphens and apostrophes ("O'Brien", "OBRIEN",
"Okafor–Reid"); none of that is evidence, so it is removed once, when a record is built.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTER = re.compile(r"[^a-z]+")
_NAME_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_/]+")
_ADDRESS_NOISE = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9])([A-Z]{2})$")

NAME_PARTICLES = frozenset(
    {"de", "da", "das", "do", "dos", "du", "del", "della", "di", "van", "von", "der", "den", "ter", "la", "le"}
    | {"el", "al", "bin", "binti", "bint", "ibn", "ben", "st", "ap", "ni", "nic", "mac", "mc", "o"}
)
"""Short words inside compound surnames that never identify a family on their own ("de" in "de Souza")."""


def fold(text: str) -> str:
    """Lower case without accents: "Zoë" and "ZOE" both become "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def name_words(text: str) -> list[str]:
    """The words of a name, split at spaces and hyphens, letters only: "Amara-Joy" → ["amara", "joy"]."""
    words = (_NOT_LETTER.sub("", word) for word in _NAME_SEPARATORS.split(fold(text)))
    return [word for word in words if word]


def squash(text: str) -> str:
    """A name with everything but its letters removed: "Okafor-Reid" → "okaforreid"."""
    return "".join(name_words(text))


def address_line(text: str) -> str:
    """An address line in one form for fuzzy comparison: lower case, words separated by single spaces."""
    return " ".join(_ADDRESS_NOISE.sub(" ", fold(text)).split())


def postcode(text: str) -> str | None:
    """A UK postcode as "NE6 5QT", or None when the text is not shaped like one."""
    compact = "".join(text.split()).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_sector(code: str) -> str:
    """The sector of a normalised postcode: "NE6 5QT" → "NE6 5"."""
    return code[:-2]


def postcode_district(code: str) -> str:
    """The district (outward code) of a normalised postcode: "NE6 5QT" → "NE6"."""
    return code.split(" ", 1)[0]


def identifier(value: str) -> str:
    """An identifier without spaces or hyphens, in upper case: "999 000 1014" → "9990001014"."""
    return re.sub(r"[\s\-]", "", value).upper()
