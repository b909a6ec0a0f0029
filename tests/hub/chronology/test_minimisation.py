"""The minimisation policy: whose records reach which child's chronology, and which kinds of record.

Synthetic households only. The policy is read from `config/minimisation.yaml` as shipped, and from
changed copies of it, so the tests show that the file, not the code, decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from hub.chronology.assembly import assemble
from hub.chronology.check_states import check_words
from hub.chronology.family_history import build
from hub.chronology.household import related_to
from hub.chronology.minimisation import (
    POLICY_FILE,
    Kinship,
    MinimisationPolicy,
    default_policy,
    load_policy,
    read_policy_file,
)
from hub.errors import UserError
from hub.settings import REPO_ROOT, HubSettings
from schemas import (
    AgencyReply,
    Chronology,
    ChronologyEntry,
    EntryCategory,
    HouseholdEdge,
    InvolvementRole,
    RelatedPerson,
    Relationship,
    SourceRef,
)
from schemas.config_files import ConfigFileError
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, reply

SHIPPED = REPO_ROOT / "config" / POLICY_FILE
ROLE = InvolvementRole
CATEGORY = EntryCategory
REL = Relationship


def shipped() -> MinimisationPolicy:
    return read_policy_file(SHIPPED)


def edge(subject: str, related: str, relationship: Relationship, stated_by: str = "referral") -> HouseholdEdge:
    return HouseholdEdge(subject_id=subject, related_subject_id=related, relationship=relationship, stated_by=stated_by)


def both_ways(a: str, b: str, forward: Relationship, backward: Relationship, stated_by: str) -> list[HouseholdEdge]:
    return [edge(a, b, forward, stated_by), edge(b, a, backward, stated_by)]


# The policy as shipped


def test_the_shipped_policy_is_the_one_the_hub_reads_and_sets_every_relationship() -> None:
    policy = shipped()
    assert default_policy() == policy  # the tests run with the repository's config/
    for kind in Kinship:
        assert isinstance(policy.included(kind), frozenset)
    assert policy.included(Kinship.SIBLING) == policy.included(Kinship.OTHER_CHILD) == frozenset()
    assert policy.included(Kinship.OWN_CHILD) == frozenset()
    significant = {CATEGORY.DOMESTIC_ABUSE_INCIDENT, CATEGORY.PUBLIC_PROTECTION_NOTICE, CATEGORY.HOMELESSNESS}
    for adult in (Kinship.PARENT_CARER, Kinship.PARTNER_OF_PARENT, Kinship.OTHER_ADULT):
        assert significant <= policy.included(adult), adult
        assert CATEGORY.GP_REGISTRATION not in policy.included(adult), adult
        assert CATEGORY.OTHER not in policy.included(adult), adult
    assert CATEGORY.EMERGENCY_ATTENDANCE in policy.included(Kinship.PARENT_CARER)
    assert CATEGORY.EMERGENCY_ATTENDANCE not in policy.included(Kinship.OTHER_ADULT)  # an adult lodger's A&E
    assert policy.included(Kinship.RELATIVE) == {CATEGORY.PUBLIC_PROTECTION_NOTICE, CATEGORY.CHILD_EXPLOITATION_CONCERN}


def test_the_guide_explains_every_relationship_the_policy_sets() -> None:
    guide = (REPO_ROOT / "docs" / "practitioners.md").read_text(encoding="utf-8")
    section = guide.split("#### Whose records appear in which chronology", 1)[1].split("\n## ", 1)[0]
    for words in (
        "parent or carer",
        "brother or sister",
        "own child",
        "own partner",
        "partner of a parent",
        "other adult",
        "other child",
        "relative",
        "config/minimisation.yaml",
        "Article 5(1)(c)",
        "Caldicott",
        "Working Together",
    ):
        assert words in section, words


# What someone is to the child: every kind, one source each


@pytest.mark.parametrize(
    ("edges", "kind", "reaches"),
    [
        ([edge("C", "X", REL.PARENT_CARER)], Kinship.PARENT_CARER, True),
        ([edge("C", "X", REL.SIBLING)], Kinship.SIBLING, False),
        ([edge("C", "X", REL.CHILD, "health RP-1")], Kinship.OWN_CHILD, False),
        ([edge("C", "X", REL.PARTNER, "health RP-1")], Kinship.PARTNER, True),
        ([edge("C", "X", REL.OTHER_ADULT)], Kinship.OTHER_ADULT, True),
        ([edge("C", "X", REL.CO_RESIDENT, "housing TEN-1")], Kinship.OTHER_ADULT, True),
        (
            [
                edge("C", "X", REL.CO_RESIDENT, "housing TEN-1"),
                edge("C", "T", REL.CO_RESIDENT, "housing TEN-1"),
                *both_ways("T", "X", REL.CHILD, REL.PARENT_CARER, "housing TEN-1"),  # the tenant's child
            ],
            Kinship.OTHER_CHILD,
            False,
        ),
        ([edge("C", "X", REL.RELATIVE, "health RP-1")], Kinship.RELATIVE, True),
        (
            [
                edge("C", "P", REL.PARENT_CARER),
                edge("C", "X", REL.OTHER_ADULT),
                *both_ways("P", "X", REL.PARTNER, REL.PARTNER, "housing TEN-1"),
            ],
            Kinship.PARTNER_OF_PARENT,
            True,
        ),
    ],
    ids=lambda value: value.value if isinstance(value, Kinship) else None,
)
def test_each_relationship_is_read_as_its_kind_and_given_what_the_policy_lists(
    edges: list[HouseholdEdge], kind: Kinship, reaches: bool
) -> None:
    everyone = {kind: frozenset(CATEGORY) for kind in Kinship}
    assert related_to("C", edges, _policy(everyone))["X"].kind is kind
    found = related_to("C", edges, shipped())
    assert ("X" in found) is reaches
    if reaches:
        assert found["X"].kind is kind and found["X"].included == shipped().included(kind)


def test_someone_with_no_relationship_stated_with_the_child_contributes_nothing() -> None:
    edges = [edge("C", "P", REL.PARENT_CARER), *both_ways("P", "X", REL.RELATIVE, REL.RELATIVE, "health RP-1")]
    assert set(related_to("C", edges, shipped())) == {"P"}  # the parent's relative is not the child's


def test_an_adult_whose_own_mother_the_nhs_records_is_still_an_adult_in_the_home() -> None:
    edges = [
        edge("C", "X", REL.CO_RESIDENT, "housing TEN-1"),
        edge("C", "P", REL.PARENT_CARER),
        *both_ways("X", "M", REL.PARENT_CARER, REL.CHILD, "health RP-1"),  # X's mother, who lives elsewhere
    ]
    assert related_to("C", edges, shipped())["X"].kind is Kinship.OTHER_ADULT
    tenants_child = both_ways("P", "X", REL.CHILD, REL.PARENT_CARER, "housing TEN-1")
    assert "X" not in related_to("C", [*edges, *tenants_child], shipped())  # the parent's child: another child
    parent = both_ways("Y", "X", REL.PARENT_CARER, REL.CHILD, "health RP-2")  # X is Y's mother
    assert related_to("C", [*edges, *tenants_child, *parent], shipped())["X"].kind is Kinship.OTHER_ADULT


# Several sources, different relationships for one pair: the closest decides


def test_a_sibling_a_tenancy_shows_living_with_the_child_is_a_sibling_whichever_is_stated_first() -> None:
    edges = [edge("C", "T", REL.SIBLING), edge("C", "T", REL.CO_RESIDENT, "housing TEN-1")]
    everyone_but_siblings = {kind: frozenset(CATEGORY) for kind in Kinship} | {Kinship.SIBLING: frozenset()}
    for order in (edges, edges[::-1]):
        assert "T" not in related_to("C", order, shipped())
        assert "T" not in related_to("C", order, _policy(everyone_but_siblings))  # lives-with would let all in


def test_the_closest_of_every_relationship_stated_decides_and_is_named_first() -> None:
    edges = [
        edge("C", "G", REL.OTHER_ADULT),  # the referrer called her another adult
        edge("C", "G", REL.RELATIVE, "health RelatedPerson/RP-9"),
        edge("C", "G", REL.CO_RESIDENT, "housing TEN-1"),
        edge("C", "G", REL.PARENT_CARER, "health RelatedPerson/RP-1"),  # the NHS records her as the mother
    ]
    for order in (edges, edges[::-1]):
        relation = related_to("C", order, shipped())["G"]
        assert relation.kind is Kinship.PARENT_CARER
        assert (relation.edges[0].relationship, relation.edges[0].stated_by) == (
            REL.PARENT_CARER,
            "health RelatedPerson/RP-1",
        )
        assert {item.stated_by for item in relation.edges} == {item.stated_by for item in edges}


def test_a_partner_of_a_parent_is_one_whichever_way_the_agency_stated_the_partnership() -> None:
    base = [edge("C", "P", REL.PARENT_CARER), edge("C", "X", REL.CO_RESIDENT, "housing TEN-1")]
    for partnership in (edge("P", "X", REL.PARTNER, "housing TEN-1"), edge("X", "P", REL.PARTNER, "housing TEN-1")):
        relation = related_to("C", [*base, partnership], shipped())["X"]
        assert relation.kind is Kinship.PARTNER_OF_PARENT
        assert relation.edges[0].relationship is REL.CO_RESIDENT  # the relationship stated with the child


# A whole household through assembly


AMARA, TYLER, GRACE, LIAM = "S1", "S2", "S3", "S4"


def household() -> list[AgencyReply]:
    """The example family: Amara (S1), her brother Tyler (S2), their mother Grace (S3), Grace's partner Liam (S4).

    Housing's tenancy lists all four, so the two children are also shown living with each other, and
    states that Liam is Grace's partner.
    """
    referral = example_referral()
    ids = {AMARA: "1", TYLER: "2", GRACE: "3", LIAM: "4"}
    police_ids = {subject: f"P-{number}" for subject, number in ids.items()}
    health_ids = {subject: f"H-{number}" for subject, number in ids.items()}
    housing_ids = {subject: f"HP-{number}" for subject, number in ids.items()}
    incident = entry(
        "police",
        "DA-2",
        "2026-10-01",
        [(police_ids[GRACE], ROLE.VICTIM), (police_ids[LIAM], ROLE.SUSPECT)]
        + [(police_ids[child], ROLE.CHILD_PRESENT) for child in (AMARA, TYLER)],
        category=CATEGORY.DOMESTIC_ABUSE_INCIDENT,
        summary="Domestic incident at home; both children present.",
    )
    police = {
        AMARA: [incident],
        TYLER: [
            incident,
            entry("police", "OCC-T", "2026-03-01", [(police_ids[TYLER], ROLE.VICTIM)], summary="Tyler assaulted."),
        ],
        GRACE: [
            incident,
            entry(
                "police",
                "DA-1",
                "2025-05-01",
                [(police_ids[GRACE], ROLE.VICTIM)],
                category=CATEGORY.DOMESTIC_ABUSE_INCIDENT,
                summary="Earlier domestic incident; Grace the victim.",
            ),
        ],
        LIAM: [
            incident,
            entry("police", "OCC-L", "2024-01-01", [(police_ids[LIAM], ROLE.SUSPECT)], summary="Assault."),
        ],
    }
    health = {
        AMARA: [_health("AE-A", "2025-12-05", health_ids[AMARA], CATEGORY.EMERGENCY_ATTENDANCE, "Wrist injury.")],
        TYLER: [_health("AE-T", "2026-02-02", health_ids[TYLER], CATEGORY.EMERGENCY_ATTENDANCE, "Head injury.")],
        GRACE: [
            _health("GP-G", "2019-01-01", health_ids[GRACE], CATEGORY.GP_REGISTRATION, "Registered with a GP."),
            _health("AE-G", "2026-10-01", health_ids[GRACE], CATEGORY.EMERGENCY_ATTENDANCE, "Facial bruising."),
        ],
        LIAM: [_health("AE-L", "2023-08-08", health_ids[LIAM], CATEGORY.EMERGENCY_ATTENDANCE, "Hand injury.")],
    }
    tenancy = entry(
        "housing",
        "TEN-1",
        "2021-04-12",
        [(housing_ids[GRACE], ROLE.TENANT)] + [(housing_ids[s], ROLE.HOUSEHOLD_MEMBER) for s in (AMARA, TYLER, LIAM)],
        category=CATEGORY.TENANCY,
        summary="Secure council tenancy.",
    )
    partner = RelatedPerson(
        agency_person_id=housing_ids[GRACE],
        relationship="partner",
        relationship_code="partner",
        related_agency_person_id=housing_ids[LIAM],
        source=SourceRef(agency="housing", record_id="TEN-1"),
    )
    replies = []
    for subject in referral.subjects:
        who = subject.subject_id
        replies += [
            reply("police", who, candidates=[candidate(police_ids[who], subject.person)], entries=police[who]),
            reply("health", who, candidates=[candidate(health_ids[who], subject.person)], entries=health[who]),
            reply(
                "housing", who, candidates=[candidate(housing_ids[who], subject.person)], entries=[tenancy]
            ).model_copy(update={"related_people": [partner] if who == GRACE else []}),
        ]
    return replies


def _health(record: str, day: str, person_id: str, category: EntryCategory, summary: str) -> ChronologyEntry:
    return entry("health", record, day, [(person_id, ROLE.PATIENT)], category=category, summary=summary)


def records(chronology: Chronology) -> set[str]:
    return {entry.source.record_id for entry in chronology.entries}


def test_each_childs_chronology_holds_their_own_records_and_the_significant_ones_of_the_adults() -> None:
    amara, tyler = assemble(example_referral(), household(), assembled_at=ASSEMBLED_AT, policy=shipped())
    shared = {"DA-2", "TEN-1"}  # both children are in them
    adults = {"DA-1", "AE-G", "OCC-L"}  # Grace's incident and A&E, Liam's offence; not Grace's GP, not Liam's A&E
    assert records(amara) == {"AE-A"} | shared | adults
    assert records(tyler) == {"AE-T", "OCC-T"} | shared | adults
    related = related_to(AMARA, amara.household, shipped())
    assert TYLER not in related  # a sibling, though the tenancy shows him living with her
    assert related[GRACE].kind is Kinship.PARENT_CARER and related[LIAM].kind is Kinship.PARTNER_OF_PARENT


def test_a_check_says_how_many_of_its_records_the_policy_kept_out_of_every_chronology() -> None:
    """Grace's GP registration and Liam's A&E attendance are found but reach no child: their checks count them,
    in words, so records found are never taken to be lost; a record that reached a chronology is not counted."""
    amara, tyler = assemble(example_referral(), household(), assembled_at=ASSEMBLED_AT, policy=shipped())
    minimised = {(check.agency, check.subject_id): check.minimised for check in amara.checks}
    assert minimised[("health", GRACE)] == 1 and minimised[("health", LIAM)] == 1
    assert {key: count for key, count in minimised.items() if count} == {("health", GRACE): 1, ("health", LIAM): 1}
    assert tyler.checks == amara.checks
    grace_health = next(check for check in amara.checks if (check.agency, check.subject_id) == ("health", GRACE))
    words = check_words(grace_health, ASSEMBLED_AT)
    assert words.startswith("records found") and "1 record of a kind the minimisation policy leaves out" in words


def test_each_record_from_someone_else_says_why_it_is_there_and_shared_events_say_who_was_there() -> None:
    referral = example_referral()
    chronologies = assemble(referral, household(), assembled_at=ASSEMBLED_AT, policy=shipped())
    history = build(referral, chronologies, ["health", "housing", "police"])
    amara = next(child for child in history.children if child.subject_id == AMARA)
    rows = {row.record: row for row in amara.rows}
    assert rows["health AE-G"].through == "Grace Okafor, parent or carer (stated in the referral)"
    assert rows["police OCC-L"].through.startswith("Liam Hartley, ")
    assert rows["police DA-2"].through == ""  # Amara's own: she was there ...
    assert "Tyler Okafor-Reid" in rows["police DA-2"].people  # ... and so was her brother, which it says
    assert not any("Tyler" in row.through for row in amara.rows)


@pytest.fixture
def council_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Write a changed policy where `HUB_CONFIG_DIR` points, as a council would, for the process to read."""

    def configure(**changes: list[str]) -> None:
        (tmp_path / POLICY_FILE).write_text(yaml.safe_dump(_document(**changes)), encoding="utf-8")
        monkeypatch.setenv("HUB_CONFIG_DIR", str(tmp_path))
        default_policy.cache_clear()

    yield configure
    default_policy.cache_clear()


