"""The education sandbox's one table: CTF pupils, keyed by current or former UPN and by surname with birth date."""

from __future__ import annotations

from sandbox.common.store import Key, TableSpec
from sandbox.education.keys import surname_birth_keys, upn_keys
from sandbox.model.records import Pupil

PUPILS = TableSpec(
    "pupils",
    Pupil,
    lambda p: p.upn,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("upns", upn_keys, multi=True),
        Key("surname_births", surname_birth_keys, multi=True),
    ),
)
"""Pupils are found by current or former UPN, or by legal, former or preferred surname with birth date: see
`sandbox.education.keys`. person_id is for scoring linkage only."""
