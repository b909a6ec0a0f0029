"""Version 1 of the shared model: what every agency reply is normalised into.

These models are the single source of truth; `schemas/json/` is exported from them by
`python -m schemas.export` and a test keeps the two in step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas.identifiers import is_valid_nhs_number, is_valid_upn, normalise_nhs_number
from schemas.vocabulary import (
    CheckPhase,
    CheckState,
    ConcernCategory,
    DashRisk,
    DatePrecision,
    EntryCategory,
    ExploitationKind,
    InvolvementRole,
    LinkOutcome,
    Rag,
    ReferrerKind,
    Relationship,
    ReplyStatus,
    Sensitivity,
    Sex,
    SubjectRole,
)

SCHEMA_VERSION = "1"

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OPAQUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
OpaqueId = Annotated[str, StringConstraints(pattern=OPAQUE_ID_PATTERN)]
"""Ids that travel through Airflow: short, printable and free of personal data by construction."""


def _check_nhs_number(value: str) -> str:
    value = normalise_nhs_number(value)
    if not is_valid_nhs_number(value):
        raise ValueError("is not a valid NHS number (ten digits with a modulus 11 check digit)")
    return value


def _check_upn(value: str) -> str:
    value = value.strip().upper()
    if not is_valid_upn(value):
        raise ValueError("is not a valid UPN (a check letter, eleven digits, then a digit or letter)")
    return value


def _normalise_postcode(value: str) -> str:
    compact = "".join(value.split()).upper()
    if not 5 <= len(compact) <= 7:
        raise ValueError("is not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


NhsNumber = Annotated[str, AfterValidator(_check_nhs_number)]
Upn = Annotated[str, AfterValidator(_check_upn)]
Postcode = Annotated[str, AfterValidator(_normalise_postcode)]


class Model(BaseModel):
    """Strict by default: unknown fields are errors, so a typo in a referral is never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class PersonName(Model):
    given_names: list[NonEmpty] = Field(
        default_factory=list,
        description="Given names in order, first name first. Agencies may hold a family name alone "
        "(PDS requires only `family`); a referral subject's own name needs a given name.",
    )
    family_name: NonEmpty

    @property
    def display(self) -> str:
        return " ".join([*self.given_names, self.family_name])


class Address(Model):
    line: str | None = Field(default=None, description="Street address as one line.")
    postcode: Postcode | None = None


class Identifiers(Model):
    nhs_number: NhsNumber | None = None
    upn: Upn | None = Field(default=None, description="Unique Pupil Number (DfE).")
    police_nominal_id: str | None = None
    housing_reference: str | None = None

    def present(self) -> dict[str, str]:
        return {key: value for key, value in self.model_dump().items() if value}


NAME_NOT_RECORDED = "name not recorded"
"""How a person without a name reads: some agency records hold none (PDS sends some Patients with only an
NHS number)."""


class Person(Model):
    name: PersonName | None = Field(
        default=None,
        description="None only for an agency record that holds no name (PDS returns some Patients with only an "
        "NHS number): such a record is linked by its identifiers. A referral subject always has a name.",
    )
    aliases: list[PersonName] = Field(default_factory=list, description="Other names: previous, known-as, nicknames.")
    birth_date: date | None = None
    sex: Sex = Sex.UNKNOWN
    address: Address | None = None
    previous_addresses: list[Address] = Field(
        default_factory=list, description="Earlier homes, most recent first, as the source holds them."
    )
    identifiers: Identifiers = Field(default_factory=Identifiers)

    @property
    def display_name(self) -> str:
        """The name as a practitioner reads it; "name not recorded" for a record that holds none."""
        return self.name.display if self.name is not None else NAME_NOT_RECORDED


NARRATIVE_MAX_CHARACTERS = 20_000
"""A referral's narrative states the concern, the risk and what has been tried: a thorough one is one to three
pages (about 6,000 characters). 20,000 characters (about 3,000 words) leave room for an officer's full
account; what agencies hold is gathered by the checks, not pasted in here."""
ORGANISATION_MAX_CHARACTERS = 200
"""The longest council, trust or force names run to about 100 characters."""
SUBJECTS_MAX = 50
"""A household with its extended family is well under 50 people; each subject is checked with every agency,
so the bound also bounds the checks one referral starts (50 people, four agencies: 200 checks)."""


class Referrer(Model):
    kind: ReferrerKind
    organisation: NonEmpty = Field(max_length=ORGANISATION_MAX_CHARACTERS)


