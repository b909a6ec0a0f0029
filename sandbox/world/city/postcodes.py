"""Northbridge's postcodes: its outward codes, the letters a unit postcode may end in, and checking a postcode.

A UK postcode is an outward code (district, "NE6") and an inward code (sector digit and two unit
letters, "5QT"); about 15 addresses share a unit. Northbridge's districts are NE1 to NE40.
"""

from __future__ import annotations

import re

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
"""Letters allowed in the last two places of a UK postcode (never C, I, K, M, O or V)."""
POSTCODE_DISTRICTS = tuple(f"NE{number}" for number in range(1, 41))
"""Northbridge's outward codes."""

_POSTCODE = re.compile(
    r"(?P<outward>GIR|[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"\s*(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})"
)


def _match_postcode(text: str) -> re.Match[str] | None:
    match = _POSTCODE.fullmatch(text.strip().upper())
    if match is not None and match["outward"] == "GIR" and match["inward"] != "0AA":
        return None
    return match


def validate_postcode(text: str) -> bool:
    """Whether `text` is a UK postcode in the Royal Mail format, in any case, spaced or not ("ne65qt" is)."""
    return _match_postcode(text) is not None


def normalise_postcode(text: str) -> str:
    """A postcode in its canonical form: upper case, one space before the inward code ("ne65qt" → "NE6 5QT")."""
    match = _match_postcode(text)
    if match is None:
        raise ValueError(f"not a UK postcode: {text!r}")
    return f"{match['outward']} {match['inward']}"
