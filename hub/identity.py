"""A simple, explainable identity check: is this agency's person the referral's subject?

Rules, in order:
1. an identifier held by both sides matches exactly: linked;
2. an identifier held by both sides conflicts: not linked (a different person, or an error to query);
3. otherwise, linked only if a normalised name (or alias) and the birth date both match exactly;
   one side may leave out middle names, but the first given name and family name must agree.

Probabilistic linkage replaces rule 3 later. Reasons are plain English and never quote the data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas import AgencyPerson, AgencyReply, Identifiers, Person, PersonName

IDENTIFIER_LABELS = {
    "nhs_number": "NHS number",
    "upn": "UPN",
    "police_nominal_id": "police nominal id",
    "housing_reference": "housing reference",
}
_IGNORED_IN_NAMES = re.compile(r"[\s\-\u2010-\u2015]+")  # Whitespace, hyphens and dashes.


@dataclass(frozen=True)
class LinkDecision:
    """Whether a candidate is the subject, and why, in words safe to log and show."""

    agency_person_id: str
    linked: bool
    reason: str


def _label(field: str) -> str:
    return IDENTIFIER_LABELS.get(field, field.replace("_", " "))


def _normalise_identifier(value: str) -> str:
    return re.sub(r"\s+", "", value).casefold()


def _compare_identifiers(ours: Identifiers, theirs: Identifiers) -> tuple[list[str], list[str]]:
    """Identifier fields held by both sides, split into (matching, conflicting)."""
    a, b = ours.present(), theirs.present()
    shared = [field for field in IDENTIFIER_LABELS if field in a and field in b]
    shared += sorted(field for field in a.keys() & b.keys() if field not in IDENTIFIER_LABELS)
    matching = [f for f in shared if _normalise_identifier(a[f]) == _normalise_identifier(b[f])]
    conflicting = [f for f in shared if f not in matching]
    return matching, conflicting


def _squash(text: str) -> str:
    return _IGNORED_IN_NAMES.sub("", unicodedata.normalize("NFKC", text)).casefold()


def normalise_name(name: PersonName) -> tuple[str, str]:
    """Given names and family name, ignoring case, Unicode form, spaces and hyphens."""
    return _squash("".join(name.given_names)), _squash(name.family_name)


def _name_agreement(ours: PersonName, theirs: PersonName) -> str | None:
    """ "name" if exactly the same; "first and family names" if one side leaves out middle names.

    Agencies often hold only the first given name. The first given name, the family name and the
    birth date must still all agree, so twins and a parent sharing a child's name stay apart.
    """
    if normalise_name(ours) == normalise_name(theirs):
        return "name"
    our_given = [_squash(given) for given in ours.given_names]
    their_given = [_squash(given) for given in theirs.given_names]
    shorter = min(len(our_given), len(their_given))
    if shorter == 0:  # A family name alone (PDS allows it) never ties two records together.
        return None
    if _squash(ours.family_name) == _squash(theirs.family_name) and our_given[:shorter] == their_given[:shorter]:
        return "first and family names"
    return None


def _names_match(ours: Person, theirs: Person) -> str | None:
    """How the main names agree, or "alias" if only another pairing does, else None."""
    if agreement := _name_agreement(ours.name, theirs.name):
        return agreement
    their_names = [theirs.name, *theirs.aliases]
    for our_name in [ours.name, *ours.aliases]:
        if any(_name_agreement(our_name, their_name) for their_name in their_names):
            return "alias"
    return None


def decide(subject_person: Person, candidate: AgencyPerson) -> LinkDecision:
    """Apply the rules above to one candidate."""
    theirs = candidate.person

    def decision(linked: bool, reason: str) -> LinkDecision:
        return LinkDecision(candidate.agency_person_id, linked, reason)

    matching, conflicting = _compare_identifiers(subject_person.identifiers, theirs.identifiers)
    if matching:
        reason = f"{_label(matching[0])} matches"
        if conflicting:
            reason += f", although {', '.join(_label(f) for f in conflicting)} differs; review the link"
        return decision(True, reason)
    if conflicting:
        return decision(False, f"{_label(conflicting[0])} conflicts")
    name_match = _names_match(subject_person, theirs)
    if subject_person.birth_date is None or theirs.birth_date is None:
        return decision(False, "birth date missing, and no identifier in common")
    birth_date_match = subject_person.birth_date == theirs.birth_date
    if name_match and birth_date_match:
        return decision(True, f"{name_match} and birth date match exactly")
    if name_match:
        return decision(False, f"{name_match} matches but birth date differs")
    if birth_date_match:
        return decision(False, "birth date matches but name differs")
    return decision(False, "name and birth date differ")


def link_reply(subject_person: Person, reply: AgencyReply) -> tuple[list[str], list[LinkDecision]]:
    """Decide every candidate in a reply: (ids of linked candidates, one decision per candidate in order)."""
    decisions = [decide(subject_person, candidate) for candidate in reply.candidates]
    return [d.agency_person_id for d in decisions if d.linked], decisions
