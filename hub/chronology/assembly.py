"""Chronology assembly: agency replies → one date-ordered, de-duplicated chronology per child.

Deterministic by design (Airflow re-runs must store the same state): no clock reads, replies are
processed in a fixed order, and ties are broken on content. The caller supplies `assembled_at`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import compress
from operator import attrgetter, itemgetter

from hub.chronology.check_states import state_of
from hub.chronology.household import HOME_RECORDS, Relation, household_graph, reaches, related_to
from hub.chronology.minimisation import MinimisationPolicy
from hub.linkage import Judgement, Linker, Outcome, default_linker, from_person
from hub.store.canonical_models import canonical_writer
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


Order = tuple[int, str, str, EntryCategory]
"""`ChronologyEntry.sort_key`, ordered alike, made to group and sort fast: the date as its ordinal (Python's
sort compares tuples led by an int directly; dates through their comparison method), and the category as the
member (a `StrEnum` orders as its value does; reading `.value` is a Python call per entry)."""

_CONTENT = canonical_writer(ChronologyEntry, frozenset({"people"}))


def _content_key(entry: ChronologyEntry) -> bytes:
    """Everything but the people, as canonical JSON: two reports with one key are one event, and entries
    that tie on `sort_key` are ordered by it."""
    return _CONTENT.one(entry)


Kind = tuple[EntryCategory, frozenset[str]]
"""What decides whether an entry reaches a child's chronology (`reaches`): its category and the subjects it names."""

Slot = tuple[str, InvolvementRole]
"""(agency_person_id, role): one person's part in one event."""


class _Event:
    """One agency event as assembly gathers it: its entry, with the people every report so far names.

    The entry is made as the first report is read, while that report is still in the processor's cache:
    making it later, in a second pass over 10,000 events, cost as much again in memory reads. A later
    report of the event (another check's reply carried it too) adds its people, and if it names someone
    new the entry is made again (`settle`).
    """

    __slots__ = ("first", "key", "kind", "people", "stale")

    def __init__(self, first: ChronologyEntry, people: dict[Slot, Involvement]) -> None:
        self.people = people
        """Each slot's person as the first report that names them attributes them (`_Attributions`)."""
        self.first, self.kind = _entry(first, people)
        """The entry, and its `Kind`."""
        self.stale = False
        """Whether a report merged in since named someone new (the entry is then made again)."""
        self.key: bytes | None = None
        """`_content_key(first)`, once asked for: only for events that share their `Order` with another report."""

    def content_key(self) -> bytes:
        if self.key is None:
            self.key = _content_key(self.first)
        return self.key

    def merge(self, people: Mapping[Slot, Involvement]) -> None:
        """Add one report's people: a slot named already keeps its first attribution (`_Attributions`)."""
        for slot, involvement in people.items():
            if slot not in self.people:
                self.people[slot] = involvement
                self.stale = True

    def settle(self) -> None:
        """Make the entry again, with the people the reports merged in named."""
        self.first, self.kind = _entry(self.first, self.people)
        self.stale = False


def _entry(reported: ChronologyEntry, people: Mapping[Slot, Involvement]) -> tuple[ChronologyEntry, Kind]:
    """The entry a report gives with these people (in slot order), and its `Kind`."""
    named = list(people.values()) if len(people) == 1 else [person for _, person in sorted(people.items())]
    return _with_people(reported, named), (reported.category, frozenset(filter(None, map(_subject_id, named))))


_subject_id = attrgetter("subject_id")


