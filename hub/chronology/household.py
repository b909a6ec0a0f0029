"""The household graph: who is what to whom among a referral's people, and who says so.

Edges come from two kinds of statement:

* the referral: the referrer described each person's place in the child's household (sibling,
  parent or carer, other adult), so every pair of its people is related as that role implies;
* agency records: a tenancy or homelessness case that lists two of the referral's people (as the
  identity check linked them) shows that they share a home, and says so in the edge's source. A
  person such a record lists whom the referral does not name joins the graph too, as the agency's
  record (`<agency>:<person id>`): an unknown adult in a child's home is worth a question.

The graph decides what reaches a child's chronology, as the minimisation policy says
(`hub.chronology.minimisation`, `config/minimisation.yaml`): someone else's record only through a
relationship stated between that person and the child, which the chronology then shows beside the
record, and only in the kinds of record the policy lists for that relationship. When several sources
state different relationships for one pair, the closest decides (`related_to`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import permutations

from hub.chronology.minimisation import Kinship, MinimisationPolicy, default_policy
from schemas import (
    AgencyReply,
    ChronologyEntry,
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


def home_records_of(replies: Iterable[AgencyReply]) -> list[ChronologyEntry]:
    """The replies' entries that are home records (tenancies, homelessness cases), in order."""
    return [entry for reply in replies for entry in reply.entries if entry.category in HOME_RECORDS]


def agency_edges(homes: Iterable[ChronologyEntry], links: dict[tuple[str, str], str]) -> list[HouseholdEdge]:
    """Co-residence shown by home records (`home_records_of`: tenancies, homelessness cases) naming a linked
    person and others."""
    linked = set(links.values())
    edges: dict[tuple[str, str, str], HouseholdEdge] = {}
    for entry in homes:
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
        stated_by = f"{entry.source.agency} {entry.source.record_id}"
        for subject_id, related_id in permutations(residents, 2):
            if (subject_id, related_id, stated_by) not in edges:  # The first report of a record states it.
                edges[(subject_id, related_id, stated_by)] = HouseholdEdge(
                    subject_id=subject_id,
                    related_subject_id=related_id,
                    relationship=Relationship.CO_RESIDENT,
                    stated_by=stated_by,
                    source=entry.source,
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
    referral: Referral,
    replies: Iterable[AgencyReply],
    links: dict[tuple[str, str], str],
    *,
    home_records: Iterable[ChronologyEntry] | None = None,
) -> list[HouseholdEdge]:
    """Every stated edge, the referral's first, in a stable order.

    `home_records` are the replies' home records (`home_records_of`) when the caller has them already:
    assembly collects them as it reads every entry, rather than reading 10,000 entries again to find a few.
    """
    replies = list(replies)
    homes = home_records_of(replies) if home_records is None else home_records
    return [*referral_edges(referral), *stated_edges(replies, links), *agency_edges(homes, links)]


@dataclass(frozen=True)
class Relation:
    """What someone is to a child, by the closest relationship stated, and what of theirs reaches the child.

    `edges` are the relationships stated directly between the child and that person, the closest first:
    the first is the one the chronology names beside their records ("Included through ...").
    """

    kind: Kinship
    edges: tuple[HouseholdEdge, ...]
    included: frozenset[EntryCategory]


_KIND_OF = {
    Relationship.PARENT_CARER: Kinship.PARENT_CARER,
    Relationship.SIBLING: Kinship.SIBLING,
    Relationship.CHILD: Kinship.OWN_CHILD,
    Relationship.PARTNER: Kinship.PARTNER,
    Relationship.OTHER_ADULT: Kinship.OTHER_ADULT,
    Relationship.CO_RESIDENT: Kinship.OTHER_ADULT,
    Relationship.RELATIVE: Kinship.RELATIVE,
}
"""A relationship stated between the child and someone → the policy's kind (lives-with: see `_kind`)."""


