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
from hub.chronology.household import household_graph, reaches, related_to
from hub.chronology.minimisation import MinimisationPolicy
from hub.crypto.digest import canonical_json
from hub.linkage import Judgement, Linker, Outcome, default_linker, from_person
from hub.store.person_index import IndexedSubject
from schemas import (
    AgencyReply,
    CandidateLink,
    CheckProgress,
    CheckResult,
    CheckState,
    Chronology,
    ChronologyEntry,
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


def _attribute(
    entry: ChronologyEntry, links: dict[PersonKey, str], returned_for: Mapping[PersonKey, str], reply_subject: str
) -> ChronologyEntry:
    """The entry with each involvement's `subject_id` set from the links, and where unlinked, `returned_for`.

    An unlinked record keeps whose check returned it: the subject it was a candidate for, else the subject
    whose reply carried the entry. A practitioner then reads "returned for Tyler's check, not linked", never
    an anonymous "person not in referral" in every sibling's chronology (issue 13).
    """
    people = []
    for person in entry.people:
        key = (entry.source.agency, person.agency_person_id)
        subject_id = links.get(key)
        returned = None if subject_id else returned_for.get(key, reply_subject)
        people.append(person.model_copy(update={"subject_id": subject_id, "returned_for": returned}))
    return entry.model_copy(update={"people": people})


def _candidates_returned_for(replies: Sequence[AgencyReply]) -> dict[PersonKey, str]:
    """Each agency person returned as a candidate → the subject whose check returned them (the first, in order)."""
    found: dict[PersonKey, str] = {}
    for reply in replies:
        for candidate in reply.candidates:
            found.setdefault((reply.agency, candidate.agency_person_id), reply.subject_id)
    return found


def _content_key(entry: ChronologyEntry) -> bytes:
    """Everything but the people: two reports of one agency event share this key."""
    return canonical_json(entry.model_dump(mode="json", exclude={"people"}))


def _merge(entries: Iterable[ChronologyEntry]) -> list[ChronologyEntry]:
    """Drop exact duplicates, merging the people each copy names; sort by date, agency, record."""
    merged: dict[bytes, dict[tuple[str, InvolvementRole], tuple[str | None, str | None]]] = {}
    first: dict[bytes, ChronologyEntry] = {}
    for entry in entries:
        key = _content_key(entry)
        first.setdefault(key, entry)
        people = merged.setdefault(key, {})
        for person in entry.people:
            slot = (person.agency_person_id, person.role)
            linked, returned = people.get(slot, (None, None))
            people[slot] = (linked or person.subject_id, returned or person.returned_for)
    result = [
        first[key].model_copy(
            update={
                "people": [
                    Involvement(
                        agency_person_id=person_id,
                        role=role,
                        subject_id=subject_id,
                        returned_for=None if subject_id else returned_for,
                    )
                    for (person_id, role), (subject_id, returned_for) in sorted(people.items())
                ]
            }
        )
        for key, people in merged.items()
    ]
    return sorted(result, key=lambda entry: (entry.sort_key(), _content_key(entry)))


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
    """
    _check_replies(referral, replies)
    ordered = sorted(replies, key=lambda reply: (reply.agency, reply.subject_id))
    links, decided = link_people(referral, ordered, linker=linker, decisions=decisions)

    kept: list[ChronologyEntry] = []
    counts: dict[tuple[str, str], int] = {}
    returned_for = _candidates_returned_for(ordered)
    for reply in ordered:
        for entry in (_attribute(entry, links, returned_for, reply.subject_id) for entry in reply.entries):
            involved = {person.subject_id for person in entry.people}
            if involved - {None}:
                kept.append(entry)
            if reply.subject_id in involved:
                counts[(reply.agency, reply.subject_id)] = counts.get((reply.agency, reply.subject_id), 0) + 1
    entries = _merge(kept)
    checks = _checks(referral, ordered, progress, counts, links, decided)

    household = household_graph(referral, ordered, links)
    relations = {child.subject_id: related_to(child.subject_id, household, policy) for child in referral.children}
    shown = {
        child_id: [entry for entry in entries if reaches(entry, child_id, related)]
        for child_id, related in relations.items()
    }
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