class Subject(Model):
    """One person named in a referral; `subject_id` is local to the referral (e.g. "S1")."""

    subject_id: OpaqueId
    role: SubjectRole
    person: Person = Field(
        description="Who they are. Unlike an agency's record, a referral subject must have a name with at least "
        "one given name: agencies search by first name and surname."
    )

    @model_validator(mode="after")
    def _named(self) -> Subject:
        if self.person.name is None:
            raise ValueError("person.name is required: a referral subject needs a name")
        if not self.person.name.given_names:
            raise ValueError("person.name needs at least one given name (agencies search by first name and surname)")
        return self

    @property
    def name(self) -> PersonName:
        """The subject's name, which a referral subject always has (checked when the referral is read)."""
        if self.person.name is None:  # pragma: no cover - refused by `_named`
            raise ValueError("a referral subject needs a name")
        return self.person.name


class Referral(Model):
    referral_id: OpaqueId
    received_at: datetime
    referrer: Referrer
    concern_categories: list[ConcernCategory] = Field(min_length=1)
    rag: Rag
    narrative: NonEmpty = Field(max_length=NARRATIVE_MAX_CHARACTERS)
    subjects: list[Subject] = Field(min_length=1, max_length=SUBJECTS_MAX)

    @model_validator(mode="after")
    def _household_is_coherent(self) -> Referral:
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must include a time zone, e.g. 2026-11-02T09:15:00+00:00")
        ids = [subject.subject_id for subject in self.subjects]
        if len(ids) != len(set(ids)):
            raise ValueError("subject_id values must be unique within a referral")
        if not any(subject.role is SubjectRole.SUBJECT_CHILD for subject in self.subjects):
            raise ValueError("a referral needs at least one subject with role 'subject_child'")
        return self

    def subject(self, subject_id: str) -> Subject:
        for subject in self.subjects:
            if subject.subject_id == subject_id:
                return subject
        raise KeyError(subject_id)

    @property
    def children(self) -> list[Subject]:
        return [subject for subject in self.subjects if subject.role.is_child]


class SourceRef(Model):
    agency: OpaqueId
    record_id: NonEmpty


class Involvement(Model):
    """A person's part in an entry, by the agency's own person record id.

    `subject_id` is filled in once identity checking has tied that record to a referral subject.
    """

    agency_person_id: NonEmpty
    role: InvolvementRole
    subject_id: OpaqueId | None = None
    returned_for: OpaqueId | None = Field(
        default=None,
        description="Set by the hub when identity checking tied the record to no subject: the subject whose check "
        "returned it (as a candidate, or named in records about them), so it is never read as the household's.",
    )


class EntryFacts(Model):
    """Facts an agency states in its own fields, carried beside the entry's words for the hub's indicators.

    The summary says them in words for the reader; the safeguarding indicators (`config/indicators.yaml`)
    must not read words back, so the few facts they rest on travel typed. Each connector fills in only the
    ones its agency records, declared in its allow-list (`facts.dash_risk`, ...). None means not stated.
    """

    dash_risk: DashRisk | None = Field(default=None, description="Police: the DASH risk level of the incident.")
    marac: bool | None = Field(default=None, description="Police: the incident was referred to MARAC.")
    exploitation: list[ExploitationKind] = Field(
        default_factory=list, description="Police: the record raises a child sexual or criminal exploitation concern."
    )
    sessions_possible: int | None = Field(
        default=None, ge=0, description="Education: the attendance period's possible sessions (CTF)."
    )
    sessions_attended: int | None = Field(
        default=None, ge=0, description="Education: the sessions attended in that period (CTF)."
    )

    @model_validator(mode="after")
    def _attended_within_possible(self) -> EntryFacts:
        if (self.sessions_possible is None) != (self.sessions_attended is None):
            raise ValueError("sessions_possible and sessions_attended go together")
        if self.sessions_possible is not None and (self.sessions_attended or 0) > self.sessions_possible:
            raise ValueError("sessions_attended cannot exceed sessions_possible")
        return self


