"""Chronology assembly: agency replies → one date-ordered, de-duplicated chronology per child.

Deterministic by design (Airflow re-runs must store the same state): no clock reads, replies are
processed in a fixed order, and ties are broken on content. The caller supplies `assembled_at`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from hub.chronology.check_states import state_of
from hub.chronology.household import Relation, household_graph, reaches, related_to
from hub.chronology.minimisation import MinimisationPolicy
from hub.crypto.digest import canonical_json
from hub.linkage import Judgement, Linker, Outcome, default_linker, from_person
from hub.store.gc_pause import collector_paused
from hub.store.person_index import IndexedSubject
from schemas import (
    AgencyReply,
    CandidateLink,
    CheckProgress,
    CheckResult,
    CheckState,
    Chronology,
    ChronologyEntry,
    EntryCategory,
    Involvement,
    InvolvementRole,
    LinkEvidence,
    LinkOutcome,
    PriorReferral,
    Referral,
    ReplyStatus,
)

PersonKey = tuple[str, str]
"""(agency, agency_person_id): an agency's person ids are only unique within that agency."""


def _check_replies(referral: Referral, replies: Iterable[AgencyReply]) -> None:
    subject_ids = {subject.subject_id for subject in referral.subjects}
    seen: set[tuple[str, str]] = set()
    for reply in replies:
        if reply.referral_id != referral.referral_id:
            raise ValueError(f"a reply for referral {reply.referral_id} was given to {referral.referral_id}")
        if reply.subject_id not in subject_ids:
            raise ValueError(f"reply from {reply.agency} names subject {reply.subject_id}, not in the referral")
        if (reply.agency, reply.subject_id) in seen:
            raise ValueError(f"two replies from {reply.agency} for subject {reply.subject_id}")
        seen.add((reply.agency, reply.subject_id))


PairKey = tuple[str, str, str]
"""(agency, agency_person_id, subject_id): one candidate for one subject."""


def prior_referrals(
    referral: Referral, earlier: Mapping[str, Sequence[IndexedSubject]], *, linker: Linker | None = None
) -> list[PriorReferral]:
    """Each earlier referral's subject the model links to (or sends to review for) one of this referral's people.

    Only referrals received before this one count; the lookup (`HubStore.prior_involvement`) found
    the candidates through blocking tokens, and the same model and rules as agency records judge them.
    """
    linker = linker or default_linker()
    found = []
    for subject in referral.subjects:
        query = from_person(subject.person)
        for hit in earlier.get(subject.subject_id, ()):
            if hit.received_at >= referral.received_at:
                continue
            judgement = linker.judge(query, from_person(hit.person, f"{hit.referral_id}/{hit.subject_id}"))
            if judgement.outcome is Outcome.NOT_LINKED:
                continue
            found.append(
                PriorReferral(
                    subject_id=subject.subject_id,
                    earlier_referral_id=hit.referral_id,
                    earlier_subject_id=hit.subject_id,
                    earlier_received_at=hit.received_at,
                    outcome=LinkOutcome(judgement.outcome.value),
                    probability=judgement.probability,
                    evidence=_evidence(judgement),
                    review_reasons=list(judgement.review_reasons),
                )
            )
    return sorted(found, key=lambda prior: (prior.subject_id, prior.earlier_received_at, prior.earlier_referral_id))


def _evidence(judgement: Judgement) -> list[LinkEvidence]:
    return [
        LinkEvidence(field=item.field, level=item.level, weight=round(item.weight, 2), words=item.words)
        for item in judgement.evidence
        if math.isfinite(item.weight)
    ]


def _candidate_link(agency: str, subject_id: str, judgement: Judgement, decided: bool | None) -> CandidateLink:
    outcome = LinkOutcome(judgement.outcome.value)
    if decided is not None:
        outcome = LinkOutcome.LINKED if decided else LinkOutcome.NOT_LINKED
    return CandidateLink(
        agency=agency,
        agency_person_id=judgement.record_id,
        subject_id=subject_id,
        outcome=outcome,
        probability=judgement.probability,
        evidence=_evidence(judgement),
        review_reasons=list(judgement.review_reasons),
        decided_by="linkage" if decided is None else "practitioner",
    )


