"""Safeguarding indicators: chronologies in, key concerns out, each with its sources, and a mark per entry.

The rules are the council's (`config/indicators.yaml`, read by `hub.chronology.indicator_rules`); this
module only applies them, so the terminal, the HTML report, the PDF and the web page all open with the
same key concerns and mark the same entries. Facts are read from the entries' typed fields
(`schemas.EntryFacts`), never from their words, and sources are named as the history names them
("Police: domestic abuse incident, 1 Nov 2026"), never by an agency's own id (`Patient/44c4…`).

The threshold suggestion is exactly that: the practitioner decides, and while a check has not answered
the words say the suggestion may change. Nothing here is an all-clear: finding no indicator says only
that none of the records received so far matched a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hub.chronology.indicator_rules import Indicator, IndicatorRules, Match, Significance, SummaryPart
from hub.chronology.record_words import agency_words
from schemas import Chronology, ChronologyEntry, DashRisk, Subject

EntryKey = tuple[str, str, str]
"""An entry as the history tells entries apart: agency, record id and category (children's chronologies share it)."""

SIGNIFICANCE_WORDS = {Significance.HIGH: "Key concern", Significance.MEDIUM: "Of note"}
"""How a marked entry is tagged in every view of the chronology."""


def entry_key(entry: ChronologyEntry) -> EntryKey:
    return entry.source.agency, entry.source.record_id, entry.category.value


@dataclass(frozen=True)
class ConcernSource:
    """One record behind a key concern, in the history's own words."""

    agency: str
    record: str
    """What and when: "domestic abuse incident, 1 Nov 2026"."""
    about: str = ""
    """Whom in the referral it names, if anyone: "Amara Okafor-Reid, Tyler Okafor-Reid"."""

    @property
    def words(self) -> str:
        return f"{self.agency}: {self.record}" + (f" (about {self.about})" if self.about else "")


@dataclass(frozen=True)
class Concern:
    """One indicator found: its label, what was found in words, and each record it rests on, newest first."""

    indicator: str
    label: str
    significance: str
    """A `Significance` value: "high" or "medium"."""
    detail: str
    sources: list[ConcernSource]

    @property
    def tag(self) -> str:
        return SIGNIFICANCE_WORDS[Significance(self.significance)]


@dataclass(frozen=True)
class Highlight:
    """How one entry is marked: the strongest significance of the indicators it matched, and their labels."""

    significance: Significance
    labels: tuple[str, ...]

    @property
    def words(self) -> str:
        """ "Key concern: Domestic abuse; Referred to MARAC"."""
        return f"{SIGNIFICANCE_WORDS[self.significance]}: {'; '.join(self.labels)}"


@dataclass(frozen=True)
class Suggestion:
    """A level of need the records found point to, and the indicators that point to it."""

    level: int
    level_words: str
    because: tuple[str, ...]


@dataclass(frozen=True)
class Findings:
    concerns: list[Concern]
    highlights: dict[EntryKey, Highlight]
    suggestion: Suggestion | None


def age_on(born: date, day: date) -> int:
    """Whole years of age on `day` (a birthday on 29 February comes on 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def absence_at_least(entry: ChronologyEntry, percent: Decimal) -> bool:
    """Sessions missed were at least `percent` of sessions possible (exact: no rounding of the percentage)."""
    facts = entry.facts
    if facts is None or not facts.sessions_possible or facts.sessions_attended is None:
        return False
    missed = facts.sessions_possible - facts.sessions_attended
    return missed * 100 >= percent * facts.sessions_possible


def matches(condition: Match, entry: ChronologyEntry, children_born: dict[str, date]) -> bool:
    """Whether `entry` meets every condition `condition` gives."""
    facts = entry.facts
    if condition.category and entry.category not in condition.category:
        return False
    if condition.agency and entry.source.agency not in condition.agency:
        return False
    if condition.dash_risk and (facts is None or facts.dash_risk not in condition.dash_risk):
        return False
    if condition.marac is not None and (facts is not None and facts.marac is True) is not condition.marac:
        return False
    if condition.exploitation is not None and (facts is None or condition.exploitation not in facts.exploitation):
        return False
    if condition.absence_percent_at_least is not None and not absence_at_least(
        entry, condition.absence_percent_at_least
    ):
        return False
    if condition.child_under_years is not None:
        ages = [
            age_on(children_born[person.subject_id], entry.occurred_on)
            for person in entry.people
            if person.subject_id in children_born
        ]
        if not any(age < condition.child_under_years for age in ages):
            return False
    return True


def _count(entries: Sequence[ChronologyEntry]) -> str:
    return f"{len(entries)} record" + ("s" if len(entries) != 1 else "")


def _highest_dash(entries: Sequence[ChronologyEntry]) -> str:
    levels: list[DashRisk] = [
        entry.facts.dash_risk for entry in entries if entry.facts is not None and entry.facts.dash_risk is not None
    ]
    if not levels:
        return "DASH risk level not recorded"
    return f"highest DASH risk level: {max(levels, key=lambda level: level.rank).value}"


def _lowest_attendance(entries: Sequence[ChronologyEntry]) -> str | None:
    periods = [
        (entry.facts.sessions_attended / entry.facts.sessions_possible, entry.facts)
        for entry in entries
        if entry.facts is not None and entry.facts.sessions_possible and entry.facts.sessions_attended is not None
    ]
    if not periods:
        return None
    share, facts = min(periods, key=lambda item: item[0])
    return f"lowest attendance {100 * share:.0f}% ({facts.sessions_attended} of {facts.sessions_possible} sessions)"


def detail_words(
    indicator: Indicator, entries: Sequence[ChronologyEntry], when: Callable[[ChronologyEntry], str]
) -> str:
    """What was found, as the indicator's `summary` asks: "2 records, the most recent 1 Nov 2026; ..."."""
    parts = set(indicator.summary)
    lead = _count(entries) if SummaryPart.COUNT in parts else ""
    if SummaryPart.LATEST in parts:
        latest = max(entries, key=lambda entry: (entry.occurred_on, entry.ended_on or entry.occurred_on))
        lead = f"{lead}, the most recent {when(latest)}" if lead else f"The most recent {when(latest)}"
    extras = [
        _highest_dash(entries) if SummaryPart.HIGHEST_DASH_RISK in parts else None,
        _lowest_attendance(entries) if SummaryPart.LOWEST_ATTENDANCE in parts else None,
    ]
    said = [part for part in (lead, *extras) if part]
    text = "; ".join(said) or indicator.label
    return text[:1].upper() + text[1:] + "."


def _source(entry: ChronologyEntry, names: dict[str, str], when: Callable[[ChronologyEntry], str]) -> ConcernSource:
    about = ", ".join(dict.fromkeys(names[p.subject_id] for p in entry.people if p.subject_id in names))
    record = f"{entry.category.value.replace('_', ' ')}, {when(entry)}"
    return ConcernSource(agency_words(entry.source.agency), record, about)


def unique_entries(chronologies: Iterable[Chronology]) -> list[ChronologyEntry]:
    """Every entry once, however many children's chronologies carry it."""
    unique: dict[EntryKey, ChronologyEntry] = {}
    for chronology in chronologies:
        for entry in chronology.entries:
            unique.setdefault(entry_key(entry), entry)
    return list(unique.values())


def suggest(rules: IndicatorRules, found: Sequence[Concern]) -> Suggestion | None:
    """The highest level whose rule the indicators found meet, with the labels that met it; None if no rule is met."""
    present = {concern.indicator: concern.label for concern in found}
    best: Suggestion | None = None
    for rule in rules.threshold.rules:
        if rule.any_of:
            met = [name for name in rule.any_of if name in present]
            holds = bool(met)
        else:
            met = [name for name in rule.of if name in present]
            holds = len(met) >= (rule.at_least or 0)
        if holds and (best is None or rule.level > best.level):
            best = Suggestion(rule.level, rules.threshold.levels[rule.level], tuple(present[name] for name in met))
    return best


def suggestion_words(suggestion: Suggestion | None, *, complete: bool) -> str:
    """The suggestion as a practitioner reads it: always a suggestion, and one that may change while checks are out."""
    if suggestion is None:
        text = "The hub suggests no level of need: none of the records found meets a rule for one."
    else:
        because = ", ".join(label[:1].lower() + label[1:] for label in suggestion.because)
        text = (
            f"Suggested by the hub from the records found: level {suggestion.level}, {suggestion.level_words}"
            f" (because of: {because})."
        )
    text += " The practitioner decides."
    if not complete:
        text += " Not every check has answered, so this may change."
    return text


def find(
    rules: IndicatorRules,
    chronologies: Sequence[Chronology],
    subjects: Sequence[Subject],
    *,
    when: Callable[[ChronologyEntry], str],
) -> Findings:
    """The key concerns in `chronologies` (as the reader may see them), each entry's mark, and a suggested level.

    `subjects` are the referral's people: their names say whom a source is about, and the children's birth
    dates give their age at an entry's date. `when` words an entry's date as the history does.
    """
    names = {subject.subject_id: subject.name.display for subject in subjects}
    children_born = {
        subject.subject_id: subject.person.birth_date
        for subject in subjects
        if subject.role.is_child and subject.person.birth_date is not None
    }
    entries = unique_entries(chronologies)
    concerns: list[Concern] = []
    marks: dict[EntryKey, list[Indicator]] = {}
    for indicator in rules.indicators:
        matched = [e for e in entries if any(matches(c, e, children_born) for c in indicator.match)]
        if not matched:
            continue
        for entry in matched:
            marks.setdefault(entry_key(entry), []).append(indicator)
        newest_first = sorted(matched, key=lambda entry: entry.sort_key(), reverse=True)
        concerns.append(
            Concern(
                indicator=indicator.id,
                label=indicator.label,
                significance=indicator.significance.value,
                detail=detail_words(indicator, matched, when),
                sources=[_source(entry, names, when) for entry in newest_first],
            )
        )
    concerns.sort(key=lambda concern: concern.significance != Significance.HIGH.value)  # stable: config order kept
    highlights = {
        key: Highlight(
            Significance.HIGH
            if any(item.significance is Significance.HIGH for item in indicators)
            else Significance.MEDIUM,
            tuple(item.label for item in indicators),
        )
        for key, indicators in marks.items()
    }
    return Findings(concerns, highlights, suggest(rules, concerns))
