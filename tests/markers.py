"""Personal-data markers: strings from the sample family that must never appear where Airflow can see.

The privacy tests search files byte by byte: SQLite databases and their write-ahead logs, full of
ciphertext, wrapped keys and nonces, and text full of random-looking tokens. So a marker must be
too distinctive to turn up in random data by chance, or the suite fails at random: the 3-byte
marker 'Joy' once matched inside ciphertext in `hub.db-wal`.

The chance, and why the rules below make it negligible:
- A marker of n bytes matches random bytes at a given position with probability 256^-n = 2^-8n.
  Scanning B bytes for M markers, the expected number of chance matches is at most B * M * 2^-8n.
  'Joy' (n = 3, 2^-24) in a few MiB of WAL (2^22 bytes) comes to about 1 in 4 per scan: the
  flaky failure. Every marker here has n >= 8 (2^-64): even 4 GiB (2^32) scanned for 64 markers
  (2^6) leaves at most 2^-26, about one chance match in 67 million scans.
- Random data is also written as text: hex (SHA-256 digests in the audit chain and blocking
  tokens, UUIDs) carries 4 bits a character, base64 and its URL-safe form (secrets, tokens) 6
  bits. A marker made only of such characters matches there with probability 2^-4n or 2^-6n.
  Every marker keeps at least 40 bits (`MIN_TEXT_BITS`) in the narrowest alphabet it fits, and
  such text is a small part of what is scanned: well under 1 MiB (2^20 characters) of hex for a
  handful (at most 2^3) of digit-only markers gives at most 2^20 * 2^3 * 2^-40 = 2^-17 per scan. A 10-digit NHS
  number (40 bits as hex) passes; a birth date as YYYYMMDD (8 hex characters, 32 bits) does not.
What remains is every full name (given names with the family name, in both orders), every family
or given name of 8 bytes or more, every name as a JSON string ("Okafor", quotes included) where that
is 8 bytes or more, birth dates as 2015-03-14 and 14/03/2015, NHS numbers and other identifiers, and
the start of the narrative: a leak of any subject's record still contains several of them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable
from pathlib import Path

from tests.conftest import SAMPLE_REFERRAL

MIN_BYTES = 8
"""At least 2^-64 chance of matching random bytes at one position."""
MIN_TEXT_BITS = 40
"""At least 2^-40 chance of matching random hex or base64 text at one position."""

_RANDOM_TEXT = (  # the characters of a text encoding of random data, and the bits each carries
    (frozenset(string.hexdigits), 4),
    (frozenset(string.ascii_letters + string.digits + "+/=-_"), 6),  # base64 and base64url
)


def chance_bits(marker: str) -> int:
    """-log2 of the chance that random data matches `marker` at one position, in the likeliest form of random data.

    Raw random bytes carry 8 bits a byte; random text in an alphabet the marker fits (hex, base64)
    carries 4 or 6 bits a character.
    """
    bits = [8 * len(marker.encode("utf-8"))]
    bits += [len(marker) * per_character for characters, per_character in _RANDOM_TEXT if set(marker) <= characters]
    return min(bits)


def is_distinctive(marker: str) -> bool:
    """Long enough never to match ciphertext, digests or tokens by chance (see the module's docstring)."""
    return len(marker.encode("utf-8")) >= MIN_BYTES and chance_bits(marker) >= MIN_TEXT_BITS


def _name_markers(given_names: list[str], family_name: str) -> Iterable[str]:
    full = " ".join(given_names)
    yield f"{full} {family_name}"
    yield f"{family_name}, {full}"
    for given in given_names:
        yield f"{given} {family_name}"
    for part in (*given_names, family_name):
        yield part
        yield json.dumps(part)  # as in a JSON document: "Okafor"


def sample_family_markers() -> list[str]:
    """Names, birth dates and identifiers of every sample subject, and the narrative: distinctive ones only."""
    raw = json.loads(SAMPLE_REFERRAL.read_text())
    markers: set[str] = set()
    for subject in raw["subjects"]:
        person = subject["person"]
        for name in [person["name"], *person.get("aliases", [])]:
            markers.update(_name_markers(name["given_names"], name["family_name"]))
        if birth_date := person.get("birth_date"):
            year, month, day = birth_date.split("-")
            markers.update({birth_date, f"{day}/{month}/{year}", f"{year}{month}{day}"})
        markers.update(value for value in person.get("identifiers", {}).values() if value)
    markers.add(raw["narrative"][:40])
    return sorted(marker for marker in markers if is_distinctive(marker))


def files_containing(root: Path, markers: list[str]) -> dict[str, list[str]]:
    """Every file under root (database files included, read as bytes) with the markers found in it.

    Refuses a marker short enough to match random bytes by chance (`is_distinctive`).
    """
    if short := [marker for marker in markers if not is_distinctive(marker)]:
        raise ValueError(f"markers too short to search binary files for without chance matches: {short}")
    found: dict[str, list[str]] = {}
    encoded = [(marker, marker.encode()) for marker in markers]
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = [marker for marker, raw in encoded if raw in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found
