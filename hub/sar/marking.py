"""Third-party marking: which values are the requester's, which are someone else's, and which IG must weigh.

The rules follow the ICO's right-of-access guidance. Information about other people (the rest of the
household, a member of the public who referred, people named in agency records who are not the
requester) is a third party's: it is kept in the export but marked `redact: third party (<why>)`, so IG
decides, with the reason in front of them, whether consent or reasonableness allows disclosure. It is
never dropped silently, and never released silently. Professionals acting in their role (the referring
organisation, MASH staff, agency staff noting action taken) are marked `review`: the guidance is that
such information is usually disclosed, but IG decides. Free text that may name anyone (a referral's
narrative, a practitioner's rationale) is `review` too, because only a reader can tell; so is an agency's
restricted or sensitive entry, even about the requester alone, since the agency may claim an exemption
(DPA 2018 Schedule 2, crime and taxation, say) and should be asked first.

Pure functions: ids and models in, marks out; nothing here reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.sar.bundle import RELEASE, Action, EntryPerson, HeldEntry, Mark, Marked, PersonDetails
from schemas import Address, ChronologyEntry, Person, ReferrerKind, Sensitivity, Subject, SubjectRole

PROFESSIONAL = Mark(action=Action.REVIEW, why="a professional acting in their role")
MIXED_FREE_TEXT = "free text that may name other people"


def third_party(why: str) -> Mark:
    return Mark(action=Action.REDACT, why=why)


def review(why: str) -> Mark:
    return Mark(action=Action.REVIEW, why=why)


ROLE_WORDS = {
    SubjectRole.SUBJECT_CHILD: "the subject child",
    SubjectRole.SIBLING: "a sibling",
    SubjectRole.PARENT_CARER: "a parent or carer",
    SubjectRole.OTHER_ADULT: "another adult in the household",
}


def role_words(role: SubjectRole) -> str:
    return ROLE_WORDS[role]


def other_subject(subject: Subject) -> Mark:
    """Someone else the referral names."""
    return third_party(f"{role_words(subject.role)} named in the referral")


def referrer_mark(kind: ReferrerKind) -> Mark:
    """A member of the public or of the family who referred is a third party; an agency is a professional."""
    if kind is ReferrerKind.PUBLIC:
        return third_party("the referrer, a member of the public")
    if kind is ReferrerKind.FAMILY:
        return third_party("the referrer, a member of the family")
    if kind is ReferrerKind.OTHER:
        return review("the referrer: IG to judge whether they referred in a professional role")
    return review("the referring organisation, acting in its role")


NARRATIVE = review(f"the referrer's account of the household: {MIXED_FREE_TEXT}")
RATIONALE = review(f"the practitioner's reasoning: {MIXED_FREE_TEXT}")
SIGN_OFF_NOTE = review(f"the manager's note: {MIXED_FREE_TEXT}")
REVIEW_REASON = review(f"the practitioner's reason: {MIXED_FREE_TEXT}")
UNCONFIRMED_RECORD = review("an agency record identity checking has not confirmed as the requester's")
NOT_THE_REQUESTER = third_party(
    "a person the agency returned for this check whom identity checking did not tie to the requester"
)


def address_words(address: Address | None) -> str | None:
    if address is None:
        return None
    return ", ".join(part for part in (address.line, address.postcode) if part) or None


def person_details(person: Person) -> PersonDetails:
    return PersonDetails(
        name=person.name.display if person.name is not None else None,
        other_names=[alias.display for alias in person.aliases],
        birth_date=person.birth_date,
        sex=person.sex.value,
        address=address_words(person.address),
        previous_addresses=[words for words in map(address_words, person.previous_addresses) if words],
        identifiers=person.identifiers.present(),
    )


def actor_mark(actor: str) -> Mark:
    """A staff member in the trail is a professional acting in their role; a service names no one."""
    return RELEASE if actor.startswith("service:") else PROFESSIONAL


def marked_staff(actor: str) -> Marked:
    return Marked(value=actor, mark=actor_mark(actor))


class EntryMarker:
    """Marks an agency event's people and words for one requester in one referral.

    `requester` is their subject id; `linked` ties agency records (agency, record id) to the subjects
    identity checking linked them to (an agency's raw reply names people by its own ids only);
    `subjects` is every subject of the referral (for the others' roles); `names` the display name of each
    subject, shown so IG can see whom a redaction protects.
    """

    def __init__(
        self,
        requester: str,
        linked: Mapping[tuple[str, str], str],
        subjects: Mapping[str, Subject],
        names: Mapping[str, str],
        *,
        links_known: bool = True,
    ) -> None:
        self.links_known = links_known
        self.requester = requester
        self.linked = dict(linked)
        self.subjects = dict(subjects)
        self.names = dict(names)

    def subject_of(self, agency: str, agency_person_id: str, subject_id: str | None) -> str | None:
        """The referral subject a person in an agency event is, if identity checking tied them to one."""
        return subject_id or self.linked.get((agency, agency_person_id))

    def _person(self, agency: str, agency_person_id: str, subject_id: str | None, role: str) -> EntryPerson:
        subject_id = self.subject_of(agency, agency_person_id, subject_id)
        if subject_id == self.requester:
            return EntryPerson(who="the requester", agency_person_id=agency_person_id, role=role, mark=RELEASE)
        if subject_id is not None and subject_id in self.subjects:
            who = self.names.get(subject_id, subject_id)
            return EntryPerson(
                who=who, agency_person_id=agency_person_id, role=role, mark=other_subject(self.subjects[subject_id])
            )
        return EntryPerson(
            who=f"{agency} record {agency_person_id}",
            agency_person_id=agency_person_id,
            role=role,
            mark=third_party("a person in the agency's record who is not the requester")
            if self.links_known
            else UNCONFIRMED_RECORD,
        )

    def entry(self, entry: ChronologyEntry, *, in_chronologies: list[str] | None = None) -> HeldEntry:
        """The entry with each person marked, and its words marked by whom it is about."""
        agency = entry.source.agency
        people = [
            self._person(agency, person.agency_person_id, person.subject_id, person.role.value)
            for person in entry.people
        ]
        whole = _entry_mark([person.mark for person in people])
        if entry.sensitivity is not Sensitivity.STANDARD and whole.action is not Action.REDACT:
            whole = review(
                f"{entry.sensitivity.value} {agency} material: ask the agency before disclosing "
                "(an exemption, such as crime prevention, may apply)"
            )
        action = None
        if entry.action_taken:
            action_mark = (
                whole
                if whole.action is Action.REDACT
                else review("the agency's note of action taken may name professionals or others")
            )
            action = Marked(value=entry.action_taken, mark=action_mark)
        return HeldEntry(
            occurred_on=entry.occurred_on,
            date_precision=entry.date_precision.value,
            ended_on=entry.ended_on,
            category=entry.category.value,
            agency=agency,
            record_id=entry.source.record_id,
            sensitivity=entry.sensitivity.value,
            summary=Marked(value=entry.summary, mark=whole),
            action_taken=action,
            people=people,
            mark=whole,
            in_chronologies=in_chronologies or [],
        )

    def involves_requester(self, entry: ChronologyEntry) -> bool:
        agency = entry.source.agency
        return any(
            self.subject_of(agency, person.agency_person_id, person.subject_id) == self.requester
            for person in entry.people
        )


def _entry_mark(people: list[Mark]) -> Mark:
    """An event's words: the requester's if it is theirs alone, IG's call if mixed or unconfirmed, else others'."""
    mine = sum(mark.action is Action.RELEASE for mark in people)
    others = sum(mark.action is Action.REDACT for mark in people)
    if mine == len(people):
        return RELEASE
    if mine and others:
        return review(
            f"also about {others} other {'person' if others == 1 else 'people'}: release what is the requester's"
        )
    if others == len(people):
        return third_party("an event about other people, held with the requester's records")
    return review("an event about people identity checking has not confirmed: IG to judge whom it is about")
