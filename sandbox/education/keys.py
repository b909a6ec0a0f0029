"""How a pupil is indexed for search: by every UPN it has had, and by `surname␟birth_date` per surname.

A school's admin screen finds a pupil by UPN, where the UPN may be the current or a former one, or
by surname and date of birth, where the surname may be the legal, former or preferred one. Each is
one lookup in a side table that holds only the values that exist (most pupils have no former UPN,
so a plain column would be mostly NULL and its index statistics would steer SQLite to a full scan).
The same functions build the keys when the population is written and when it is searched.
"""

from __future__ import annotations

from datetime import date

from sandbox.common.store import search_key
from sandbox.model.records import Pupil

SEPARATOR = "\x1f"
"""ASCII unit separator: cannot be typed into a name."""


def surname_birth_key(surname: str, birth_date: date) -> str | None:
    """The key for one (surname, birth date) pair, or None when the surname is blank."""
    name = search_key(surname)
    return f"{name}{SEPARATOR}{birth_date.isoformat()}" if name else None


def surname_birth_keys(pupil: Pupil) -> list[str]:
    """Keys for the legal, former and preferred surnames, without repeats."""
    names = (pupil.surname, pupil.former_surname, pupil.preferred_surname)
    keys = (surname_birth_key(name, pupil.dob) for name in names if name)
    return list(dict.fromkeys(key for key in keys if key))


def upn_key(upn: str | None) -> str | None:
    """UPNs compare upper-cased and without spaces, as typed into a search screen."""
    compact = "".join((upn or "").split()).upper()
    return compact or None


def upn_keys(pupil: Pupil) -> list[str]:
    """The current UPN and the former one, if any."""
    keys = (upn_key(upn) for upn in (pupil.upn, pupil.former_upn))
    return list(dict.fromkeys(key for key in keys if key))
