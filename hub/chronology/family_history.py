"""The family history a practitioner reads: household, checks summary and a chronology per child.

One view model feeds both the terminal and the HTML report, so the two never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hub.chronology.check_states import check_words, gaps, is_all_clear, state_at
from hub.chronology.household import REFERRAL, adults_related_to, is_agency_node
from hub.chronology.indicator_rules import IndicatorRules, load_indicators
from hub.chronology.indicators import Concern, entry_key, find, suggestion_words
from hub.chronology.record_words import PersonRecords, agency_words, records_words
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
    EntryCategory,
    HouseholdEdge,
    Involvement,
    InvolvementRole,
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
    record: str = ""
    """The agency's own id for the record ("police OCC-3"): for the JSON document and IG, never the reading."""
    highlight: str = ""
    """How the safeguarding indicators mark it, if at all: "Key concern: Domestic abuse" (`chronology.indicators`)."""
    significance: str = ""
    """The mark's strength, a `Significance` value ("high" or "medium"), or "" when unmarked."""


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
    """The agency's own id for the record: for the JSON document and IG, never the reading (`label` is)."""
    outcome: str
    probability: str
    evidence: str
    why_review: str
    decided_by: str
    label: str = ""
    """The record in words: "Police nominal record 2"."""


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
    label: str = ""
    """The record in words ("Police nominal record 2"); `record` is the agency's id, kept for IG."""


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
    imported: bool = False
    """Imported history (`ChecksStage.IMPORTED`): the hub did not check the agencies, so no check state is shown,
    only `gaps`' one sentence saying so."""
    records: PersonRecords = field(default_factory=PersonRecords)
    """The words for every agency person record the history mentions (not part of its JSON document)."""
    key_concerns: list[Concern] = field(default_factory=list)
    """What the safeguarding indicators found in the records the reader may see, high significance first."""
    suggestion: str = ""
    """The threshold level the hub suggests from those records, in words that say the practitioner decides."""
    checks_complete: bool = False
    """Every check has the agency's answer, so no reply to come can add a key concern."""


OUTCOME_WORDS = {
    LinkOutcome.LINKED: "linked",
    LinkOutcome.REVIEW: "needs review: left out until confirmed",
    LinkOutcome.NOT_LINKED: "not linked",
}


RE_REFERRAL_WINDOW = timedelta(days=365)


def evidence_words(judgement: LinkJudgement) -> str:
    """The telling evidence: what weighed for or against, and the birth date whatever it said, each said once.

    Two comparisons can word the same finding alike (a name and its alias both "match"); repeated,
    it reads as machine output and looks like more evidence than there is.
    """
    return "; ".join(
        dict.fromkeys(item.words for item in judgement.evidence if item.weight or item.field == "birth_date")
    )


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


def link_rows(links: list[CandidateLink], names: dict[str, str], records: PersonRecords | None = None) -> list[LinkRow]:
    """Each linked or review decision, review first (they need someone), then by person and agency."""
    records = records or PersonRecords()
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
            label=records.label(link.agency, link.agency_person_id),
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


def _source_agency(edge: HouseholdEdge) -> str:
    """The agency whose record states an edge (`stated_by` is "<agency> <record id>")."""
    return edge.source.agency if edge.source is not None else edge.stated_by.partition(" ")[0]


def _stated_by(edge: HouseholdEdge) -> str:
    """Who says so, in words: the referral, or the kind of agency record (its id is no reader's business)."""
    return "stated in the referral" if edge.stated_by == REFERRAL else f"shown by {records_words(_source_agency(edge))}"


def _sources(pair_edges: list[HouseholdEdge], shown: HouseholdEdge) -> tuple[str, ...]:
    """Everyone who says how a pair is related, each source named once.

    One tenancy states a parent and, as a home record, that the two live together: that is one
    source, and "lives with" goes without saying beside the relationship it states. Two records of
    one agency saying the same are "2 housing records", never the same words twice.
    """
    by_source: dict[str, set[Relationship]] = {shown.stated_by: set()}
    for edge in pair_edges:
        by_source.setdefault(edge.stated_by, set()).add(edge.relationship)
    agencies = {edge.stated_by: _source_agency(edge) for edge in pair_edges}
    said: dict[tuple[str, str], int] = {}
    for stated_by, relationships in by_source.items():
        extras = relationships - {shown.relationship}
        if shown.relationship in relationships or len(extras) > 1:
            extras.discard(Relationship.CO_RESIDENT)  # implied by the relationship it states
        also = ", ".join(RELATIONSHIP_WORDS[item] for item in sorted(extras, key=TELLING.index))
        who = REFERRAL if stated_by == REFERRAL else agencies[stated_by]
        said[(who, also)] = said.get((who, also), 0) + 1
    return tuple(
        ("stated in the referral" if who == REFERRAL else f"shown by {records_words(who, times)}")
        + (f" ({also})" if also else "")
        for (who, also), times in said.items()
    )


