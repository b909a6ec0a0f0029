"""The household as a diagram: an inline SVG drawn on the server, and the same facts as text.

A practitioner takes in a household faster from a picture than from a table of pairs, but the
picture must not know more, or less, than the table. So the diagram draws exactly the pairs
`family_history.pair_relationships` gives the relationships table, and every line carries a
number that leads to a legend entry naming the people, the relationship and who says so.
`HouseholdDiagram.rows` (and `.text`, `.html`) give the same statements as text, because a
screen-reader user and a printout need them too (WCAG 1.1.1).

Layout, deliberately simple and deterministic (a household has a dozen people at most, which does
not justify a layout engine; Graphviz would also add a system binary):
- two rows: adults on top, children below; people the referral does not name join the row their
  stated relationships suggest (a parent above, a sibling below), otherwise the top row;
- partners are placed side by side; children with the same adults (and sources) are placed together;
- between the rows, a "bus" joins a set of adults to a set of children when every adult has the
  same relationship, stated by the same sources, to every child (parents to their children);
- within a row, a bracket joins people who are pairwise related in the same way (siblings under the
  children, adults who live together above the adults); a pair that is not part of such a group
  gets a bracket of its own;
- bars that would overlap are put on separate levels, and a dot marks where a line joins its bar,
  so a line that only crosses another is not mistaken for joining it.

A row wider than `max_width` (by default `MAX_WIDTH`, A4 portrait's content width, which the web
page's column also shows at natural size) wraps onto further lines of even length, never parting
partners where moving the break helps; children's lines go downwards, adults' lines upwards (the
first adults, parents and partners, on the line nearest the children). The space above and below
each line is a "channel": a line joins a box at the edge facing the channel it uses (a bus: an
adult's bottom edge and a child's top edge; a bracket: above adults, below children), so a leg
never passes another box. A line whose people meet more than one channel (siblings on two lines,
a bus to children on two lines, a parent on an adults' line above another) has one bar in each of
those channels, and the bars are joined by a vertical "spine" in a gutter left of every box: one
connected line, with a dot where each bar meets the spine, and its number on every bar, so each
piece can be traced to the legend without following the whole line. We chose this over repeating
a bracket on each line (which would look like separate groups) and over running legs between the
boxes of the lines in between (which meet boxes, or each other, depending on names' lengths).
Spines that share no channel share a track; where two spines' bars share a channel, the bar of
the spine further out lies further from the other spine's run, so spines cross bars rarely.
A row that fits is drawn exactly as before wrapping existed.

Meaning never rests on colour: each line has a number and a legend entry, line styles differ by
kind (solid for family, dashed for shares a home, dotted for other relatives), the subject child's
box has a heavy border and says "subject child", and someone the referral does not name has a
dashed box that says so. The SVG has no script, no style attribute or element, and no link: the
web page's Content-Security-Policy forbids inline styles, and the SVG must also stand alone.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

from hub.chronology.family_history import (
    RELATIONSHIP_WORDS,
    ROLE_WORDS,
    PairRelationship,
    node_name,
    pair_relationships,
)
from hub.chronology.household import is_agency_node
from hub.chronology.record_words import PersonRecords
from schemas import HouseholdEdge, Referral, Relationship, Subject, SubjectRole
from schemas.models import NAME_NOT_RECORDED

# Geometry (user units, which are CSS pixels when the SVG is shown at its natural size).
BOX_WIDTH = 210
BOX_HEIGHT = 72
GAP_X = 40
MARGIN = 24
LEVEL = 24
"""Vertical distance between stacked bars: more than a number badge's diameter, so badges never meet."""
ROW_PAD = 20
BADGE_RADIUS = 10
LEGEND_LINE = 20
LEGEND_CHAR_WIDTH = 7.2
"""A generous average advance of a 14px Arial character, for wrapping legend text without a font engine."""
NAME_CHARS = 22
"""How much of a name fits a box in bold 15px Arial; a longer one is shortened there, and given in full
in the box's title, the legend and the text list."""
MIN_WIDTH = 660
"""The narrowest the diagram is drawn (and so the least `max_width` can be): the legend's reading width."""
MAX_WIDTH = 680
"""The widest the diagram is drawn unless a caller asks otherwise: A4 portrait's content width (182 mm is
688 px at 96 px to the inch), so the printed page shows it at its natural size, 14px text as 10.5pt, and
the web page's column (960 px at most) shows it at its natural size too. A wider row wraps."""
TRACK = 16
"""Distance between two spines in the left gutter (a wrapped line's vertical run, see the module docstring)."""
GUTTER_PAD = 8
"""Space between the innermost spine and the nearest box."""
LEGEND_WIDTH = 900
"""The legend wraps at a reading width, however wide the rows are."""

# GOV.UK Design System colours.
TEXT = "#0b0c0c"
LINE = "#1d70b8"
SECONDARY_TEXT = "#505a5f"
WHITE = "#ffffff"
FONT = "Arial, Helvetica, sans-serif"

