"""The family history a practitioner reads: household, checks summary and a chronology per child.

One view model feeds both the terminal and the HTML report, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hub.chronology.check_states import check_words, gaps, is_all_clear, state_at
from hub.chronology.household import REFERRAL, adults_related_to, is_agency_node
from schemas import (
    CandidateLink,
    CheckPhase,
    CheckProgress,
    CheckResult,
    ChecksStage,
    CheckState,
    Chronology,
    ChronologyEntry,
    DatePrecision,
    HouseholdEdge,
    Involvement,
    LinkJudgement,
    LinkOutcome,
    PriorReferral,
    Referral,
    Relationship,
    ReplyStatus,
    Subject,
    SubjectRole,
)


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
    through: str = ""
    """For an adult's record: the stated relationship that brings it into this child's chronology."""


@dataclass(frozen=True)
class RelationshipRow:
    """One line of the household graph: "Grace Okafor is parent or carer of Amara", and who says so."""

    person: str
    relationship: str
    of: str
    stated_by: str


@dataclass(frozen=True)
class LinkRow:
    """One identity decision shown to the practitioner: whose record, the outcome, and the evidence."""

    person: str
    agency: str
    record: str
    outcome: str
    probability: str
    evidence: str
    why_review: str
    decided_by: str


@dataclass(frozen=True)
class PriorRow:
    """An earlier referral to the hub about one of this referral's people."""

    person: str
    earlier_referral: str
    received: str
    outcome: str
    evidence: str
    why_review: str


@dataclass(frozen=True)
class CheckCell:
    """One agency check for one person as shown: its state (a `CheckState` value), words, and the facts."""

    agency: str
    subject_id: str
    state: str
    words: str
    reason: str | None
    cause: str | None
    attempts: int
    due_at: datetime | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class ChildHistory:
    subject_id: str
    name: str
    version: int
    assembled_at: datetime
    rows: list[EntryRow]
    partial: bool = False
    """Assembled while some checks had no final answer: later replies will add to it."""


@dataclass(frozen=True)
class ReturnedRecord:
    """One person record an agency returned for one person's check and the hub left unlinked to them."""

    subject_id: str
    checked_for: str
    """The name of the person whose check returned it."""
    agency: str
    record: str
    name: str
    born: str
    sex: str
    address: str
    decision: str
    evidence: str
    why: str


@dataclass(frozen=True)
class FamilyHistory:
    referral_id: str
    received_at: datetime
    rag: str
    referrer: str
    concerns: list[str]
    household: list[HouseholdMember]
    relationships: list[RelationshipRow]
    links: list[LinkRow]
    """Every agency record linked to a person or waiting for review, with the evidence."""
    prior_referrals: list[PriorRow]
    re_referral: str | None
    """Set when a linked earlier referral was received within a year: practitioners must see it first."""
    agencies: list[str]
    checks: dict[str, dict[str, CheckCell]]
    """subject id -> agency -> the check as shown now."""
    children: list[ChildHistory]
    gaps: list[str]
    """What the history cannot yet say, one sentence per agency: checks failed, outstanding or never made."""
    all_clear: bool
    """Every check for every person ended with the agency answering that it holds nothing."""
    read_at: datetime
    returned: list[ReturnedRecord] | None = None
    """Records agencies returned that are not linked to the person checked, when asked for (`--returned`)."""
    set_aside: list[str] = field(default_factory=list)
    """Fields left out of agency records because their values were unusable (the records were still used)."""


OUTCOME_WORDS = {
    LinkOutcome.LINKED: "linked",
    LinkOutcome.REVIEW: "needs review: left out until confirmed",
    LinkOutcome.NOT_LINKED: "not linked",
}


RE_REFERRAL_WINDOW = timedelta(days=365)


def evidence_words(judgement: LinkJudgement) -> str:
    """The telling evidence: what weighed for or against, and the birth date whatever it said."""
    return "; ".join(item.words for item in judgement.evidence if item.weight or item.field == "birth_date")


def prior_rows(prior: list[PriorReferral], names: dict[str, str]) -> list[PriorRow]:
    return [
        PriorRow(
            person=names.get(item.subject_id, item.subject_id),
            earlier_referral=f"{item.earlier_referral_id} ({item.earlier_subject_id})",
            received=f"{item.earlier_received_at:%d %b %Y}",
            outcome=OUTCOME_WORDS[item.outcome],
            evidence=evidence_words(item),
            why_review="; ".join(item.review_reasons),
        )
        for item in prior
    ]


