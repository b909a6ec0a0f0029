"""A small handcrafted housing population that shows every feature of the housing sandbox.

The Dunmore household of 7 Rowan Court fell behind with the rent, was served a notice seeking
possession, went through the courts to eviction and then applied as homeless with two children.
Kerry Dunmore was Kerry Beckett before she married; her partner Dean Pryce was added to the
tenancy without a birth date. Lee Dunmore (no birth date either) lives elsewhere. The examples in
`docs/sandboxes/housing.md` and the housing tests are written against exactly these records.
"""

from __future__ import annotations

from datetime import date

from sandbox.model.records import Arrears, AsbCase, HomelessnessCase, HousingPerson, HousingRecords, Notice, Tenancy
from sandbox.model.truth import Population

ROWAN_COURT = "7 Rowan Court, Northbridge"
ROWAN_COURT_POSTCODE = "NE3 2RW"
CLAIM = "K00NB417"
"""The county court claim number: every stage of the possession proceedings carries it."""

KERRY = HousingPerson("HP100001", "X-KERRY", "Dunmore", "Kerry", date(1990, 2, 17), "female", ("Beckett",))
JAYDEN = HousingPerson("HP100002", "X-JAYDEN", "Dunmore", "Jayden", date(2016, 8, 30), "male")
MIA = HousingPerson("HP100003", "X-MIA", "Dunmore", "Mia", date(2020, 1, 5), "female")
DEAN = HousingPerson("HP100004", "X-DEAN", "Pryce", "Dean", None, "male")
LEE = HousingPerson("HP100005", "X-LEE", "Dunmore", "Lee", None)


def _rent_arrears_to_eviction() -> Tenancy:
    return Tenancy(
        tenancy_ref="TEN100001",
        address_line=ROWAN_COURT,
        postcode=ROWAN_COURT_POSTCODE,
        tenure="secure council tenancy",
        start=date(2017, 5, 1),
        end=date(2025, 8, 18),
        tenant_ref=KERRY.person_ref,
        members=((JAYDEN.person_ref, "child"), (MIA.person_ref, "child"), (DEAN.person_ref, "partner")),
        arrears=(
            Arrears(date(2024, 6, 3), 61240, 5),
            Arrears(date(2024, 10, 7), 138890, 11),
            Arrears(date(2025, 2, 3), 214000, 17),
        ),
        notices=(
            Notice("NSP100001", "notice_seeking_possession", date(2024, 7, 15), "Ground 10 (rent arrears)"),
            Notice(CLAIM, "possession_claim", date(2024, 11, 20), "Ground 10 (rent arrears)"),
            Notice(CLAIM, "possession_order_suspended", date(2025, 1, 14), "Ground 10 (rent arrears)"),
            Notice(CLAIM, "warrant_of_possession", date(2025, 6, 30), "Ground 10 (rent arrears)"),
            Notice(CLAIM, "eviction", date(2025, 8, 18), "Ground 10 (rent arrears)"),
        ),
        asb_cases=(AsbCase("ASB100001", date(2023, 3, 10), "noise", DEAN.person_ref, "warning"),),
    )


def _lee_tenancy() -> Tenancy:
    return Tenancy(
        tenancy_ref="TEN100002",
        address_line="22 Kiln Street, Northbridge",
        postcode="NE8 4KS",
        tenure="introductory tenancy",
        start=date(2025, 3, 3),
        end=None,
        tenant_ref=LEE.person_ref,
        members=(),
    )


def _homeless_after_eviction() -> HomelessnessCase:
    return HomelessnessCase(
        case_ref="HL100001",
        applicant_ref=KERRY.person_ref,
        members=((JAYDEN.person_ref, "child"), (MIA.person_ref, "child"), (DEAN.person_ref, "partner")),
        application_date=date(2025, 8, 19),
        duty="relief",
        temporary_accommodation=True,
        reason="rent_arrears",
        temporary_accommodation_type="bed_and_breakfast",
    )


def example_population() -> Population:
    """The Dunmore household and Lee Dunmore: housing records only (no other agency knows them)."""
    return Population(
        seed=0,
        housing=HousingRecords(
            people=[KERRY, JAYDEN, MIA, DEAN, LEE],
            tenancies=[_rent_arrears_to_eviction(), _lee_tenancy()],
            homelessness=[_homeless_after_eviction()],
        ),
    )