DASH = {
    Relationship.PARENT_CARER: None,
    Relationship.CHILD: None,
    Relationship.SIBLING: None,
    Relationship.PARTNER: None,
    Relationship.OTHER_ADULT: "8 5",
    Relationship.CO_RESIDENT: "8 5",
    Relationship.RELATIVE: "2 5",
}
"""Line style by kind of relationship: solid for family, dashed for the home, dotted for other relatives."""

SYMMETRIC = frozenset({Relationship.SIBLING, Relationship.PARTNER, Relationship.CO_RESIDENT, Relationship.RELATIVE})
"""Relationships that read the same from either side, so a group of people can share one bracket."""
GROUP_WORDS = {
    Relationship.SIBLING: "are siblings",
    Relationship.PARTNER: "are partners",
    Relationship.CO_RESIDENT: "live together",
    Relationship.RELATIVE: "are relatives",
}
NO_RELATIONSHIPS = "No relationships are recorded between the people in this household."
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class DiagramPerson:
    """One box: who, in the words the family history uses, never a record id."""

    node_id: str
    name: str
    role: str
    age: str
    named_in_referral: bool
    subject_child: bool
    row: int
    """0: the adults' row (top); 1: the children's row."""
    record: str = ""
    """For someone the referral does not name: the agency record that lists them, in words."""


@dataclass(frozen=True)
class RelationshipStatement:
    """One row of the text equivalent: the relationships table's row, with the diagram line that draws it."""

    line: int
    person: str
    relationship: str
    of: str
    stated_by: str

    @property
    def sentence(self) -> str:
        verb = (
            "lives with"
            if self.relationship == RELATIONSHIP_WORDS[Relationship.CO_RESIDENT]
            else (f"is {self.relationship} of")
        )
        return _capital(f"{self.person} {verb} {self.of}: {self.stated_by} (line {self.line}).")


