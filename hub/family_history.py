"""The family history a practitioner reads: household, checks summary and a chronology per child.

One view model feeds both the terminal and the HTML report, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from schemas import CheckResult, Chronology, ChronologyEntry, DatePrecision, Referral, ReplyStatus, Subject, SubjectRole

STATUS_WORDS = {
    ReplyStatus.FOUND: "records found",
    ReplyStatus.NO_RECORD: "checked: no record",
    ReplyStatus.MULTIPLE_CANDIDATES: "several possible matches",
    ReplyStatus.FAILED: "check failed",
    ReplyStatus.PENDING: "awaiting reply",
}
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class HouseholdMember:
    subject_id: str
    name: str
    role: str
    birth_date: str


@dataclass(frozen=True)
class EntryRow:
    when: str
    category: str
    summary: str
    source: str
    people: str
    sensitivity: str


@dataclass(frozen=True)
class ChildHistory:
    subject_id: str
    name: str
    version: int
    assembled_at: datetime
    rows: list[EntryRow]


@dataclass(frozen=True)
class FamilyHistory:
    referral_id: str
    received_at: datetime
    rag: str
    referrer: str
    concerns: list[str]
    household: list[HouseholdMember]
    agencies: list[str]
    checks: dict[str, dict[str, str]]
    """subject id -> agency -> status in words."""
    children: list[ChildHistory]


UNCONFIRMED = "possible match, not confirmed"


def check_words(result: CheckResult) -> str:
    """The agency's answer, qualified by the identity check: "found" is only said of linked records."""
    if result.status in (ReplyStatus.FOUND, ReplyStatus.MULTIPLE_CANDIDATES):
        if result.linked_candidates == 0:
            return UNCONFIRMED
        if result.unmatched_candidates:
            return f"{STATUS_WORDS[ReplyStatus.FOUND]}; {result.unmatched_candidates} more not confirmed"
        return STATUS_WORDS[ReplyStatus.FOUND]
    return STATUS_WORDS[result.status]


ROLE_WORDS = {
    SubjectRole.SUBJECT_CHILD: "subject child",
    SubjectRole.SIBLING: "sibling",
    SubjectRole.PARENT_CARER: "parent or carer",
    SubjectRole.OTHER_ADULT: "other adult",
}


def _words(value: str) -> str:
    return value.replace("_", " ")


def format_when(entry: ChronologyEntry) -> str:
    def one(day: date) -> str:
        if entry.date_precision is DatePrecision.YEAR:
            return day.strftime("%Y")
        if entry.date_precision is DatePrecision.MONTH:
            return day.strftime("%b %Y")
        return day.strftime("%d %b %Y")

    return one(entry.occurred_on) + (f" to {one(entry.ended_on)}" if entry.ended_on else "")


def _people(entry: ChronologyEntry, names: dict[str, str]) -> str:
    parts = []
    for involvement in entry.people:
        who = names.get(involvement.subject_id or "", "person not in referral")
        parts.append(f"{who} ({_words(involvement.role.value)})")
    return "; ".join(dict.fromkeys(parts))


def _member(subject: Subject) -> HouseholdMember:
    person = subject.person
    return HouseholdMember(
        subject_id=subject.subject_id,
        name=person.name.display,
        role=ROLE_WORDS[subject.role],
        birth_date=person.birth_date.strftime("%d %b %Y") if person.birth_date else "unknown",
    )


def build(referral: Referral, chronologies: list[Chronology], agencies: list[str]) -> FamilyHistory:
    names = {subject.subject_id: subject.person.name.display for subject in referral.subjects}
    checks: dict[str, dict[str, str]] = {
        subject.subject_id: dict.fromkeys(agencies, NOT_CHECKED) for subject in referral.subjects
    }
    children = []
    for chronology in sorted(chronologies, key=lambda item: item.child_subject_id):
        for result in chronology.checks:
            checks.setdefault(result.subject_id, {})[result.agency] = check_words(result)
        rows = [
            EntryRow(
                when=format_when(entry),
                category=_words(entry.category.value),
                summary=entry.summary,
                source=f"{entry.source.agency} {entry.source.record_id}",
                people=_people(entry, names),
                sensitivity=entry.sensitivity.value,
            )
            for entry in chronology.entries
        ]
        children.append(
            ChildHistory(
                subject_id=chronology.child_subject_id,
                name=names.get(chronology.child_subject_id, chronology.child_subject_id),
                version=chronology.version,
                assembled_at=chronology.assembled_at,
                rows=rows,
            )
        )
    return FamilyHistory(
        referral_id=referral.referral_id,
        received_at=referral.received_at,
        rag=referral.rag.value.upper(),
        referrer=f"{referral.referrer.organisation} ({_words(referral.referrer.kind.value)})",
        concerns=[_words(concern.value) for concern in referral.concern_categories],
        household=[_member(subject) for subject in referral.subjects],
        agencies=agencies,
        checks=checks,
        children=children,
    )
