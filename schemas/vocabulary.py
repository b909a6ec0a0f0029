"""Controlled vocabularies shared by every agency, so chronologies from different sources line up."""

from __future__ import annotations

from enum import StrEnum


class SubjectRole(StrEnum):
    """A person's place in the referral, as the referrer described the household."""

    SUBJECT_CHILD = "subject_child"
    SIBLING = "sibling"
    PARENT_CARER = "parent_carer"
    OTHER_ADULT = "other_adult"

    @property
    def is_child(self) -> bool:
        return self in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING)


class Relationship(StrEnum):
    """What one person of a household is to another, as someone stated it (the referral or an agency)."""

    PARENT_CARER = "parent_carer"
    CHILD = "child"
    SIBLING = "sibling"
    PARTNER = "partner"
    OTHER_ADULT = "other_adult"
    """An adult in the child's household with no closer relationship stated."""
    CO_RESIDENT = "co_resident"
    """Shares a home, as an agency's record (a tenancy, a homelessness case) shows."""
    RELATIVE = "relative"
    """Another relative an agency records (a grandparent, an aunt), not known to share the home."""


class LinkOutcome(StrEnum):
    """What identity linkage decided about an agency's candidate (docs/linkage.md)."""

    LINKED = "linked"
    REVIEW = "review"
    """Uncertain: left out until a practitioner confirms or rejects it."""
    NOT_LINKED = "not_linked"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class Rag(StrEnum):
    """MASH urgency rating; deadlines per rating live in config, not here."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class ReferrerKind(StrEnum):
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"
    HOUSING = "housing"
    SOCIAL_CARE = "social_care"
    FAMILY = "family"
    PUBLIC = "public"
    OTHER = "other"


class ConcernCategory(StrEnum):
    """Concern categories as recorded at the MASH front door."""

    PHYSICAL_ABUSE = "physical_abuse"
    EMOTIONAL_ABUSE = "emotional_abuse"
    SEXUAL_ABUSE = "sexual_abuse"
    NEGLECT = "neglect"
    DOMESTIC_ABUSE = "domestic_abuse"
    CHILD_SEXUAL_EXPLOITATION = "child_sexual_exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    MISSING = "missing"
    PARENTAL_MENTAL_HEALTH = "parental_mental_health"
    PARENTAL_SUBSTANCE_MISUSE = "parental_substance_misuse"
    HOUSING_INSTABILITY = "housing_instability"
    EDUCATION_CONCERN = "education_concern"
    OTHER = "other"


class ReplyStatus(StrEnum):
    """Outcome of one agency check for one person.

    "no_record" (checked, nothing held) is deliberately distinct from "failed" (the check did not
    happen) and "pending" (asked, not yet answered): practitioners must never confuse them.
    """

    FOUND = "found"
    NO_RECORD = "no_record"
    MULTIPLE_CANDIDATES = "multiple_candidates"
    FAILED = "failed"
    PENDING = "pending"


class CheckState(StrEnum):
    """What a practitioner is told about one agency check for one person: the only words used for it.

    Only `no_record` means the agency answered that it holds nothing. Every other state says what
    actually happened, so a check that was never made, is still outstanding or failed can never read
    as an all-clear. `overdue` is never stored: it is an outstanding check seen after its due time.
    """

    NOT_ASKED = "not_asked"
    AWAITING_REPLY = "awaiting_reply"
    RECORDS_FOUND = "records_found"
    RECORDS_RETURNED_NONE_LINKED = "records_returned_none_linked"
    NO_RECORD = "no_record"
    FAILED_RETRYING = "failed_retrying"
    FAILED = "failed"
    OVERDUE = "overdue"

    @property
    def is_final(self) -> bool:
        """The agency answered, or the hub gave up: nothing more will arrive without someone acting."""
        return self in FINAL_CHECK_STATES


FINAL_CHECK_STATES = frozenset(
    {CheckState.RECORDS_FOUND, CheckState.RECORDS_RETURNED_NONE_LINKED, CheckState.NO_RECORD, CheckState.FAILED}
)


class CheckPhase(StrEnum):
    """Where one check stands in the hub's own ledger, whatever the agency has or has not answered."""

    NOT_ASKED = "not_asked"
    ASKED = "asked"
    """A request is in flight."""
    AWAITING_REPLY = "awaiting_reply"
    """The agency accepted the request and will reply later (202 and a job, or a callback)."""
    ANSWERED = "answered"
    RETRYING = "retrying"
    """The last attempt failed and another is scheduled."""
    GAVE_UP = "gave_up"


class ChecksStage(StrEnum):
    """A referral's checks as a whole, from being stored to every check ending."""

    NOT_STARTED = "not_started"
    """Stored, but no Airflow run has taken it yet (the reconciler triggers one)."""
    TRIGGERED = "triggered"
    """A run was triggered and has not yet planned the checks."""
    IN_PROGRESS = "in_progress"
    COULD_NOT_START = "could_not_start"
    """The run failed before asking any agency."""
    COMPLETE = "complete"
    """Every check ended: answered, or given up."""
    IMPORTED = "imported"
    """Imported history: the hub did not check the agencies (a past referral from the council's earlier
    system, `hub referral import-history`). Never triggered, never live work, never read as "no record"."""


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class EntryCategory(StrEnum):
    """Shared chronology vocabulary: every agency's events map onto one of these."""

    DOMESTIC_ABUSE_INCIDENT = "domestic_abuse_incident"
    MISSING_EPISODE = "missing_episode"
    CHILD_EXPLOITATION_CONCERN = "child_exploitation_concern"
    POLICE_OCCURRENCE = "police_occurrence"
    PUBLIC_PROTECTION_NOTICE = "public_protection_notice"
    EMERGENCY_ATTENDANCE = "emergency_attendance"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"
    GP_REGISTRATION = "gp_registration"
    HEALTH_CONTACT = "health_contact"
    SCHOOL_ENROLMENT = "school_enrolment"
    ATTENDANCE = "attendance"
    SUSPENSION = "suspension"
    EXCLUSION = "exclusion"
    SPECIAL_EDUCATIONAL_NEEDS = "special_educational_needs"
    CHILD_MISSING_EDUCATION = "child_missing_education"
    TENANCY = "tenancy"
    RENT_ARREARS = "rent_arrears"
    HOUSING_NOTICE = "housing_notice"
    ANTI_SOCIAL_BEHAVIOUR = "anti_social_behaviour"
    HOMELESSNESS = "homelessness"
    OTHER = "other"


class InvolvementRole(StrEnum):
    """How a person figures in one agency event."""

    SUBJECT = "subject"
    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    CHILD_PRESENT = "child_present"
    PATIENT = "patient"
    PUPIL = "pupil"
    TENANT = "tenant"
    HOUSEHOLD_MEMBER = "household_member"
    APPLICANT = "applicant"
    REPORTING_PERSON = "reporting_person"
    OTHER = "other"


class Sensitivity(StrEnum):
    """How carefully an entry must be shown; "restricted" entries need a need-to-know check."""

    STANDARD = "standard"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"


class DashRisk(StrEnum):
    """A domestic abuse incident's risk level from the DASH risk checklist (SafeLives), as the police graded it.

    High risk is the threshold for a MARAC referral; the levels are ordered, lowest first.
    """

    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Its place in the order standard < medium < high, to find the highest of several."""
        return list(DashRisk).index(self)


class ExploitationKind(StrEnum):
    """Which exploitation an agency's record raises a concern about: sexual (CSE) or criminal (CCE)."""

    SEXUAL = "sexual"
    CRIMINAL = "criminal"
