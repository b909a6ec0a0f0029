"""The household behind `config/examples/referral.json`, with records in all four agencies.

Names, birth dates, sex, NHS numbers and the UPN must match the sample referral exactly, so a
check of that referral finds something everywhere; a test keeps the two in step. The truth adds
what the referral does not say: Grace and the children moved to Larch Close in April 2021 from
outside Northbridge; Grace's earlier married name is the children's surname; Liam is her partner,
living at his own address.
"""

from __future__ import annotations

from datetime import date

from sandbox.model.places import GP_PRACTICES, HOSPITAL, LARCHFIELD_PRIMARY, MASH
from sandbox.model.records import (
    Arrears,
    AttendancePeriod,
    Exclusion,
    GpPractice,
    HealthEncounter,
    HealthPatient,
    HousingPerson,
    Notice,
    PoliceNominal,
    PoliceOccurrence,
    PreviousAddress,
    ProtectionNotice,
    Pupil,
    Tenancy,
)
from sandbox.model.truth import Household, IdFactory, Population, Relationship, TruePerson

HOME = "14 Larch Close, Northbridge"
HOME_POSTCODE = "NE6 5QT"
AMARA_UPN = "Y393201510011"
MOVED_IN = date(2021, 4, 12)
EARLIER_HOME = ("12 Ravensworth Terrace, Hexley", "DH8 5RA")
"""Where Grace and the children lived before Northbridge (outside the city, so no other household's address)."""


def _earlier_home(since: date) -> tuple[PreviousAddress, ...]:
    return (PreviousAddress(*EARLIER_HOME, since, MOVED_IN),)


def add_sample_family(population: Population, ids: IdFactory) -> Household:
    """Add the Okafor-Reid household and every agency's records about it."""
    ids.reserve(nhs_number="9990001014", upn=AMARA_UPN)
    ids.reserve(nhs_number="9990001022")
    amara = population.add_person(
        TruePerson(
            ids.sequence("P"),
            ("Amara", "Joy"),
            "Okafor-Reid",
            date(2015, 3, 14),
            "female",
            HOME,
            HOME_POSTCODE,
            nhs_number="9990001014",
            upn=AMARA_UPN,
            previous_addresses=_earlier_home(date(2015, 3, 14)),
            address_since=MOVED_IN,
            community="nigerian",
        )
    )
    tyler = population.add_person(
        TruePerson(
            ids.sequence("P"),
            ("Tyler",),
            "Okafor-Reid",
            date(2018, 7, 2),
            "male",
            HOME,
            HOME_POSTCODE,
            nhs_number="9990001022",
            upn=ids.upn(LARCHFIELD_PRIMARY.lea, LARCHFIELD_PRIMARY.estab, 2022),
            previous_addresses=_earlier_home(date(2018, 7, 2)),
            address_since=MOVED_IN,
            community="nigerian",
        )
    )
    grace = population.add_person(
        TruePerson(
            ids.sequence("P"),
            ("Grace",),
            "Okafor",
            date(1989, 11, 20),
            "female",
            HOME,
            HOME_POSTCODE,
            nhs_number=ids.nhs_number(),
            alias_family_names=("Okafor-Reid",),
            previous_addresses=_earlier_home(date(2012, 6, 1)),
            address_since=MOVED_IN,
            community="nigerian",
        )
    )
    liam = population.add_person(
        TruePerson(
            ids.sequence("P"),
            ("Liam",),
            "Hartley",
            date(1986, 5, 9),
            "male",
            "3 Foundry Walk, Northbridge",
            "NE4 7BX",
            nhs_number=ids.nhs_number(),
            address_since=date(2019, 8, 1),
            community="white_british",
        )
    )
    household = Household(
        ids.sequence("H", 4),
        HOME,
        HOME_POSTCODE,
        (
            (grace.person_id, "parent_carer"),
            (liam.person_id, "partner"),
            (amara.person_id, "child"),
            (tyler.person_id, "child"),
        ),
        "step_family",
    )
    population.households.append(household)
    population.relationships += [
        Relationship(grace.person_id, amara.person_id, "mother"),
        Relationship(grace.person_id, tyler.person_id, "mother"),
        Relationship(amara.person_id, tyler.person_id, "sibling"),
        Relationship(tyler.person_id, amara.person_id, "sibling"),
        Relationship(grace.person_id, liam.person_id, "partner"),
        Relationship(liam.person_id, grace.person_id, "partner"),
        Relationship(liam.person_id, amara.person_id, "other_adult"),
        Relationship(liam.person_id, tyler.person_id, "other_adult"),
    ]
    _add_health(population, ids, amara, tyler, grace, liam)
    _add_police(population, ids, amara, tyler, grace, liam)
    _add_education(population, amara, tyler)
    _add_housing(population, ids, amara, tyler, grace, liam)
    return household


def _registered_patient(person: TruePerson, patient_id: str, gp: GpPractice, on: date) -> HealthPatient:
    """The health view of a true person: PDS holds their details as they are, with a GP registration."""
    assert person.nhs_number is not None
    return HealthPatient(
        patient_id=patient_id,
        person_id=person.person_id,
        nhs_number=person.nhs_number,
        given_names=person.given_names,
        family_name=person.family_name,
        birth_date=person.birth_date,
        gender=person.sex,
        address_line=person.address_line,
        postcode=person.postcode,
        gp=gp,
        gp_registered_on=on,
    )


def _patient(ids: IdFactory, person: TruePerson, gp_index: int, registered: date) -> HealthPatient:
    return _registered_patient(person, ids.opaque(), GP_PRACTICES[gp_index], registered)


