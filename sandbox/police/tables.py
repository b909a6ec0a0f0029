"""The police sandbox's tables: nominals with their name-and-birth keys, occurrences, and Public Protection Notices.

`sandbox.police.keys` builds a nominal's keys and `sandbox.police.search` reads them back as ranges;
occurrences are found by date and by the nominals in them.
"""

from __future__ import annotations

from sandbox.common.store import Key, TableSpec, date_key
from sandbox.model.records import PoliceNominal, PoliceOccurrence, ProtectionNotice
from sandbox.police.keys import name_birth_keys, surname_birth_keys


def _postcode_key(postcode: str | None) -> str | None:
    return postcode.replace(" ", "").upper() if postcode else None


NOMINALS = TableSpec(
    "nominals",
    PoliceNominal,
    lambda n: n.nominal_id,
    keys=(
        Key("person_id", lambda n: n.person_id),
        Key("birth_date", lambda n: date_key(n.date_of_birth)),
        Key("postcode", lambda n: _postcode_key(n.address.postcode) if n.address else None),
        Key("surname_births", surname_birth_keys, multi=True),
        Key("name_births", name_birth_keys, multi=True),
    ),
)
"""Nominals are found by (alias) surname, optionally (alias) forename, and a birth date or range: see
`sandbox.police.keys`. The postcode narrows a search; person_id is for scoring linkage only."""
OCCURRENCES = TableSpec(
    "occurrences",
    PoliceOccurrence,
    lambda o: o.occurrence_id,
    keys=(
        Key("occurred_on", lambda o: date_key(o.occurred_on)),
        Key("nominal_ids", lambda o: [nominal_id for nominal_id, _ in o.persons], multi=True),
    ),
)
NOTICES = TableSpec(
    "notices",
    ProtectionNotice,
    lambda n: n.ppn_id,
    keys=(Key("nominal_id", lambda n: n.nominal_id), Key("occurrence_id", lambda n: n.occurrence_id)),
)
