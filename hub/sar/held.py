"""What the store returns, turned into the bundle's marked models: replies, chronology entries, decisions, events.

One function per kind of record; the marking rules themselves are `hub.sar.marking`'s. Nothing here
reads the store: `hub.sar.gather` reads, and hands the results here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.audit import AuditEvent
from hub.audit.search import subject_of
from hub.sar import marking
from hub.sar.bundle import (
    RELEASE,
    AccessEvent,
    ChronologyVersion,
    FurtherRecord,
    HeldDecision,
    HeldEntry,
    HeldPerson,
    HeldReply,
    HeldReview,
    HeldSignOff,
    Mark,
    Marked,
    PersonDetails,
    Recipient,
)
from hub.store.decision_records import StoredDecision
from hub.store.subject_access_records import ReviewWithReason
from schemas import AgencyReply, Chronology, ChronologyEntry

AgencyWords = Mapping[str, tuple[str, str]]
"""Agency id -> (name, lawful basis), from `config/agencies.yaml`."""


def newest(chronologies: Iterable[Chronology]) -> Chronology | None:
    """The most recently assembled of a referral's chronologies: its links are the referral's current ones."""
    return max(chronologies, key=lambda chronology: (chronology.assembled_at, chronology.version), default=None)


def chronology_entries(
    marker: marking.EntryMarker, chronologies: list[tuple[Chronology, int]]
) -> tuple[list[ChronologyVersion], list[HeldEntry]]:
    """The requester's own chronology whole, and the entries of other children's that involve them, each once.

    `chronologies` are each child's newest version with how many versions are stored. An event in two
    children's chronologies (a police call-out to the household) is one entry naming both versions.
    """
    versions: list[ChronologyVersion] = []
    seen: dict[tuple[object, ...], tuple[ChronologyEntry, list[str]]] = {}
    for chronology, stored in sorted(chronologies, key=lambda item: item[0].child_subject_id):
        own = chronology.child_subject_id == marker.requester
        chosen = [entry for entry in chronology.entries if own or marker.involves_requester(entry)]
        for entry in chosen:
            seen.setdefault((*entry.sort_key(), entry.summary), (entry, []))[1].append(
                f"{chronology.child_subject_id} v{chronology.version}"
            )
        if own or chosen:
            other = marker.subjects.get(chronology.child_subject_id)
            role = marking.role_words(other.role) if other else "a child"
            versions.append(
                ChronologyVersion(
                    child_subject_id=chronology.child_subject_id,
                    whose="the requester" if own else f"another child: {role} named in the referral",
                    version=chronology.version,
                    versions_stored=stored,
                    assembled_at=chronology.assembled_at,
                    entries_in_version=len(chronology.entries),
                    entries_included=len(chosen),
                )
            )
    entries = [marker.entry(entry, in_chronologies=labels) for entry, labels in seen.values()]
    entries.sort(key=lambda held: (held.occurred_on, held.agency, held.record_id, held.category))
    return versions, entries


def _record_mark(marker: marking.EntryMarker, key: tuple[str, str], in_review: set[tuple[str, str]]) -> Mark:
    """A person record an agency returned for the requester's check."""
    owner = marker.linked.get(key)
    if owner == marker.requester:
        return RELEASE
    if key in in_review or not marker.links_known:
        return marking.UNCONFIRMED_RECORD
    if owner is not None and owner in marker.subjects:
        return marking.other_subject(marker.subjects[owner])
    return marking.NOT_THE_REQUESTER