@dataclass(frozen=True)
class _Connector:
    """One drawn line: a bus between the rows or a bracket within a row, standing for one or more pairs."""

    number: int
    relationship: Relationship
    upper: tuple[str, ...]
    """Between the rows: the adults' ends. Within a row: every member."""
    lower: tuple[str, ...]
    """Between the rows: the children's ends. Within a row: empty."""
    row: int | None
    """The row a bracket sits on (brackets above the top row, below the bottom row); None for a bus."""
    pairs: tuple[PairRelationship, ...]
    words: str
    """The legend's statement: who is what to whom."""
    sources: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdDiagram:
    """The diagram and its text equivalent, built from one set of pairs so the two cannot disagree."""

    svg: Markup
    """Inline SVG, safe to place in a page as it is (every text in it is escaped)."""
    people: tuple[DiagramPerson, ...]
    rows: tuple[RelationshipStatement, ...]

    @property
    def text(self) -> str:
        """Plain text, one relationship a line: for print, the terminal or a screen reader."""
        if not self.rows:
            return NO_RELATIONSHIPS
        return "\n".join(row.sentence for row in self.rows)

    @property
    def html(self) -> Markup:
        """An HTML list of the relationships with their sources (GOV.UK list classes), escaped."""
        if not self.rows:
            return Markup(f'<p class="govuk-body">{NO_RELATIONSHIPS}</p>')  # noqa: S704 - our own words
        items = "".join(f"<li>{escape(row.sentence)}</li>" for row in self.rows)
        return Markup(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')  # noqa: S704 - each item escaped


def age_words(birth_date: date | None, on: date) -> str:
    """Age rather than birth date: what a reader of a diagram needs, and less personal data on screen."""
    if birth_date is None:
        return "age not known"
    if birth_date > on:
        return "not yet born"
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if years >= 2:
        return f"age {years}"
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month - (on.day < birth_date.day)
    if months < 1:
        return "under 1 month old"
    return f"age {months} month{'s' if months != 1 else ''}"


def _referral_person(subject: Subject, on: date) -> DiagramPerson:
    return DiagramPerson(
        node_id=subject.subject_id,
        name=subject.name.display,
        role=ROLE_WORDS[subject.role],
        age=age_words(subject.person.birth_date, on),
        named_in_referral=True,
        subject_child=subject.role is SubjectRole.SUBJECT_CHILD,
        row=1 if subject.role.is_child else 0,
    )


def _agency_person(
    node: str, pairs: Sequence[PairRelationship], children: set[str], records: PersonRecords
) -> DiagramPerson:
    """Someone an agency's record lists but the referral does not name: placed by what they are said to be."""
    agency, _, record = node.partition(":")
    stated = None
    below = False
    for pair in pairs:
        if node not in (pair.subject_id, pair.related_id):
            continue
        other = pair.related_id if pair.subject_id == node else pair.subject_id
        stated = stated or (pair.subject_name if pair.subject_id == node else pair.related_name)
        if pair.relationship is Relationship.SIBLING and other in children:
            below = True  # a child's sibling
        if pair.relationship is Relationship.PARENT_CARER and pair.subject_id == node and other not in children:
            below = True  # an adult's child
    return DiagramPerson(
        node_id=node,
        name=stated or NAME_NOT_RECORDED.capitalize(),
        role="not in the referral",
        age="age not known",
        named_in_referral=False,
        subject_child=False,
        row=1 if below else 0,
        record=records.label(agency, record),
    )


def _people(
    referral: Referral, pairs: Sequence[PairRelationship], on: date, records: PersonRecords
) -> list[DiagramPerson]:
    people = [_referral_person(subject, on) for subject in referral.subjects]
    known = {person.node_id for person in people}
    children = {person.node_id for person in people if person.row == 1}
    others = sorted({node for pair in pairs for node in (pair.subject_id, pair.related_id)} - known)
    return [*people, *(_agency_person(node, pairs, children, records) for node in others if is_agency_node(node))]


def _ordered(people: list[DiagramPerson], pairs: Sequence[PairRelationship]) -> tuple[list[str], list[str]]:
    """Each row's order: partners side by side on top; children with the same adults together below."""
    adults = [person.node_id for person in people if person.row == 0]
    children = [person.node_id for person in people if person.row == 1]
    partners: dict[str, list[str]] = {}
    for pair in pairs:
        if pair.relationship is Relationship.PARTNER and pair.subject_id in adults and pair.related_id in adults:
            partners.setdefault(pair.subject_id, []).append(pair.related_id)
            partners.setdefault(pair.related_id, []).append(pair.subject_id)
    top: list[str] = []
    for adult in adults:
        if adult not in top:
            top.append(adult)
            top.extend(partner for partner in sorted(partners.get(adult, []), key=adults.index) if partner not in top)
    signatures: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {}
    for child in children:
        signatures[child] = tuple(
            sorted(
                (pair.relationship.value, other, pair.sources)
                for pair in pairs
                for other in (pair.subject_id, pair.related_id)
                if child in (pair.subject_id, pair.related_id) and other in adults
            )
        )
    first_seen = list(dict.fromkeys(signatures[child] for child in children))
    bottom = sorted(children, key=lambda child: (first_seen.index(signatures[child]), children.index(child)))
    return top, bottom


def _capital(sentence: str) -> str:
    """A sentence that starts with a lower-case name ("someone, not named in the referral") starts with a capital."""
    return sentence[:1].upper() + sentence[1:]


def _phrase(people: Sequence[str], relationship: Relationship, of: Sequence[str]) -> str:
    """ "A is parent or carer of B and C", "A and B each live with C": the legend's words for one line."""
    many = len(people) > 1
    if relationship is Relationship.CO_RESIDENT:
        verb = "each live with" if many else "lives with"
    else:
        verb = f"{'are each' if many else 'is'} {RELATIONSHIP_WORDS[relationship]} of"
    return _capital(f"{_group_words(people)} {verb} {_group_words(of)}")


def _group_words(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _connectors(
    pairs: Sequence[PairRelationship], rows: dict[str, int], order: dict[str, int], names: dict[str, str]
) -> list[_Connector]:
    """Bundle pairs into drawn lines without ever implying a pair that is not stated."""
    drafts: list[
        tuple[Relationship, tuple[str, ...], tuple[str, ...], int | None, tuple[PairRelationship, ...], str]
    ] = []
    by_kind: dict[tuple[Relationship, tuple[str, ...], str], list[PairRelationship]] = {}
    for pair in pairs:
        upper, lower = pair.related_id, pair.subject_id
        if rows[upper] != rows[lower]:
            if rows[upper] > rows[lower]:
                if pair.relationship not in SYMMETRIC:  # a parent drawn below: a line of its own, in words
                    drafts.append(_single(pair, rows, order, names))
                    continue
                upper, lower = lower, upper
            by_kind.setdefault((pair.relationship, pair.sources, "bus"), []).append(
                PairRelationship(lower, upper, pair.relationship, pair.sources)
            )
        elif pair.relationship in SYMMETRIC:
            by_kind.setdefault((pair.relationship, pair.sources, f"row{rows[upper]}"), []).append(pair)
        else:
            drafts.append(_single(pair, rows, order, names))
    for (relationship, _sources, kind), group in by_kind.items():
        originals = [_original(pair, pairs) for pair in group]
        if kind == "bus":
            drafts.extend(_buses(relationship, group, originals, order, names))
        else:
            drafts.extend(_brackets(relationship, originals, rows, order, names))
    drafts.sort(key=lambda draft: (draft[3] is not None, min(order[node] for node in (*draft[1], *draft[2])), draft[5]))
    return [
        _Connector(number, relationship, upper, lower, row, group, words, group[0].sources)
        for number, (relationship, upper, lower, row, group, words) in enumerate(drafts, start=1)
    ]


def _original(pair: PairRelationship, pairs: Sequence[PairRelationship]) -> PairRelationship:
    return next(
        original
        for original in pairs
        if {original.subject_id, original.related_id} == {pair.subject_id, pair.related_id}
    )


def _single(
    pair: PairRelationship, rows: dict[str, int], order: dict[str, int], names: dict[str, str]
) -> tuple[Relationship, tuple[str, ...], tuple[str, ...], int | None, tuple[PairRelationship, ...], str]:
    words = _phrase([names[pair.related_id]], pair.relationship, [names[pair.subject_id]])
    ends = tuple(sorted((pair.subject_id, pair.related_id), key=order.__getitem__))
    if rows[pair.subject_id] == rows[pair.related_id]:
        return pair.relationship, ends, (), rows[pair.subject_id], (pair,), words
    upper = tuple(node for node in ends if rows[node] == 0)
    lower = tuple(node for node in ends if rows[node] == 1)
    return pair.relationship, upper, lower, None, (pair,), words


def _buses(
    relationship: Relationship,
    group: Sequence[PairRelationship],
    originals: Sequence[PairRelationship],
    order: dict[str, int],
    names: dict[str, str],
) -> Iterable[tuple[Relationship, tuple[str, ...], tuple[str, ...], int | None, tuple[PairRelationship, ...], str]]:
    """Children with exactly the same adults in this relationship share one bus: every pair in it is stated."""
    adults_of: dict[str, set[str]] = {}
    for pair in group:  # subject: the child; related: the adult
        adults_of.setdefault(pair.subject_id, set()).add(pair.related_id)
    children_of: dict[tuple[str, ...], list[str]] = {}
    for child in sorted(adults_of, key=order.__getitem__):
        children_of.setdefault(tuple(sorted(adults_of[child], key=order.__getitem__)), []).append(child)
    for adults, children in children_of.items():
        members = set(adults) | set(children)
        bundled = tuple(pair for pair in originals if pair.subject_id in members and pair.related_id in members)
        words = _phrase([names[a] for a in adults], relationship, [names[c] for c in children])
        yield relationship, adults, tuple(children), None, bundled, words


def _brackets(
    relationship: Relationship,
    group: Sequence[PairRelationship],
    rows: dict[str, int],
    order: dict[str, int],
    names: dict[str, str],
) -> Iterable[tuple[Relationship, tuple[str, ...], tuple[str, ...], int | None, tuple[PairRelationship, ...], str]]:
    """A group in which everyone is related to everyone shares a bracket; any other pair has its own."""
    linked: dict[str, set[str]] = {}
    for pair in group:
        linked.setdefault(pair.subject_id, set()).add(pair.related_id)
        linked.setdefault(pair.related_id, set()).add(pair.subject_id)
    seen: set[str] = set()
    for start in sorted(linked, key=order.__getitem__):
        if start in seen:
            continue
        component, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node not in component:
                component.add(node)
                todo.extend(linked[node])
        seen |= component
        members = tuple(sorted(component, key=order.__getitem__))
        inside = tuple(pair for pair in group if pair.subject_id in component)
        if len(inside) == len(members) * (len(members) - 1) // 2:
            words = f"{_group_words([names[m] for m in members])} {GROUP_WORDS[relationship]}"
            yield relationship, members, (), rows[start], inside, words
        else:
            for pair in inside:
                yield _single(pair, rows, order, names)


@dataclass(frozen=True)
class _Box:
    x: float
    y: float

    @property
    def centre(self) -> float:
        return self.x + BOX_WIDTH / 2


@dataclass(frozen=True)
class _End:
    """Where a line meets a person: the box, the edge it leaves by, and the channel that edge faces."""

    node: str
    side: str
    """"top" or "bottom"."""
    channel: int
    """Channel k runs above line k (channel 0 above the first line; the last one below the last line)."""


@dataclass(frozen=True)
class _Bar:
    """One horizontal stretch of a line, in one channel, with the legs that join it to boxes on that channel."""

    y: float
    legs: tuple[tuple[float, float], ...]
    """(x where the line leaves a box, y of that box edge), one per person this bar reaches."""
    lo: float
    hi: float


@dataclass(frozen=True)
class _Placed:
    connector: _Connector
    bars: tuple[_Bar, ...]
    spine: float | None
    """x of the spine in the left gutter that joins the bars, when the line's people are on more than one channel."""

    @property
    def spine_ys(self) -> tuple[float, float]:
        return min(bar.y for bar in self.bars), max(bar.y for bar in self.bars)


@dataclass(frozen=True)
class _Layout:
    """The boxes in lines, and where every line meets them: everything the drawing needs but y positions."""

    lines: tuple[tuple[str, ...], ...]
    line_of: dict[str, int]
    beside: tuple[_Connector, ...]
    connectors: tuple[_Connector, ...]
    ends: dict[int, tuple[_End, ...]]
    tracks: dict[int, int]
    """Each spine's track in the gutter, 0 nearest the boxes."""

    @property
    def track_count(self) -> int:
        return 1 + max(self.tracks.values(), default=-1)


def _gutter(tracks: int) -> float:
    return tracks * TRACK + GUTTER_PAD if tracks else 0


def _wrap(row: Sequence[str], per_line: int, partners: set[frozenset[str]]) -> list[tuple[str, ...]]:
    """A row in as few lines as fit, of even lengths (8 in threes: 3, 3, 2), never parting partners if a move helps."""
    if not row:
        return []
    count = -(-len(row) // per_line)
    base, extra = divmod(len(row), count)
    breaks = list(itertools.accumulate(base + (index < extra) for index in range(count)))[:-1]
    for index, at in enumerate(breaks):
        if frozenset(row[at - 1 : at + 1]) in partners:
            before = at - (breaks[index - 1] if index else 0)
            after = (breaks[index + 1] if index + 1 < len(breaks) else len(row)) - at
            if before < per_line and after > 1:
                breaks[index] = at + 1
            elif after < per_line and before > 1:
                breaks[index] = at - 1
    return [tuple(row[start:end]) for start, end in itertools.pairwise([0, *breaks, len(row)])]


def _ends(connector: _Connector, line_of: dict[str, int]) -> tuple[_End, ...]:
    """Adults join a bus by their bottom edge and children by their top; brackets go above adults, below children."""
    ends = []
    for node in connector.upper:
        side = "top" if connector.row == 0 else "bottom"
        ends.append(_End(node, side, line_of[node] + (side == "bottom")))
    ends.extend(_End(node, "top", line_of[node]) for node in connector.lower)
    return tuple(ends)


def _tracks(reach: dict[int, tuple[int, int]]) -> dict[int, int]:
    """Spines whose channels do not meet share a track (first fit, top down), so the gutter stays narrow."""
    last: list[int] = []
    tracks = {}
    for number, (first, final) in sorted(reach.items(), key=lambda item: (item[1], item[0])):
        track = next((index for index, end in enumerate(last) if end < first), len(last))
        if track == len(last):
            last.append(final)
        else:
            last[track] = final
        tracks[number] = track
    return tracks


def _layout(top: Sequence[str], bottom: Sequence[str], every: Sequence[_Connector], max_width: float) -> _Layout:
    """Wrap the rows into lines no wider than `max_width`, leaving a gutter wide enough for the spines wrapping needs.

    The spines depend on the lines and the lines on the gutter, so: lay out with the gutter the last
    try needed, until a try needs no more (each try needs at least as many tracks as the one before,
    and there are never more tracks than lines, so this ends).
    """
    partners = {
        frozenset(connector.upper)
        for connector in every
        if connector.relationship is Relationship.PARTNER and connector.row is not None and len(connector.upper) == 2
    }
    reserved = 0
    while True:
        room = max_width - 2 * MARGIN - _gutter(reserved)
        per_line = max(1, int((room + GAP_X) // (BOX_WIDTH + GAP_X)))
        # Adults stack upwards from the children (the first adults, parents and partners, nearest them).
        lines = (*reversed(_wrap(top, per_line, partners)), *_wrap(bottom, per_line, partners))
        line_of = {node: index for index, line in enumerate(lines) for node in line}
        position = {node: index for line in lines for index, node in enumerate(line)}
        beside = tuple(
            connector
            for connector in every
            if connector.relationship is Relationship.PARTNER
            and len(connector.upper) == 2
            and connector.row is not None
            and line_of[connector.upper[0]] == line_of[connector.upper[1]]
            and abs(position[connector.upper[0]] - position[connector.upper[1]]) == 1
        )
        connectors = tuple(connector for connector in every if connector not in beside)
        ends = {connector.number: _ends(connector, line_of) for connector in connectors}
        reach = {
            number: (min(end.channel for end in found), max(end.channel for end in found))
            for number, found in ends.items()
            if len({end.channel for end in found}) > 1
        }
        layout = _Layout(lines, line_of, beside, connectors, ends, _tracks(reach))
        if layout.track_count <= reserved or per_line == 1:
            return layout
        reserved = layout.track_count


def _assign_levels(spans: Sequence[tuple[float, float]]) -> list[int]:
    """Stack bars whose spans overlap on separate levels (first fit, in order), so no bar hides another."""
    ends: list[float] = []
    levels = []
    for start, end in spans:
        level = next((index for index, last in enumerate(ends) if last + BADGE_RADIUS * 3 < start), len(ends))
        if level == len(ends):
            ends.append(end)
        else:
            ends[level] = end
        levels.append(level)
    return levels


def _anchors(layout: _Layout, boxes: dict[str, _Box], spines: dict[int, float]) -> dict[tuple[int, str], float]:
    """Where each line leaves each box: spread along the edge it uses, ordered by where the line goes."""
    edges: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for connector in layout.connectors:
        found = layout.ends[connector.number]
        for end in found:
            towards = [boxes[other.node].centre for other in found if other.channel == end.channel]
            if connector.number in spines:
                towards.append(spines[connector.number])
            edges.setdefault((end.node, end.side), []).append((sum(towards) / len(towards), connector.number))
    anchors: dict[tuple[int, str], float] = {}
    for (node, _side), uses in edges.items():
        for index, (_towards, number) in enumerate(sorted(uses)):
            anchors[(number, node)] = boxes[node].x + BOX_WIDTH * (index + 1) / (len(uses) + 1)
    return anchors


def household_diagram(
    referral: Referral,
    household: Sequence[HouseholdEdge],
    *,
    on: date,
    title_id: str,
    records: PersonRecords | None = None,
    max_width: float = MAX_WIDTH,
) -> HouseholdDiagram:
    """The household of `referral` as an accessible inline SVG, and its relationships as text.

    `household` is the graph a chronology version stores (`family_history.latest_household`), `on`
    the day ages are given for, `records` the history's words for agency records (`FamilyHistory.records`,
    so a person the referral does not name is called what the history's tables call them), and
    `title_id` a page-unique id for the SVG's title (its desc takes
    `<title_id>-desc`), so that `aria-labelledby` names the image. `max_width` is the widest the SVG
    may be (at least `MIN_WIDTH`): a row of boxes that would be wider wraps onto further lines. The
    output depends on nothing else: the same inputs give the same bytes.
    """
    if not _ID.match(title_id):
        raise ValueError("title_id must be an HTML id: a letter, then letters, digits, '-' or '_'")
    if max_width < MIN_WIDTH:
        raise ValueError(f"max_width must be at least {MIN_WIDTH} (the legend's reading width)")
    pairs = pair_relationships(list(household))
    records = records or PersonRecords()
    people = _people(referral, pairs, on, records)
    pairs = [pair for pair in pairs if {pair.subject_id, pair.related_id} <= {p.node_id for p in people}]
    top, bottom = _ordered(people, pairs)
    by_id = {person.node_id: person for person in people}
    order = {node: index for index, node in enumerate([*top, *bottom])}
    rows = {person.node_id: person.row for person in people}
    names = {
        person.node_id: person.name + ("" if person.named_in_referral else " (not in the referral)")
        for person in people
    }
    connectors = _connectors(pairs, rows, order, names)
    table_names = {subject.subject_id: subject.name.display for subject in referral.subjects}
    statements = tuple(
        RelationshipStatement(
            line=connector.number,
            person=node_name(pair.related_id, table_names, pair.related_name, records),
            relationship=RELATIONSHIP_WORDS[pair.relationship],
            of=node_name(pair.subject_id, table_names, pair.subject_name, records),
            stated_by="; ".join(pair.sources),
        )
        for connector in connectors
        for pair in connector.pairs
    )
    svg = _draw(people, by_id, top, bottom, connectors, statements, title_id, max_width)
    return HouseholdDiagram(svg=svg, people=tuple(by_id[node] for node in [*top, *bottom]), rows=statements)


def household_svg(
    referral: Referral,
    household: Sequence[HouseholdEdge],
    *,
    on: date,
    title_id: str,
    records: PersonRecords | None = None,
    max_width: float = MAX_WIDTH,
) -> Markup:
    """Only the SVG of `household_diagram`: place `household_diagram(...).html` (or `.rows`) beside it."""
    return household_diagram(referral, household, on=on, title_id=title_id, records=records, max_width=max_width).svg


def _draw(
    people: Sequence[DiagramPerson],
    by_id: dict[str, DiagramPerson],
    top: Sequence[str],
    bottom: Sequence[str],
    every: Sequence[_Connector],
    statements: Sequence[RelationshipStatement],
    title_id: str,
    max_width: float,
) -> Markup:
    layout = _layout(top, bottom, every, max_width)
    lines = layout.lines

    def line_width(line: Sequence[str]) -> float:
        return len(line) * BOX_WIDTH + max(len(line) - 1, 0) * GAP_X

    gutter = _gutter(layout.track_count)
    width = max(max((line_width(line) for line in lines), default=0) + 2 * MARGIN + gutter, MIN_WIDTH)
    left = MARGIN + gutter
    xs = {
        node: left + (width - MARGIN - left - line_width(line)) / 2 + index * (BOX_WIDTH + GAP_X)
        for line in lines
        for index, node in enumerate(line)
    }
    first_box = min(xs.values(), default=left)
    spines = {number: first_box - GUTTER_PAD - (track + 0.5) * TRACK for number, track in layout.tracks.items()}
    anchors = _anchors(layout, {node: _Box(x, 0) for node, x in xs.items()}, spines)

    def channels(number: int) -> list[int]:
        return sorted({end.channel for end in layout.ends[number]})

    def span(number: int, channel: int) -> tuple[float, float]:
        points = [anchors[(number, end.node)] for end in layout.ends[number] if end.channel == channel]
        if number in spines:
            points.append(spines[number])
        return min(points), max(points)

    def comes_from(number: int, channel: int) -> int:
        """0: only from the line above; 1: both; 2: only from the line below (bars stack in that order)."""
        sides = {end.side for end in layout.ends[number] if end.channel == channel}
        return 0 if sides == {"bottom"} else 2 if sides == {"top"} else 1

    def nesting(number: int, channel: int) -> tuple[int, int]:
        """Wrapped lines nest: a bar whose spine is further out lies further from the other spine's run."""
        if number not in spines:
            return (1, 0)
        reached, track = channels(number), layout.tracks[number]
        if channel == reached[-1]:  # the spine comes down to this bar: the outer spine's bar lower
            return (0, track)
        if channel == reached[0]:  # the spine leaves this bar downwards: the outer spine's bar higher
            return (0, track) if channel == 0 else (2, -track)  # channel 0's levels count upwards
        return (1, 0)

    # Levels in each channel: bars reached only from above on top, only from below at the bottom, so a
    # leg never crosses a bar it does not join unless its own bar is reached from both sides.
    levels: dict[tuple[int, int], int] = {}
    count: dict[int, int] = {}
    using: dict[int, list[int]] = {}
    for connector in layout.connectors:
        for channel in channels(connector.number):
            using.setdefault(channel, []).append(connector.number)
    for channel, numbers in using.items():
        offset = 0
        for kind in (0, 1, 2):
            group = sorted(
                (n for n in numbers if comes_from(n, channel) == kind),
                key=lambda n: (nesting(n, channel), span(n, channel), n),
            )
            stacked = _assign_levels([span(n, channel) for n in group])
            for number, level in zip(group, stacked, strict=True):
                levels[(number, channel)] = offset + level
            offset += 1 + max(stacked, default=-1)
        count[channel] = offset

    last = len(lines)
    line_y: list[float] = []
    channel_top: dict[int, float] = {}
    y: float = MARGIN + (count.get(0, 0) * LEVEL + ROW_PAD if count.get(0) else 0)
    for index in range(last):
        if index:
            channel_top[index] = y
            y += count.get(index, 0) * LEVEL + 2 * ROW_PAD
        line_y.append(y)
        y += BOX_HEIGHT
    channel_top[last] = y
    below_end = y + (count.get(last, 0) * LEVEL + ROW_PAD if count.get(last) else 0)

    def bar_y(channel: int, level: int) -> float:
        if channel == 0:
            return line_y[0] - ROW_PAD - level * LEVEL
        if channel == last:
            return channel_top[last] + ROW_PAD + level * LEVEL
        return channel_top[channel] + ROW_PAD + level * LEVEL + LEVEL / 2

    boxes = {node: _Box(x, line_y[layout.line_of[node]]) for node, x in xs.items()}
    placed = []
    for connector in layout.connectors:
        bars = []
        for channel in channels(connector.number):
            legs = tuple(
                (anchors[(connector.number, end.node)], boxes[end.node].y + (BOX_HEIGHT if end.side == "bottom" else 0))
                for end in layout.ends[connector.number]
                if end.channel == channel
            )
            bars.append(
                _Bar(bar_y(channel, levels[(connector.number, channel)]), legs, *span(connector.number, channel))
            )
        placed.append(_Placed(connector, tuple(bars), spines.get(connector.number)))

    legend, legend_height = _legend(every, width, below_end + ROW_PAD)
    height = below_end + ROW_PAD + legend_height + MARGIN
    summary = _summary(people, statements)
    title = f"Household diagram: {len(people)} {'person' if len(people) == 1 else 'people'}, " + (
        f"{len(statements)} relationship{'s' if len(statements) != 1 else ''}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" '
        f'height="{_n(height)}" role="img" aria-labelledby="{title_id} {title_id}-desc" class="hub-household" '
        f'font-family="{FONT}" font-size="14" fill="{TEXT}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{title_id}-desc">{escape(summary)}</desc>',
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="{WHITE}"/>',
    ]
    parts.append('<g class="relationships">')
    for item in placed:
        parts.append(_draw_connector(item, placed))
    for connector in layout.beside:  # partners side by side, joined the genogram's way
        left_box, right_box = sorted((boxes[node] for node in connector.upper), key=lambda box: box.x)
        middle = left_box.y + BOX_HEIGHT / 2
        parts.append(
            f'<g class="line line-partner" data-line="{connector.number}">'
            f'<line x1="{_n(left_box.x + BOX_WIDTH)}" y1="{_n(middle)}" x2="{_n(right_box.x)}" y2="{_n(middle)}" '
            f"{_stroke(connector.relationship)}/>"
            f"{_badge(connector.number, (left_box.x + BOX_WIDTH + right_box.x) / 2, middle)}</g>"
        )
    parts.append("</g>")
    parts.append('<g class="people">')
    for line in lines:
        for node in line:
            parts.append(_draw_person(by_id[node], boxes[node]))
    parts.append("</g>")
    parts.append(legend)
    parts.append("</svg>")
    return Markup("\n".join(parts))  # noqa: S704 - every text and attribute value in it is escaped or ours


def _n(value: float) -> str:
    """A coordinate as short, stable text."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _stroke(relationship: Relationship) -> str:
    dash = DASH[relationship]
    return f'stroke="{LINE}" stroke-width="2.5" fill="none"' + (f' stroke-dasharray="{dash}"' if dash else "")


def _badge(number: int, x: float, y: float) -> str:
    return (
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{BADGE_RADIUS}" fill="{WHITE}" stroke="{TEXT}" stroke-width="1.5"/>'
        f'<text x="{_n(x)}" y="{_n(y + 4.5)}" text-anchor="middle" font-size="12" font-weight="bold">{number}</text>'
    )


def _draw_connector(item: _Placed, everything: Sequence[_Placed]) -> str:
    """Legs, bars and the dots where they join; a spine joining the bars of a wrapped line; a number on every bar."""
    connector = item.connector
    stroke = _stroke(connector.relationship)
    shapes = [f'<g class="line line-{connector.relationship.value}" data-line="{connector.number}">']
    for bar in item.bars:
        for x, y in bar.legs:
            shapes.append(f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x)}" y2="{_n(bar.y)}" {stroke}/>')
        if bar.hi > bar.lo:
            shapes.append(f'<line x1="{_n(bar.lo)}" y1="{_n(bar.y)}" x2="{_n(bar.hi)}" y2="{_n(bar.y)}" {stroke}/>')
        ends = [x for x, _y in bar.legs] + ([item.spine] if item.spine is not None else [])
        for x in ends:
            shapes.append(f'<circle cx="{_n(x)}" cy="{_n(bar.y)}" r="3.5" fill="{LINE}"/>')
    if item.spine is not None:
        first, final = item.spine_ys
        shapes.append(f'<line x1="{_n(item.spine)}" y1="{_n(first)}" x2="{_n(item.spine)}" y2="{_n(final)}" {stroke}/>')
    for bar in item.bars:
        shapes.append(_badge(connector.number, _badge_x(bar, everything), bar.y))
    shapes.append("</g>")
    return "".join(shapes)


def _badge_x(bar: _Bar, everything: Sequence[_Placed]) -> float:
    """The middle of the bar's widest stretch clear of every leg and spine that meets or crosses it."""
    crossing = {
        x
        for other in everything
        for other_bar in other.bars
        for x, y in other_bar.legs
        if min(y, other_bar.y) <= bar.y <= max(y, other_bar.y) and bar.lo <= x <= bar.hi
    }
    crossing |= {
        other.spine
        for other in everything
        if other.spine is not None
        and other.spine_ys[0] <= bar.y <= other.spine_ys[1]
        and bar.lo <= other.spine <= bar.hi
    }
    if bar.hi - bar.lo < 2 * BADGE_RADIUS + 8:
        return bar.lo + BADGE_RADIUS + 8
    _width, middle = max((b - a, (a + b) / 2) for a, b in itertools.pairwise(sorted(crossing)))
    return middle


def _draw_person(person: DiagramPerson, box: _Box) -> str:
    stroke_width = 4 if person.subject_child else 2
    dash = "" if person.named_in_referral else ' stroke-dasharray="6 4"'
    name = person.name if len(person.name) <= NAME_CHARS else person.name[: NAME_CHARS - 1].rstrip() + "…"
    cx = box.centre
    return (
        f'<g class="person">'
        f"<title>{escape(f'{person.name}, {person.role}, {person.age}')}</title>"
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="4" fill="{WHITE}" '
        f'stroke="{TEXT}" stroke-width="{stroke_width}"{dash}/>'
        f'<text x="{_n(cx)}" y="{_n(box.y + 24)}" text-anchor="middle" font-size="15" font-weight="bold">'
        f"{escape(name)}</text>"
        f'<text x="{_n(cx)}" y="{_n(box.y + 44)}" text-anchor="middle">{escape(person.role)}</text>'
        f'<text x="{_n(cx)}" y="{_n(box.y + 62)}" text-anchor="middle" fill="{SECONDARY_TEXT}">'
        f"{escape(person.record or person.age)}</text>"
        "</g>"
    )


def _legend(connectors: Sequence[_Connector], width: float, y: float) -> tuple[str, float]:
    """Each numbered line in words, with who says so: the diagram read without the text list beside it."""
    chars = int((min(width, LEGEND_WIDTH) - 2 * MARGIN - 3 * BADGE_RADIUS) / LEGEND_CHAR_WIDTH)
    parts = [
        '<g class="legend">',
        f'<text x="{MARGIN}" y="{_n(y + 14)}" font-size="16" font-weight="bold">Lines and who says so</text>',
    ]
    line_y = y + 14 + LEGEND_LINE + 6
    if not connectors:
        parts.append(f'<text x="{MARGIN}" y="{_n(line_y)}">{NO_RELATIONSHIPS}</text>')
        line_y += LEGEND_LINE
    for connector in connectors:
        sentence = f"{connector.words}: {'; '.join(connector.sources)}."
        wrapped = textwrap.wrap(sentence, chars) or [sentence]
        parts.append(_badge(connector.number, MARGIN + BADGE_RADIUS, line_y - 5))
        parts.append(f'<text x="{_n(MARGIN + 2 * BADGE_RADIUS + 10)}" y="{_n(line_y)}">')
        for index, text in enumerate(wrapped):
            dy = "0" if index == 0 else str(LEGEND_LINE)
            parts.append(f'<tspan x="{_n(MARGIN + 2 * BADGE_RADIUS + 10)}" dy="{dy}">{escape(text)}</tspan>')
        parts.append("</text>")
        line_y += LEGEND_LINE * len(wrapped) + 6
    parts.append("</g>")
    return "".join(parts), line_y - y


def _summary(people: Sequence[DiagramPerson], statements: Sequence[RelationshipStatement]) -> str:
    """The desc: everyone, then every relationship with its source, so the image has a full text alternative."""
    who = "; ".join(f"{person.name}, {person.role}, {person.age}" for person in people)
    said = " ".join(statement.sentence for statement in statements) or NO_RELATIONSHIPS
    return f"People: {who}. Relationships: {said}"