class ChronologyEntry(Model):
    occurred_on: date = Field(description="Start of the event; read with date_precision.")
    date_precision: DatePrecision = DatePrecision.DAY
    ended_on: date | None = Field(default=None, description="For periods such as a plan or tenancy.")
    category: EntryCategory
    summary: NonEmpty = Field(description="Plain-English significant event, as a practitioner would write it.")
    action_taken: str | None = None
    source: SourceRef
    people: list[Involvement] = Field(min_length=1)
    sensitivity: Sensitivity = Sensitivity.STANDARD
    facts: EntryFacts | None = Field(
        default=None, description="Facts the agency states in fields of their own, for the hub's indicators."
    )

    def sort_key(self) -> tuple[date, str, str, str]:
        return (self.occurred_on, self.source.agency, self.source.record_id, self.category.value)


class AgencyPerson(Model):
    """A person as one agency holds them: the candidate that identity checking accepts or rejects."""

    agency_person_id: NonEmpty
    person: Person
    set_aside: list[NonEmpty] = Field(
        default_factory=list,
        description="One note per field left out of this record because the agency's value was unusable (a birth "
        "date that is no date, say): 'birth date is not a date, so it was left out'. Never quotes the value.",
    )


class RelatedPerson(Model):
    """Someone an agency records as related to one of its person records (a PDS RelatedPerson, say).

    The relationship is the agency's own; `relationship_code` keeps its code (e.g. HL7 "MTH") so a
    mapping fix can re-read it. The related person may be known only by an identifier, or only by name.
    """

    agency_person_id: NonEmpty = Field(description="The agency's record the relationship belongs to.")
    relationship: NonEmpty = Field(description="In words, e.g. 'mother'.")
    relationship_code: str | None = None
    name: PersonName | None = None
    identifiers: Identifiers = Field(default_factory=Identifiers)
    related_agency_person_id: str | None = Field(
        default=None, description="The related person's own record at the same agency, when it says."
    )
    address: Address | None = None
    source: SourceRef


class NormalisedDocument(Model):
    """One native agency document (a reply as captured) normalised into the shared model."""

    agency: OpaqueId
    kind: NonEmpty = Field(description="What the document was, e.g. 'patient-search' or 'pupil-records'.")
    candidates: list[AgencyPerson] = Field(default_factory=list)
    entries: list[ChronologyEntry] = Field(default_factory=list)
    related_people: list[RelatedPerson] = Field(default_factory=list)


class AgencyReply(Model):
    agency: OpaqueId
    referral_id: OpaqueId
    subject_id: OpaqueId
    status: ReplyStatus
    requested_at: datetime
    completed_at: datetime | None = None
    candidates: list[AgencyPerson] = Field(default_factory=list)
    entries: list[ChronologyEntry] = Field(default_factory=list)
    related_people: list[RelatedPerson] = Field(
        default_factory=list, description="Relationships the agency's records state (a tenancy's household, say)."
    )
    error_code: OpaqueId | None = Field(
        default=None, description="Why a check failed, as a code (e.g. 'timeout'); never personal data."
    )
    error_cause: OpaqueId | None = Field(
        default=None,
        description="What lay behind `error_code` when that code hides it: for 'circuit_open', the failure "
        "that opened the circuit (e.g. 'timeout').",
    )
    error_cause_count: int = Field(default=0, ge=0, description="How many of `error_cause` in a row.")

    @property
    def set_aside(self) -> list[str]:
        """Every candidate's notes on fields left out as unusable, each naming its record (for the check's result)."""
        return [
            f"{self.agency} record {candidate.agency_person_id}: {note}"
            for candidate in self.candidates
            for note in candidate.set_aside
        ]

    @property
    def duration_ms(self) -> int | None:
        if self.completed_at is None:
            return None
        return int((self.completed_at - self.requested_at).total_seconds() * 1000)