def node_name(
    node: str, names: dict[str, str], stated_name: str | None = None, records: PersonRecords | None = None
) -> str:
    if node in names:
        return names[node]
    if is_agency_node(node):
        agency, _, record = node.partition(":")
        who = stated_name or "someone"
        return f"{who}, not named in the referral ({(records or PersonRecords()).label(agency, record)})"
    return node


def _stated_name(edges: list[HouseholdEdge], node: str) -> str | None:
    """The name an agency's record gives someone the referral does not name, if any edge carries it."""
    for edge in edges:
        if edge.related_subject_id == node and edge.related_name:
            return edge.related_name
        if edge.subject_id == node and edge.subject_name:
            return edge.subject_name
    return None


@dataclass(frozen=True)
class PairRelationship:
    """One pair of people in the household graph: its most telling relationship, and everyone who says so.

    What `related_id` is to `subject_id`, with the ids kept (not only names), so that a view which
    places people (the household diagram) can draw exactly the rows the relationships table lists.
    """

    subject_id: str
    related_id: str
    relationship: Relationship
    sources: tuple[str, ...]
    subject_name: str | None = None
    """The name an agency's record gives `subject_id`, when the referral does not name them."""
    related_name: str | None = None


def pair_relationships(edges: list[HouseholdEdge]) -> list[PairRelationship]:
    """One entry per pair of people: their most telling relationship, and everyone who says so.

    "A is parent or carer of B" rather than also "B is child of A"; a pair the referral describes
    and a tenancy confirms is one entry, "stated in the referral; shown by a housing record".
    """
    by_pair: dict[frozenset[str], list[HouseholdEdge]] = {}
    for edge in edges:
        if edge.relationship is not Relationship.CHILD:
            by_pair.setdefault(frozenset((edge.subject_id, edge.related_subject_id)), []).append(edge)
    pairs = []
    for pair_edges in by_pair.values():
        shown = min(pair_edges, key=lambda edge: (TELLING.index(edge.relationship), edge.stated_by != REFERRAL))
        sources = _sources(pair_edges, shown)
        pairs.append(
            PairRelationship(
                subject_id=shown.subject_id,
                related_id=shown.related_subject_id,
                relationship=shown.relationship,
                sources=sources,
                subject_name=_stated_name(pair_edges, shown.subject_id),
                related_name=_stated_name(pair_edges, shown.related_subject_id),
            )
        )
    return pairs


def relationship_rows(
    edges: list[HouseholdEdge], names: dict[str, str], records: PersonRecords | None = None
) -> list[RelationshipRow]:
    """The relationships table: one row per pair of people (`pair_relationships`), in words."""
    return [
        RelationshipRow(
            person=node_name(pair.related_id, names, pair.related_name, records),
            relationship=RELATIONSHIP_WORDS[pair.relationship],
            of=node_name(pair.subject_id, names, pair.subject_name, records),
            stated_by="; ".join(pair.sources),
        )
        for pair in pair_relationships(edges)
    ]


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


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""English month abbreviations, as `strftime("%b")` gives them in the C locale, whatever the process's locale."""


_YEAR, _MONTH = DatePrecision.YEAR, DatePrecision.MONTH
"""Looked up once: reaching an enum member through its class is slow in Python 3.11, and done per entry."""


def _day(day: date, precision: DatePrecision, padded: bool) -> str:
    """One date as precisely as the agency gave it: "2014", "Mar 2014", "07 Mar 2014" ("7 Mar 2014")."""
    if precision is _YEAR:
        return str(day.year)
    month = f"{MONTHS[day.month - 1]} {day.year}"
    if precision is _MONTH:
        return month
    return f"{day.day:02d} {month}" if padded else f"{day.day} {month}"