class _Attributions:
    """Each person an agency's record names, attributed: the `Involvement` an entry gets, made once for all.

    `subject_id` comes from the links, and where unlinked, `returned_for` says whose check returned them:
    the subject they were a candidate for, else the subject whose reply carried the entry. A practitioner
    then reads "returned for Tyler's check, not linked", never an anonymous "person not in referral" in
    every sibling's chronology (issue 13).

    Reports of one event come from one agency, so a person is linked in all of them or in none; merging
    reports (`_Event.merge`) keeps the first report's attribution for each slot, which is the first subject
    linked and the first `returned_for` given.
    """

    def __init__(self, links: Mapping[PersonKey, str], returned_for: Mapping[PersonKey, str]) -> None:
        self._links = links
        self._returned_for = returned_for
        self.made: dict[tuple[str, str, InvolvementRole, str], Involvement] = {}
        """(agency, agency_person_id, role, the reply's subject) → the person's `Involvement` (`of`)."""

    def of(self, key: tuple[str, str, InvolvementRole, str]) -> Involvement:
        """The `Involvement` for a person the agency's reply for the subject names, as `made` keys them."""
        made = self.made.get(key)
        if made is None:
            agency, person_id, role, reply_subject = key
            linked = self._links.get((agency, person_id))
            made = self.made[key] = Involvement(
                agency_person_id=person_id,
                role=role,
                subject_id=linked,
                returned_for=None if linked else self._returned_for.get((agency, person_id), reply_subject),
            )
        return made


def _gathered(
    replies: Sequence[AgencyReply], links: Mapping[PersonKey, str], returned_for: Mapping[PersonKey, str]
) -> tuple[dict[Order, list[_Event]], dict[tuple[str, str], int], list[ChronologyEntry]]:
    """Each event that involves a referral subject, once, by `Order`; how many entries each check linked;
    and every report that is a home record (`household_graph` reads them: collected in this one pass).

    Each person is attributed (`_Attributions`). Reports of one event (equal but for their people: one
    `_content_key`) are merged, naming every person any of them names.

    Reports are grouped by `Order` first, which costs a tuple: most events are reported once, and only a
    report whose `Order` is already taken (the same event, or another tying with it) is compared (`_report`).
    """
    attributions = _Attributions(links, returned_for)
    made = attributions.made
    groups: dict[Order, list[_Event]] = {}
    counts: dict[tuple[str, str], int] = {}
    homes = []
    for reply in replies:
        subject = reply.subject_id
        found = 0
        for entry in reply.entries:
            category = entry.category
            if category in HOME_RECORDS:
                homes.append(entry)
            source = entry.source
            agency = source.agency
            people: dict[Slot, Involvement] = {}
            linked_any = named = False
            for person in entry.people:
                person_id, role = person.agency_person_id, person.role
                key = (agency, person_id, role, subject)
                attributed = made.get(key) or attributions.of(key)
                people.setdefault((person_id, role), attributed)
                if attributed.subject_id is not None:
                    linked_any = True
                    named = named or attributed.subject_id == subject
            found += named
            if linked_any:
                order = (entry.occurred_on.toordinal(), agency, source.record_id, category)
                same = groups.get(order)
                if same is None:
                    groups[order] = [_Event(entry, people)]
                else:
                    _report(same, entry, people)
        if found:
            counts[(reply.agency, subject)] = found
    return groups, counts, homes


def _report(same: list[_Event], entry: ChronologyEntry, people: dict[Slot, Involvement]) -> None:
    """Add a report to the events of its `Order`: merged into the one with its content, else a new one.

    An event whose fields (but the people) equal the report's has its content key too, so the usual
    repeat report is merged without making a key. Otherwise the keys decide (the events then tie on
    `Order`, and their keys order them).
    """
    values = _content_values(entry)
    for event in same:
        if _content_values(event.first) == values:
            event.merge(people)
            return
    key = _content_key(entry)
    for event in same:
        if event.content_key() == key:
            event.merge(people)
            return
    event = _Event(entry, people)
    event.key = key
    same.append(event)


_content_values = attrgetter(*sorted(set(ChronologyEntry.model_fields) - {"people"}))
"""Every field of an entry but the people: reports whose values are equal have equal content keys (equal dates,
strings, enums and facts are written alike)."""


def _merged(groups: Mapping[Order, list[_Event]]) -> list[_Event]:
    """The events sorted by date, agency, record and category (`sort_key`), then content, each with its entry.

    Each entry is built once, from parts already validated (the first report's entry, the `Involvement`s
    `_Attributions` made): the per-report copies the plain approach made were most of assembly's time.
    Events are distinct in content, so the order is total and does not depend on the order replies came in.
    """
    ordered: list[_Event] = []
    for _, same in sorted(groups.items(), key=itemgetter(0)):
        if len(same) > 1:
            same.sort(key=_Event.content_key)
        ordered += same
    for event in ordered:
        if event.stale:
            event.settle()
    return ordered


