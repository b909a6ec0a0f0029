"""Seeded random households: the background population most checks come back empty against.

Rates are rough and deliberately low: most families are unknown to most agencies.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.places import (
    COUNCIL,
    GP_PRACTICES,
    HOSPITAL,
    PRIMARY_SCHOOLS,
    SECONDARY_SCHOOLS,
    STREETS,
    TOWN,
)
from sandbox.records import (
    Arrears,
    AttendancePeriod,
    Exclusion,
    HealthEncounter,
    HealthFlag,
    HealthPatient,
    HomelessnessCase,
    HousingPerson,
    Notice,
    PoliceNominal,
    PoliceOccurrence,
    Pupil,
    SenRecord,
    Tenancy,
)
from sandbox.truth import REFERENCE_DATE, Household, IdFactory, Population, TruePerson, age_on

FEMALE_NAMES = (
    "Aisha", "Bethany", "Chloe", "Danielle", "Ellie", "Freya", "Hannah", "Imogen", "Jasmine",
    "Keira", "Leah", "Maya", "Niamh", "Olivia", "Poppy", "Ruby", "Sofia", "Zara",
)  # fmt: skip
MALE_NAMES = (
    "Aaron", "Ben", "Callum", "Dylan", "Ethan", "Finley", "George", "Harvey", "Isaac", "Jayden",
    "Kyle", "Lewis", "Mason", "Noah", "Owen", "Reece", "Samuel", "Theo",
)  # fmt: skip
SURNAMES = (
    "Ashworth", "Bellamy", "Carrow", "Dunmore", "Elsworth", "Fenwick", "Garside", "Holloway",
    "Ingleby", "Jarrow", "Kettering", "Lindqvist", "Mawson", "Nkemelu", "Ormsby", "Pemberton",
    "Quarrie", "Rowntree", "Soutar", "Thackeray", "Umeadi", "Varley", "Wetherall", "Yeadon",
)  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
DOMESTIC_ABUSE_RISKS = ("standard", "standard", "medium", "high")


def add_random_households(population: Population, ids: IdFactory, rng: random.Random, count: int) -> None:
    for _ in range(count):
        household = _household(population, ids, rng)
        population.households.append(household)
        members = [population.people[person_id] for person_id, _ in household.members]
        adults = [person for person in members if age_on(person.birth_date) >= 18]
        children = [person for person in members if age_on(person.birth_date) < 18]
        _add_health(population, ids, rng, members)
        _add_education(population, ids, rng, children)
        if rng.random() < 0.12:
            _add_police(population, ids, rng, household, adults, children)
        if rng.random() < 0.35:
            _add_tenancy(population, ids, rng, household, adults, children)
        if rng.random() < 0.04:
            _add_homelessness(population, ids, rng, adults, children)


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


def _person(
    ids: IdFactory, rng: random.Random, sex: str, surname: str, born: date, home: tuple[str, str]
) -> TruePerson:
    pool = FEMALE_NAMES if sex == "female" else MALE_NAMES
    given = tuple(rng.sample(pool, 2 if rng.random() < 0.4 else 1))
    return TruePerson(ids.sequence("P"), given, surname, born, sex, home[0], home[1], ids.nhs_number())


def _household(population: Population, ids: IdFactory, rng: random.Random) -> Household:
    surname = rng.choice(SURNAMES)
    home = (
        f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {TOWN}",
        f"NE{rng.randint(1, 9)} {rng.randint(1, 9)}{''.join(rng.choices(POSTCODE_LETTERS, k=2))}",
    )
    carer_born = _random_date(rng, date(1978, 1, 1), date(2001, 12, 31))
    carer = _person(ids, rng, "female" if rng.random() < 0.8 else "male", surname, carer_born, home)
    members = [(population.add_person(carer).person_id, "parent_carer")]
    if rng.random() < 0.55:
        partner_surname = surname if rng.random() < 0.5 else rng.choice(SURNAMES)
        partner_sex = "male" if carer.sex == "female" else "female"
        partner_born = _random_date(rng, date(1975, 1, 1), date(2001, 12, 31))
        partner = _person(ids, rng, partner_sex, partner_surname, partner_born, home)
        members.append((population.add_person(partner).person_id, "partner"))
    first_child = max(carer_born + timedelta(days=17 * 365), date(2008, 9, 1))
    for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(2, 4, 4, 2, 1))[0]):
        born = _random_date(rng, first_child, date(2025, 12, 31))
        child = _person(ids, rng, rng.choice(("female", "male")), surname, born, home)
        members.append((population.add_person(child).person_id, "child"))
    return Household(ids.sequence("H", 4), home[0], home[1], tuple(members))


def _add_health(population: Population, ids: IdFactory, rng: random.Random, members: list[TruePerson]) -> None:
    practice = rng.choice(GP_PRACTICES)
    for person in members:
        if rng.random() >= 0.95 or person.nhs_number is None:
            continue
        registered = _random_date(rng, max(person.birth_date, date(2010, 1, 1)), REFERENCE_DATE)
        patient = HealthPatient.registered(person, ids.opaque(), practice, registered)
        population.health.patients.append(patient)
        if age_on(person.birth_date) >= 18:
            continue
        if rng.random() < 0.06:
            reason = rng.choice(("Fractured wrist", "Burn to hand", "Ingestion of tablets", "Head injury"))
            population.health.encounters.append(
                HealthEncounter(
                    ids.opaque(),
                    patient.patient_id,
                    _random_date(rng, REFERENCE_DATE - timedelta(days=730), REFERENCE_DATE),
                    "EMER",
                    reason,
                    HOSPITAL,
                )
            )
        if rng.random() < 0.04:
            start = _random_date(rng, max(person.birth_date, date(2020, 1, 1)), REFERENCE_DATE)
            population.health.flags.append(
                HealthFlag(ids.opaque(), patient.patient_id, rng.choice(("CPP", "CPP", "LAC")), start, None, COUNCIL)
            )


def _add_education(population: Population, ids: IdFactory, rng: random.Random, children: list[TruePerson]) -> None:
    for child in children:
        age = age_on(child.birth_date)
        if not 4 <= age <= 16 or rng.random() >= 0.92:
            continue
        school = rng.choice(PRIMARY_SCHOOLS if age < 11 else SECONDARY_SCHOOLS)
        reception_year = child.birth_date.year + (5 if child.birth_date.month >= 9 else 4)
        possible = 78
        attended = rng.randint(55, 78)
        authorised = rng.randint(0, possible - attended)
        suspended = rng.random() < 0.05
        population.education.pupils.append(
            Pupil(
                upn=ids.upn(school.lea, school.estab, reception_year),
                person_id=child.person_id,
                surname=child.family_name,
                forenames=child.given_names,
                dob=child.birth_date,
                gender=child.sex,
                school=school,
                entry_date=date(reception_year if age < 11 else REFERENCE_DATE.year - (age - 11), 9, 4),
                attendance=(
                    AttendancePeriod(
                        date(2026, 9, 3),
                        date(2026, 10, 30),
                        possible,
                        attended,
                        authorised,
                        possible - attended - authorised,
                    ),
                ),
                exclusions=(Exclusion(date(2026, 10, 12), "FIXD", "VP", 4),) if suspended else (),
                sen=(SenRecord(date(2025, 9, 3), "K", "SLCN"),) if rng.random() < 0.12 else (),
            )
        )


def _nominal(population: Population, ids: IdFactory, person: TruePerson) -> str:
    for nominal in population.police.nominals:
        if nominal.person_id == person.person_id:
            return nominal.nominal_id
    nominal = PoliceNominal(
        ids.sequence("NOM"),
        person.person_id,
        person.family_name,
        person.given_names,
        person.birth_date,
        person.sex,
    )
    population.police.nominals.append(nominal)
    return nominal.nominal_id


def _add_police(
    population: Population,
    ids: IdFactory,
    rng: random.Random,
    household: Household,
    adults: list[TruePerson],
    children: list[TruePerson],
) -> None:
    occurred = _random_date(rng, date(2022, 1, 1), REFERENCE_DATE)
    reference = ids.sequence(f"OCC-{occurred.year}-", 5)
    if len(adults) >= 2 and rng.random() < 0.6:
        persons = [(_nominal(population, ids, adults[0]), "victim"), (_nominal(population, ids, adults[1]), "suspect")]
        persons += [(_nominal(population, ids, child), "child_present") for child in children]
        occurrence = PoliceOccurrence(
            reference,
            "domestic_abuse",
            occurred,
            "home_address",
            household.address_line,
            "Verbal argument between partners reported by a neighbour.",
            "Words of advice; DASH completed.",
            tuple(persons),
            dash_risk=rng.choice(DOMESTIC_ABUSE_RISKS),
        )
    elif children and rng.random() < 0.5:
        child = rng.choice(children)
        occurrence = PoliceOccurrence(
            reference,
            "missing",
            occurred,
            "home_address",
            household.address_line,
            "Child reported missing by parent; found safe the following morning.",
            "Return home interview requested.",
            (
                (_nominal(population, ids, child), "missing_person"),
                (_nominal(population, ids, adults[0]), "reporting_person"),
            ),
        )
    else:
        occurrence = PoliceOccurrence(
            reference,
            "theft",
            occurred,
            "public_place",
            f"Town centre, {TOWN}",
            "Shoplifting from a supermarket.",
            "Community resolution.",
            ((_nominal(population, ids, rng.choice(adults)), "suspect"),),
        )
    population.police.occurrences.append(occurrence)


def _housing_ref(population: Population, ids: IdFactory, person: TruePerson) -> str:
    for known in population.housing.people:
        if known.person_id == person.person_id:
            return known.person_ref
    housing_person = HousingPerson(
        ids.sequence("HP"), person.person_id, person.family_name, person.given_names[0], person.birth_date
    )
    population.housing.people.append(housing_person)
    return housing_person.person_ref


def _add_tenancy(
    population: Population,
    ids: IdFactory,
    rng: random.Random,
    household: Household,
    adults: list[TruePerson],
    children: list[TruePerson],
) -> None:
    tenant_ref = _housing_ref(population, ids, adults[0])
    members = tuple((_housing_ref(population, ids, adult), "partner") for adult in adults[1:])
    members += tuple((_housing_ref(population, ids, child), "child") for child in children)
    in_arrears = rng.random() < 0.25
    arrears = (Arrears(date(2026, 10, 26), rng.randint(200, 2500) * 100, rng.randint(2, 14)),) if in_arrears else ()
    notices: tuple[Notice, ...] = ()
    if in_arrears and rng.random() < 0.3:
        served = _random_date(rng, date(2026, 1, 1), REFERENCE_DATE)
        notices = (Notice(ids.sequence("NSP"), "notice_seeking_possession", served, "Ground 10 (rent arrears)"),)
    population.housing.tenancies.append(
        Tenancy(
            ids.sequence("TEN"),
            household.address_line,
            household.postcode,
            rng.choice(("secure council tenancy", "introductory tenancy", "assured tenancy")),
            _random_date(rng, date(2012, 1, 1), date(2026, 6, 1)),
            None,
            tenant_ref,
            members,
            arrears,
            notices,
        )
    )


def _add_homelessness(
    population: Population,
    ids: IdFactory,
    rng: random.Random,
    adults: list[TruePerson],
    children: list[TruePerson],
) -> None:
    applicant = _housing_ref(population, ids, adults[0])
    members = tuple((_housing_ref(population, ids, adult), "partner") for adult in adults[1:])
    members += tuple((_housing_ref(population, ids, child), "child") for child in children)
    population.housing.homelessness.append(
        HomelessnessCase(
            ids.sequence("HL"),
            applicant,
            members,
            _random_date(rng, date(2024, 1, 1), REFERENCE_DATE),
            rng.choice(("prevention", "relief", "main_duty")),
            temporary_accommodation=bool(children) and rng.random() < 0.6,
        )
    )
