"""What each agency holds: its own copy of a person and its own events, in its own terms.

Every agency record keeps the ground-truth `person_id` so tests can score linkage, but the
sandbox APIs never expose it: an agency only knows its own ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# --- Shared ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    line: str
    postcode: str | None


@dataclass(frozen=True)
class PreviousAddress:
    """An address an agency still holds from before a move, with the period it was current."""

    line: str
    postcode: str | None
    start: date | None
    end: date | None


# --- Health (PDS demographics, A&E, CP-IS) -------------------------------------------------


@dataclass(frozen=True)
class GpPractice:
    ods_code: str
    name: str


@dataclass(frozen=True)
class HealthPatient:
    patient_id: str
    person_id: str
    nhs_number: str
    given_names: tuple[str, ...]
    family_name: str
    """Empty (with no given names) for a minimal record: PDS returns some Patients with no name at all."""
    birth_date: date
    gender: str
    address_line: str
    postcode: str
    gp: GpPractice
    gp_registered_on: date
    previous_family_names: tuple[str, ...] = ()
    previous_addresses: tuple[PreviousAddress, ...] = ()
    address_since: date | None = None
    restricted: bool = False
    """A sensitive (`R`) record: PDS returns it without address, telecom or GP."""
    verification_status: str = "01"
    """UK Core NHS number verification status: 01 verified, 02 present but not traced, ..."""


@dataclass(frozen=True)
class HealthEncounter:
    encounter_id: str
    patient_id: str
    start: date
    class_code: str
    reason: str
    provider: str


@dataclass(frozen=True)
class HealthFlag:
    """A CP-IS style flag: a child protection plan or looked-after status held by a council."""

    flag_id: str
    patient_id: str
    code: str
    start: date
    end: date | None
    council: str


@dataclass
class HealthRecords:
    patients: list[HealthPatient] = field(default_factory=list)
    encounters: list[HealthEncounter] = field(default_factory=list)
    flags: list[HealthFlag] = field(default_factory=list)


# --- Police (POLE nominals and occurrences) ------------------------------------------------


@dataclass(frozen=True)
class PoliceNominal:
    nominal_id: str
    person_id: str
    surname: str
    forenames: tuple[str, ...]
    date_of_birth: date | None
    """None when the force never recorded one (the nominal is still found by name)."""
    sex: str
    alias_surnames: tuple[str, ...] = ()
    alias_forenames: tuple[str, ...] = ()
    address: Address | None = None
    pnc_id: str | None = None
    warning_markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissingEpisode:
    reported: date
    returned: date | None
    risk: str
    """Graded as forces do: no_apparent_risk, low, medium or high."""
    reported_by: str


@dataclass(frozen=True)
class PoliceOccurrence:
    occurrence_id: str
    occurrence_type: str
    occurred_on: date
    location_type: str
    location_address: str
    summary: str
    outcome: str
    persons: tuple[tuple[str, str], ...]
    """(nominal_id, role) pairs; role is victim, suspect, witness, child_present, missing_person,
    reporting_person, ... (see docs/sandboxes/police.md)."""
    dash_risk: str | None = None
    location_postcode: str | None = None
    missing: MissingEpisode | None = None
    flags: tuple[str, ...] = ()
    """Occurrence markers such as child_present, repeat_victim or cse_concern."""


@dataclass(frozen=True)
class ProtectionNotice:
    """A Public Protection Notice: an officer's referral of a vulnerable person to partners."""

    ppn_id: str
    occurrence_id: str
    nominal_id: str
    submitted_on: date
    concern: str
    """child_at_risk, domestic_abuse, child_sexual_exploitation or missing."""
    risk: str
    shared_with: str


@dataclass
class PoliceRecords:
    nominals: list[PoliceNominal] = field(default_factory=list)
    occurrences: list[PoliceOccurrence] = field(default_factory=list)
    notices: list[ProtectionNotice] = field(default_factory=list)


# --- Education (Common Transfer File) ------------------------------------------------------


@dataclass(frozen=True)
class School:
    lea: str
    estab: str
    name: str


@dataclass(frozen=True)
class AttendancePeriod:
    start: date
    end: date
    sessions_possible: int
    sessions_attended: int
    sessions_authorised: int
    sessions_unauthorised: int


@dataclass(frozen=True)
class Exclusion:
    start: date
    category: str
    """CTF category: FIXD (suspension), PERM (permanent exclusion) or LNCH (lunchtime)."""
    reason: str
    sessions: int