def re_referral_flag(referral: Referral, prior: list[PriorReferral], names: dict[str, str]) -> str | None:
    """ "Re-referral: ..." when a linked earlier referral about one of the children came within a year."""
    children = {subject.subject_id for subject in referral.children}
    recent = [
        item
        for item in prior
        if item.outcome is LinkOutcome.LINKED
        and item.subject_id in children
        and referral.received_at - item.earlier_received_at <= RE_REFERRAL_WINDOW
    ]
    if not recent:
        return None
    return "Re-referral within a year: " + "; ".join(
        f"{names.get(item.subject_id, item.subject_id)} was referred on {item.earlier_received_at:%d %b %Y} "
        f"({item.earlier_referral_id})"
        for item in recent
    )


def link_rows(links: list[CandidateLink], names: dict[str, str]) -> list[LinkRow]:
    """Each linked or review decision, review first (they need someone), then by person and agency."""
    ordered = sorted(links, key=lambda link: (link.outcome is not LinkOutcome.REVIEW, link.subject_id, link.agency))
    return [
        LinkRow(
            person=names.get(link.subject_id, link.subject_id),
            agency=link.agency,
            record=link.agency_person_id,
            outcome=OUTCOME_WORDS[link.outcome]
            + (" (a practitioner's decision)" if link.decided_by == "practitioner" else ""),
            probability="over 99.9%" if link.probability > 0.999 else f"{link.probability:.1%}",
            evidence=evidence_words(link),
            why_review="; ".join(link.review_reasons),
            decided_by=link.decided_by,
        )
        for link in ordered
    ]


RELATIONSHIP_WORDS = {
    Relationship.PARENT_CARER: "parent or carer",
    Relationship.CHILD: "child",
    Relationship.SIBLING: "sibling",
    Relationship.PARTNER: "partner",
    Relationship.OTHER_ADULT: "other adult in the household",
    Relationship.CO_RESIDENT: "lives with",
    Relationship.RELATIVE: "relative",
}
TELLING = (
    Relationship.PARENT_CARER,
    Relationship.PARTNER,
    Relationship.SIBLING,
    Relationship.OTHER_ADULT,
    Relationship.CO_RESIDENT,
    Relationship.RELATIVE,
    Relationship.CHILD,
)
"""Which of a pair's relationships to show first: the most specific, seen from the child's side."""


def _stated_by(edge: HouseholdEdge) -> str:
    return "stated in the referral" if edge.stated_by == REFERRAL else f"shown by {edge.stated_by}"


def _node_name(node: str, names: dict[str, str], stated_name: str | None = None) -> str:
    if node in names:
        return names[node]
    if is_agency_node(node):
        agency, _, record = node.partition(":")
        who = stated_name or "someone"
        return f"{who}, not named in the referral ({agency} record {record})"
    return node


def _stated_name(edges: list[HouseholdEdge], node: str) -> str | None:
    """The name an agency's record gives someone the referral does not name, if any edge carries it."""
    for edge in edges:
        if edge.related_subject_id == node and edge.related_name:
            return edge.related_name
        if edge.subject_id == node and edge.subject_name:
            return edge.subject_name
    return None


def relationship_rows(edges: list[HouseholdEdge], names: dict[str, str]) -> list[RelationshipRow]:
    """One row per pair of people: their most telling relationship, and everyone who says so.

    "A is parent or carer of B" rather than also "B is child of A"; a pair the referral describes
    and a tenancy confirms is one row, "stated in the referral; shown by housing TEN1 (lives with)".
    """
    by_pair: dict[frozenset[str], list[HouseholdEdge]] = {}
    for edge in edges:
        if edge.relationship is not Relationship.CHILD:
            by_pair.setdefault(frozenset((edge.subject_id, edge.related_subject_id)), []).append(edge)
    rows = []
    for pair_edges in by_pair.values():
        shown = min(pair_edges, key=lambda edge: (TELLING.index(edge.relationship), edge.stated_by != REFERRAL))
        sources = [_stated_by(shown)]
        for edge in pair_edges:
            if edge.stated_by == shown.stated_by:
                continue  # The same statement, seen from the other person's side.
            source = _stated_by(edge)
            if edge.relationship is not shown.relationship:
                source += f" ({RELATIONSHIP_WORDS[edge.relationship]})"
            if source not in sources:
                sources.append(source)
        rows.append(
            RelationshipRow(
                person=_node_name(shown.related_subject_id, names, _stated_name(pair_edges, shown.related_subject_id)),
                relationship=RELATIONSHIP_WORDS[shown.relationship],
                of=_node_name(shown.subject_id, names, _stated_name(pair_edges, shown.subject_id)),
                stated_by="; ".join(sources),
            )
        )
    return rows


