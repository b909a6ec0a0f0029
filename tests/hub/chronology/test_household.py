"""The household graph: relationships stated by the referral and shown by agency records, and what they let in."""

from __future__ import annotations

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build, relationship_rows
from hub.chronology.household import adults_related_to, household_graph, referral_edges
from schemas import AgencyReply, EntryCategory, HouseholdEdge, InvolvementRole, Relationship
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, household_replies, person, reply

AGENCIES = ["health", "police", "housing"]


def relationship(edges: list[HouseholdEdge], subject_id: str, related_id: str) -> set[tuple[Relationship, str]]:
    return {
        (edge.relationship, edge.stated_by)
        for edge in edges
        if (edge.subject_id, edge.related_subject_id) == (subject_id, related_id)
    }


def test_the_referral_states_every_relationship_its_roles_imply() -> None:
    edges = referral_edges(example_referral())  # S1 subject child, S2 sibling, S3 parent or carer, S4 other adult
    assert relationship(edges, "S1", "S2") == {(Relationship.SIBLING, "referral")}
    assert relationship(edges, "S1", "S3") == {(Relationship.PARENT_CARER, "referral")}
    assert relationship(edges, "S3", "S1") == {(Relationship.CHILD, "referral")}
    assert relationship(edges, "S2", "S4") == {(Relationship.OTHER_ADULT, "referral")}
    assert relationship(edges, "S3", "S4") == {(Relationship.CO_RESIDENT, "referral")}
    assert len(edges) == 4 * 3


def tenancy_reply() -> list[AgencyReply]:
    """A housing tenancy listing Grace (S3) and Liam (S4) as its household, reached through Grace's check."""
    tenancy = entry(
        "housing",
        "TEN-1",
        "2021-04-12",
        [("HP-3", InvolvementRole.TENANT), ("HP-4", InvolvementRole.HOUSEHOLD_MEMBER)],
        category=EntryCategory.TENANCY,
        summary="Secure council tenancy.",
    )
    grace = candidate("HP-3", person("Grace", "Okafor", "1989-11-20"))
    liam = candidate("HP-4", person("Liam", "Hartley", "1986-05-09"))
    return [
        reply("housing", "S3", candidates=[grace], entries=[tenancy]),
        reply("housing", "S4", candidates=[liam], entries=[tenancy]),
    ]


def test_an_agency_record_naming_two_linked_people_shows_they_share_a_home() -> None:
    [amara, _tyler] = assemble(example_referral(), [*household_replies(), *tenancy_reply()], assembled_at=ASSEMBLED_AT)
    shown = {edge for edge in amara.household if edge.stated_by == "housing TEN-1"}
    assert {(edge.subject_id, edge.related_subject_id, edge.relationship) for edge in shown} == {
        ("S3", "S4", Relationship.CO_RESIDENT),
        ("S4", "S3", Relationship.CO_RESIDENT),
    }
    assert all(edge.source is not None and edge.source.record_id == "TEN-1" for edge in shown)


def test_an_adult_reaches_a_childs_chronology_only_through_a_stated_relationship() -> None:
    edges = [
        HouseholdEdge(subject_id="S1", related_subject_id="S3", relationship=Relationship.PARENT_CARER, stated_by="x"),
        HouseholdEdge(subject_id="S1", related_subject_id="S2", relationship=Relationship.SIBLING, stated_by="x"),
        HouseholdEdge(subject_id="S2", related_subject_id="S4", relationship=Relationship.OTHER_ADULT, stated_by="x"),
    ]
    assert set(adults_related_to("S1", edges)) == {"S3"}  # not the sibling's own records, nor S2's adult


def test_the_family_history_shows_each_relationship_with_its_source_and_what_it_let_in() -> None:
    referral = example_referral()
    chronologies = assemble(referral, [*household_replies(), *tenancy_reply()], assembled_at=ASSEMBLED_AT)
    history = build(referral, chronologies, AGENCIES)
    lines = {(row.person, row.relationship, row.of, row.stated_by) for row in history.relationships}
    assert ("Grace Okafor", "parent or carer", "Amara Joy Okafor-Reid", "stated in the referral") in lines
    assert ("Tyler Okafor-Reid", "sibling", "Amara Joy Okafor-Reid", "stated in the referral") in lines
    assert ("Liam Hartley", "lives with", "Grace Okafor", "stated in the referral; shown by a housing record") in lines
    assert len(lines) == len(history.relationships) == 6  # one row per pair of the four people
    assert not any(row.relationship == "child" for row in history.relationships)  # shown as parent or carer
    amara = next(child for child in history.children if child.subject_id == "S1")
    earlier = next(row for row in amara.rows if row.record == "police OCC-3")  # Grace's record only
    assert earlier.through == "Grace Okafor, parent or carer (stated in the referral)"
    own = next(row for row in amara.rows if row.record == "health AE-1")
    assert own.through == ""


def test_the_graph_is_the_same_however_often_it_is_assembled() -> None:
    replies = [*household_replies(), *tenancy_reply()]
    links = {("housing", "HP-3"): "S3", ("housing", "HP-4"): "S4"}
    first = household_graph(example_referral(), replies, links)
    again = household_graph(example_referral(), list(reversed(replies)), dict(reversed(links.items())))
    assert first == again and relationship_rows(first, {}) == relationship_rows(again, {})


