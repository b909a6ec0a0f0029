"""PERSON documents of the linkage interchange format, and each agency's records written as PERSONs.

A PERSON has every field present (None where unknown) and its other names distinct and non-empty.
An agency record becomes a PERSON in the agency's own terms: PDS withholds a restricted patient's
address; housing people carry no address of their own, so their open tenancy's is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sandbox.common.store import Database
from sandbox.housing.documents import current_of
from sandbox.model.records import HealthPatient, HousingPerson, PoliceNominal, Pupil


def person(
    given_names: str | None,
    family_name: str | None,
    other_names: Iterable[str | None],
    birth_date: date | None,
    sex: str | None,
    address_line: str | None,
    postcode: str | None,
    nhs_number: str | None,
) -> dict[str, Any]:
    """A PERSON of the interchange format, every field present, other names distinct and non-empty."""
    return {
        "given_names": given_names or None,
        "family_name": family_name or None,
        "other_names": list(dict.fromkeys(name for name in other_names if name)),
        "birth_date": birth_date.isoformat() if birth_date else None,
        "sex": sex,
        "address_line": address_line,
        "postcode": postcode,
        "nhs_number": nhs_number,
    }


def _health_person(patient: HealthPatient, _: Database) -> dict[str, Any]:
    """PDS withholds a restricted (`R`) patient's address."""
    hidden = patient.restricted
    return person(
        " ".join(patient.given_names),
        patient.family_name,
        patient.previous_family_names,
        patient.birth_date,
        patient.gender,
        None if hidden else patient.address_line,
        None if hidden else patient.postcode,
        patient.nhs_number,
    )


def _police_person(nominal: PoliceNominal, _: Database) -> dict[str, Any]:
    address = nominal.address
    return person(
        " ".join(nominal.forenames),
        nominal.surname,
        (*nominal.alias_surnames, *nominal.alias_forenames),
        nominal.date_of_birth,
        nominal.sex,
        address.line if address else None,
        address.postcode if address else None,
        None,
    )


def _education_person(pupil: Pupil, _: Database) -> dict[str, Any]:
    address = pupil.address
    return person(
        " ".join(pupil.forenames),
        pupil.surname,
        (pupil.former_surname, pupil.preferred_surname, pupil.preferred_forename),
        pupil.dob,
        pupil.gender,
        address.line if address else None,
        address.postcode if address else None,
        None,
    )


def _housing_person(housing: HousingPerson, database: Database) -> dict[str, Any]:
    """Housing people carry no address of their own: their open tenancy's is the one shown."""
    tenancy = current_of(database.table("tenancies").find(person_refs=housing.person_ref))
    return person(
        housing.forename,
        housing.surname,
        housing.previous_surnames,
        housing.date_of_birth,
        housing.sex,
        tenancy.address_line if tenancy else None,
        tenancy.postcode if tenancy else None,
        None,
    )


AS_PERSON: dict[str, Callable[[Any, Database], dict[str, Any]]] = {
    "health": _health_person,
    "police": _police_person,
    "education": _education_person,
    "housing": _housing_person,
}