def _add_health(
    population: Population,
    ids: IdFactory,
    amara: TruePerson,
    tyler: TruePerson,
    grace: TruePerson,
    liam: TruePerson,
) -> None:
    amara_patient = _patient(ids, amara, 0, date(2021, 4, 20))
    population.health.patients += [
        amara_patient,
        _patient(ids, tyler, 0, date(2021, 4, 20)),
        _patient(ids, grace, 0, date(2021, 4, 20)),
        _patient(ids, liam, 2, date(2019, 8, 1)),
    ]
    population.health.encounters.append(
        HealthEncounter(
            encounter_id=ids.opaque(),
            patient_id=amara_patient.patient_id,
            start=date(2026, 10, 18),
            class_code="EMER",
            reason="Minor head injury",
            provider=HOSPITAL,
        )
    )


def _add_police(
    population: Population,
    ids: IdFactory,
    amara: TruePerson,
    tyler: TruePerson,
    grace: TruePerson,
    liam: TruePerson,
) -> None:
    nominals = {
        person.person_id: PoliceNominal(
            nominal_id=ids.sequence("NOM"),
            person_id=person.person_id,
            surname=person.family_name,
            forenames=person.given_names,
            date_of_birth=person.birth_date,
            sex=person.sex,
            alias_surnames=person.alias_family_names,
        )
        for person in (grace, liam, amara, tyler)
    }
    population.police.nominals += nominals.values()
    incident_id = ids.sequence("OCC-2026-", 5)
    population.police.occurrences.append(
        PoliceOccurrence(
            occurrence_id=incident_id,
            occurrence_type="domestic_abuse",
            occurred_on=date(2026, 11, 1),
            location_type="home_address",
            location_address=HOME,
            summary=(
                "Neighbour reported shouting and banging. Female injured (bruising to arm). "
                "Two children upstairs at the time."
            ),
            outcome="Suspect arrested; DASH completed; referral to MASH.",
            persons=(
                (nominals[grace.person_id].nominal_id, "victim"),
                (nominals[liam.person_id].nominal_id, "suspect"),
                (nominals[amara.person_id].nominal_id, "child_present"),
                (nominals[tyler.person_id].nominal_id, "child_present"),
            ),
            dash_risk="medium",
        )
    )
    population.police.notices += [
        ProtectionNotice(
            ppn_id=ids.sequence("PPN", 7),
            occurrence_id=incident_id,
            nominal_id=nominals[child.person_id].nominal_id,
            submitted_on=date(2026, 11, 1),
            concern="child_at_risk",
            risk="medium",
            shared_with=MASH,
        )
        for child in (amara, tyler)
    ]
    population.police.occurrences.append(
        PoliceOccurrence(
            occurrence_id=ids.sequence("OCC-2024-", 5),
            occurrence_type="assault",
            occurred_on=date(2024, 6, 15),
            location_type="public_place",
            location_address="Quayside, Northbridge",
            summary="Assault outside licensed premises; victim treated for facial injury.",
            outcome="Suspect cautioned.",
            persons=((nominals[liam.person_id].nominal_id, "suspect"),),
        )
    )


def _add_education(population: Population, amara: TruePerson, tyler: TruePerson) -> None:
    assert amara.upn is not None and tyler.upn is not None
    autumn_start, autumn_to_date = date(2026, 9, 3), date(2026, 10, 30)
    population.education.pupils += [
        Pupil(
            upn=amara.upn,
            person_id=amara.person_id,
            surname=amara.family_name,
            forenames=amara.given_names,
            dob=amara.birth_date,
            gender=amara.sex,
            school=LARCHFIELD_PRIMARY,
            entry_date=date(2019, 9, 4),
            attendance=(AttendancePeriod(autumn_start, autumn_to_date, 78, 64, 4, 10),),
            exclusions=(Exclusion(date(2026, 10, 6), "FIXD", "DB", 2),),
        ),
        Pupil(
            upn=tyler.upn,
            person_id=tyler.person_id,
            surname=tyler.family_name,
            forenames=tyler.given_names,
            dob=tyler.birth_date,
            gender=tyler.sex,
            school=LARCHFIELD_PRIMARY,
            entry_date=date(2022, 9, 5),
            attendance=(AttendancePeriod(autumn_start, autumn_to_date, 78, 73, 3, 2),),
        ),
    ]


def _add_housing(
    population: Population,
    ids: IdFactory,
    amara: TruePerson,
    tyler: TruePerson,
    grace: TruePerson,
    liam: TruePerson,
) -> None:
    refs: dict[str, str] = {}
    for person in (grace, amara, tyler, liam):
        housing_person = HousingPerson(
            person_ref=ids.sequence("HP"),
            person_id=person.person_id,
            surname=person.family_name,
            forename=person.given_names[0],
            date_of_birth=person.birth_date,
            sex=person.sex,
            previous_surnames=person.alias_family_names,
        )
        population.housing.people.append(housing_person)
        refs[person.person_id] = housing_person.person_ref
    population.housing.tenancies.append(
        Tenancy(
            tenancy_ref=ids.sequence("TEN"),
            address_line=HOME,
            postcode=HOME_POSTCODE,
            tenure="secure council tenancy",
            start=date(2021, 4, 12),
            end=None,
            tenant_ref=refs[grace.person_id],
            members=(
                (refs[amara.person_id], "child"),
                (refs[tyler.person_id], "child"),
                (refs[liam.person_id], "occupant"),
            ),
            arrears=(Arrears(date(2026, 10, 26), 148620, 11),),
            notices=(
                Notice(
                    ids.sequence("NSP"),
                    "notice_seeking_possession",
                    date(2026, 9, 14),
                    "Ground 10 (rent arrears)",
                ),
            ),
        )
    )