def _through(
    entry: ChronologyEntry, child_id: str, related: dict[str, list[HouseholdEdge]], names: dict[str, str]
) -> str:
    """How an adult's record reaches this child: the adult, the stated relationship, and who stated it."""
    involved = {person.subject_id for person in entry.people}
    if child_id in involved:
        return ""
    return "; ".join(
        f"{names.get(subject_id, subject_id)}, {RELATIONSHIP_WORDS[edges[0].relationship]} ({_stated_by(edges[0])})"
        for subject_id, edges in sorted(related.items())
        if subject_id in involved
    )


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


def unlinked_words(
    agency: str, involvement: Involvement, names: Mapping[str, str], review: Mapping[tuple[str, str], str]
) -> str:
    """Someone identity checking tied to nobody in the referral, and whose check returned them (issue 13).

    Never an anonymous "person not in referral": an agency record about a child the linker missed
    would otherwise read, in every sibling's chronology, as someone outside the household.
    """
    record = f"{agency} record {involvement.agency_person_id}"
    if (subject_id := review.get((agency, involvement.agency_person_id))) is not None:
        return f"{record}, possibly {names.get(subject_id, subject_id)}: awaiting review"
    if (checked := involvement.returned_for) is not None:
        return f"{record}, returned for {names.get(checked, checked)}'s check, not linked"
    return f"{record}, not linked to anyone in the referral"


def _people(entry: ChronologyEntry, names: dict[str, str], review: Mapping[tuple[str, str], str]) -> str:
    parts = []
    for involvement in entry.people:
        name = names.get(involvement.subject_id) if involvement.subject_id is not None else None
        who = name or unlinked_words(entry.source.agency, involvement, names, review)
        parts.append(f"{who} ({_words(involvement.role.value)})")
    return "; ".join(dict.fromkeys(parts))


def under_review(links: Sequence[CandidateLink]) -> dict[tuple[str, str], str]:
    """(agency, agency person id) → the subject a record waits for review against (the first, if several)."""
    found: dict[tuple[str, str], str] = {}
    for link in links:
        if link.outcome is LinkOutcome.REVIEW:
            found.setdefault((link.agency, link.agency_person_id), link.subject_id)
    return found


def _member(subject: Subject) -> HouseholdMember:
    person = subject.person
    return HouseholdMember(
        subject_id=subject.subject_id,
        name=subject.name.display,
        role=ROLE_WORDS[subject.role],
        birth_date=person.birth_date.strftime("%d %b %Y") if person.birth_date else "unknown",
    )


def _latest(chronologies: list[Chronology]) -> Chronology:
    """The most recently assembled (every child's carries the same graph and links)."""
    return max(chronologies, key=lambda chronology: (chronology.assembled_at, chronology.child_subject_id))


def _latest_household(chronologies: list[Chronology]) -> list[HouseholdEdge]:
    return _latest(chronologies).household if chronologies else []


def current_checks(
    referral: Referral, chronologies: list[Chronology], progress: Sequence[CheckProgress], agencies: Sequence[str]
) -> list[CheckResult]:
    """Every agency × person check as it stands now: the latest version's, brought up to date by the ledger.

    A version is a snapshot; the ledger moves on (a retry scheduled, a worker lost, a re-check begun),
    so wherever the ledger says something the snapshot does not, the ledger's account is shown.
    """
    stored = {
        (check.agency, check.subject_id): check for check in (_latest(chronologies).checks if chronologies else [])
    }
    ledger = {(item.agency, item.subject_id): item for item in progress}
    every = sorted(set(stored) | set(ledger) | {(a, s.subject_id) for a in agencies for s in referral.subjects})
    results = []
    for agency, subject_id in every:
        check = stored.get((agency, subject_id)) or CheckResult(
            agency=agency, subject_id=subject_id, status=ReplyStatus.PENDING, state=CheckState.NOT_ASKED
        )
        step = ledger.get((agency, subject_id))
        results.append(check if step is None else brought_up_to_date(check, step))
    return results