def _kind(edge: HouseholdEdge, household_children: frozenset[str]) -> Kinship:
    """The kind one edge states: "lives with" is another child only for a household member's child."""
    if edge.relationship is Relationship.CO_RESIDENT and edge.related_subject_id in household_children:
        return Kinship.OTHER_CHILD
    return _KIND_OF[edge.relationship]


def related_to(
    child_id: str, edges: Iterable[HouseholdEdge], policy: MinimisationPolicy | None = None
) -> dict[str, Relation]:
    """Everyone whose records the policy lets into this child's chronology, by their closest relationship.

    Only someone with a relationship stated directly with the child counts (the edge the chronology names).
    Of the kinds every source states for the pair, the closest decides: a sibling a tenancy also shows
    living with the child is a sibling, so the tenancy never widens what the sibling's records contribute.
    Being a partner of one of the child's parents or carers (as an agency record states) counts too.
    Someone whose kind the policy gives no records is left out, with nothing of theirs to show.
    """
    policy = policy or default_policy()
    edges = list(edges)
    direct: dict[str, list[HouseholdEdge]] = {}
    for edge in edges:
        if edge.subject_id == child_id and edge.related_subject_id != child_id:
            direct.setdefault(edge.related_subject_id, []).append(edge)
    parents = {person for person, stated in direct.items() if any(_is_parent(edge) for edge in stated)}
    partners_of_parents = {
        other
        for edge in edges
        if edge.relationship is Relationship.PARTNER
        for person, other in ((edge.subject_id, edge.related_subject_id), (edge.related_subject_id, edge.subject_id))
        if person in parents
    }
    household_children = _household_members_children(edges, direct)
    related = {}
    for person, stated in direct.items():
        ranked = sorted(stated, key=lambda edge: _kind(edge, household_children).closeness)  # stable: sources' order
        kinds = [_kind(edge, household_children) for edge in ranked]
        if person in partners_of_parents:
            kinds.append(Kinship.PARTNER_OF_PARENT)
        kind = min(kinds, key=lambda item: item.closeness)
        if included := policy.included(kind):
            related[person] = Relation(kind, tuple(ranked), included)
    return related


def _household_members_children(
    edges: list[HouseholdEdge], direct: Mapping[str, list[HouseholdEdge]]
) -> frozenset[str]:
    """Children of the child's household (a tenancy's "child" household member): stated to be the child of
    someone the child lives with or is cared for by, and stated to be nobody's parent or carer.

    An adult whose own mother the NHS records is her child, but she lives elsewhere, so that never counts.
    """
    members = {person for person, stated in direct.items() if any(e.relationship in _IN_THE_HOME for e in stated)}
    children = {e.related_subject_id for e in edges if e.relationship is Relationship.CHILD and e.subject_id in members}
    parents = {edge.related_subject_id for edge in edges if _is_parent(edge)}
    return frozenset(children - parents)


_IN_THE_HOME = frozenset({Relationship.PARENT_CARER, Relationship.OTHER_ADULT, Relationship.CO_RESIDENT})


def _is_parent(edge: HouseholdEdge) -> bool:
    return edge.relationship is Relationship.PARENT_CARER


def adults_related_to(
    child_id: str, edges: Iterable[HouseholdEdge], policy: MinimisationPolicy | None = None
) -> dict[str, list[HouseholdEdge]]:
    """The people whose records reach this child's chronology (`related_to`), each with its edges, closest first.

    Kept by this name for the readers that name the relationship beside a record; under the default
    policy these are adults, since another child's own records stay in their own chronology.
    """
    return {person: list(relation.edges) for person, relation in related_to(child_id, edges, policy).items()}


def reaches(entry: ChronologyEntry, child_id: str, related: Mapping[str, Relation]) -> bool:
    """Whether an entry belongs in this child's chronology: it involves the child, or is a kind of record
    the policy includes for someone it involves (each such entry names them: "Included through ...")."""
    involved = {person.subject_id for person in entry.people if person.subject_id is not None}
    return child_id in involved or any(
        entry.category in related[person].included for person in involved if person in related
    )
