"""Gathering everything the hub holds about one person into a `SubjectAccessBundle`.

Finding them: the person index under the NHS number's keyed token, each candidate confirmed by an
exact NHS number match after decrypting it (`HubStore.subject_access_lookup`), never a fuzzy one; and
any referral subjects IG names (whose own NHS number, if they have one, is looked up too). What is read
for each referral found goes through the store's ordinary methods, so every read is checked against
the audit trail and audited as any other, with the purpose `subject access request <id>`; then one
`sar.export` event per referral records the export itself.

A record that cannot be read (tampered, its key destroyed or missing) is reported as unreadable, by
kind and ids, and the gathering goes on: it is never silently left out, and it keeps a result from
saying "nothing held" when something is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from hub.errors import UserError
from hub.sar import held, marking
from hub.sar.bundle import (
    RELEASE,
    Action,
    Counts,
    HeldPerson,
    HeldReferral,
    Lookup,
    Marked,
    SubjectAccessBundle,
    Unreadable,
    marks,
)
from hub.sar.processing import Setting, processing
from hub.sar.request import SubjectAccessRequest, UnknownSubject
from hub.store import HubStore, UnknownReferral
from hub.store.subject_access_records import UNREADABLE_ERRORS, unreadable_words
from schemas import AgencyReply, Chronology, LinkOutcome, Referral, Subject

T = TypeVar("T")
_RECORD_AT_FAULT: tuple[type[Exception], ...] = (*UNREADABLE_ERRORS, UserError)
FoundBy = Literal["nhs_number", "named"]

BY_NHS_NUMBER = (
    "Looked up by NHS number in the hub's person index; each candidate was decrypted and kept only on an exact "
    "NHS number match. "
)
NOT_INCLUDED = (
    "Records linked to this person only by name and date of birth (with no NHS number, or a different one) are "
    "not included unless IG names them with --referral and --subject; earlier referrals the hub's linkage ties to "
    "them that way are listed under 'Possible further records' for IG to check."
)


class _Reader:
    """Store reads for one request: each audited with the request's purpose, an unreadable one noted, not raised."""

    def __init__(self, store: HubStore, request: SubjectAccessRequest) -> None:
        self.store = store
        self.request = request
        self.referrals: dict[str, Referral | None] = {}
        self.unreadable: dict[str, list[Unreadable]] = {}

    def note(self, referral_id: str, record: str, why: str) -> None:
        self.unreadable.setdefault(referral_id, []).append(Unreadable(referral_id=referral_id, record=record, why=why))

    def attempt(self, referral_id: str, record: str, read: Callable[[], T]) -> T | None:
        """`read()`, or None with the record noted as unreadable if the record (not the request) is at fault."""
        try:
            return read()
        except _RECORD_AT_FAULT as error:
            self.note(referral_id, record, unreadable_words(error))
            return None

    def referral(self, referral_id: str) -> Referral | None:
        """The referral, read once per request however often it is asked for."""
        if referral_id not in self.referrals:
            self.referrals[referral_id] = self.attempt(
                referral_id,
                f"referral {referral_id}",
                lambda: self.store.load_referral(referral_id, actor=self.request.actor, purpose=self.request.purpose),
            )
        return self.referrals[referral_id]


@dataclass
class _Found:
    targets: dict[tuple[str, str], FoundBy] = field(default_factory=dict)
    checked: int = 0
    confirmed: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)


def check_named(store: HubStore, named: Iterable[tuple[str, str]]) -> None:
    """Refuse an unknown referral or subject before anything is read (ids only, so nothing is audited)."""
    for referral_id, subject_id in named:
        if not store.referral_exists(referral_id):
            raise UnknownReferral(referral_id)
        if not store.indexed_subject(referral_id, subject_id):
            raise UnknownSubject(referral_id, subject_id)