def brought_up_to_date(check: CheckResult, step: CheckProgress) -> CheckResult:
    """The stored check, unless the ledger has news: a final answer stands only while the ledger agrees."""
    shown = state_at(check)
    answered = step.phase is CheckPhase.ANSWERED and shown.is_final and shown is not CheckState.FAILED
    if answered or (step.phase is CheckPhase.GAVE_UP and shown is CheckState.FAILED):
        return check
    state = {
        CheckPhase.NOT_ASKED: CheckState.NOT_ASKED,
        CheckPhase.RETRYING: CheckState.FAILED_RETRYING,
        CheckPhase.GAVE_UP: CheckState.FAILED,
    }.get(step.phase, CheckState.AWAITING_REPLY)
    failed = state in (CheckState.FAILED, CheckState.FAILED_RETRYING)
    return check.model_copy(
        update={
            "state": state,
            "reason": step.reason if failed else None,
            "cause": step.cause if failed else None,
            "cause_count": step.cause_count if failed else 0,
            "attempts": step.attempts,
            "due_at": step.due_at,
            "next_attempt_at": step.next_attempt_at if state is CheckState.FAILED_RETRYING else None,
        }
    )


def _cell(check: CheckResult, now: datetime) -> CheckCell:
    return CheckCell(
        agency=check.agency,
        subject_id=check.subject_id,
        state=state_at(check, now).value,
        words=check_words(check, now),
        reason=check.reason,
        cause=check.cause,
        attempts=check.attempts,
        due_at=check.due_at,
        next_attempt_at=check.next_attempt_at,
    )


def build(
    referral: Referral,
    chronologies: list[Chronology],
    agencies: list[str],
    *,
    progress: Sequence[CheckProgress] = (),
    stage: ChecksStage | None = None,
    now: datetime | None = None,
) -> FamilyHistory:
    """The history as of `now`: chronologies as stored, checks as the ledger (`progress`) has them now."""
    now = now or datetime.now(UTC)
    names = {subject.subject_id: subject.name.display for subject in referral.subjects}
    prior = _latest(chronologies).prior_referrals if chronologies else []
    checks = current_checks(referral, chronologies, progress, agencies)
    cells: dict[str, dict[str, CheckCell]] = {subject.subject_id: {} for subject in referral.subjects}
    for check in checks:
        cells.setdefault(check.subject_id, {})[check.agency] = _cell(check, now)
    children = []
    review = under_review(_latest(chronologies).links if chronologies else [])
    for chronology in sorted(chronologies, key=lambda item: item.child_subject_id):
        related = adults_related_to(chronology.child_subject_id, chronology.household)
        rows = [
            EntryRow(
                when=format_when(entry),
                category=_words(entry.category.value),
                summary=entry.summary,
                source=f"{entry.source.agency} {entry.source.record_id}",
                people=_people(entry, names, review),
                sensitivity=entry.sensitivity.value,
                through=_through(entry, chronology.child_subject_id, related, names),
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
                partial=bool(chronology.outstanding),
            )
        )
    return FamilyHistory(
        referral_id=referral.referral_id,
        received_at=referral.received_at,
        rag=referral.rag.value.upper(),
        referrer=f"{referral.referrer.organisation} ({_words(referral.referrer.kind.value)})",
        concerns=[_words(concern.value) for concern in referral.concern_categories],
        household=[_member(subject) for subject in referral.subjects],
        relationships=relationship_rows(_latest_household(chronologies), names),
        links=link_rows(_latest(chronologies).links if chronologies else [], names),
        prior_referrals=prior_rows(prior, names),
        re_referral=re_referral_flag(referral, prior, names),
        agencies=agencies,
        checks=cells,
        children=children,
        gaps=gaps(checks, names, stage=stage, now=now),
        all_clear=is_all_clear(checks, now),
        read_at=now,
        set_aside=list(dict.fromkeys(note for check in checks for note in check.set_aside)),
    )
