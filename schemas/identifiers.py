"""Validation of UK public-sector identifiers, shared by schemas, sandboxes and linkage."""

from __future__ import annotations

import re

_NHS_NUMBER = re.compile(r"^\d{10}$")
_UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for the first nine digits, or None where no valid number exists."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    if not _NHS_NUMBER.match(value):
        return False
    return nhs_number_check_digit(value[:9]) == int(value[9])


def normalise_nhs_number(value: str) -> str:
    """Accept the common "943 476 5919" presentation and return the bare ten digits."""
    return re.sub(r"[\s-]", "", value)


_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(last_twelve: str) -> str:
    """DfE check letter: characters 2-13 weighted 2..13, summed, modulus 23, mapped to letters.

    A trailing letter (temporary UPNs) counts by its position in the same alphabet.
    """
    total = 0
    for weight, char in enumerate(last_twelve, start=2):
        total += weight * (int(char) if char.isdigit() else _UPN_CHECK_LETTERS.index(char))
    return _UPN_CHECK_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    """A UPN is 13 characters: a check letter, eleven digits, then a digit or letter."""
    if not _UPN.match(value) or (not value[-1].isdigit() and value[-1] not in _UPN_CHECK_LETTERS):
        return False
    return upn_check_letter(value[1:]) == value[0]
