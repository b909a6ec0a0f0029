"""The household diagram wraps: a large household stays within a page's width and still says exactly what it did.

Households of 1 to 12 children with several adults (two the referral names as parents, one other adult,
and the partner, relative and lodger a housing record adds) are drawn at the default width and at the
web page's widest column, and the SVG is read back as geometry: no wider than asked, every pair of
`pair_relationships` in exactly one numbered line whose strokes join exactly that line's people (and
join them to each other, across wrapped lines too), no box overlapping another, no stroke through a
box, no two bars drawn over each other, and a number on every line.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hub.chronology.assembly import assemble
from hub.chronology.family_history import latest_household, pair_relationships
from hub.chronology.household_svg import MAX_WIDTH, MIN_WIDTH, HouseholdDiagram, household_diagram
from schemas import HouseholdEdge, Referral
from schemas.models import NAME_NOT_RECORDED
from tests.hub.builders import ASSEMBLED_AT, example_referral
from tests.hub.chronology.test_household_svg import ON, SVG, housing_replies

GIVEN = ["Mia", "Noah", "Ella", "Jack", "Leo", "Ava", "Zoe", "Finn", "Ruby", "Theo", "Isla"]
WIDE = 960
"""The web page's content column at its widest."""


def household_of(children: int, *, adults: int = 4) -> Referral:
    """The subject child, `children - 1` siblings and `adults` adults (Grace and Liam first: housing names them)."""
    data = example_referral().model_dump(mode="json")
    amara, _tyler, grace, liam = data["subjects"]
    siblings = [
        {
            "subject_id": f"C{index}",
            "role": "sibling",
            "person": {
                "name": {"given_names": [given], "family_name": "Okafor-Reid"},
                "birth_date": f"{2010 + index}-05-01",
            },
        }
        for index, given in enumerate(GIVEN[: children - 1])
    ]
    extra = [
        {
            "subject_id": "A1",
            "role": "parent_carer",
            "person": {"name": {"given_names": ["Daniel"], "family_name": "Reid"}},
        },
        {
            "subject_id": "A2",
            "role": "other_adult",
            "person": {"name": {"given_names": ["Patricia"], "family_name": "Okafor"}},
        },
    ]
    data["subjects"] = [amara, *siblings, grace, liam, *extra[: max(adults - 2, 0)]]
    return Referral.model_validate(data)


def edges_of(referral: Referral) -> list[HouseholdEdge]:
    return latest_household(assemble(referral, housing_replies(), assembled_at=ASSEMBLED_AT))


@dataclass(frozen=True)
class Box:
    name: str
    x: float
    y: float
    width: float
    height: float

    def inside(self, x: float, y: float) -> bool:
        """Strictly inside: a stroke may end on the box's edge, never cross its inside."""
        return self.x < x < self.x + self.width and self.y < y < self.y + self.height

    def on_edge(self, x: float, y: float) -> bool:
        within_x = self.x - 0.01 <= x <= self.x + self.width + 0.01
        within_y = self.y - 0.01 <= y <= self.y + self.height + 0.01
        return within_x and within_y and not self.inside(x, y)


Segment = tuple[float, float, float, float]


@dataclass(frozen=True)
class Drawn:
    width: float
    boxes: list[Box]
    lines: dict[int, list[Segment]]
    badges: dict[int, list[tuple[float, float]]]


def read(svg: str) -> Drawn:
    root = ET.fromstring(svg)
    boxes = []
    lines: dict[int, list[Segment]] = {}
    badges: dict[int, list[tuple[float, float]]] = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "person":
            rect, title = group.find(f"{SVG}rect"), group.find(f"{SVG}title")
            assert rect is not None and title is not None
            name = (title.text or "").rsplit(", ", 2)[0]
            x, y, w, h = (float(rect.get(key, "")) for key in ("x", "y", "width", "height"))
            boxes.append(Box(name, x, y, w, h))
        elif group.get("data-line"):
            number = int(group.get("data-line", ""))
            for line in group.iter(f"{SVG}line"):
                x1, y1, x2, y2 = (float(line.get(key, "")) for key in ("x1", "y1", "x2", "y2"))
                lines.setdefault(number, []).append((x1, y1, x2, y2))
            for circle in group.iter(f"{SVG}circle"):
                if float(circle.get("r", "")) > 5:
                    badges.setdefault(number, []).append((float(circle.get("cx", "")), float(circle.get("cy", ""))))
    return Drawn(float(root.get("width", "")), boxes, lines, badges)