def test_every_linked_and_review_decision_is_shown_with_its_evidence_review_first() -> None:
    referral = example_referral()
    history = build(referral, assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT), AGENCIES)
    review = history.links[0]
    assert (review.agency, review.record) == ("police", "P-5")  # it needs someone, so it comes first
    assert review.outcome.startswith("needs review") and "birth date differs by one digit" in review.evidence
    assert (
        review.why_review == "same name and a birth date a slip away: a typing error, or a relative with the same name"
    )
    linked = {(link.agency, link.record): link for link in history.links[1:]}
    assert set(linked) == {("police", "P-1"), ("police", "P-9"), ("health", "H-1"), ("health", "H-2")}
    assert all(link.outcome == "linked" and link.evidence for link in linked.values())
    assert "NHS number matches" in linked[("health", "H-1")].evidence
    assert history.checks["S1"]["police"].words == "records found; 1 possible match awaiting review"


def test_someone_an_agency_lists_in_the_home_but_the_referral_does_not_name_joins_the_graph() -> None:
    referral = example_referral()
    lodger_tenancy = entry(
        "housing",
        "TEN-2",
        "2023-01-09",
        [("HP-3", InvolvementRole.TENANT), ("HP-8", InvolvementRole.HOUSEHOLD_MEMBER)],
        category=EntryCategory.TENANCY,
        summary="Secure council tenancy.",
    )
    elsewhere = entry(
        "housing", "TEN-3", "2020-01-01", [("HP-50", InvolvementRole.TENANT)], category=EntryCategory.TENANCY
    )
    grace = candidate("HP-3", person("Grace", "Okafor", "1989-11-20"))
    replies = [*household_replies(), reply("housing", "S3", candidates=[grace], entries=[lodger_tenancy, elsewhere])]
    chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    assert relationship(chronologies[0].household, "S3", "housing:HP-8") == {
        (Relationship.CO_RESIDENT, "housing TEN-2")
    }
    assert not any("HP-50" in edge.related_subject_id for edge in chronologies[0].household)  # nobody of ours there
    lines = {
        (row.person, row.relationship, row.of, row.stated_by)
        for row in build(referral, chronologies, AGENCIES).relationships
    }
    lodger = "someone, not named in the referral (Housing person record 2)"  # HP-3 and HP-8, in id order
    assert (lodger, "lives with", "Grace Okafor", "shown by a housing record") in lines or (
        "Grace Okafor",
        "lives with",
        lodger,
        "shown by a housing record",
    ) in lines


def test_relationships_an_agency_record_states_join_the_graph_with_their_source() -> None:
    from schemas import PersonName, RelatedPerson, SourceRef

    referral = example_referral()
    tenancy = SourceRef(agency="housing", record_id="TEN-1")

    def stated(member: str, code: str, name: PersonName | None = None) -> RelatedPerson:
        return RelatedPerson(
            agency_person_id="HP-3",
            relationship=code,
            relationship_code=code,
            related_agency_person_id=member,
            name=name,
            source=tenancy,
        )

    grace = candidate("HP-3", person("Grace", "Okafor", "1989-11-20"))
    liam = candidate("HP-4", person("Liam", "Hartley", "1986-05-09"))
    replies = [
        *household_replies(),
        reply("housing", "S3", candidates=[grace]).model_copy(
            update={
                "related_people": [
                    stated("HP-4", "partner"),
                    stated("HP-9", "other_relative", PersonName(given_names=["Kyle"], family_name="Brennan")),
                ]
            }
        ),
        reply("housing", "S4", candidates=[liam]),
    ]
    chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
    edges = chronologies[0].household
    assert relationship(edges, "S3", "S4") >= {(Relationship.PARTNER, "housing TEN-1")}
    assert relationship(edges, "S3", "housing:HP-9") == {(Relationship.RELATIVE, "housing TEN-1")}
    rows = {
        (row.person, row.relationship, row.of, row.stated_by)
        for row in build(referral, chronologies, AGENCIES).relationships
    }
    assert any(row[:2] == ("Liam Hartley", "partner") and "shown by a housing record" in row[3] for row in rows)
    assert ("Kyle Brennan, not named in the referral (Housing person record 3)", "relative", "Grace Okafor",
            "shown by a housing record") in rows  # fmt: skip


def test_pds_relatives_join_the_graph_with_their_hl7_relationship() -> None:
    from schemas import RelatedPerson, SourceRef

    referral = example_referral()
    amara, grace = referral.subject("S1").person, referral.subject("S3").person
    mother = RelatedPerson(
        agency_person_id="PAT-1",
        relationship="mother",
        relationship_code="MTH",
        related_agency_person_id="PAT-3",
        source=SourceRef(agency="health", record_id="RelatedPerson/RP-1"),
    )
    grandmother = mother.model_copy(
        update={"relationship": "grandmother", "relationship_code": "GRMTH", "related_agency_person_id": "PAT-9"}
    )
    replies = [
        reply("health", "S1", candidates=[candidate("PAT-1", amara)]).model_copy(
            update={"related_people": [mother, grandmother]}
        ),
        reply("health", "S3", candidates=[candidate("PAT-3", grace)]),
    ]
    edges = assemble(referral, replies, assembled_at=ASSEMBLED_AT)[0].household
    assert relationship(edges, "S1", "S3") >= {(Relationship.PARENT_CARER, "health RelatedPerson/RP-1")}
    assert relationship(edges, "S3", "S1") >= {(Relationship.CHILD, "health RelatedPerson/RP-1")}
    assert relationship(edges, "S1", "health:PAT-9") == {(Relationship.RELATIVE, "health RelatedPerson/RP-1")}
