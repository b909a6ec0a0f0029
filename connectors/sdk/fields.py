"""Reading one agency record's fields: a bad value is a missing field, with a note, never a failed reply.

Agencies' records hold mistyped values: a birth date of 30 February, a postcode with a letter
missing, an NHS number failing its check digit. Such a value says nothing usable about that one
field of that one record, so it is left out of that record (None), with a note, and the record,
the reply and every other candidate are used as usual. Refusing the whole reply would hide every
other record the agency holds (a false "no record" is the failure that hides risk).

Only values are treated so. A reply that is not the agency's format at all (not JSON, a required
element missing, a list where a record should be) is still `MalformedReply`.

Notes name the field and what is wrong with it, never the value, which may be personal data:
"birth date is not a date, so it was left out". They travel on the candidate
(`AgencyPerson.set_aside`), and the check's result names the record they belong to.
"""

from __future__ import annotations

import re
from datetime import date

from schemas.identifiers import is_valid_nhs_number, is_valid_upn, normalise_nhs_number

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
"""A UK postcode's shape (outward code, then a digit and two letters), compared in capitals."""
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RecordFields:
    """Reads the fields of one agency record; each unusable value becomes None and a note in `set_aside`."""

    def __init__(self) -> None:
        self.set_aside: list[str] = []

    def left_out(self, field: str, problem: str) -> None:
        """Note that `field` was left out because its value `problem` (words only, never the value)."""
        self.set_aside.append(f"{field} {problem}, so it was left out")

    def birth_date(self, value: object, field: str = "birth date") -> date | None:
        """A full ISO date (YYYY-MM-DD); anything else, a partial date included, is left out."""
        if value is None or isinstance(value, date):
            return value
        if isinstance(value, str) and ISO_DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.left_out(field, "is not a date")
        return None

    def postcode(self, value: object, field: str = "postcode") -> str | None:
        """A UK postcode (any case and spacing); anything else is left out. An empty value is no value."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and POSTCODE.match(" ".join(value.upper().split())):
            return value
        self.left_out(field, "is not a UK postcode")
        return None

    def nhs_number(self, value: object, field: str = "NHS number") -> str | None:
        """Ten digits passing the modulus 11 check; anything else is not trusted as an identifier."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and is_valid_nhs_number(normalise_nhs_number(value)):
            return normalise_nhs_number(value)
        self.left_out(field, "is not a valid NHS number")
        return None

    def upn(self, value: object, field: str = "UPN") -> str | None:
        """A Unique Pupil Number with its check letter right; anything else is not trusted as an identifier."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and is_valid_upn(value.strip().upper()):
            return value.strip().upper()
        self.left_out(field, "is not a valid UPN")
        return None
