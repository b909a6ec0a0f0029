"""The referral's version history in words: each child's versions, when and why each changed, and a diff.

Versions are stored by assembly whenever an agency's answer changes the history, so "why" is what
changed from the version before: entries added or removed, and checks that moved (police: awaiting
reply → records found). The comparison of two chosen versions is `hub chronology diff`'s
(`diff_reading.compare_versions`), shown as added, removed and changed entries in words, with
agencies and people named as the family history names them, never by an agency's record id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from hub.chronology.check_states import STATE_WORDS, reason_words
from hub.chronology.diff import ENTRY_FIELDS, CheckChange, ChronologyDiff, diff_chronologies
from hub.chronology.diff_reading import ChildComparison
from hub.chronology.record_words import agency_words, person_record_words
from hub.chronology.restricted import Clearance
from hub.store import HubStore
from hub.web.pages.referral_view import when_words, words
from schemas import Chronology, ChronologyEntry

_NUMBER = re.compile(r"^[1-9][0-9]{0,5}$")


@dataclass(frozen=True)
class VersionsForm:
    """The two versions asked for (`?from=N&to=M`), or None for the default (the latest and the one before)."""

    start: int | None = None
    end: int | None = None
    errors: tuple[tuple[str, str], ...] = ()

    def checked(self, held: set[int]) -> VersionsForm:
        """Refuse versions no child has, and a range that runs backwards."""
        errors = list(self.errors)
        for name, number, label in (("from", self.start, "first"), ("to", self.end, "second")):
            if number is not None and number not in held:
                errors.append((f"versions-{name}", f"Choose a version this referral has for the {label} version"))
        if self.start is not None and self.end is not None and self.start >= self.end:
            errors.append(("versions-to", "The second version must be later than the first"))
        return replace(self, errors=tuple(errors))


def parse_versions(starts: Sequence[str], ends: Sequence[str]) -> VersionsForm:
    errors = []
    numbers: dict[str, int | None] = {}
    for name, values, label in (("from", starts, "first"), ("to", ends, "second")):
        given = [value.strip() for value in values if value.strip()]
        numbers[name] = None
        if given:
            if len(given) == 1 and _NUMBER.match(given[0]):
                numbers[name] = int(given[0])
            else:
                errors.append((f"versions-{name}", f"The {label} version must be a version number, like 2"))
    return VersionsForm(numbers["from"], numbers["to"], tuple(errors))


@dataclass(frozen=True)
class VersionRow:
    number: int
    assembled_at: datetime
    partial: str
    """"" when every check had a final answer; otherwise how many had not."""
    why: list[str]


@dataclass(frozen=True)
class ChildVersions:
    subject_id: str
    name: str
    numbers: list[int]
    rows: list[VersionRow] = field(default_factory=list)


def _partial(chronology: Chronology) -> str:
    count = len(chronology.outstanding)
    return f"partial: {count} check{'s' if count != 1 else ''} without an answer" if count else ""


def _people_words(entry: ChronologyEntry, names: Mapping[str, str]) -> str:
    parts = []
    for person in entry.people:
        who = names.get(person.subject_id or "") or f"someone not linked ({person_record_words(entry.source.agency)})"
        parts.append(f"{who} ({person.role.value.replace('_', ' ')})")
    return "; ".join(dict.fromkeys(parts))


def _check_words(change: CheckChange, names: Mapping[str, str]) -> str:
    who = names.get(change.subject_id, "a person")
    before = STATE_WORDS[change.before.state] if change.before else "not listed before"
    after = STATE_WORDS[change.after.state] if change.after else "no longer listed"
    line = f"{agency_words(change.agency)} for {who}: {before}"
    if "state" in change.fields:
        line += f" → {after}"
    if change.after is not None and change.after.reason and "reason" in change.fields:
        line += f": {reason_words(change.after.reason)}"
    if change.before is not None and change.after is not None and "attempts" in change.fields:
        line += f"; attempts {change.before.attempts} → {change.after.attempts}"
    return line


def _why(diff: ChronologyDiff, names: Mapping[str, str]) -> list[str]:
    lines = []
    counts = [
        f"{len(items)} {label}"
        for items, label in ((diff.added, "added"), (diff.removed, "removed"), (diff.changed, "changed"))
        if items
    ]
    if counts:
        lines.append("Entries: " + ", ".join(counts))
    lines += [_check_words(change, names) for change in diff.checks]
    return lines or ["No entries or check states changed"]


def child_versions(
    store: HubStore, referral_id: str, *, actor: str, clearance: Clearance, purpose: str
) -> list[ChildVersions]:
    """Every child's versions with when and why each changed (each version read is audited)."""
    referral = store.load_referral(referral_id, actor=actor, purpose=purpose)
    names = {subject.subject_id: subject.name.display for subject in referral.subjects}
    listed = []
    for child in referral.children:
        numbers = store.chronology_versions(referral_id, child.subject_id)
        rows = []
        previous: Chronology | None = None
        for number in numbers:
            found = store.load_chronology(referral_id, child.subject_id, number, actor=actor, purpose=purpose)
            if found is None:
                continue
            chronology = clearance.withhold(found)
            if previous is None:
                count = len(chronology.entries)
                why = [f"First version: {count} entr{'y' if count == 1 else 'ies'}"]
            else:
                why = _why(diff_chronologies(previous, chronology), names)
            rows.append(VersionRow(number, chronology.assembled_at, _partial(chronology), why))
            previous = chronology
        listed.append(ChildVersions(child.subject_id, names[child.subject_id], numbers, list(reversed(rows))))
    return listed


@dataclass(frozen=True)
class EntryWords:
    when: str
    category: str
    source: str
    summary: str
    people: str


@dataclass(frozen=True)
class ChangedWords:
    entry: EntryWords
    fields: list[tuple[str, str, str]]
    """(field in words, before, after)."""


@dataclass(frozen=True)
class DiffView:
    name: str
    note: str
    earlier: int | None = None
    later: int | None = None
    added: list[EntryWords] = field(default_factory=list)
    removed: list[EntryWords] = field(default_factory=list)
    changed: list[ChangedWords] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


def _entry_words(entry: ChronologyEntry, names: Mapping[str, str]) -> EntryWords:
    return EntryWords(
        when_words(entry),
        words(entry.category.value),
        agency_words(entry.source.agency),
        entry.summary,
        _people_words(entry, names),
    )


def _field(entry: ChronologyEntry, name: str, names: Mapping[str, str]) -> str:
    if name == "people":
        return _people_words(entry, names)
    if name in ("occurred_on", "ended_on"):
        value = getattr(entry, name)
        return "none" if value is None else f"{value.day} {value:%b %Y}"
    value = getattr(entry, name)
    return "none" if value is None else str(getattr(value, "value", value)).replace("_", " ")


def diff_view(comparison: ChildComparison, diff: ChronologyDiff | None, names: Mapping[str, str]) -> DiffView:
    if diff is None:
        return DiffView(comparison.name, comparison.note[:1].upper() + comparison.note[1:])
    return DiffView(
        comparison.name,
        "" if not diff.unchanged else "No entries or check states changed between these versions.",
        earlier=diff.earlier.version,
        later=diff.later.version,
        added=[_entry_words(entry, names) for entry in diff.added],
        removed=[_entry_words(entry, names) for entry in diff.removed],
        changed=[
            ChangedWords(
                _entry_words(change.after, names),
                [
                    (ENTRY_FIELDS[name], _field(change.before, name, names), _field(change.after, name, names))
                    for name in change.fields
                ],
            )
            for change in diff.changed
        ],
        checks=[_check_words(change, names) for change in diff.checks],
    )