def test_a_changed_policy_changes_what_reaches_each_chronology(council_policy: Callable[..., None]) -> None:
    council_policy(sibling=["emergency_attendance"], parent_carer=["domestic_abuse_incident"])
    referral = example_referral()
    amara, tyler = assemble(referral, household(), assembled_at=ASSEMBLED_AT)
    assert "AE-T" in records(amara) and "AE-A" in records(tyler)  # a sibling's A&E now crosses
    assert "OCC-T" not in records(amara)  # but not the sibling's other records
    assert "DA-1" in records(amara) and "AE-G" not in records(amara)  # the parent's A&E no longer does
    history = build(referral, [amara, tyler], ["health", "housing", "police"])
    rows = {row.record: row for row in history.children[0].rows}
    assert rows["health AE-T"].through == "Tyler Okafor-Reid, sibling (stated in the referral)"


def test_the_policy_file_the_settings_point_at_is_the_one_read(tmp_path: Path) -> None:
    (tmp_path / POLICY_FILE).write_text(yaml.safe_dump(_document(relative=["other"])), encoding="utf-8")
    policy = load_policy(HubSettings.from_env({"HUB_CONFIG_DIR": str(tmp_path), "HUB_HOME": str(tmp_path)}))
    assert policy.included(Kinship.RELATIVE) == {CATEGORY.OTHER}


