"""The household diagram: an accessible, self-contained SVG that says what the relationships table says."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build, latest_household
from hub.chronology.household_svg import HouseholdDiagram, age_words, household_diagram, household_svg
from schemas import (
    AgencyReply,
    EntryCategory,
    HouseholdEdge,
    InvolvementRole,
    PersonName,
    Referral,
    RelatedPerson,
    SourceRef,
)
from tests.hub.builders import ASSEMBLED_AT, candidate, entry, example_referral, household_replies, person, reply

SVG = "{http://www.w3.org/2000/svg}"
ON = date(2026, 11, 2)
AGENCIES = ["health", "police", "housing"]


def housing_replies() -> list[AgencyReply]:
    """A tenancy stating Grace's partner (Liam) and a relative the referral does not name, and a lodger."""
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

    lodger = entry(
        "housing",
        "TEN-2",
        "2023-01-09",
        [("HP-3", InvolvementRole.TENANT), ("HP-8", InvolvementRole.HOUSEHOLD_MEMBER)],
        category=EntryCategory.TENANCY,
        summary="Secure council tenancy.",
    )
    kyle = PersonName(given_names=["Kyle"], family_name="Brennan")
    grace = candidate("HP-3", person("Grace", "Okafor", "1989-11-20"))
    return [
        reply("housing", "S3", candidates=[grace], entries=[lodger]).model_copy(
            update={"related_people": [stated("HP-4", "partner"), stated("HP-9", "other_relative", kyle)]}
        ),
        reply("housing", "S4", candidates=[candidate("HP-4", person("Liam", "Hartley", "1986-05-09"))]),
    ]


def household(referral: Referral) -> list[HouseholdEdge]:
    return latest_household(assemble(referral, [*household_replies(), *housing_replies()], assembled_at=ASSEMBLED_AT))


def with_subjects(*extra: tuple[str, str, str, str]) -> Referral:
    """The example referral with more people: (role, given names, family name, birth date)."""
    data = example_referral().model_dump(mode="json")
    data["subjects"] += [
        {
            "subject_id": f"S{len(data['subjects']) + index + 1}",
            "role": role,
            "person": {"name": {"given_names": given.split(), "family_name": family}, "birth_date": born},
        }
        for index, (role, given, family, born) in enumerate(extra)
    ]
    return Referral.model_validate(data)


def twelve() -> Referral:
    children = [("Mia", "2012-01-05"), ("Noah", "2013-09-30"), ("Ella", "2016-12-24"), ("Jack", "2019-03-03")]
    return with_subjects(
        *(("sibling", given, "Okafor-Reid", born) for given, born in children),
        ("sibling", "Leo", "Okafor-Reid", "2026-03-20"),
        ("parent_carer", "Daniel Christopher", "Reid-Montgomery", "1984-02-02"),
        ("other_adult", "Patricia", "Okafor", "1961-04-04"),
    )


