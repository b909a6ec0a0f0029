"""Reading FHIR R4 (UK Core) resources into the shared model: what any NHS FHIR connector needs.

PDS, and any other NHS API that speaks UK Core (a GP system, a hospital's FHIR endpoint), send
people in the same shapes: names of which only the family name is required, NHS numbers under one
identifier system, former homes kept as `home` addresses with an end date, HL7 confidentiality
labels on a restricted record, references to a Patient, and relationships coded in the HL7 and
UK Core code systems. These helpers read those shapes. What is an agency's own stays in its module:
which resources it asks for, and what a restricted record may show.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from fhir.resources.R4B.address import Address as FhirAddress
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference

from connectors.sdk.errors import MalformedReply
from connectors.sdk.fields import RecordFields
from schemas import Address, PersonName
from schemas.identifiers import is_valid_nhs_number

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
RESTRICTED_CODES = frozenset({"R", "V"})
"""`meta.security` codes of a restricted (sensitive) or very restricted record."""
RELATIONSHIPS = {
    # HL7 v3 RoleCode (FHIR relatedperson-relationshiptype): PDS's Types first, then others an agency may send.
    "MTH": "mother",
    "FTH": "father",
    "PRN": "parent",
    "PRNFOST": "foster parent",
    "STPPRN": "step-parent",
    "CHILD": "child",
    "SIS": "sister",
    "BRO": "brother",
    "SPS": "spouse",
    "DOMPART": "domestic partner",
    "FAMMEMB": "family member",
    "ONESELF": "self",
    "NMTH": "natural mother",
    "NFTH": "natural father",
    "NPRN": "natural parent",
    "STPMTH": "stepmother",
    "STPFTH": "stepfather",
    "MTHFOST": "foster mother",
    "FTHFOST": "foster father",
    "ADOPTM": "adoptive mother",
    "ADOPTF": "adoptive father",
    "ADOPTP": "adoptive parent",
    "GRMTH": "grandmother",
    "GRFTH": "grandfather",
    "GRPRN": "grandparent",
    "SIB": "sibling",
    "HSIB": "half-sibling",
    "STPSIB": "step-sibling",
    "AUNT": "aunt",
    "UNCLE": "uncle",
    "GUARD": "guardian",
    "FRND": "friend",
    "NBOR": "neighbour",
    # HL7 v2 table 0131 (contact role).
    "N": "next of kin",
    "C": "emergency contact",
    "U": "relationship unknown",
    # UK Core AdditionalRelatedPersonRole, PDS's own codes.
    "Guardian": "guardian",
    "Agent": "agent",
    "Personal": "personal relationship",
    "Carer": "carer",
    "PolygamousPartner": "polygamous partner",
    "Dependant": "dependant",
    "NonDependant": "non-dependant",
    "ProxyContact": "proxy contact",
    "ProxyCommunication": "proxy for communication",
    "ProxyContactCommunication": "proxy for contact and communication",
    "NotSpecified": "relationship not specified",
}
"""A RelatedPerson's relationship code in words; an unlisted code reads as its display (or the code)."""
ROLES_ONLY = frozenset({"Agent", "Personal"})
"""UK Core's relationship Role codes: sent alongside a Type (`MTH`, `Guardian`, ...), which says more."""
NEXT_OF_KIN = "N"
PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([^/]+)$")
"""A Patient reference, relative (`Patient/{id}`) or a full URL ending so."""


def required_day(value: date | datetime | None) -> date:
    """The day of a date or date-time the record must have; a missing one makes the reply malformed."""
    if value is None:
        raise MalformedReply(message="a required date is missing")
    return value.date() if isinstance(value, datetime) else value


def person_names(names: list[HumanName] | None) -> list[PersonName]:
    """Usable names in order, given names as the record holds them ("John Paul" stays one compound name).

    UK Core requires only a family name, so one may come alone; names with given names come first.
    """
    usable = []
    for name in names or []:
        given = [part for part in name.given or [] if part and part.strip()]
        if name.family and name.family.strip():
            usable.append(PersonName(given_names=given, family_name=name.family))
    return sorted(usable, key=lambda name: not name.given_names)


def valid_nhs_number(value: str | None) -> str | None:
    """The NHS number if it passes the modulus 11 check; PDS's own examples include some that do not."""
    return value if value and is_valid_nhs_number(value) else None


def nhs_number_of(identifiers: list[Identifier] | None, fields: RecordFields | None = None) -> str | None:
    """The valid NHS number among a resource's identifiers, if any; one failing its check is noted in `fields`."""
    numbers = [i.value for i in identifiers or [] if i.system == NHS_NUMBER_SYSTEM and i.value]
    if fields is None:
        return next((valid_nhs_number(number) for number in numbers), None)
    return next((number for number in map(fields.nhs_number, numbers) if number), None)


def is_restricted(patient: Patient) -> bool:
    """Whether the record carries a restricted (`R`) or very restricted (`V`) security label."""
    security = patient.meta.security if patient.meta else None
    return any(label.code in RESTRICTED_CODES for label in security or [])


def current_home(addresses: list[FhirAddress] | None) -> FhirAddress | None:
    """The home address without an end date (UK Core keeps former homes as `home` with `period.end`)."""
    homes = [a for a in addresses or [] if a.use in (None, "home") and (a.period is None or a.period.end is None)]
    return homes[0] if homes else None


def former_homes(addresses: list[FhirAddress] | None, fields: RecordFields | None = None) -> list[Address]:
    """Earlier homes (`home` with `period.end`), most recently left first: evidence for linkage."""
    former = [a for a in addresses or [] if a.use in (None, "home") and a.period is not None and a.period.end]
    former.sort(key=lambda a: str(a.period.end if a.period else ""), reverse=True)
    return [
        address
        for home in former
        if (address := address_of(home, fields, field="postcode of an earlier address")) is not None
    ]


def address_of(home: FhirAddress | None, fields: RecordFields | None = None, field: str = "postcode") -> Address | None:
    """The shared model's address: the lines joined, and the postcode (left out, noted in `fields`, if unusable)."""
    if home is None:
        return None
    postcode = (fields or RecordFields()).postcode(home.postalCode, field)
    line = ", ".join(line for line in home.line or [] if line) or None
    return Address(line=line, postcode=postcode)


def referenced_patient(reference: Reference | None) -> str | None:
    """The Patient id a reference points to, or None if it does not point to a Patient."""
    found = PATIENT_REFERENCE.search(reference.reference or "") if reference else None
    return found.group(1) if found else None


def relationship_in_words(concepts: list[CodeableConcept] | None) -> tuple[str, str | None]:
    """The relationship in words, and the code it was read from.

    A UK Core RelatedPerson (as PDS sends it) has up to three codings in one list: a Role
    (`Personal`, `Agent`, `Guardian`), a Type (`MTH`, `PRN`, `Guardian`, ...) and `N` when the person
    is next of kin. The Type says most; next of kin is added in words. A code with no wording here
    reads as its display, else the code.
    """
    codings = [coding for concept in concepts or [] for coding in concept.coding or [] if coding.code]
    if not codings:
        text = next((concept.text for concept in concepts or [] if concept.text), None)
        return text or "relationship not recorded", None
    best = min(codings, key=lambda coding: (coding.code == NEXT_OF_KIN, coding.code in ROLES_ONLY))
    code = str(best.code)
    words = RELATIONSHIPS.get(code) or best.display or code
    if code != NEXT_OF_KIN and any(coding.code == NEXT_OF_KIN for coding in codings):
        words = f"{words} (next of kin)"
    return words, code