# A bad file is refused in one line naming the setting


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda doc: doc["relationships"].pop("sibling"), "relationships.sibling: is required"),
        (lambda doc: doc["relationships"].update(cousin={"include": []}), "relationships.cousin: unknown setting"),
        (
            lambda doc: doc["relationships"]["relative"].update(include=["gp_visits"]),
            "relationships.relative.include: 'gp_visits' is not a kind of record; the kinds are ",
        ),
        (
            lambda doc: doc["relationships"]["partner"].update(include=["missing_episode", "missing_episode"]),
            "relationships.partner.include: names a kind of record twice",
        ),
        (
            lambda doc: doc["relationships"]["other_adult"].update(include="tenancy"),
            "relationships.other_adult.include: must be a list of kinds of record",
        ),
        (
            lambda doc: doc["relationships"]["parent_carer"].pop("include"),
            "relationships.parent_carer.include: is required",
        ),
        (lambda doc: doc.update(relationships=None), "relationships: must be a valid dictionary"),
    ],
)
def test_a_bad_policy_is_refused_in_one_line_naming_the_setting(tmp_path: Path, change: object, words: str) -> None:
    document = _document()
    change(document)  # type: ignore[operator]
    path = tmp_path / POLICY_FILE
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigFileError) as refused:
        read_policy_file(path)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"{path}: ") and words in message, message
    with pytest.raises(UserError) as also:
        load_policy(HubSettings.from_env({"HUB_CONFIG_DIR": str(tmp_path), "HUB_HOME": str(tmp_path)}))
    assert str(also.value) == message


def test_a_file_that_is_not_yaml_or_is_missing_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / POLICY_FILE
    with pytest.raises(ConfigFileError, match=r"Cannot read .*minimisation\.yaml.*HUB_CONFIG_DIR"):
        read_policy_file(path)
    path.write_text("relationships: [\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"is not valid YAML at line \d+"):
        read_policy_file(path)


# Helpers


def _document(**changes: list[str]) -> dict[str, dict[str, dict[str, list[str]]]]:
    document: dict[str, dict[str, dict[str, list[str]]]] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    for kind, included in changes.items():
        document["relationships"][kind] = {"include": included}
    return document


def _policy(included: dict[Kinship, frozenset[EntryCategory]]) -> MinimisationPolicy:
    return MinimisationPolicy.model_validate(
        {"relationships": {kind.value: {"include": sorted(c.value for c in cats)} for kind, cats in included.items()}}
    )
