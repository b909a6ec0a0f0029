"""The council's schools register: each school's DfE number, name and pupils on roll, from a CSV file.

The council exports it from Get Information about Schools (GIAS: "LA (code)" and "EstablishmentNumber" make
the DfE number, "EstablishmentName" the name, "NumberOfPupils" the roll) or from its own education system,
with the header `dfe_number,name,pupils`, and loads it with `hub insight load-schools FILE`. A referral names
its school only as the referrer typed it, so schools are matched by name, ignoring case, accents and
punctuation: "St Mary's C of E Primary" and "st marys c of e primary" are one school.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from hub.errors import UserError
from hub.store.insight_records import RegisteredSchool

COLUMNS = ("dfe_number", "name", "pupils")
MAX_SCHOOLS = 10_000
MAX_BYTES = 4 * 1024 * 1024
_DFE = re.compile(r"^\d{3}/\d{4}$")
_LETTERS = re.compile(r"[^a-z0-9]+")


class RegisterError(UserError):
    """The file cannot be the register; one line naming the line and the field. Nothing is loaded."""


def school_key(name: str) -> str:
    """A school's name as names are matched: lower-case letters and digits, words separated by one space."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(part for part in _LETTERS.split(plain.replace("'", "")) if part)


def read_register(path: Path) -> list[RegisteredSchool]:
    """Every school in the file, checked; a `RegisterError` naming the first problem's line and field."""
    name = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RegisterError(
                f"{name}: the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; is it the register?"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = "is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else "cannot be read"
        raise RegisterError(f"{name} {reason}: export the register as a UTF-8 CSV file.") from None
    reader = csv.reader(text.splitlines())
    header = [column.strip() for column in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise RegisterError(f"{name} line 1: the header must be {','.join(COLUMNS)}")
    schools: dict[str, RegisteredSchool] = {}
    keys: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            raise RegisterError(f"{name} line {line}: expected {len(COLUMNS)} columns ({','.join(COLUMNS)})")
        number, school, pupils = (cell.strip() for cell in row)
        if not _DFE.match(number):
            raise RegisterError(
                f"{name} line {line}: dfe_number must be the LA code and establishment number, 886/2001"
            )
        if not school or len(school) > 200:
            raise RegisterError(f"{name} line {line}: name must be the school's name, at most 200 characters")
        if not pupils.isdigit() or int(pupils) > 10_000:
            raise RegisterError(f"{name} line {line}: pupils must be a whole number from 0 to 10000")
        if number in schools:
            raise RegisterError(f"{name} line {line}: dfe_number {number} is listed twice")
        if school_key(school) in keys:
            raise RegisterError(
                f"{name} line {line}: name is the same as line {keys[school_key(school)]}'s; referrals name schools, "
                "so each needs a name of its own"
            )
        keys[school_key(school)] = line
        schools[number] = RegisteredSchool(number, school, int(pupils))
        if len(schools) > MAX_SCHOOLS:
            raise RegisterError(f"{name}: more than {MAX_SCHOOLS} schools; is it one council's register?")
    if not schools:
        raise RegisterError(f"{name}: no schools below the header")
    return list(schools.values())