def period_words(entry: ChronologyEntry, *, padded: bool = True) -> str:
    """An entry's date or period as precisely as the agency gave it: "07 Mar 2014", "Mar 2014 to 2015".

    Without `strftime`, which a history of 1,000 entries called thousands of times a page (issue 14).
    `padded` days are two digits, as `strftime("%d")` wrote them; GOV.UK style (the web pages) is not.
    """
    precision = entry.date_precision
    shown = _day(entry.occurred_on, precision, padded)
    return f"{shown} to {_day(entry.ended_on, precision, padded)}" if entry.ended_on else shown


_CATEGORY_WORDS = {category: _words(category.value) for category in EntryCategory}
"""Each category in words, worked out once rather than once per entry (an enum's `.value` is slow to reach)."""


def format_when(entry: ChronologyEntry) -> str:
    """The entry's date or period for the terminal, reports and PDF: "07 Mar 2014", "Mar 2014 to 2015"."""
    return period_words(entry)


def unlinked_words(
    agency: str,
    involvement: Involvement,
    names: Mapping[str, str],
    review: Mapping[tuple[str, str], str],
    records: PersonRecords | None = None,
) -> str:
    """Someone identity checking tied to nobody in the referral, and whose check returned them (issue 13).

    Never an anonymous "person not in referral": an agency record about a child the linker missed
    would otherwise read, in every sibling's chronology, as someone outside the household.
    """
    record = (records or PersonRecords()).label(agency, involvement.agency_person_id)
    if (subject_id := review.get((agency, involvement.agency_person_id))) is not None:
        return f"{record}, possibly {names.get(subject_id, subject_id)}: awaiting review"
    if (checked := involvement.returned_for) is not None:
        return f"{record}, returned for {names.get(checked, checked)}'s check, not linked"
    return f"{record}, not linked to anyone in the referral"


def _people(
    entry: ChronologyEntry, names: dict[str, str], review: Mapping[tuple[str, str], str], records: PersonRecords
) -> str:
    parts = []
    for involvement in entry.people:
        name = names.get(involvement.subject_id) if involvement.subject_id is not None else None
        who = name or unlinked_words(entry.source.agency, involvement, names, review, records)
        parts.append(f"{who} ({_words(involvement.role.value)})")
    return "; ".join(dict.fromkeys(parts))


_Involved = tuple[str, tuple[tuple[str, InvolvementRole, str | None, str | None], ...]]
"""An entry's agency and involvements: all that its people's words, and how it reaches a child, depend on."""


def _involved(entry: ChronologyEntry) -> _Involved:
    return entry.source.agency, tuple((p.agency_person_id, p.role, p.subject_id, p.returned_for) for p in entry.people)


class _PeopleWords:
    """`_people` for each entry of one history, worked out once for each distinct set of people.

    A history of 1,000 entries names the same few people again and again (and children's chronologies
    share their parents' entries): the words depend only on the agency and the entry's involvements,
    so they are remembered for the one `build` call that asks, and never beyond it.
    """

    def __init__(self, names: dict[str, str], review: Mapping[tuple[str, str], str], records: PersonRecords) -> None:
        self._names, self._review, self._records = names, review, records
        self._said: dict[_Involved, str] = {}

    def of(self, involved: _Involved, entry: ChronologyEntry) -> str:
        """The people of `entry`, whose `_involved` is `involved`."""
        if (words := self._said.get(involved)) is None:
            words = self._said[involved] = _people(entry, self._names, self._review, self._records)
        return words


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