@dataclass(frozen=True)
class SchoolSpell:
    school: School
    entry: date
    leaving: date | None
    leaving_reason: str | None = None
    """Why the pupil left, if recorded: a lower-case code (transfer_to_secondary, moved_away, permanent_exclusion)."""


@dataclass(frozen=True)
class SenRecord:
    start: date
    provision: str
    """K (SEN support) or E (education, health and care plan)."""
    need: str
    """Primary need code, e.g. SEMH, SLCN, ASD, MLD."""


@dataclass(frozen=True)
class FsmPeriod:
    """A period of free school meals eligibility (CTF FSMinstance); `end` None while it lasts."""

    start: date
    end: date | None = None


@dataclass(frozen=True)
class MissingEducation:
    """A child missing education episode: not on a school roll and not otherwise educated."""

    start: date
    end: date | None
    reason: str


@dataclass(frozen=True)
class Pupil:
    upn: str
    person_id: str
    surname: str
    forenames: tuple[str, ...]
    dob: date
    gender: str
    school: School
    entry_date: date
    attendance: tuple[AttendancePeriod, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    sen: tuple[SenRecord, ...] = ()
    school_history: tuple[SchoolSpell, ...] = ()
    """Earlier schools, oldest first; the current one is `school`."""
    address: Address | None = None
    preferred_forename: str | None = None
    former_surname: str | None = None
    fsm_eligible: bool = False
    missing_education: tuple[MissingEducation, ...] = ()
    former_upn: str | None = None
    """The UPN the pupil had before (e.g. the permanent UPN that replaced a temporary one)."""
    preferred_surname: str | None = None
    fsm_periods: tuple[FsmPeriod, ...] = ()
    """Eligibility periods, oldest first; when empty, `fsm_eligible` alone says the pupil is eligible now."""


@dataclass
class EducationRecords:
    pupils: list[Pupil] = field(default_factory=list)


# --- Housing (tenancies, arrears, notices, H-CLIC homelessness) ----------------------------


@dataclass(frozen=True)
class HousingPerson:
    person_ref: str
    person_id: str
    surname: str
    forename: str
    date_of_birth: date | None
    sex: str | None = None
    previous_surnames: tuple[str, ...] = ()


@dataclass(frozen=True)
class Arrears:
    as_at: date
    balance_pence: int
    weeks: int


@dataclass(frozen=True)
class Notice:
    notice_ref: str
    notice_type: str
    """A notice served (notice_seeking_possession, section_8, section_21, notice_to_quit) or a stage of
    possession proceedings (possession_claim, possession_order_suspended, possession_order_outright,
    warrant_of_possession, eviction); see `sandbox.housing.vocabulary`."""
    served_on: date
    ground: str


@dataclass(frozen=True)
class Tenancy:
    tenancy_ref: str
    address_line: str
    postcode: str
    tenure: str
    start: date
    end: date | None
    tenant_ref: str
    members: tuple[tuple[str, str], ...]
    """(person_ref, relationship) for everyone else recorded in the home."""
    arrears: tuple[Arrears, ...] = ()
    notices: tuple[Notice, ...] = ()
    asb_cases: tuple[AsbCase, ...] = ()


@dataclass(frozen=True)
class AsbCase:
    case_ref: str
    opened: date
    category: str
    person_ref: str | None
    """The household member named as responsible, when one is."""
    outcome: str


@dataclass(frozen=True)
class HomelessnessCase:
    """An H-CLIC style case: the applicant, every household member, and the duty owed."""

    case_ref: str
    applicant_ref: str
    members: tuple[tuple[str, str], ...]
    """(person_ref, relationship to the applicant) for everyone else in the household."""
    application_date: date
    duty: str
    temporary_accommodation: bool
    reason: str = "other"
    """Reason for loss of the last settled home, e.g. end_of_private_tenancy, domestic_abuse, rent_arrears."""
    temporary_accommodation_type: str | None = None
    """H-CLIC type of temporary accommodation, e.g. bed_and_breakfast or hostel (None: not placed, or not recorded)."""


@dataclass
class HousingRecords:
    people: list[HousingPerson] = field(default_factory=list)
    tenancies: list[Tenancy] = field(default_factory=list)
    homelessness: list[HomelessnessCase] = field(default_factory=list)