def _with_people(entry: ChronologyEntry, people: list[Involvement]) -> ChronologyEntry:
    """`entry.model_copy(update={"people": people})` in less than half the time (one per event: 10,000 and more).

    It sets what `model_copy` sets (pydantic's `BaseModel.__copy__`, then the update): the fields, the
    fields set, and no extra fields or private attributes, which an entry has neither of. The people are
    made from validated parts (`Involvement`s built by assembly), so nothing needs validating again.
    The fields set is shared with `entry` when it names the people already (it always does when `entry`
    was validated: people is a required field): a frozen model's fields set is never changed in place
    (pydantic copies it to make a changed copy), and making a set for each entry was a third of the time.
    A test holds the result equal to `model_copy`'s in every attribute pydantic keeps.
    """
    made = _new(ChronologyEntry)
    fields = entry.__dict__.copy()
    fields["people"] = people
    fields_set = entry.__pydantic_fields_set__
    _set(made, "__dict__", fields)
    _set(made, "__pydantic_fields_set__", fields_set if "people" in fields_set else {*fields_set, "people"})
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


_new = object.__new__
_set = object.__setattr__


def _shown(
    events: Sequence[_Event], entries: Sequence[ChronologyEntry], relations: Mapping[str, Mapping[str, Relation]]
) -> tuple[dict[str, list[ChronologyEntry]], Counter[tuple[str, str]]]:
    """Each child's entries (`entries`, the events' in order): those `reaches` lets into the child's chronology;
    and, by agency and subject, how many of the entries that name the subject reached no child's.

    `reaches` decides on an entry's category and the subjects its people are linked to alone (the
    event's `kind`), so it is asked once for each kind and child (a few dozen), of any entry of that kind,
    and each child's entries are picked by their kind's answer in C (`itertools.compress`).
    """
    kinds_in_order = list(map(_kind, events))
    one_of_kind = dict(zip(kinds_in_order, entries, strict=True))
    numbers = {kind: number for number, kind in enumerate(one_of_kind)}
    kinds = list(map(numbers.__getitem__, kinds_in_order))
    shown = {}
    reaches_any = [False] * len(numbers)
    for child_id, related in relations.items():
        lets_in = [reaches(entry, child_id, related) for entry in one_of_kind.values()]
        reaches_any = [before or now for before, now in zip(reaches_any, lets_in, strict=True)]
        shown[child_id] = list(compress(entries, map(lets_in.__getitem__, kinds)))
    left_out: Counter[tuple[str, str]] = Counter()
    if not all(reaches_any):
        for event, number in zip(events, kinds, strict=True):
            if not reaches_any[number]:
                left_out.update((event.first.source.agency, subject_id) for subject_id in event.kind[1])
    return shown, left_out


_kind = attrgetter("kind")


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

    groups, counts, homes = _gathered(ordered, links, _candidates_returned_for(ordered))
    events = _merged(groups)
    entries = [event.first for event in events]
    checks = _checks(referral, ordered, progress, counts, links, decided)

    household = household_graph(referral, ordered, links, home_records=homes)
    relations = {child.subject_id: related_to(child.subject_id, household, policy) for child in referral.children}
    shown, left_out = _shown(events, entries, relations)
    checks = _with_minimised(checks, left_out)
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


def _with_minimised(checks: list[CheckResult], left_out: Mapping[tuple[str, str], int]) -> list[CheckResult]:
    """Each check with how many of its person's entries reached no child's chronology (`CheckResult.minimised`).

    The policy keeps, say, a parent's GP registration out of the children's chronologies; the check still
    found it, so its cell says how many were left out, and the records are never taken to be lost.
    `left_out` counts them by agency and subject (`_shown`).
    """
    if not left_out:
        return checks
    return [
        check.model_copy(update={"minimised": left_out[(check.agency, check.subject_id)]})
        if (check.agency, check.subject_id) in left_out
        else check
        for check in checks
    ]