def on_segment(x: float, y: float, segment: Segment) -> bool:
    x1, y1, x2, y2 = segment
    return min(x1, x2) - 0.01 <= x <= max(x1, x2) + 0.01 and min(y1, y2) - 0.01 <= y <= max(y1, y2) + 0.01


def components(segments: list[Segment]) -> list[set[int]]:
    """Segments joined where one ends on another (a corner or a T), never where two only cross."""
    parent = list(range(len(segments)))

    def find(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for (i, a), (j, b) in itertools.combinations(enumerate(segments), 2):
        ends = ((a[0], a[1], b), (a[2], a[3], b), (b[0], b[1], a), (b[2], b[3], a))
        if any(on_segment(x, y, other) for x, y, other in ends):
            parent[find(i)] = find(j)
    found: dict[int, set[int]] = {}
    for index in range(len(segments)):
        found.setdefault(find(index), set()).add(index)
    return list(found.values())


def touched(drawn: Drawn, segments: list[Segment]) -> dict[str, set[int]]:
    """Who each line reaches: the boxes its segments end on, with the segments that do."""
    reached: dict[str, set[int]] = {}
    for index, (x1, y1, x2, y2) in enumerate(segments):
        for box in drawn.boxes:
            if box.on_edge(x1, y1) or box.on_edge(x2, y2):
                reached.setdefault(box.name, set()).add(index)
    return reached


def box_name(statement_name: str, drawn: Drawn) -> str:
    """The box of a name in the relationships table ("Kyle Brennan, not named in the referral (...)")."""
    names = {box.name for box in drawn.boxes}
    if statement_name in names:
        return statement_name
    if statement_name.startswith("someone, not named in the referral"):
        return NAME_NOT_RECORDED.capitalize()
    return next(name for name in names if statement_name.startswith(f"{name}, not named in the referral"))


def cases() -> Iterator[tuple[int, int, int]]:
    for children in range(1, 13):
        for adults, width in ((4, MAX_WIDTH), (2, MAX_WIDTH), (4, WIDE)):
            yield children, adults, width


def drawn_case(children: int, adults: int, width: int) -> tuple[HouseholdDiagram, Drawn, list[HouseholdEdge]]:
    referral = household_of(children, adults=adults)
    edges = edges_of(referral)
    diagram = household_diagram(referral, edges, on=ON, title_id="household", max_width=width)
    return diagram, read(diagram.svg), edges


CASES = list(cases())
IDS = [f"{children}-children-{adults}-adults-{width}px" for children, adults, width in CASES]


@pytest.mark.parametrize(("children", "adults", "width"), CASES, ids=IDS)
def test_no_wider_than_the_maximum(children: int, adults: int, width: int) -> None:
    diagram, drawn, _edges = drawn_case(children, adults, width)
    assert drawn.width <= width, f"{drawn.width} px wide"
    assert max(box.x + box.width for box in drawn.boxes) <= drawn.width
    viewbox = ET.fromstring(diagram.svg).get("viewBox", "").split()
    assert float(viewbox[2]) == drawn.width


@pytest.mark.parametrize(("children", "adults", "width"), CASES, ids=IDS)
def test_every_pair_is_one_numbered_line_joining_exactly_its_people(children: int, adults: int, width: int) -> None:
    diagram, drawn, edges = drawn_case(children, adults, width)
    pairs = pair_relationships(edges)
    assert len(diagram.rows) == len(pairs)
    stated = {frozenset((row.person, row.of)) for row in diagram.rows}
    assert len(stated) == len(pairs), "a pair is drawn twice"
    assert set(drawn.lines) == {row.line for row in diagram.rows}
    for number, segments in drawn.lines.items():
        people = {box_name(name, drawn) for row in diagram.rows if row.line == number for name in (row.person, row.of)}
        reached = touched(drawn, segments)
        assert set(reached) == people, f"line {number} reaches {sorted(reached)}, states {sorted(people)}"
        joined = [group for group in components(segments) if any(group & ends for ends in reached.values())]
        assert len(joined) == 1, f"line {number} is drawn in {len(joined)} pieces"
        assert drawn.badges.get(number), f"line {number} has no number"


@pytest.mark.parametrize(("children", "adults", "width"), CASES, ids=IDS)
def test_no_box_overlaps_another_and_no_line_crosses_a_box(children: int, adults: int, width: int) -> None:
    _diagram, drawn, _edges = drawn_case(children, adults, width)
    assert len(drawn.boxes) == children + adults + 2  # and the two people only the housing record names
    for a, b in itertools.combinations(drawn.boxes, 2):
        apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
        assert apart, f"{a.name} overlaps {b.name}"
    for number, segments in drawn.lines.items():
        for x1, y1, x2, y2 in segments:
            for box in drawn.boxes:
                steps = [(x1 + (x2 - x1) * t / 50, y1 + (y2 - y1) * t / 50) for t in range(51)]
                assert not any(box.inside(x, y) for x, y in steps), f"line {number} passes through {box.name}"
        for x, y in drawn.badges[number]:
            assert not any(
                box.x - 10 < x < box.x + box.width + 10 and box.y - 10 < y < box.y + box.height + 10
                for box in drawn.boxes
            )


@pytest.mark.parametrize(("children", "adults", "width"), CASES, ids=IDS)
def test_no_two_lines_drawn_over_each_other_and_no_two_numbers_meet(children: int, adults: int, width: int) -> None:
    _diagram, drawn, _edges = drawn_case(children, adults, width)
    strokes = [(number, segment) for number, segments in drawn.lines.items() for segment in segments]
    for (a, (ax1, ay1, ax2, ay2)), (b, (bx1, by1, bx2, by2)) in itertools.combinations(strokes, 2):
        if a == b:
            continue
        if ay1 == ay2 == by1 == by2:  # two horizontal strokes on one level
            overlap = min(max(ax1, ax2), max(bx1, bx2)) - max(min(ax1, ax2), min(bx1, bx2))
            assert overlap < 0, f"lines {a} and {b} share a bar at y={ay1}"
        if ax1 == ax2 == bx1 == bx2:  # two vertical strokes on one x
            overlap = min(max(ay1, ay2), max(by1, by2)) - max(min(ay1, ay2), min(by1, by2))
            assert overlap < 0, f"lines {a} and {b} share a stroke at x={ax1}"
    badges = [badge for found in drawn.badges.values() for badge in found]
    for (x1, y1), (x2, y2) in itertools.combinations(badges, 2):
        assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= 20**2, f"two numbers meet at ({x1}, {y1})"


def test_a_large_household_wraps_rather_than_widening() -> None:
    _diagram, drawn, _edges = drawn_case(8, 4, MAX_WIDTH)
    children_rows = {box.y for box in drawn.boxes if "Okafor-Reid" in box.name}
    assert len(children_rows) >= 3


def test_rows_that_fit_are_not_wrapped() -> None:
    """Two children and four adults (1,008 px in a row) wrap at the page's column but not given room for them."""
    _diagram, drawn, _edges = drawn_case(2, 2, WIDE)
    assert len({box.y for box in drawn.boxes}) == 3
    _diagram, drawn, _edges = drawn_case(2, 2, 1100)
    assert len({box.y for box in drawn.boxes}) == 2 and drawn.width == 1008


def test_the_maximum_width_cannot_be_below_the_legends_width() -> None:
    referral = household_of(3)
    with pytest.raises(ValueError, match="max_width"):
        household_diagram(referral, edges_of(referral), on=ON, title_id="household", max_width=MIN_WIDTH - 1)


def test_wrapped_output_is_deterministic() -> None:
    referral = household_of(12)
    first = household_diagram(referral, edges_of(referral), on=ON, title_id="household")
    again = household_diagram(referral.model_copy(deep=True), edges_of(referral), on=ON, title_id="household")
    assert first == again
