"""The subject access bundle: everything the hub holds about one person, as one versioned JSON document.

Why a model of its own rather than the stored documents as they are: IG reviews the export before
anything reaches the requester, and the law asks for more than the records (UK GDPR Art 15(1): the
purposes, recipients, retention, source, rights). So every value that is about someone other than the
requester sits beside a `Mark` saying what IG should do with it, and the processing facts travel with
the records. The HTML report is rendered from this same model, so the two never disagree.

The format is `mash-hub/subject-access`, version `BUNDLE_VERSION`; `hub sar schema` prints its JSON
Schema and `docs/information-governance.md` ("Subject access requests") describes it. A change that
removes or renames a field raises the version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

BUNDLE_FORMAT: Literal["mash-hub/subject-access"] = "mash-hub/subject-access"
BUNDLE_VERSION: Literal[1] = 1


class Action(StrEnum):
    """What IG is asked to do with a value before it is disclosed."""

    RELEASE = "release"
    """About the requester alone: theirs to have."""
    REVIEW = "review"
    """IG judges: mixed information, or a professional acting in their role (ICO right-of-access guidance)."""
    REDACT = "redact"
    """About someone else (a third party): withhold unless they consent or disclosure is reasonable without."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mark(_Model):
    """The marking on one value: `release`, `review: <why>`, or `redact: third party (<why>)`.

    `label` is written out for whoever reads the JSON, and worked out again when a bundle is read back
    (so an incoming one is ignored rather than refused: it can only say what `action` and `why` say).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    action: Action
    why: str | None = None

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def label(self) -> str:
        """The marking as IG reads it, e.g. `redact: third party (a sibling named in the referral)`."""
        if self.action is Action.RELEASE:
            return "release"
        if self.action is Action.REDACT:
            return f"redact: third party ({self.why})"
        return f"review: {self.why}"


RELEASE = Mark(action=Action.RELEASE)


class Marked(_Model):
    """A piece of text as held, with its marking."""

    value: str
    mark: Mark


class PersonDetails(_Model):
    """A person as one record holds them (a referral, or an agency's record)."""

    name: str | None = None
    other_names: list[str] = Field(default_factory=list)
    birth_date: date | None = None
    sex: str | None = None
    address: str | None = None
    previous_addresses: list[str] = Field(default_factory=list)
    identifiers: dict[str, str] = Field(default_factory=dict)


class HeldPerson(_Model):
    """A person in a record: the requester, or someone else (marked for redaction or review)."""

    subject_id: str | None = Field(default=None, description="Their id within the referral, if they are a subject.")
    agency_person_id: str | None = Field(default=None, description="The agency's own record id, for an agency record.")
    role: str = Field(description="Their place in the record, in words (e.g. 'sibling', 'mother').")
    details: PersonDetails | None = None
    mark: Mark


class EntryPerson(_Model):
    """Someone an agency event involves, by the agency's record id and their part in it."""

    who: str = Field(description="'the requester', a referral subject's name, or the agency record id.")
    agency_person_id: str
    role: str
    mark: Mark


class HeldEntry(_Model):
    """One agency event (a chronology entry, or an entry in an agency's reply)."""

    occurred_on: date
    date_precision: str
    ended_on: date | None = None
    category: str
    agency: str
    record_id: str
    sensitivity: str
    summary: Marked
    action_taken: Marked | None = None
    people: list[EntryPerson]
    mark: Mark = Field(description="The entry as a whole: about the requester, mixed, or about others.")
    in_chronologies: list[str] = Field(
        default_factory=list, description="For a chronology entry: each child's chronology and version it is in."
    )


class HeldReply(_Model):
    """One agency's reply to the hub's check about the requester."""

    agency: str
    agency_name: str
    status: str
    requested_at: datetime
    completed_at: datetime | None = None
    error_code: str | None = None
    records: list[HeldPerson] = Field(description="The person records the agency returned for the check.")
    entries: list[HeldEntry]
    related_people: list[HeldPerson]


class ChronologyVersion(_Model):
    """Which stored version of a child's chronology the entries were taken from."""

    child_subject_id: str
    whose: str = Field(description="'the requester' or another child ('a sibling named in the referral').")
    version: int
    versions_stored: int
    assembled_at: datetime
    entries_in_version: int
    entries_included: int


class HeldSignOff(_Model):
    verdict: str
    signed_by: Marked
    signed_at: datetime
    note: Marked | None = None


class HeldDecision(_Model):
    """A MASH decision on the referral; its rationale may name others, so it is for review."""

    number: int
    outcome: str
    outcome_words: str
    level: int
    level_words: str
    recorded_by: Marked
    recorded_at: datetime
    rationale: Marked
    sign_off: HeldSignOff | None = None


class HeldReview(_Model):
    """An identity review: whether an agency's record is the requester's, and what a practitioner decided."""

    review_id: int
    agency: str
    agency_person_id: str
    status: str
    probability: float
    evidence: str = Field(description="The model's evidence in words; it never quotes the data.")
    proposed_at: datetime
    decided_at: datetime | None = None
    decided_by: Marked | None = None
    reason: Marked | None = None


class AccessEvent(_Model):
    """One audit trail event about the referral: who used its records, when, why and on what basis."""

    seq: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    object_id: str
    purpose: str
    lawful_basis: str
    basis: str
    outcome: str
    mark: Mark


class Recipient(_Model):
    """An agency the hub asked about the requester: their details were disclosed to it to be checked."""

    agency: str
    name: str
    lawful_basis: str | None = None
    referrals: list[str] = Field(default_factory=list)


class Unreadable(_Model):
    """A stored record that could not be read: reported, never left out."""

    referral_id: str | None = None
    record: str = Field(description="Which record, by kind and ids.")
    why: str = Field(description="Why it could not be read, in words naming no content.")


class FurtherRecord(_Model):
    """An earlier referral the hub's linkage tied to the requester by name and date of birth, not NHS number.

    Not included: IG adds it with `--referral` and `--subject` once satisfied it is the same person.
    """

    referral_id: str
    subject_id: str
    linked_from: str = Field(description="The included referral whose chronology names it.")
    outcome: str = Field(description="The linkage model's decision: linked, or review.")
    evidence: str


class HeldReferral(_Model):
    """One referral the requester is a subject of, and everything held in it about them."""

    referral_id: str
    found_by: Literal["nhs_number", "named"]
    requester_subject_id: str
    requester_role: str | None = None
    received_at: datetime | None = None
    rag: str | None = None
    concerns: list[str] = Field(default_factory=list)
    imported: bool = False
    referrer_kind: str | None = Field(default=None, description="police, health, ..., family, public, other.")
    referrer: Marked | None = None
    narrative: Marked | None = None
    requester: HeldPerson | None = None
    others: list[HeldPerson] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)
    replies: list[HeldReply] = Field(default_factory=list)
    chronologies: list[ChronologyVersion] = Field(default_factory=list)
    chronology_entries: list[HeldEntry] = Field(default_factory=list)
    decisions: list[HeldDecision] = Field(default_factory=list)
    identity_reviews: list[HeldReview] = Field(default_factory=list)
    access: list[AccessEvent] = Field(default_factory=list)
    retention: str
    unreadable: list[Unreadable] = Field(default_factory=list)
    further_records: list[FurtherRecord] = Field(default_factory=list)