class CheckResult(Model):
    agency: OpaqueId
    subject_id: OpaqueId
    status: ReplyStatus = Field(description="What the agency answered.")
    record_count: int = Field(default=0, ge=0, description="Entries from this check tied to this person.")
    linked_candidates: int = Field(default=0, ge=0, description="Person records the identity check tied to them.")
    unmatched_candidates: int = Field(
        default=0, ge=0, description="Person records returned that the identity check did not tie to them."
    )
    review_candidates: int = Field(
        default=0, ge=0, description="Of the unmatched, those waiting for a practitioner to confirm or reject."
    )
    minimised: int = Field(
        default=0,
        ge=0,
        description="Of the entries tied to this person, those the minimisation policy (config/minimisation.yaml) "
        "kept out of every child's chronology: counted, so a check that found records never looks as if its "
        "records were lost.",
    )
    state: CheckState | None = Field(
        default=None,
        description="The check's state when the chronology was assembled (absent in versions stored before "
        "states existed: read it with `hub.chronology.check_states`). Never 'overdue': that is worked out "
        "when the history is read.",
    )
    reason: OpaqueId | None = Field(default=None, description="Why the check failed, as a code (e.g. 'http_503').")
    cause: OpaqueId | None = Field(
        default=None, description="What lay behind `reason` (circuit_open: its first cause)."
    )
    cause_count: int = Field(default=0, ge=0)
    attempts: int = Field(default=0, ge=0, description="Attempts made so far, the first included.")
    set_aside: tuple[NonEmpty, ...] = Field(
        default=(),
        description="Fields of the agency's records left out because their values were unusable, one note each "
        "('police record N123: birth date is not a date, so it was left out'); the records were still used. "
        "A tuple, so a check result stays hashable (results are compared as sets).",
    )
    due_at: datetime | None = Field(default=None, description="When the referral's RAG rating needs the answer by.")
    next_attempt_at: datetime | None = Field(default=None, description="When a failed check is tried again.")


class CheckProgress(Model):
    """Where one agency check stands in the hub's ledger: ids, codes, counts and times, nothing personal."""

    agency: OpaqueId
    subject_id: OpaqueId
    phase: CheckPhase
    attempts: int = Field(default=0, ge=0)
    reason: OpaqueId | None = None
    cause: OpaqueId | None = None
    cause_count: int = Field(default=0, ge=0)
    due_at: datetime | None = None
    next_attempt_at: datetime | None = None
    updated_at: datetime | None = None


class HouseholdEdge(Model):
    """One edge of the household graph: what `related_subject_id` is to `subject_id`, and who says so.

    `stated_by` is "referral" for what the referrer described, or the agency and record that shows it
    (e.g. a tenancy listing both people).
    """

    subject_id: OpaqueId
    related_subject_id: OpaqueId
    relationship: Relationship
    stated_by: NonEmpty
    source: SourceRef | None = None
    subject_name: str | None = Field(default=None, description="Only for someone the referral does not name.")
    related_name: str | None = Field(default=None, description="Only for someone the referral does not name.")


class LinkEvidence(Model):
    """How one field compared, in words that never quote the data."""

    field: NonEmpty
    level: NonEmpty
    weight: float = Field(description="Bits (log2 of m/u) this comparison added to the match weight.")
    words: NonEmpty


class LinkJudgement(Model):
    """What linkage decided about a pair of records, and why, in words that never quote the data."""

    outcome: LinkOutcome
    probability: float = Field(ge=0, le=1)
    evidence: list[LinkEvidence] = Field(default_factory=list)
    review_reasons: list[str] = Field(default_factory=list)


class CandidateLink(LinkJudgement):
    """The decision on one agency candidate for one referral subject, with its evidence.

    `decided_by` is "linkage" for the model's own decision, or "practitioner" once someone confirmed or
    rejected a candidate the model sent to review.
    """

    agency: OpaqueId
    agency_person_id: NonEmpty
    subject_id: OpaqueId
    decided_by: NonEmpty = "linkage"


class PriorReferral(LinkJudgement):
    """An earlier referral to the hub about one of this referral's people, as prior-involvement lookup found it."""

    subject_id: OpaqueId
    earlier_referral_id: OpaqueId
    earlier_subject_id: OpaqueId
    earlier_received_at: datetime


class Chronology(Model):
    referral_id: OpaqueId
    child_subject_id: OpaqueId
    version: int = Field(ge=1)
    schema_version: str = SCHEMA_VERSION
    assembled_at: datetime
    entries: list[ChronologyEntry]
    checks: list[CheckResult] = Field(description="Agency x person -> status, for every check in the referral.")
    links: list[CandidateLink] = Field(
        default_factory=list,
        description="Every candidate linked or sent to review, with its evidence (not-linked ones are counted in "
        "checks).",
    )
    prior_referrals: list[PriorReferral] = Field(
        default_factory=list,
        description="Earlier referrals about this referral's people, linked or for review, with the evidence.",
    )
    household: list[HouseholdEdge] = Field(
        default_factory=list,
        description="The household graph the chronology was assembled with: every stated relationship between "
        "the referral's people. An adult's record reaches the child's chronology only through one of the child's.",
    )

    @property
    def outstanding(self) -> list[CheckResult]:
        """Checks without a final answer when this version was assembled: the version is partial if any."""
        return [check for check in self.checks if check.state is not None and not check.state.is_final]