def _find(reader: _Reader) -> _Found:
    """The referral subjects to export: the NHS number's, IG's named ones, and any sharing a named one's NHS number."""
    store, request = reader.store, reader.request
    found = _Found()
    numbers = [request.nhs_number] if request.nhs_number else []
    for referral_id, subject_id in request.named:
        found.targets[(referral_id, subject_id)] = "named"
        referral = reader.referral(referral_id)
        subject = (
            next((each for each in referral.subjects if each.subject_id == subject_id), None) if referral else None
        )
        number = subject.person.identifiers.nhs_number if subject else None
        if number and number not in numbers:
            numbers.append(number)
    for number in numbers:
        for candidate in store.subject_access_lookup(number, actor=request.actor, purpose=request.purpose):
            found.checked += 1
            if candidate.confirmed is None:
                found.unreadable.append(
                    Unreadable(
                        referral_id=candidate.referral_id,
                        record=f"person index entry {candidate.referral_id}/{candidate.subject_id}, a candidate "
                        "under the NHS number (it may be this person's)",
                        why=candidate.unreadable or "it could not be read",
                    )
                )
            elif candidate.confirmed:
                found.confirmed += 1
                found.targets.setdefault((candidate.referral_id, candidate.subject_id), "nhs_number")
    return found


def gather(
    store: HubStore,
    request: SubjectAccessRequest,
    setting: Setting,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> SubjectAccessBundle:
    """Everything held about the person the request names, marked for IG's review; audited as it is read.

    An unknown referral or subject named is refused (`UserError`) before anything is read. `progress` hears
    (referrals gathered, referrals found) after each one.
    """
    check_named(store, request.named)
    reader = _Reader(store, request)
    found = _find(reader)
    referrals = []
    for (referral_id, subject_id), found_by in found.targets.items():
        referrals.append(_referral(reader, setting, referral_id, subject_id, found_by, set(found.targets)))
        progress(len(referrals), len(found.targets))
    referrals.sort(key=lambda item: (item.received_at is None, item.received_at, item.referral_id))
    unreadable = [*found.unreadable, *(item for referral in referrals for item in referral.unreadable)]
    all_marks = list(marks(referrals))
    by_number = request.nhs_number is not None or "nhs_number" in found.targets.values()
    return SubjectAccessBundle(
        request_id=request.request_id,
        produced_at=request.requested_at,
        produced_by=request.actor,
        nothing_held=not referrals and not found.unreadable,
        lookup=Lookup(
            by_nhs_number=request.nhs_number is not None,
            named=[f"{referral_id}/{subject_id}" for referral_id, subject_id in request.named],
            candidates_checked=found.checked,
            confirmed=found.confirmed,
            unreadable=len(found.unreadable),
            statement=(BY_NHS_NUMBER if by_number else "") + NOT_INCLUDED,
        ),
        processing=processing(referrals, setting),
        referrals=referrals,
        unreadable=unreadable,
        counts=Counts(
            referrals=len(referrals),
            agency_replies=sum(len(referral.replies) for referral in referrals),
            chronology_entries=sum(len(referral.chronology_entries) for referral in referrals),
            decisions=sum(len(referral.decisions) for referral in referrals),
            identity_reviews=sum(len(referral.identity_reviews) for referral in referrals),
            access_events=sum(len(referral.access) for referral in referrals),
            to_redact=sum(mark.action is Action.REDACT for mark in all_marks),
            to_review=sum(mark.action is Action.REVIEW for mark in all_marks),
            unreadable=len(unreadable),
        ),
    )


def _replies(reader: _Reader, referral_id: str, subject_id: str) -> list[AgencyReply]:
    """Each agency's reply about the requester (not the rest of the household's)."""
    store, actor, purpose = reader.store, reader.request.actor, reader.request.purpose
    replies = []
    for agency in store.reply_agencies(referral_id, subject_id):
        loaded = reader.attempt(
            referral_id,
            f"agency reply from {agency} about {subject_id} on referral {referral_id}",
            lambda agency=agency: store.load_reply(referral_id, agency, subject_id, actor=actor, purpose=purpose),  # type: ignore[misc]
        )
        if loaded is not None:
            replies.append(loaded)
    return replies


def _chronologies(reader: _Reader, referral_id: str) -> list[tuple[Chronology, int]]:
    """Each child's newest chronology version, with how many are stored: the requester's entries may be in any."""
    store, actor, purpose = reader.store, reader.request.actor, reader.request.purpose
    found = []
    for child in store.chronology_children(referral_id):
        versions = store.chronology_versions(referral_id, child)
        loaded = reader.attempt(
            referral_id,
            f"chronology version {versions[-1]} of child {child} on referral {referral_id}",
            lambda child=child, version=versions[-1]: store.load_chronology(  # type: ignore[misc]
                referral_id, child, version, actor=actor, purpose=purpose
            ),
        )
        if loaded is not None:
            found.append((loaded, len(versions)))
    return found


def _referral(
    reader: _Reader,
    setting: Setting,
    referral_id: str,
    subject_id: str,
    found_by: FoundBy,
    included: set[tuple[str, str]],
) -> HeldReferral:
    """One referral: the requester's part released, everyone else's marked, then its `sar.export` event."""
    store, request = reader.store, reader.request
    referral = reader.referral(referral_id)
    subjects: dict[str, Subject] = {subject.subject_id: subject for subject in referral.subjects} if referral else {}
    replies = _replies(reader, referral_id, subject_id)
    chronologies = _chronologies(reader, referral_id)
    current = held.newest(chronology for chronology, _ in chronologies)
    links = current.links if current is not None else []
    marker = marking.EntryMarker(
        subject_id,
        {(link.agency, link.agency_person_id): link.subject_id for link in links if link.outcome is LinkOutcome.LINKED},
        subjects,
        {sid: subject.person.display_name for sid, subject in subjects.items()},
        links_known=current is not None,
    )
    in_review = {
        (link.agency, link.agency_person_id)
        for link in links
        if link.outcome is LinkOutcome.REVIEW and link.subject_id == subject_id
    }
    versions, entries = held.chronology_entries(marker, chronologies)
    decisions = reader.attempt(
        referral_id,
        f"MASH decisions on referral {referral_id}",
        lambda: store.read_decisions(referral_id, actor=request.actor, purpose=request.purpose),
    )
    reviews = store.record_subject_access(
        referral_id, subject_id, request.request_id, actor=request.actor, purpose=request.purpose
    )
    for item in reviews:
        if item.unreadable:
            reader.note(referral_id, f"the reason for identity review {item.review.review_id}", item.unreadable)
    events = store.audit_trail(referral_id=referral_id)  # ids only; this request's own reads included
    asked = {reply.agency for reply in replies} | set(store.reply_agencies(referral_id, subject_id))
    asked |= {step.agency for step in store.check_progress(referral_id) if step.subject_id == subject_id}
    summary = store.referral_summary(referral_id)
    subject = subjects.get(subject_id)
    return HeldReferral(
        referral_id=referral_id,
        found_by=found_by,
        requester_subject_id=subject_id,
        requester_role=marking.role_words(subject.role) if subject else None,
        received_at=referral.received_at if referral else (summary.received_at if summary else None),
        rag=referral.rag.value if referral else (summary.rag if summary else None),
        concerns=[concern.value for concern in referral.concern_categories] if referral else [],
        imported=bool(summary and summary.imported),
        referrer_kind=referral.referrer.kind.value if referral else None,
        referrer=Marked(
            value=f"{referral.referrer.kind.value}: {referral.referrer.organisation}",
            mark=marking.referrer_mark(referral.referrer.kind),
        )
        if referral
        else None,
        narrative=Marked(value=referral.narrative, mark=marking.NARRATIVE) if referral else None,
        requester=HeldPerson(
            subject_id=subject_id,
            role=marking.role_words(subject.role),
            details=marking.person_details(subject.person),
            mark=RELEASE,
        )
        if subject
        else None,
        others=[
            HeldPerson(
                subject_id=other.subject_id,
                role=marking.role_words(other.role),
                details=marking.person_details(other.person),
                mark=marking.other_subject(other),
            )
            for other in subjects.values()
            if other.subject_id != subject_id
        ],
        recipients=[held.recipient(setting.agencies, agency, [referral_id]) for agency in sorted(asked)],
        replies=[held.reply(setting.agencies, marker, reply, in_review) for reply in replies],
        chronologies=versions,
        chronology_entries=entries,
        decisions=[held.decision(setting.outcomes, setting.levels, decision) for decision in decisions or []],
        identity_reviews=[held.identity_review(item) for item in reviews],
        access=[held.access(event, subject_id) for event in events],
        retention=setting.retention_of(referral_id),
        unreadable=reader.unreadable.get(referral_id, []),
        further_records=held.further_records(current, referral_id, subject_id, included),
    )