def diagram(referral: Referral | None = None) -> HouseholdDiagram:
    referral = referral or example_referral()
    return household_diagram(referral, household(referral), on=ON, title_id="household")


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def boxes(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """Each person's box (x, y, width, height) and the name it shows."""
    found = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "person":
            rect = group.find(f"{SVG}rect")
            name = group.find(f"{SVG}text")
            assert rect is not None and name is not None
            x, y, width, height = (float(rect.get(key, "")) for key in ("x", "y", "width", "height"))
            found.append((x, y, width, height, name.text or ""))
    return found


def assert_no_overlaps(root: ET.Element) -> None:
    for (x1, y1, w1, h1, a), (x2, y2, w2, h2, b) in itertools.combinations(boxes(root), 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1, f"{a} overlaps {b}"


def test_the_diagram_is_an_image_named_and_described_by_its_title_and_desc() -> None:
    root = parsed(diagram().svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "household household-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "household" and title.text
    assert desc is not None and desc.get("id") == "household-desc"
    assert "Amara Joy Okafor-Reid, subject child, age 11" in (desc.text or "")
    assert "Grace Okafor is parent or carer of Amara Joy Okafor-Reid: stated in the referral" in (desc.text or "")


def test_every_person_has_one_box_with_name_role_and_age_never_a_record_id_or_birth_date() -> None:
    drawn = diagram()
    root = parsed(drawn.svg)
    names = [box[4] for box in boxes(root)]
    assert sorted(names) == sorted(
        [
            "Amara Joy Okafor-Reid",
            "Tyler Okafor-Reid",
            "Grace Okafor",
            "Liam Hartley",
            "Kyle Brennan",
            "Name not recorded",
        ]
    )
    texts = " ".join(text.text or "" for text in root.iter(f"{SVG}text"))
    assert "subject child" in texts and "age 11" in texts and "not in the referral" in texts
    assert not re.search(r"\bS\d\b|HP-\d|TEN-\d|housing:|2015-03-14|14 Mar 2015", drawn.svg)


def test_every_relationship_appears_with_its_source_in_the_text_and_on_a_numbered_line() -> None:
    referral = example_referral()
    chronologies = assemble(referral, [*household_replies(), *housing_replies()], assembled_at=ASSEMBLED_AT)
    table = build(referral, chronologies, AGENCIES)
    drawn = household_diagram(referral, latest_household(chronologies), on=ON, title_id="h", records=table.records)
    assert {(row.person, row.relationship, row.of, row.stated_by) for row in table.relationships} == {
        (row.person, row.relationship, row.of, row.stated_by) for row in drawn.rows
    }
    assert len(drawn.rows) == len(table.relationships)
    lines = {int(number) for number in re.findall(r'data-line="(\d+)"', drawn.svg)}
    assert {row.line for row in drawn.rows} == lines
    for row in drawn.rows:
        assert row.stated_by in drawn.text and row.stated_by in drawn.html
    assert "Grace Okafor is parent or carer of Tyler Okafor-Reid: stated in the referral (line 1)." in drawn.text
    assert "Liam Hartley is partner of Grace Okafor: shown by a housing record" in drawn.text
    legend = " ".join(span.text or "" for span in parsed(drawn.svg).iter(f"{SVG}tspan"))
    assert "Grace Okafor and Liam Hartley are partners: shown by a housing record" in legend


def test_names_are_escaped_everywhere() -> None:
    referral = with_subjects(("other_adult", "<script>alert(1)</script>", "Tom & Jerry", "1990-01-01"))
    drawn = household_diagram(referral, household(referral), on=ON, title_id="household")
    root = parsed(drawn.svg)  # parses: nothing unescaped broke it
    assert "<script" not in drawn.svg and "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry" in drawn.svg
    assert "<script>alert(1)</script> Tom & Jerry" in [box[4] for box in boxes(root)] or any(
        box[4].startswith("<script>") for box in boxes(root)
    )
    assert "<script" not in drawn.html and "Tom &amp; Jerry" in drawn.html
    assert "<script>alert(1)</script> Tom & Jerry" in drawn.text  # plain text, for a context that escapes it


@pytest.mark.parametrize("referral", [example_referral(), twelve()], ids=["four", "twelve"])
def test_self_contained_no_script_no_inline_style_no_link(referral: Referral) -> None:
    svg = household_svg(referral, household(referral), on=ON, title_id="household")
    assert "style" not in svg and "<script" not in svg.lower() and "href" not in svg and "url(" not in svg
    assert not [element for element in parsed(svg).iter() if element.tag.split("}")[1] in {"image", "use", "a"}]


@pytest.mark.parametrize("referral", [example_referral(), twelve()], ids=["four", "twelve"])
def test_no_box_overlaps_another(referral: Referral) -> None:
    root = parsed(household_diagram(referral, household(referral), on=ON, title_id="household").svg)
    assert len(boxes(root)) == len(referral.subjects) + 2  # and the two people only housing names
    assert_no_overlaps(root)


def test_twelve_people_render_with_ages_in_months_for_a_baby() -> None:
    referral = twelve()
    drawn = household_diagram(referral, household(referral), on=ON, title_id="household")
    assert len(referral.subjects) == 11 and len(drawn.people) == 13
    assert "age 7 months" in drawn.svg and "Daniel Christopher Reid-Montgomery" in drawn.text
    assert "Daniel Christopher Re…" in drawn.svg  # shortened in the box, whole in the box's title
    assert "<title>Daniel Christopher Reid-Montgomery, parent or carer, age 42</title>" in drawn.svg


def test_the_same_household_gives_the_same_bytes() -> None:
    referral = twelve()
    edges = household(referral)
    first = household_diagram(referral, edges, on=ON, title_id="household")
    again = household_diagram(referral.model_copy(deep=True), list(edges), on=ON, title_id="household")
    assert first == again


def test_a_household_with_no_relationships_renders_and_says_so() -> None:
    referral = Referral.model_validate(
        {
            **example_referral().model_dump(mode="json"),
            "subjects": example_referral().model_dump(mode="json")["subjects"][:1],
        }
    )
    drawn = household_diagram(referral, [], on=ON, title_id="only-child")
    root = parsed(drawn.svg)
    assert [box[4] for box in boxes(root)] == ["Amara Joy Okafor-Reid"]
    assert drawn.rows == () and "No relationships are recorded" in drawn.text
    assert "No relationships are recorded" in drawn.html and "No relationships are recorded" in drawn.svg


def test_the_title_id_must_be_an_html_id() -> None:
    with pytest.raises(ValueError, match="title_id"):
        household_svg(example_referral(), [], on=ON, title_id='x" onload="alert(1)')


@pytest.mark.parametrize(
    ("born", "words"),
    [
        (date(2015, 3, 14), "age 11"),
        (date(2015, 11, 3), "age 10"),
        (date(2025, 11, 2), "age 12 months"),
        (date(2026, 3, 20), "age 7 months"),
        (date(2026, 10, 20), "under 1 month old"),
        (date(2027, 1, 1), "not yet born"),
        (None, "age not known"),
    ],
)
def test_ages_not_birth_dates(born: date | None, words: str) -> None:
    assert age_words(born, ON) == words
