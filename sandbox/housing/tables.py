"""The housing sandbox's tables: people by (previous) surname and birth date, tenancies by postcode, cases by person.

A housing person has no address of their own, so a postcode search goes through the tenancies;
`sandbox.housing.search` reads the keys `sandbox.housing.keys` builds.
"""

from __future__ import annotations

from sandbox.common.store import Key, TableSpec, date_key
from sandbox.housing.keys import postcode_key, surname_birth_keys
from sandbox.model.records import HomelessnessCase, HousingPerson, Tenancy

HOUSING_PEOPLE = TableSpec(
    "people",
    HousingPerson,
    lambda p: p.person_ref,
    keys=(
        Key("person_id", lambda p: p.person_id),
        Key("surname_births", surname_birth_keys, multi=True),
    ),
)
"""Housing people are found by (previous) surname and birth date, or through the tenancies at a postcode:
see `sandbox.housing.search`. person_id is for scoring linkage only."""
TENANCIES = TableSpec(
    "tenancies",
    Tenancy,
    lambda t: t.tenancy_ref,
    keys=(
        Key("start_date", lambda t: date_key(t.start)),
        Key("postcode", lambda t: postcode_key(t.postcode)),
        Key("person_refs", lambda t: [t.tenant_ref, *(ref for ref, _ in t.members)], multi=True),
    ),
)
HOMELESSNESS = TableSpec(
    "homelessness",
    HomelessnessCase,
    lambda c: c.case_ref,
    keys=(Key("person_refs", lambda c: [c.applicant_ref, *(ref for ref, _ in c.members)], multi=True),),
)
