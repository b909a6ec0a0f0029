"""A small handcrafted health population that shows every feature of the health sandbox.

- Nadia Rahman is a restricted (`R`) patient: PDS shows her without address or GP, and never
  returns her to a search that names a postcode. She attended A&E and is on a child protection plan.
- Chloe Bennett was Chloe Marsh and lived at Chapel Row before Alder Grove: a history search finds
  her by her old surname or old postcode. She was looked after for a year.
- Oliver Quinn's PDS birth date is 7 April 2014; a referral that says 4 July 2014 (the day and month
  swapped) finds him only by fuzzy search. His NHS number is present but not traced (status 02).
- Mia Smyth is found by a fuzzy search for "Mia Smith" (the names sound alike).
- Patient "Minimal" is a minimal record: PDS holds no name for this girl, only her NHS number, birth
  date and home, so only a search by NHS number finds her. She attended A&E.
- Twelve boys called Jack Taylor were born on 15 January 2016, each at a different address; one is
  Jack Ryan Taylor. A search on name and birth date alone finds too many of them.

The examples in `docs/sandboxes/health.md` and the health tests are written against these records.
"""

from __future__ import annotations

import uuid
from datetime import date

from sandbox.model.places import COUNCIL, GP_PRACTICES, HOSPITAL
from sandbox.model.records import HealthEncounter, HealthFlag, HealthPatient, HealthRecords, PreviousAddress
from sandbox.model.truth import Population

_NAMESPACE = uuid.UUID("6f0f3c5e-2b0d-4c55-9a39-4a6c1f7d2e10")
JACK_BIRTH_DATE = date(2016, 1, 15)
JACK_POSTCODE = "NE7 1TS"
"""Where the Jack Taylor at 7 Beacon Street lives."""
JACK_NHS_NUMBERS = (
    "9991001042",
    "9991001050",
    "9991001069",
    "9991001077",
    "9991001085",
    "9991001093",
    "9991001107",
    "9991001115",
    "9991001123",
    "9991001131",
    "9991001158",
    "9991001166",
)


def patient_id(name: str) -> str:
    """A stable opaque Patient id for an example record (the sandbox never uses NHS numbers as ids)."""
    return str(uuid.uuid5(_NAMESPACE, name))


NADIA = HealthPatient(
    patient_id=patient_id("nadia"),
    person_id="X-NADIA",
    nhs_number="9991001018",
    given_names=("Nadia",),
    family_name="Rahman",
    birth_date=date(2013, 6, 21),
    gender="female",
    address_line="5 Heron Court, Northbridge",
    postcode="NE3 1HC",
    gp=GP_PRACTICES[1],
    gp_registered_on=date(2020, 2, 10),
    address_since=date(2020, 1, 27),
    restricted=True,
)
CHLOE = HealthPatient(
    patient_id=patient_id("chloe"),
    person_id="X-CHLOE",
    nhs_number="9991001026",
    given_names=("Chloe", "Anne"),
    family_name="Bennett",
    birth_date=date(2012, 9, 3),
    gender="female",
    address_line="22 Alder Grove, Northbridge",
    postcode="NE4 2AG",
    gp=GP_PRACTICES[2],
    gp_registered_on=date(2023, 5, 20),
    previous_family_names=("Marsh",),
    previous_addresses=(PreviousAddress("9 Chapel Row, Northbridge", "NE5 3CR", date(2012, 9, 3), date(2023, 5, 1)),),
    address_since=date(2023, 5, 1),
)
OLIVER = HealthPatient(
    patient_id=patient_id("oliver"),
    person_id="X-OLIVER",
    nhs_number="9991001034",
    given_names=("Oliver",),
    family_name="Quinn",
    birth_date=date(2014, 4, 7),
    gender="male",
    address_line="31 Windmill Lane, Northbridge",
    postcode="NE2 6WL",
    gp=GP_PRACTICES[3],
    gp_registered_on=date(2014, 5, 20),
    verification_status="02",
)
MIA = HealthPatient(
    patient_id=patient_id("mia"),
    person_id="X-MIA",
    nhs_number="9991001174",
    given_names=("Mia",),
    family_name="Smyth",
    birth_date=date(2017, 11, 5),
    gender="female",
    address_line="14 Marsh View, Northbridge",
    postcode="NE6 2MV",
    gp=GP_PRACTICES[0],
    gp_registered_on=date(2017, 12, 18),
)

MINIMAL = HealthPatient(
    patient_id=patient_id("minimal"),
    person_id="X-MINIMAL",
    nhs_number="9991001182",
    given_names=(),
    family_name="",
    birth_date=date(2015, 8, 12),
    gender="female",
    address_line="3 Tern Walk, Northbridge",
    postcode="NE8 4TW",
    gp=GP_PRACTICES[2],
    gp_registered_on=date(2015, 9, 1),
)


def _jack(number: int) -> HealthPatient:
    """The Jack Taylor at (number + 1) Beacon Street; the one at number 7 is Jack Ryan Taylor."""
    house = number + 1
    postcode = JACK_POSTCODE if house == 7 else f"NE{house} {house % 9 + 1}TY"
    return HealthPatient(
        patient_id=patient_id(f"jack-{house}"),
        person_id=f"X-JACK-{house}",
        nhs_number=JACK_NHS_NUMBERS[number],
        given_names=("Jack", "Ryan") if house == 7 else ("Jack",),
        family_name="Taylor",
        birth_date=JACK_BIRTH_DATE,
        gender="male",
        address_line=f"{house} Beacon Street, Northbridge",
        postcode=postcode,
        gp=GP_PRACTICES[number % len(GP_PRACTICES)],
        gp_registered_on=date(2016, 3, 1),
    )


JACKS = tuple(_jack(number) for number in range(len(JACK_NHS_NUMBERS)))
JACK_RYAN = JACKS[6]

ENCOUNTERS = (
    HealthEncounter("enc-nadia-1", NADIA.patient_id, date(2026, 9, 14), "EMER", "Fractured wrist", HOSPITAL),
    HealthEncounter("enc-chloe-1", CHLOE.patient_id, date(2025, 12, 2), "EMER", "Laceration to hand", HOSPITAL),
    HealthEncounter("enc-oliver-1", OLIVER.patient_id, date(2026, 8, 30), "EMER", "Burn to forearm", HOSPITAL),
    HealthEncounter("enc-minimal-1", MINIMAL.patient_id, date(2026, 10, 3), "EMER", "Head injury", HOSPITAL),
)
FLAGS = (
    HealthFlag("flag-nadia-cpp", NADIA.patient_id, "CPP", date(2026, 10, 1), None, COUNCIL),
    HealthFlag("flag-chloe-lac", CHLOE.patient_id, "LAC", date(2024, 1, 15), date(2025, 3, 31), COUNCIL),
)


def example_health_records() -> HealthRecords:
    return HealthRecords(
        patients=[NADIA, CHLOE, OLIVER, MIA, MINIMAL, *JACKS], encounters=list(ENCOUNTERS), flags=list(FLAGS)
    )


def example_population() -> Population:
    """The example patients: health records only (no other agency knows them)."""
    return Population(seed=0, health=example_health_records())
