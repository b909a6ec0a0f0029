"""The referral page's view of a family history: key concerns, the checks grid, and filtered chronologies.

Pure functions over what `hub.chronology.reading.read_from_store` read (the history, the referral and the
chronologies the reader may see), so the page and its tests need no server to reason about. Filters
work on the stored entries (agency ids, category codes, subject ids, dates), never on the words shown,
and the query string carries only those codes: never a name.

Key concerns are what the history already flags, each from one small function in `KEY_CONCERN_FINDERS`.
The safeguarding indicators (`config/indicators.yaml`, applied by `hub.chronology.indicators` when the
history is built) are one of them, and mark the rows: the terminal, the report, the PDF and this page
read the same findings. The page never says there are no key concerns while a check has not answered:
an empty list is an all-clear only when every agency answered for every person.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from hub.chronology.check_states import STATE_TONES, STATE_WORDS
from hub.chronology.family_history import (
    ANSWERED,
    MONTHS,
    OUTCOME_WORDS,
    CheckCell,
    ChildHistory,
    EntryRow,
    FamilyHistory,
    period_words,
)
from hub.chronology.household import adults_related_to
from hub.chronology.indicator_rules import Significance as IndicatorSignificance
from hub.chronology.indicators import SIGNIFICANCE_WORDS as SIGNIFICANCE_WORDS_OF_MARKS
from hub.chronology.record_words import agency_words
from hub.web.pages.filter_tags import Selected, selected_filters
from schemas import (
    CheckState,
    Chronology,
    ChronologyEntry,
    DatePrecision,
    EntryCategory,
    LinkOutcome,
    Sensitivity,
)

TAG_CLASSES = {
    "alert": "govuk-tag--red",
    "warning": "govuk-tag--yellow",
    "found": "govuk-tag--blue",
    "clear": "govuk-tag--green",
}
"""A check state's tone (`STATE_TONES`) as a GOV.UK tag colour; the tag always carries the state's words."""


def words(code: str) -> str:
    """A code in words, capitalised: "domestic_abuse_incident" → "Domestic abuse incident"."""
    text = code.replace("_", " ")
    return text[:1].upper() + text[1:]


def day_words(day: date) -> str:
    """GOV.UK style: "2 Nov 2026" (English month names whatever the process's locale, without strftime)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def when_words(entry: ChronologyEntry) -> str:
    """An entry's date or period as precisely as the agency gave it: "2 Nov 2026", "Nov 2026", "2026 to 2027"."""
    return period_words(entry, padded=False)


def is_key(entry: ChronologyEntry, significance: str) -> bool:
    """A key concern: marked so by the indicators (`EntryRow.significance` "high"), or a restricted record."""
    return significance == IndicatorSignificance.HIGH.value or entry.sensitivity is Sensitivity.RESTRICTED


# Filters


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


class Layout(StrEnum):
    """How the chronology is shown: the table (as printed, and as the PDF has it) or MoJ's timeline."""

    TABLE = "table"
    TIMELINE = "timeline"


class Significance(StrEnum):
    """What the significance filter offers: key concerns, and the agencies' own sensitivity marks."""

    KEY = "key"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"


SIGNIFICANCE_WORDS = {
    Significance.KEY: "Key concerns",
    Significance.SENSITIVE: "Marked sensitive by the agency",
    Significance.RESTRICTED: "Restricted records",
}

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%d-%m-%Y")


@dataclass(frozen=True)
class Filters:
    """The chronology's filters as the query string gave them (codes only), and what was wrong with them."""

    agencies: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    since: date | None = None
    until: date | None = None
    significance: frozenset[Significance] = frozenset()
    sort: Sort = Sort.NEWEST
    layout: Layout = Layout.TABLE
    raw_since: str = ""
    raw_until: str = ""
    errors: tuple[tuple[str, str], ...] = ()
    """(field id, message), for the GOV.UK error summary; filters with errors are not applied."""

    @property
    def active(self) -> bool:
        return bool(self.agencies or self.categories or self.people or self.since or self.until or self.significance)

    def pairs(self) -> list[tuple[str, str]]:
        """The filters applied, as the query string's (name, value) pairs: codes, ids and dates only."""
        pairs = [("agency", code) for code in sorted(self.agencies)]
        pairs += [("significance", mark.value) for mark in Significance if mark in self.significance]
        pairs += [("person", code) for code in sorted(self.people)]
        pairs += [("category", code) for code in sorted(self.categories)]
        pairs += [(name, day.isoformat()) for name, day in (("from", self.since), ("to", self.until)) if day]
        return pairs

    def view_pairs(self) -> list[tuple[str, str]]:
        """The order and layout when not the defaults: kept when a filter is removed."""
        pairs = [("sort", self.sort.value)] if self.sort is not Sort.NEWEST else []
        return pairs + ([("layout", self.layout.value)] if self.layout is not Layout.TABLE else [])

    def keeps(self, entry: ChronologyEntry, significance: str = "") -> bool:
        """Whether an entry passes every filter (each filter passes anything when nothing is chosen in it).

        `significance` is how the indicators marked it (`EntryRow.significance`), for the "Key concerns" filter.
        """
        if self.agencies and entry.source.agency not in self.agencies:
            return False
        if self.categories and entry.category.value not in self.categories:
            return False
        if self.people and not self.people & {person.subject_id for person in entry.people}:
            return False
        end = entry.ended_on or entry.occurred_on
        if self.since is not None and end < self.since:
            return False
        if self.until is not None and entry.occurred_on > self.until:
            return False
        return not self.significance or any(_significant(entry, mark, significance) for mark in self.significance)


def _significant(entry: ChronologyEntry, mark: Significance, significance: str) -> bool:
    match mark:
        case Significance.KEY:
            return is_key(entry, significance)
        case Significance.SENSITIVE:
            return entry.sensitivity is Sensitivity.SENSITIVE
        case Significance.RESTRICTED:
            return entry.sensitivity is Sensitivity.RESTRICTED


def _date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_filters(query: Mapping[str, Sequence[str]], *, agencies: Iterable[str], people: Iterable[str]) -> Filters:
    """Filters from the query string's values; anything unknown or malformed is an error, never a guess.

    Messages name the field, never the value sent (it could be anything, a name included).
    """
    errors: list[tuple[str, str]] = []
    known_agencies, known_people = set(agencies), set(people)
    categories = {category.value for category in EntryCategory}

    def chosen(name: str, known: set[str], message: str) -> frozenset[str]:
        values = {value for value in query.get(name, ()) if value}
        if values - known:
            errors.append((f"filter-{name}", message))
            return frozenset()
        return frozenset(values)

    agency = chosen("agency", known_agencies, "Choose agencies from the list")
    category = chosen("category", categories, "Choose kinds of event from the list")
    person = chosen("person", known_people, "Choose people from the list")
    marks = chosen("significance", {mark.value for mark in Significance}, "Choose significance from the list")
    sort_values = [value for value in query.get("sort", ()) if value]
    sort = Sort.NEWEST
    if sort_values:
        if len(sort_values) > 1 or sort_values[0] not in {item.value for item in Sort}:
            errors.append(("filter-sort", "Choose newest first or oldest first"))
        else:
            sort = Sort(sort_values[0])
    layout_values = [value for value in query.get("layout", ()) if value]
    layout = Layout.TABLE
    if layout_values:
        if len(layout_values) > 1 or layout_values[0] not in {item.value for item in Layout}:
            errors.append(("filter-layout", "Choose to show the chronology as a table or a timeline"))
        else:
            layout = Layout(layout_values[0])
    dates: dict[str, date | None] = {}
    raw: dict[str, str] = {}
    for name, label in (("from", "The from date"), ("to", "The to date")):
        values = [value.strip() for value in query.get(name, ()) if value.strip()]
        raw[name] = values[0][:20] if values else ""
        dates[name] = None
        if values:
            parsed = _date(values[0]) if len(values) == 1 and len(values[0]) <= 20 else None
            if parsed is None:
                errors.append((f"filter-{name}", f"{label} must be a real date, for example 27/3/2024"))
            dates[name] = parsed
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors.append(("filter-to", "The to date must be the same as or after the from date"))
    return Filters(
        agencies=agency,
        categories=category,
        people=person,
        since=dates["from"],
        until=dates["to"],
        significance=frozenset(Significance(mark) for mark in marks),
        sort=sort,
        layout=layout,
        raw_since=raw["from"],
        raw_until=raw["to"],
        errors=tuple(errors),
    )


# Periods with nothing recorded

QUIET_MONTHS = 12
"""Two entries further apart than this (in whole calendar months) have a period with nothing recorded between."""
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class QuietPeriod:
    """A stretch of a chronology in which no agency recorded anything (that the filters keep).

    Nothing recorded is not nothing happened: the words say only what the records hold.
    """

    quiet: ClassVar[bool] = True
    start: date
    end: date
    words: str


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _earliest(entry: ChronologyEntry) -> date:
    """The first day the entry may have begun, as precisely as the agency gave it."""
    day = entry.occurred_on
    if entry.date_precision is DatePrecision.YEAR:
        return date(day.year, 1, 1)
    return day.replace(day=1) if entry.date_precision is DatePrecision.MONTH else day


def _latest(entry: ChronologyEntry) -> date:
    """The last day the entry (or its period) may have lasted to, as precisely as the agency gave it."""
    day = entry.ended_on or entry.occurred_on
    if entry.date_precision is DatePrecision.YEAR:
        return date(day.year, 12, 31)
    if entry.date_precision is DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def _month_words(day: date, precision: DatePrecision) -> str:
    return str(day.year) if precision is DatePrecision.YEAR else f"{MONTH_NAMES[day.month - 1]} {day.year}"


def length_words(start: date, end: date) -> str:
    """Whole months from `start` to `end` in words, "more than" when days are left over: "2 years 3 months"."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    years, rest = divmod(months, 12)
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    parts += [f"{rest} month{'s' if rest != 1 else ''}"] if rest else []
    return ("more than " if add_months(start, months) < end else "") + " ".join(parts)


_QUICK = timedelta(days=365)
"""Never more than 12 months: a cheap first test before the calendar's."""


def quiet_periods(entries: Sequence[ChronologyEntry], *, filtered: bool) -> list[tuple[int, QuietPeriod]]:
    """Each stretch of more than `QUIET_MONTHS` with nothing recorded, between entries given oldest first.

    (index of the entry after it, the period). A period runs from the last day the entries so far may have
    lasted to (an entry's end, or the end of its month or year when the agency gave no day) to the first
    day the next may have begun, so a partial date never makes a gap that may not be there.
    """
    found: list[tuple[int, QuietPeriod]] = []
    latest: date | None = None
    latest_precision = DatePrecision.DAY
    who = "that matches these filters" if filtered else "by any agency"
    for index, entry in enumerate(entries):
        start = _earliest(entry)
        if latest is not None and start - latest > _QUICK and start > add_months(latest, QUIET_MONTHS):
            span = f"{_month_words(latest, latest_precision)} to {_month_words(start, entry.date_precision)}"
            words = f"Nothing recorded {who} for {length_words(latest, start)} ({span})"
            found.append((index, QuietPeriod(latest, start, words)))
        end = _latest(entry)
        if latest is None or end > latest:
            latest, latest_precision = end, entry.date_precision
    return found


# The page's view


@dataclass(frozen=True)
class Tag:
    text: str
    css: str


@dataclass(frozen=True)
class KeyConcern:
    """One thing the history flags: a heading, what it is in words, and a tag saying how it stands."""

    heading: str
    detail: str
    tag: Tag | None = None
    sources: tuple[str, ...] = ()
    """Each record it rests on, in the history's words ("Police: domestic abuse incident, 1 Nov 2026")."""


@dataclass(frozen=True)
class ConcernInputs:
    history: FamilyHistory
    entries: Sequence[ChronologyEntry]
    """Every entry the reader may see, once each (children's chronologies share entries)."""


def _re_referral(inputs: ConcernInputs) -> list[KeyConcern]:
    flag = inputs.history.re_referral
    return [KeyConcern("Re-referral", flag, Tag("Re-referral", "govuk-tag--red"))] if flag else []


def _restricted(inputs: ConcernInputs) -> list[KeyConcern]:
    found: list[KeyConcern] = []
    by_agency: dict[str, list[ChronologyEntry]] = {}
    for entry in inputs.entries:
        if entry.sensitivity is Sensitivity.RESTRICTED:
            by_agency.setdefault(entry.source.agency, []).append(entry)
    for agency, entries in sorted(by_agency.items()):
        latest = max(entry.occurred_on for entry in entries)
        count = f"{len(entries)} restricted record" + ("s" if len(entries) > 1 else "")
        found.append(
            KeyConcern(
                f"{agency_words(agency)}: restricted records",
                f"{count}, the most recent {day_words(latest)}. They appear in the chronology.",
                Tag("Restricted", "govuk-tag--purple"),
            )
        )
    return found


CONCERN_TAGS = {
    IndicatorSignificance.HIGH.value: "govuk-tag--red",
    IndicatorSignificance.MEDIUM.value: "govuk-tag--yellow",
}
"""The GOV.UK tag colour for an indicator's significance: red for a key concern, yellow for one of note."""


def _indicators(inputs: ConcernInputs) -> list[KeyConcern]:
    """What the safeguarding indicators found (`FamilyHistory.key_concerns`), each with its sources."""
    return [
        KeyConcern(
            concern.label,
            concern.detail,
            Tag(concern.tag, CONCERN_TAGS[concern.significance]),
            tuple(source.words for source in concern.sources),
        )
        for concern in inputs.history.key_concerns
    ]


def _awaiting_review(inputs: ConcernInputs) -> list[KeyConcern]:
    waiting = [link for link in inputs.history.links if link.outcome == OUTCOME_WORDS[LinkOutcome.REVIEW]]
    if not waiting:
        return []
    count = len(waiting)
    return [
        KeyConcern(
            "Possible matches awaiting review",
            f"{count} agency record{'s' if count > 1 else ''} may be about this family. "
            "What they hold is left out of the chronology until someone confirms the match.",
            Tag("Needs review", "govuk-tag--yellow"),
        )
    ]


KEY_CONCERN_FINDERS: tuple[Callable[[ConcernInputs], list[KeyConcern]], ...] = (
    _re_referral,
    _restricted,
    _indicators,
    _awaiting_review,
)
"""Each finds one kind of key concern; a new safeguarding indicator is a rule in `config/indicators.yaml`."""


@dataclass(frozen=True)
class CheckView:
    agency: str
    tag: Tag
    detail: str
    answered: bool


@dataclass(frozen=True)
class PersonChecks:
    subject_id: str
    name: str
    role: str
    checks: list[CheckView]


@dataclass(frozen=True)
class RowView:
    quiet: ClassVar[bool] = False
    when: str
    category: str
    summary: str
    source: str
    people: str
    through: str
    tags: tuple[Tag, ...]
    occurred_on: date
    stamp: str = ""
    """The date for `<time datetime>`, as precisely as the agency gave it: "2026-11-02", "2026-11", "2026"."""


@dataclass(frozen=True)
class ChildView:
    subject_id: str
    name: str
    version: int
    assembled_at: datetime
    partial: bool
    total: int
    rows: list[RowView]
    gaps: list[str]
    """Agencies that have not answered for this child or an adult in their household: what may be missing."""
    items: list[RowView | QuietPeriod] = field(default_factory=list)
    """The rows in the order shown, with a `QuietPeriod` between two entries more than 12 months apart."""


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    checked: bool


@dataclass(frozen=True)
class ReferralView:
    history: FamilyHistory
    key_concerns: list[KeyConcern]
    unanswered: int
    """Checks without an agency's answer (failed, outstanding or never asked)."""
    people_checks: list[PersonChecks]
    agency_names: list[str]
    children: list[ChildView]
    filters: Filters
    options: dict[str, list[Option]] = field(default_factory=dict)
    selected: Selected | None = None
    """The MoJ filter's "Selected filters" (each a link removing it), when any filter is applied."""

    @property
    def layout(self) -> Layout:
        """The layout asked for; the table when a filter has an error (nothing asked for is applied then)."""
        return self.filters.layout if not self.filters.errors else Layout.TABLE

    @property
    def all_clear_words(self) -> str | None:
        """ "No key concerns ..." only when nothing is flagged and every check answered; never otherwise."""
        if self.key_concerns or self.unanswered:
            return None
        return "No key concerns recorded in the agencies' answers so far."


def _check_view(cell: CheckCell, agency_name: str) -> CheckView:
    state = CheckState(cell.state)
    word = STATE_WORDS[state]
    detail = cell.words if cell.words != word else ""
    if state is CheckState.RECORDS_RETURNED_NONE_LINKED and detail.startswith(word):
        word, detail = cell.words, ""
    detail = detail.removeprefix(f"{word}: ").removeprefix(f"{word}; ")  # the tag already says it
    tag = Tag(word[:1].upper() + word[1:], TAG_CLASSES[STATE_TONES[state]])
    return CheckView(agency_name, tag, detail, state in ANSWERED)


SENSITIVITY_TAGS = {
    Sensitivity.RESTRICTED: (Tag("Restricted", "govuk-tag--purple"),),
    Sensitivity.SENSITIVE: (Tag("Sensitive", "govuk-tag--grey"),),
    Sensitivity.STANDARD: (),
}


@functools.cache
def _tags(sensitivity: Sensitivity, significance: str) -> tuple[Tag, ...]:
    """A row's tags: the agency's sensitivity mark, then the indicators' ("Key concern", "Of note"), short enough
    for the table's narrow column; the key concerns above name each indicator. Made once per kind of row (a page
    of 1,500 rows asked 1,500 times)."""
    mark = IndicatorSignificance(significance) if significance else None
    marked = (Tag(SIGNIFICANCE_WORDS_OF_MARKS[mark], CONCERN_TAGS[mark.value]),) if mark else ()
    return SENSITIVITY_TAGS[sensitivity] + marked


_CATEGORY_WORDS = {category: words(category.value) for category in EntryCategory}
"""Each category in words, worked out once rather than once per row (an enum's `.value` is slow to reach)."""


def _row(entry: ChronologyEntry, shown: EntryRow) -> RowView:
    return RowView(
        when=when_words(entry),
        category=_CATEGORY_WORDS[entry.category],
        summary=entry.summary,
        source=shown.source,
        people=shown.people,
        through=shown.through,
        tags=_tags(entry.sensitivity, shown.significance),
        occurred_on=entry.occurred_on,
        stamp=_stamp(entry.occurred_on, entry.date_precision),
    )


def _stamp(day: date, precision: DatePrecision) -> str:
    if precision is DatePrecision.YEAR:
        return f"{day.year:04d}"
    return f"{day.year:04d}-{day.month:02d}" if precision is DatePrecision.MONTH else day.isoformat()


def _child_view(
    child: ChildHistory,
    chronology: Chronology,
    filters: Filters,
    gaps: list[str],
) -> ChildView:
    applied = filters if not filters.errors else Filters()
    pairs = zip(chronology.entries, child.rows, strict=True)
    keeps = applied.keeps if applied.active else None
    kept = [(entry, shown) for entry, shown in pairs if keeps is None or keeps(entry, shown.significance)]
    rows = [_row(entry, shown) for entry, shown in kept]
    items: list[RowView | QuietPeriod] = []
    done = 0
    for index, period in quiet_periods([entry for entry, _ in kept], filtered=applied.active):
        items += rows[done:index]
        items.append(period)
        done = index
    items += rows[done:]
    if applied.sort is Sort.NEWEST:
        rows.reverse()
        items.reverse()
    return ChildView(
        subject_id=child.subject_id,
        name=child.name,
        version=child.version,
        assembled_at=child.assembled_at,
        partial=child.partial,
        total=len(chronology.entries),
        rows=rows,
        gaps=gaps,
        items=items,
    )


def _child_gaps(
    history: FamilyHistory, household: Iterable[str], names: Mapping[str, str], agency_names: Mapping[str, str]
) -> list[str]:
    """One line per agency that has not answered for someone in this child's chronology."""
    lines = []
    for agency in history.agencies:
        missing = [
            subject_id
            for subject_id in household
            if (cell := history.checks.get(subject_id, {}).get(agency)) is not None
            and CheckState(cell.state) not in ANSWERED
        ]
        if missing:
            who = ", ".join(names.get(subject_id, subject_id) for subject_id in missing)
            lines.append(
                f"{agency_names.get(agency, agency_words(agency))} has not answered for {who}: "
                "its records may be missing from this chronology."
            )
    return lines


def referral_view(
    history: FamilyHistory,
    chronologies: Sequence[Chronology],
    filters: Filters,
    agency_names: Mapping[str, str],
) -> ReferralView:
    """Everything the referral page shows, from the history as read and the filters asked for."""
    names = {member.subject_id: member.name for member in history.household}
    unique: dict[tuple[str, str, str], ChronologyEntry] = {}
    for chronology in chronologies:
        for entry in chronology.entries:
            unique.setdefault((entry.source.agency, entry.source.record_id, entry.category.value), entry)
    inputs = ConcernInputs(history, list(unique.values()))
    concerns = [concern for finder in KEY_CONCERN_FINDERS for concern in finder(inputs)]
    people_checks = []
    unanswered = 0
    for member in history.household:
        views = []
        for agency in history.agencies:
            cell = history.checks.get(member.subject_id, {}).get(agency)
            if cell is None:
                continue
            view = _check_view(cell, agency_names.get(agency, agency_words(agency)))
            unanswered += not view.answered
            views.append(view)
        people_checks.append(PersonChecks(member.subject_id, member.name, member.role, views))
    children = []
    for child, chronology in zip(history.children, chronologies, strict=True):
        involved = {child.subject_id, *adults_related_to(child.subject_id, chronology.household)}
        household = [member.subject_id for member in history.household if member.subject_id in involved]
        gaps = _child_gaps(history, household, names, agency_names)
        children.append(_child_view(child, chronology, filters, gaps))
    categories = sorted({entry.category.value for entry in unique.values()} | set(filters.categories))
    options = {
        "agency": [
            Option(agency, agency_names.get(agency, agency), agency in filters.agencies) for agency in history.agencies
        ],
        "category": [Option(code, words(code), code in filters.categories) for code in categories],
        "person": [
            Option(member.subject_id, f"{member.name} ({member.role})", member.subject_id in filters.people)
            for member in history.household
        ],
        "significance": [
            Option(mark.value, SIGNIFICANCE_WORDS[mark], mark in filters.significance) for mark in Significance
        ],
        "sort": [
            Option(Sort.NEWEST.value, "Newest first", filters.sort is Sort.NEWEST),
            Option(Sort.OLDEST.value, "Oldest first", filters.sort is Sort.OLDEST),
        ],
        "layout": [
            Option(Layout.TABLE.value, "Table (as printed)", filters.layout is Layout.TABLE),
            Option(Layout.TIMELINE.value, "Timeline", filters.layout is Layout.TIMELINE),
        ],
    }
    return ReferralView(
        history,
        concerns,
        unanswered,
        people_checks,
        list(agency_names.values()),
        children,
        filters,
        options,
        _selected(history.referral_id, filters, options),
    )


def _selected(referral_id: str, filters: Filters, options: Mapping[str, list[Option]]) -> Selected | None:
    """The applied filters as MoJ's removable tags, each a link to the page without it (order and layout kept)."""
    if filters.errors or not filters.active:
        return None

    def chosen(name: str) -> Callable[[str], str]:
        texts = {option.value: option.text for option in options[name]}
        return lambda value: texts.get(value, value)

    def dated(label: str) -> Callable[[str], str]:
        return lambda value: f"{label} {day_words(date.fromisoformat(value))}"

    return selected_filters(
        f"/referrals/{referral_id}",
        filters.pairs(),
        {
            "agency": ("Agency", chosen("agency")),
            "significance": ("Significance", chosen("significance")),
            "person": ("Person", chosen("person")),
            "category": ("Kind of event", chosen("category")),
            "from": ("Dates", dated("From")),
            "to": ("Dates", dated("To")),
        },
        kept=filters.view_pairs(),
        fragment="#chronology",
    )
