"""The household graph: who is what to whom among a referral's people, and who says so.

Edges come from two kinds of statement:

* the referral: the referrer described each person's place in the child's household (sibling,
  parent or carer, other adult), so every pair of its people is related as that role implies;
* agency records: a tenancy or homelessness case that lists two of the referral's people (as the
  identity check linked them) shows that they share a home, and says so in the edge's source. A
  person such a record lists whom the referral does not name joins the graph too, as the agency's
  record (`<agency>:<person id>`): an unknown adult in a child's home is worth a question.

The graph decides what reaches a child's chronology: an adult's record only through a relationship
stated between that adult and the child, which the chronology then shows beside the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import permutations

from schemas import (
    AgencyReply,
    EntryCategory,
    HouseholdEdge,
    InvolvementRole,
    Referral,
    Relationship,
    Subject,
    SubjectRole,
)

REFERRAL = "referral"
HOME_RECORDS = frozenset({EntryCategory.TENANCY, EntryCategory.HOMELESSNESS})
"""Records whose people share a home."""
HOME_ROLES = frozenset({InvolvementRole.TENANT, InvolvementRole.HOUSEHOLD_MEMBER, InvolvementRole.APPLICANT})
CHILD_RELATIONSHIPS = frozenset({Relationship.SIBLING, Relationship.CHILD})
"""Relationships to other children: a sibling's own records stay in the sibling's chronology."""


def _as_stated_by_referral(subject: Subject, related: Subject) -> Relationship:
    """What `related` is to `subject`, from the roles the referral gave them."""
    if subject.role.is_child:
        if related.role.is_child:
            return Relationship.SIBLING
        return Relationship.PARENT_CARER if related.role is SubjectRole.PARENT_CARER else Relationship.OTHER_ADULT
    if related.role.is_child and subject.role is SubjectRole.PARENT_CARER:
        return Relationship.CHILD
    return Relationship.CO_RESIDENT


def referral_edges(referral: Referral) -> list[HouseholdEdge]:
    return [
        HouseholdEdge(
            subject_id=subject.subject_id,
            related_subject_id=related.subject_id,
            relationship=_as_stated_by_referral(subject, related),
            stated_by=REFERRAL,
        )
        for subject, related in permutations(referral.subjects, 2)
    ]


def agency_node(agency: str, agency_person_id: str) -> str:
    """The graph's id for someone an agency's record lists but the referral does not name."""
    return f"{agency}:{agency_person_id}"[:64]


def is_agency_node(node: str) -> bool:
    return ":" in node


def agency_edges(replies: Iterable[AgencyReply], links: dict[tuple[str, str], str]) -> list[HouseholdEdge]:
    """Co-residence shown by home records (tenancies, homelessness cases) naming a linked person and others."""
    linked = set(links.values())
    edges: dict[tuple[str, str, str], HouseholdEdge] = {}
    for reply in replies:
        for entry in reply.entries:
            if entry.category not in HOME_RECORDS:
                continue
            residents = sorted(
                {
                    links.get((entry.source.agency, person.agency_person_id))
                    or agency_node(entry.source.agency, person.agency_person_id)
                    for person in entry.people
                    if person.role in HOME_ROLES
                }
            )
            if not any(resident in linked for resident in residents):
                continue  # Nobody in the referral: another household's record.
            for subject_id, related_id in permutations(residents, 2):
                stated_by = f"{entry.source.agency} {entry.source.record_id}"
                edges.setdefault(
                    (subject_id, related_id, stated_by),
                    HouseholdEdge(
                        subject_id=subject_id,
                        related_subject_id=related_id,
                        relationship=Relationship.CO_RESIDENT,
                        stated_by=stated_by,
                        source=entry.source,
                    ),
                )
    return [edges[key] for key in sorted(edges)]


_PARENT = (Relationship.PARENT_CARER, Relationship.CHILD)
_CHILD = (Relationship.CHILD, Relationship.PARENT_CARER)
_PARTNER = (Relationship.PARTNER, Relationship.PARTNER)
_SIBLING = (Relationship.SIBLING, Relationship.SIBLING)
_HOME = (Relationship.CO_RESIDENT, Relationship.CO_RESIDENT)
_RELATIVE = (Relationship.RELATIVE, Relationship.RELATIVE)
STATED_RELATIONSHIPS = {
    # Housing: what a household member is to the tenant or applicant.
    "partner": _PARTNER,
    "child": _CHILD,
    "parent": _PARENT,
    "other_relative": _RELATIVE,
    "occupant": _HOME,
    "joint_tenant": _HOME,
    "other": _HOME,
    # HL7 v3 RoleCode, as PDS's RelatedPerson uses it: what the related person is to the patient.
    **dict.fromkeys(("MTH", "FTH", "PRN", "NMTH", "NFTH", "NPRN", "STPMTH", "STPFTH", "STPPAR"), _PARENT),
    **dict.fromkeys(("SPS", "HUSB", "WIFE", "DOMPART", "SIGOTHR"), _PARTNER),
    **dict.fromkeys(("SIB", "BRO", "SIS", "HSIB", "HBRO", "HSIS", "STPSIB", "STPBRO", "STPSIS"), _SIBLING),
    **dict.fromkeys(("CHILD", "SON", "DAU", "STPCHLD", "STPSON", "STPDAU"), _CHILD),
}
"""An agency's relationship code → (what the related person is to the lead, what the lead is to them).
Any other code is another relative, which says nothing about sharing a home."""


def stated_edges(replies: Iterable[AgencyReply], links: dict[tuple[str, str], str]) -> list[HouseholdEdge]:
    """Relationships agency records state (a tenancy's household), between linked people or with others."""
    edges: dict[tuple[str, str, str, str], HouseholdEdge] = {}
    linked = set(links.values())
    for reply in replies:
        for stated in reply.related_people:
            if stated.related_agency_person_id is None:
                continue
            agency = stated.source.agency
            lead = links.get((agency, stated.agency_person_id)) or agency_node(agency, stated.agency_person_id)
            member = links.get((agency, stated.related_agency_person_id)) or agency_node(
                agency, stated.related_agency_person_id
            )
            if lead == member or not {lead, member} & linked:
                continue
            forward, backward = STATED_RELATIONSHIPS.get(stated.relationship_code or "", _RELATIVE)
            stated_by = f"{agency} {stated.source.record_id}"
            member_name = stated.name.display if stated.name and member not in linked else None
            for subject_id, related_id, relationship, subject_name, related_name in (
                (lead, member, forward, None, member_name),
                (member, lead, backward, member_name, None),
            ):
                edges.setdefault(
                    (subject_id, related_id, relationship.value, stated_by),
                    HouseholdEdge(
                        subject_id=subject_id,
                        related_subject_id=related_id,
                        relationship=relationship,
                        stated_by=stated_by,
                        source=stated.source,
                        subject_name=subject_name,
                        related_name=related_name,
                    ),
                )
    return [edges[key] for key in sorted(edges)]


def household_graph(
    referral: Referral, replies: Iterable[AgencyReply], links: dict[tuple[str, str], str]
) -> list[HouseholdEdge]:
    """Every stated edge, the referral's first, in a stable order."""
    replies = list(replies)
    return [*referral_edges(referral), *stated_edges(replies, links), *agency_edges(replies, links)]


def adults_related_to(child_id: str, edges: Iterable[HouseholdEdge]) -> dict[str, list[HouseholdEdge]]:
    """The people whose records reach this child's chronology, each with the edges that let them."""
    related: dict[str, list[HouseholdEdge]] = {}
    for edge in edges:
        if edge.subject_id == child_id and edge.relationship not in CHILD_RELATIONSHIPS:
            related.setdefault(edge.related_subject_id, []).append(edge)
    return related