def latest_household(chronologies: list[Chronology]) -> list[HouseholdEdge]:
    """The household graph as last assembled: what the relationships table and the household diagram show."""
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
    returned: Sequence[ReturnedRecord] | None = None,
    indicators: IndicatorRules | None = None,
) -> FamilyHistory:
    """The history as of `now`: chronologies as stored, checks as the ledger (`progress`) has them now.

    `returned` are the records agencies returned that are not linked (`hub.chronology.returned`),
    when asked for: built here so that they are named as every other table of the history names them.
    `indicators` are the safeguarding indicators' rules (`config/indicators.yaml` unless given).
    """
    now = now or datetime.now(UTC)
    names = {subject.subject_id: subject.name.display for subject in referral.subjects}
    records = _person_records(chronologies, returned or ())
    prior = _latest(chronologies).prior_referrals if chronologies else []
    checks = current_checks(referral, chronologies, progress, agencies)
    cells: dict[str, dict[str, CheckCell]] = {subject.subject_id: {} for subject in referral.subjects}
    for check in checks:
        cells.setdefault(check.subject_id, {})[check.agency] = _cell(check, now)
    findings = find(indicators or load_indicators(), chronologies, referral.subjects, when=_gov_uk_when)
    children = []
    review = under_review(_latest(chronologies).links if chronologies else [])
    people = _PeopleWords(names, review, records)
    for chronology in sorted(chronologies, key=lambda item: item.child_subject_id):
        related = adults_related_to(chronology.child_subject_id, chronology.household)
        said: dict[_Involved, tuple[str, str]] = {}
        rows = []
        for entry in chronology.entries:
            involved = _involved(entry)
            if (words := said.get(involved)) is None:
                how = _through(entry, chronology.child_subject_id, related, names)
                words = said[involved] = (people.of(involved, entry), how)
            mark = findings.highlights.get(entry_key(entry))
            rows.append(
                EntryRow(
                    when=format_when(entry),
                    category=_CATEGORY_WORDS[entry.category],
                    summary=entry.summary,
                    source=agency_words(entry.source.agency),
                    people=words[0],
                    sensitivity=str(entry.sensitivity),
                    through=words[1],
                    record=f"{entry.source.agency} {entry.source.record_id}",
                    highlight=mark.words if mark is not None else "",
                    significance=mark.significance.value if mark is not None else "",
                )
            )
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
    complete = _complete(checks, now)
    imported = stage is ChecksStage.IMPORTED  # no check was made: nothing is said as if one were awaited
    return FamilyHistory(
        referral_id=referral.referral_id,
        received_at=referral.received_at,
        rag=referral.rag.value.upper(),
        referrer=f"{referral.referrer.organisation} ({_words(referral.referrer.kind.value)})",
        concerns=[_words(concern.value) for concern in referral.concern_categories],
        household=[_member(subject) for subject in referral.subjects],
        relationships=relationship_rows(latest_household(chronologies), names, records),
        links=link_rows(_latest(chronologies).links if chronologies else [], names, records),
        prior_referrals=prior_rows(prior, names),
        re_referral=re_referral_flag(referral, prior, names),
        agencies=agencies,
        checks=cells,
        children=children,
        gaps=gaps(checks, names, stage=stage, now=now),
        all_clear=is_all_clear(checks, now),
        read_at=now,
        imported=imported,
        set_aside=list(dict.fromkeys(records.note(note) for check in checks for note in check.set_aside)),
        returned=None
        if returned is None
        else [dataclasses.replace(row, label=records.label(row.agency, row.record)) for row in returned],
        records=records,
        key_concerns=findings.concerns,
        suggestion="" if imported else suggestion_words(findings.suggestion, complete=complete),
        checks_complete=complete,
    )


IMPORTED_NO_CONCERNS = (
    "Not an all-clear: the hub did not check the agencies for this imported referral, so it cannot say what they hold."
)


def no_concerns_words(history: FamilyHistory) -> str:
    """What an empty "Key concerns" says: never an all-clear while a check has not answered, or was never made."""
    if history.imported:
        return IMPORTED_NO_CONCERNS
    if history.checks_complete:
        return "No key concerns recorded in the agencies' answers so far."
    return "Not an all-clear: none found in the answers received so far, but not every check has answered."


def _gov_uk_when(entry: ChronologyEntry) -> str:
    """An entry's date as the key concerns say it: "1 Nov 2026" (GOV.UK style, as the web page dates rows)."""
    return period_words(entry, padded=False)


ANSWERED = frozenset({CheckState.RECORDS_FOUND, CheckState.RECORDS_RETURNED_NONE_LINKED, CheckState.NO_RECORD})
"""An agency answered: whatever it said, nothing more is to come for this check."""


def _complete(checks: Sequence[CheckResult], now: datetime) -> bool:
    """Every check has the agency's answer: nothing more is to come that could change what was found."""
    return bool(checks) and all(state_at(check, now) in ANSWERED for check in checks)


def _person_records(chronologies: list[Chronology], returned: Sequence[ReturnedRecord]) -> PersonRecords:
    """Every agency person record the history names: linked or in review, in an entry, in the household graph."""
    mentioned = [(link.agency, link.agency_person_id) for link in _latest(chronologies).links] if chronologies else []
    for chronology in chronologies:
        mentioned += [(e.source.agency, p.agency_person_id) for e in chronology.entries for p in e.people]
        mentioned += [
            (agency, record)
            for edge in chronology.household
            for node in (edge.subject_id, edge.related_subject_id)
            if is_agency_node(node)
            for agency, _, record in [node.partition(":")]
        ]
    mentioned += [(row.agency, row.record) for row in returned]
    return PersonRecords(mentioned)