def link_people(
    referral: Referral,
    replies: list[AgencyReply],
    *,
    linker: Linker | None = None,
    decisions: Mapping[PairKey, bool] | None = None,
) -> tuple[dict[PersonKey, str], list[CandidateLink]]:
    """Agency person → referral subject for every candidate linked, and every linked or review decision.

    A practitioner's decision (`decisions`: confirmed True, rejected False) replaces the model's for
    that pair. An agency person linked to two different subjects is ambiguous and is left unlinked,
    so no event is ever attributed to the wrong child.
    """
    linker = linker or default_linker()
    decisions = decisions or {}
    links: dict[PersonKey, str] = {}
    ambiguous: set[PersonKey] = set()
    shown: list[CandidateLink] = []
    for reply in replies:
        judgements = linker.link_candidates(
            referral.subject(reply.subject_id).person, reply.candidates, agency=reply.agency
        )
        for judgement in judgements:
            decided = decisions.get((reply.agency, judgement.record_id, reply.subject_id))
            link = _candidate_link(reply.agency, reply.subject_id, judgement, decided)
            if link.outcome is not LinkOutcome.NOT_LINKED or decided is not None:
                shown.append(link)
            if link.outcome is LinkOutcome.LINKED:
                key = (reply.agency, judgement.record_id)
                if links.setdefault(key, reply.subject_id) != reply.subject_id:
                    ambiguous.add(key)
    return {key: subject_id for key, subject_id in links.items() if key not in ambiguous}, shown


def _candidates_returned_for(replies: Sequence[AgencyReply]) -> dict[PersonKey, str]:
    """Each agency person returned as a candidate → the subject whose check returned them (the first, in order)."""
    found: dict[PersonKey, str] = {}
    for reply in replies:
        for candidate in reply.candidates:
            found.setdefault((reply.agency, candidate.agency_person_id), reply.subject_id)
    return found


Identity = tuple[object, ...]
"""Every field of an entry but `people`, as hashable values: two reports of one agency event share it."""

IDENTITY_FIELDS = frozenset(
    {
        "occurred_on",
        "date_precision",
        "ended_on",
        "category",
        "summary",
        "action_taken",
        "source",
        "sensitivity",
        "facts",
    }
)
"""The `ChronologyEntry` fields `_identity` reads; a test keeps this equal to the model's fields but `people`."""


def _identity(entry: ChronologyEntry) -> Identity:
    """What makes two reports one event, cheaply: equal exactly when `_content_key` is equal.

    Why not the canonical JSON itself: it costs about ten times as much, and assembly needs one per
    reply entry (10,000 and more); the JSON is computed only to order entries that tie on `sort_key`.
    Each value compares as its JSON does (dates, enums, strings, None; `facts` by its own JSON).
    """
    facts = entry.facts
    return (
        entry.occurred_on,
        entry.date_precision,
        entry.ended_on,
        entry.category,
        entry.summary,
        entry.action_taken,
        entry.source.agency,
        entry.source.record_id,
        entry.sensitivity,
        None if facts is None else facts.model_dump_json(),
    )


def _content_key(entry: ChronologyEntry) -> bytes:
    """Everything but the people, as canonical JSON: how entries that tie on `sort_key` are ordered."""
    return canonical_json(entry.model_dump(mode="json", exclude={"people"}))


Slot = tuple[str, InvolvementRole]
"""(agency_person_id, role): one person's part in one event."""
Attribution = tuple[str | None, str | None]
"""(subject_id, returned_for) of one slot, as `_gathered` sets them and `_Event.merge` combines them."""


class _Event:
    """One agency event as assembly gathers it: the first report kept, and the people every report names."""

    __slots__ = ("first", "order", "people", "subjects")

    def __init__(self, first: ChronologyEntry) -> None:
        self.first = first
        self.order = first.sort_key()
        self.people: dict[Slot, Attribution] = {}
        self.subjects: set[str] = set()
        """The referral subjects the event's people are linked to."""

    def merge(self, people: Sequence[tuple[Slot, Attribution]]) -> None:
        """Add one report's people: a slot keeps the first subject linked and the first `returned_for` given."""
        known = self.people
        for slot, (linked, returned) in people:
            earlier = known.get(slot)
            if earlier is None:
                known[slot] = (linked, returned)
            else:
                known[slot] = (earlier[0] or linked, earlier[1] or returned)
            if linked is not None:
                self.subjects.add(linked)


