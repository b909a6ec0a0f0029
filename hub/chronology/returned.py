"""The person records agencies returned that the hub did not link: what a practitioner opens to judge for themselves.

"No record" means the agency returned nothing. When it returned people and identity checking tied none
of them to the person checked ("records returned, none linked: 2"), those records are left out of the
chronology, so a practitioner must be able to see them: a child whose agency record was a day out
must never vanish unseen (issue 13). `hub chronology show --returned` reads them from the stored
replies, each read audited like every other, and shows each with the hub's decision and evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.chronology.family_history import OUTCOME_WORDS, ReturnedRecord
from hub.linkage import Judgement, Linker, Outcome, default_linker
from schemas import AgencyPerson, AgencyReply, CandidateLink, LinkOutcome, Person, Referral, Sex

NOT_LINKED_WORDS = "not linked: the identity check did not tie it to this person"


def _display(person: Person) -> str:
    """The person's name; some agency records hold none (PDS sends some Patients with only an NHS number)."""
    return person.name.display if person.name is not None else "name not recorded"


def _person_words(candidate: AgencyPerson) -> tuple[str, str, str, str]:
    """Name, birth date, sex and address as the agency holds them ("not recorded" where it holds none)."""
    person = candidate.person
    name = _display(person)
    aliases = [alias.display for alias in person.aliases if alias.display != name]
    if aliases:
        name += f" (also known as {', '.join(aliases)})"
    born = person.birth_date.strftime("%d %b %Y") if person.birth_date else "not recorded"
    address = person.address
    where = ", ".join(part for part in (address.line, address.postcode) if part) if address else ""
    sex = "not recorded" if person.sex is Sex.UNKNOWN else person.sex.value
    return name, born, sex, where or "not recorded"


def _decision(judgement: Judgement, stored: CandidateLink | None) -> str:
    """The stored decision (a practitioner's, or a review in waiting) when there is one, else the model's."""
    if stored is not None:
        return OUTCOME_WORDS[stored.outcome] + (
            " (a practitioner's decision)" if stored.decided_by != "linkage" else ""
        )
    return NOT_LINKED_WORDS


def returned_records(
    referral: Referral,
    replies: Sequence[AgencyReply],
    links: Sequence[CandidateLink],
    *,
    linker: Linker | None = None,
) -> list[ReturnedRecord]:
    """Every candidate an agency returned for a person's check that is not linked to that person, in check order.

    `links` are the latest chronology's decisions (reviews waiting, practitioners' decisions): they say
    where a record stands. The evidence is the identity check's, judged again on the stored candidate.
    """
    linker = linker or default_linker()
    names = {subject.subject_id: _display(subject.person) for subject in referral.subjects}
    stored = {(link.agency, link.agency_person_id, link.subject_id): link for link in links}
    found = []
    for reply in sorted(replies, key=lambda item: (item.subject_id, item.agency)):
        if not reply.candidates or reply.subject_id not in names:
            continue
        judgements = linker.link_candidates(
            referral.subject(reply.subject_id).person, reply.candidates, agency=reply.agency
        )
        for candidate, judgement in zip(reply.candidates, judgements, strict=True):
            link = stored.get((reply.agency, candidate.agency_person_id, reply.subject_id))
            if (link.outcome if link is not None else None) is LinkOutcome.LINKED:
                continue
            if link is None and judgement.outcome is Outcome.LINKED:
                continue  # linked by the model; the chronology shows it (or it was ambiguous between two people)
            name, born, sex, address = _person_words(candidate)
            found.append(
                ReturnedRecord(
                    subject_id=reply.subject_id,
                    checked_for=names[reply.subject_id],
                    agency=reply.agency,
                    record=candidate.agency_person_id,
                    name=name,
                    born=born,
                    sex=sex,
                    address=address,
                    decision=_decision(judgement, link),
                    evidence="; ".join(
                        item.words for item in judgement.evidence if item.weight or item.field == "birth_date"
                    ),
                    why="; ".join(judgement.review_reasons),
                )
            )
    return found