def reply(
    agencies: AgencyWords, marker: marking.EntryMarker, reply: AgencyReply, in_review: set[tuple[str, str]]
) -> HeldReply:
    """An agency's reply to the check about the requester: its person records, events and related people, marked."""
    agency = reply.agency
    records = [
        HeldPerson(
            agency_person_id=candidate.agency_person_id,
            role=f"a {agency} person record returned for the check",
            details=marking.person_details(candidate.person),
            mark=_record_mark(marker, (agency, candidate.agency_person_id), in_review),
        )
        for candidate in reply.candidates
    ]
    related = [
        HeldPerson(
            agency_person_id=person.related_agency_person_id,
            role=f"{person.relationship} of {agency} record {person.agency_person_id}",
            details=PersonDetails(
                name=person.name.display if person.name else None,
                address=marking.address_words(person.address),
                identifiers=person.identifiers.present(),
            ),
            mark=RELEASE
            if person.related_agency_person_id
            and marker.linked.get((agency, person.related_agency_person_id)) == marker.requester
            else marking.third_party(f"a relative or household member in the agency's record ({person.relationship})"),
        )
        for person in reply.related_people
    ]
    return HeldReply(
        agency=agency,
        agency_name=agencies.get(agency, (agency, ""))[0],
        status=reply.status.value,
        requested_at=reply.requested_at,
        completed_at=reply.completed_at,
        error_code=reply.error_code,
        records=records,
        entries=[marker.entry(entry) for entry in reply.entries],
        related_people=related,
    )


def decision(outcomes: Mapping[str, str], levels: Mapping[int, str], stored: StoredDecision) -> HeldDecision:
    """A MASH decision: the codes as the council words them, the people as professionals, the words for review."""
    sign_off = stored.sign_off
    return HeldDecision(
        number=stored.number,
        outcome=stored.outcome,
        outcome_words=outcomes.get(stored.outcome, stored.outcome),
        level=stored.level,
        level_words=f"Level {stored.level}: {levels.get(stored.level, 'not in the threshold document')}",
        recorded_by=marking.marked_staff(stored.recorded_by),
        recorded_at=stored.recorded_at,
        rationale=Marked(value=stored.rationale or "", mark=marking.RATIONALE),
        sign_off=None
        if sign_off is None
        else HeldSignOff(
            verdict=sign_off.verdict.value,
            signed_by=marking.marked_staff(sign_off.signed_by),
            signed_at=sign_off.signed_at,
            note=Marked(value=sign_off.note, mark=marking.SIGN_OFF_NOTE) if sign_off.note else None,
        ),
    )


def identity_review(item: ReviewWithReason) -> HeldReview:
    review = item.review
    return HeldReview(
        review_id=review.review_id,
        agency=review.agency,
        agency_person_id=review.agency_person_id,
        status=review.status.value,
        probability=review.probability,
        evidence=review.evidence,
        proposed_at=review.proposed_at,
        decided_at=review.decided_at,
        decided_by=marking.marked_staff(review.decided_by) if review.decided_by else None,
        reason=Marked(value=item.reason, mark=marking.REVIEW_REASON) if item.reason else None,
    )


def access(event: AuditEvent, subject_id: str) -> AccessEvent:
    """An audit event about the referral: staff for review, an access to someone else's record a third party's."""
    about = subject_of(event)
    mark = (
        marking.third_party("an access to another person's record")
        if about is not None and about != subject_id
        else marking.actor_mark(event.actor)
    )
    return AccessEvent(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor=event.actor,
        role=event.role,
        action=event.action,
        object_id=event.object_id,
        purpose=event.purpose,
        lawful_basis=event.lawful_basis,
        basis=event.basis,
        outcome=event.outcome,
        mark=mark,
    )


def recipient(agencies: AgencyWords, agency: str, referrals: list[str]) -> Recipient:
    name, basis = agencies.get(agency, (agency, ""))
    return Recipient(agency=agency, name=name, lawful_basis=basis or None, referrals=referrals)


def further_records(
    chronology: Chronology | None, referral_id: str, subject_id: str, included: set[tuple[str, str]]
) -> list[FurtherRecord]:
    """Earlier referrals linkage tied to the requester (by name and birth date) that the export does not include."""
    if chronology is None:
        return []
    return [
        FurtherRecord(
            referral_id=prior.earlier_referral_id,
            subject_id=prior.earlier_subject_id,
            linked_from=referral_id,
            outcome=prior.outcome.value,
            evidence="; ".join(item.words for item in prior.evidence),
        )
        for prior in chronology.prior_referrals
        if prior.subject_id == subject_id and (prior.earlier_referral_id, prior.earlier_subject_id) not in included
    ]