def _gathered(
    replies: Sequence[AgencyReply], links: Mapping[PersonKey, str], returned_for: Mapping[PersonKey, str]
) -> tuple[list[_Event], dict[tuple[str, str], int]]:
    """Every event that involves a referral subject, once, and the number of entries each check linked to its subject.

    Each person is attributed: `subject_id` from the links, and where unlinked, `returned_for`, whose
    check returned them: the subject they were a candidate for, else the subject whose reply carried the
    entry. A practitioner then reads "returned for Tyler's check, not linked", never an anonymous
    "person not in referral" in every sibling's chronology (issue 13). Reports of one event (equal but
    for their people, `_identity`) are merged, naming every person any of them names.
    """
    events: dict[Identity, _Event] = {}
    counts: dict[tuple[str, str], int] = {}
    for reply in replies:
        subject = reply.subject_id
        found = 0
        for entry in reply.entries:
            agency = entry.source.agency
            people: list[tuple[Slot, Attribution]] = []
            linked_any = named = False
            for person in entry.people:
                key = (agency, person.agency_person_id)
                linked = links.get(key)
                if linked is None:
                    people.append(((person.agency_person_id, person.role), (None, returned_for.get(key, subject))))
                else:
                    people.append(((person.agency_person_id, person.role), (linked, None)))
                    linked_any = True
                    named = named or linked == subject
            found += named
            if linked_any:
                identity = _identity(entry)
                event = events.get(identity)
                if event is None:
                    event = events[identity] = _Event(entry)
                event.merge(people)
        if found:
            counts[(reply.agency, subject)] = found
    return list(events.values()), counts


def _merged(events: list[_Event]) -> list[_Event]:
    """The events sorted by date, agency, record and category (`sort_key`), then content, each with its entry.

    Each entry and each distinct `Involvement` is built once, from parts already validated (the reply's
    entry, the people's slots): the per-report copies the plain approach made were most of assembly's time.
    """
    involvements: dict[tuple[Slot, str | None, str | None], Involvement] = {}
    ordered = sorted(events, key=lambda event: event.order)
    _order_ties(ordered)
    for event in ordered:
        slots = event.people.items() if len(event.people) == 1 else sorted(event.people.items())
        people = []
        for slot, (subject_id, returned) in slots:
            key = (slot, subject_id, None if subject_id else returned)
            made = involvements.get(key)
            if made is None:
                made = involvements[key] = Involvement(
                    agency_person_id=slot[0], role=slot[1], subject_id=key[1], returned_for=key[2]
                )
            people.append(made)
        event.first = event.first.model_copy(update={"people": people})
    return ordered


def _order_ties(events: list[_Event]) -> None:
    """Order, in place, each run of events with one `sort_key` by their content (`_content_key`), as a tie-break.

    Events are distinct in content, so the order is total and does not depend on the order replies came in.
    """
    start = 0
    while start < len(events):
        key = events[start].order
        end = start + 1
        while end < len(events) and events[end].order == key:
            end += 1
        if end - start > 1:
            events[start:end] = sorted(events[start:end], key=lambda event: _content_key(event.first))
        start = end


def _shown(
    events: Sequence[_Event], relations: Mapping[str, Mapping[str, Relation]]
) -> dict[str, list[ChronologyEntry]]:
    """Each child's entries: those `reaches` lets into the child's chronology, in order.

    `reaches` decides on an entry's category and the subjects its people are linked to alone, so it is
    asked once for each such pair (a few dozen) rather than once for each entry and child.
    """
    decided: dict[tuple[EntryCategory, frozenset[str]], ChronologyEntry] = {}
    kinds = []
    for event in events:
        kind = (event.first.category, frozenset(event.subjects))
        decided.setdefault(kind, event.first)
        kinds.append(kind)
    shown = {}
    for child_id, related in relations.items():
        lets_in = {kind: reaches(entry, child_id, related) for kind, entry in decided.items()}
        shown[child_id] = [event.first for event, kind in zip(events, kinds, strict=True) if lets_in[kind]]
    return shown


def _checks(
    referral: Referral,
    replies: list[AgencyReply],
    progress: Sequence[CheckProgress],
    counts: dict[tuple[str, str], int],
    links: dict[PersonKey, str],
    decided: list[CandidateLink],
) -> list[CheckResult]:
    """Agency × subject for every subject, each with its state (`hub.chronology.check_states`).

    A check with no reply is never "no record": it is awaiting a reply, failed, or not yet asked, as
    the ledger says. Candidates are split into those linked to the subject and those left unmatched,
    so a reply the agency calls "found" whose person the identity check rejected is not shown as
    records found.
    """
    by_key = {(reply.agency, reply.subject_id): reply for reply in replies}
    ledger = {(item.agency, item.subject_id): item for item in progress}
    results = []
    for agency in sorted({reply.agency for reply in replies} | {item.agency for item in progress}):
        for subject in referral.subjects:
            reply = by_key.get((agency, subject.subject_id))
            step = ledger.get((agency, subject.subject_id))
            candidates = [candidate.agency_person_id for candidate in reply.candidates] if reply else []
            linked = sum(links.get((agency, person_id)) == subject.subject_id for person_id in candidates)
            review = sum(
                link.outcome is LinkOutcome.REVIEW
                for link in decided
                if (link.agency, link.subject_id) == (agency, subject.subject_id)
            )
            state = state_of(reply, step, linked=linked, review=review)
            reason, cause, cause_count = _failure(reply, step) if state in _FAILED else (None, None, 0)
            results.append(
                CheckResult(
                    agency=agency,
                    subject_id=subject.subject_id,
                    status=reply.status if reply else ReplyStatus.PENDING,
                    record_count=counts.get((agency, subject.subject_id), 0),
                    linked_candidates=linked,
                    unmatched_candidates=len(candidates) - linked,
                    review_candidates=review,
                    state=state,
                    reason=reason,
                    cause=cause,
                    cause_count=cause_count,
                    attempts=step.attempts if step else int(reply is not None),
                    set_aside=tuple(reply.set_aside) if reply else (),
                    due_at=step.due_at if step else None,
                    next_attempt_at=step.next_attempt_at if step and state is CheckState.FAILED_RETRYING else None,
                )
            )
    return results