class Lookup(_Model):
    """How the person was found, and what was deliberately left out."""

    by_nhs_number: bool
    named: list[str] = Field(description="Referral subjects IG named (`REF/S1`).")
    candidates_checked: int = Field(description="Person index entries found under the NHS number and decrypted.")
    confirmed: int = Field(description="Of those, the ones holding exactly this NHS number.")
    unreadable: int
    statement: str


class Processing(_Model):
    """The facts about the processing the right of access covers (UK GDPR Art 15(1)(a)-(h))."""

    purposes: list[str]
    lawful_basis: list[str]
    recipients: list[Recipient]
    retention: str
    sources: list[str]
    automated_decisions: str
    rights: list[str]


class Counts(_Model):
    referrals: int
    agency_replies: int
    chronology_entries: int
    decisions: int
    identity_reviews: int
    access_events: int
    to_redact: int = Field(description="Values marked `redact: third party`.")
    to_review: int = Field(description="Values marked `review`.")
    unreadable: int


class SubjectAccessBundle(_Model):
    """The whole export: one JSON file, `<request id>.json`."""

    format: Literal["mash-hub/subject-access"] = BUNDLE_FORMAT
    version: Literal[1] = BUNDLE_VERSION
    request_id: str
    produced_at: datetime
    produced_by: str
    nothing_held: bool = Field(description="True only when the lookup found nothing, and nothing was unreadable.")
    lookup: Lookup
    processing: Processing
    referrals: list[HeldReferral]
    unreadable: list[Unreadable] = Field(description="Every unreadable record, the lookup's and each referral's.")
    counts: Counts


def marks(value: object) -> Iterator[Mark]:
    """Every `Mark` in a model, however deep (for the counts)."""
    if isinstance(value, Mark):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from marks(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from marks(item)