_FAILED = (CheckState.FAILED, CheckState.FAILED_RETRYING)


def _failure(reply: AgencyReply | None, step: CheckProgress | None) -> tuple[str | None, str | None, int]:
    """Why a check failed: the ledger's account (it knows of give-ups without a reply), else the reply's."""
    if step is not None and step.reason is not None:
        return step.reason, step.cause, step.cause_count
    if reply is not None:
        return reply.error_code, reply.error_cause, reply.error_cause_count
    return None, None, 0


@collector_paused()
def assemble(
    referral: Referral,
    replies: list[AgencyReply],
    *,
    assembled_at: datetime,
    linker: Linker | None = None,
    decisions: Mapping[PairKey, bool] | None = None,
    prior: Sequence[PriorReferral] = (),
    progress: Sequence[CheckProgress] = (),
    policy: MinimisationPolicy | None = None,
) -> list[Chronology]:
    """One chronology per child (subject child and siblings), with version 1 as a placeholder.

    A child's chronology holds the events that involve the child, and those of someone related to the
    child by a stated relationship in the kinds of record the minimisation policy (`policy`, else
    `config/minimisation.yaml`) includes for that relationship (`hub.chronology.household.related_to`),
    as linked by the identity check; events of rejected candidates are left out. Each chronology carries
    the household graph it was assembled with.
    `checks` covers every agency and every subject, with the agency's status, the check's state as the
    ledger (`progress`) and the replies show it, and the number of linked events.

    The cycle collector is paused meanwhile (`hub.store.gc_pause`): for a large chronology it otherwise
    takes more than half the time.
    """
    _check_replies(referral, replies)
    ordered = sorted(replies, key=lambda reply: (reply.agency, reply.subject_id))
    links, decided = link_people(referral, ordered, linker=linker, decisions=decisions)

    events, counts = _gathered(ordered, links, _candidates_returned_for(ordered))
    events = _merged(events)
    entries = [event.first for event in events]
    checks = _checks(referral, ordered, progress, counts, links, decided)

    household = household_graph(referral, ordered, links)
    relations = {child.subject_id: related_to(child.subject_id, household, policy) for child in referral.children}
    shown = _shown(events, relations)
    checks = _with_minimised(checks, entries, shown)
    return [
        Chronology(
            referral_id=referral.referral_id,
            child_subject_id=child_id,
            version=1,
            assembled_at=assembled_at,
            entries=child_entries,
            checks=checks,
            links=decided,
            prior_referrals=list(prior),
            household=household,
        )
        for child_id, child_entries in shown.items()
    ]


def _with_minimised(
    checks: list[CheckResult], entries: Sequence[ChronologyEntry], shown: Mapping[str, list[ChronologyEntry]]
) -> list[CheckResult]:
    """Each check with how many of its person's entries reached no child's chronology (`CheckResult.minimised`).

    The policy keeps, say, a parent's GP registration out of the children's chronologies; the check still
    found it, so its cell says how many were left out, and the records are never taken to be lost.
    """
    reached = {id(entry) for child_entries in shown.values() for entry in child_entries}
    left_out: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        if id(entry) not in reached:
            for subject_id in {person.subject_id for person in entry.people if person.subject_id is not None}:
                left_out[(entry.source.agency, subject_id)] += 1
    if not left_out:
        return checks
    return [
        check.model_copy(update={"minimised": left_out[(check.agency, check.subject_id)]})
        if (check.agency, check.subject_id) in left_out
        else check
        for check in checks
    ]
