"""`hub chronology diff`: each child's chronology, compared between two stored versions and shown.

Every version read is audited (as the family history's reads are, with the practitioner's purpose).
Which versions: the latest against the one before it, unless `--from`/`--to` say otherwise; children
can have different numbers of versions (an unchanged chronology adds none), so a requested version a
child does not have is said in that child's section, and is an error only when no child has it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from hub.chronology.check_states import STATE_WORDS, reason_words
from hub.chronology.diff import (
    ENTRY_FIELDS,
    CheckChange,
    CheckSnapshot,
    ChronologyDiff,
    EntryChange,
    VersionSummary,
    diff_chronologies,
    diff_document,
    version_document,
)
from hub.chronology.family_history import format_when
from hub.chronology.reading import PRACTITIONER_PURPOSE
from hub.chronology.restricted import Clearance
from hub.errors import UserError
from hub.settings import HubSettings
from hub.terminal import shown
from schemas import Chronology, ChronologyEntry

if TYPE_CHECKING:
    from hub.store import HubStore


class Outcome(StrEnum):
    """Why a child's section says what it says (the `status` of each child in `--json`)."""

    COMPARED = "compared"
    NO_VERSIONS = "no_versions"
    ONE_VERSION = "one_version"
    VERSION_MISSING = "version_missing"
    NOTHING_TO_COMPARE = "nothing_to_compare"


@dataclass(frozen=True)
class ChildComparison:
    """One child's part of `hub chronology diff`: the diff, or why there is none."""

    subject_id: str
    name: str
    versions: tuple[int, ...]
    outcome: Outcome
    note: str = ""
    """Why there is no diff, in words (ids and version numbers only)."""
    diff: ChronologyDiff | None = None
    only: VersionSummary | None = None
    """The child's one version, when it has only one."""


def version_list(versions: Sequence[int]) -> str:
    """ "versions 1 to 3", "version 1 only", "versions 1, 2 and 4", "no versions"."""
    if not versions:
        return "no versions"
    if len(versions) == 1:
        return f"version {versions[0]} only"
    if len(versions) > 2 and list(versions) == list(range(versions[0], versions[-1] + 1)):
        return f"versions {versions[0]} to {versions[-1]}"
    return "versions " + ", ".join(str(v) for v in versions[:-1]) + f" and {versions[-1]}"


@dataclass(frozen=True)
class _NoPair:
    outcome: Outcome
    note: str


def _pair(versions: Sequence[int], start: int | None, end: int | None) -> tuple[int, int] | _NoPair:
    """(from, to) for one child, or why there is nothing to compare (an outcome and its words)."""
    for requested in (start, end):
        if requested is not None and requested not in versions:
            held = version_list(versions)
            return _NoPair(
                Outcome.VERSION_MISSING, f"version {requested} does not exist for this child (it has {held})"
            )
    later = end if end is not None else versions[-1]
    if start is not None:
        if start >= later:
            return _NoPair(Outcome.NOTHING_TO_COMPARE, f"nothing to compare: version {start} is the latest")
        return start, later
    earlier = [version for version in versions if version < later]
    if not earlier:
        return _NoPair(Outcome.NOTHING_TO_COMPARE, f"nothing to compare: version {later} is the first")
    return earlier[-1], later


def _check_requested(
    referral_id: str, versions: Mapping[str, Sequence[int]], start: int | None, end: int | None
) -> None:
    """Refuse, in one line, versions no child has and a range that runs backwards."""
    if start is not None and end is not None and start >= end:
        raise UserError(f"--from must be an earlier version than --to (got --from {start} --to {end}).")
    for option, requested in (("--from", start), ("--to", end)):
        if requested is not None and not any(requested in held for held in versions.values()):
            held = "; ".join(f"{child} has {version_list(numbers)}" for child, numbers in versions.items())
            raise UserError(
                f"Referral '{referral_id}' has no chronology version {requested} ({option}): "
                f"{held or 'no child has a chronology yet'}."
            )


def compare_versions(
    settings: HubSettings,
    referral_id: str,
    *,
    actor: str,
    clearance: Clearance,
    from_version: int | None = None,
    to_version: int | None = None,
    purpose: str = PRACTITIONER_PURPOSE,
    store: HubStore | None = None,
) -> tuple[dict[str, str], list[ChildComparison]]:
    """Read (audited) and compare each child's versions: the referral's names, and one comparison per child.

    `store` is one already open (the web application's, left open); otherwise the home's is opened and closed.
    """
    from hub.store.home import open_store

    given = store
    store = given or open_store(settings)
    try:
        if not store.referral_exists(referral_id):
            raise UserError(f"No referral with id '{referral_id}' in {settings.home}. Check the id, or set HUB_HOME.")
        referral = store.load_referral(referral_id, actor=actor, purpose=purpose)
        names = {subject.subject_id: subject.name.display for subject in referral.subjects}
        children = [subject.subject_id for subject in referral.children]
        versions = {child: store.chronology_versions(referral_id, child) for child in children}
        _check_requested(referral_id, versions, from_version, to_version)

        def load(child: str, version: int) -> Chronology:
            found = store.load_chronology(referral_id, child, version, actor=actor, purpose=purpose)
            if found is None:  # listed a moment ago: only a concurrent deletion could do this
                raise UserError(f"Chronology version {version} of {referral_id}/{child} could not be read; try again.")
            return clearance.withhold(found)

        comparisons = []
        for child in children:
            held = tuple(versions[child])
            name = names.get(child, child)
            if not held:
                comparisons.append(ChildComparison(child, name, held, Outcome.NO_VERSIONS, "no chronology stored yet"))
                continue
            if len(held) == 1 and from_version is None and to_version is None:
                only = VersionSummary.of(load(child, held[0]))
                note = f"only one version (version {held[0]}): nothing to compare"
                comparisons.append(ChildComparison(child, name, held, Outcome.ONE_VERSION, note, only=only))
                continue
            pair = _pair(held, from_version, to_version)
            if isinstance(pair, _NoPair):
                comparisons.append(ChildComparison(child, name, held, pair.outcome, pair.note))
                continue
            earlier, later = pair
            diff = diff_chronologies(load(child, earlier), load(child, later))
            comparisons.append(ChildComparison(child, name, held, Outcome.COMPARED, diff=diff))
        return names, comparisons
    finally:
        if given is None:
            store.close()


def diff_histories(
    settings: HubSettings,
    referral_id: str,
    *,
    actor: str,
    clearance: Clearance,
    console: Console,
    from_version: int | None = None,
    to_version: int | None = None,
    as_json: bool = False,
    purpose: str = PRACTITIONER_PURPOSE,
) -> list[ChildComparison]:
    """Print what changed in each child's chronology between two versions (as JSON when asked)."""
    names, comparisons = compare_versions(
        settings,
        referral_id,
        actor=actor,
        clearance=clearance,
        from_version=from_version,
        to_version=to_version,
        purpose=purpose,
    )
    if as_json:
        # ASCII-only JSON: every control character and non-ASCII letter is a \u escape, so none reaches the terminal.
        document = diff_histories_document(referral_id, names, comparisons)
        console.out(json.dumps(document, indent=2, ensure_ascii=True), highlight=False)
    else:
        print_diff(referral_id, names, comparisons, console)
    return comparisons


def diff_histories_document(
    referral_id: str, names: Mapping[str, str], comparisons: Sequence[ChildComparison]
) -> dict[str, Any]:
    return {
        "referral_id": referral_id,
        "people": dict(names),
        "children": [
            {
                "subject_id": comparison.subject_id,
                "name": comparison.name,
                "versions": list(comparison.versions),
                "status": comparison.outcome.value,
                "note": comparison.note or None,
                "only_version": version_document(comparison.only) if comparison.only else None,
                "diff": diff_document(comparison.diff) if comparison.diff else None,
            }
            for comparison in comparisons
        ],
    }


# Terminal rendering: fixed wording may use markup; every stored value goes through `shown`.


def _line(*parts: str | Text) -> Text:
    return Text.assemble(*(Text.from_markup(part) if isinstance(part, str) else part for part in parts))


def _version_words(summary: VersionSummary) -> str:
    when = f"version {summary.version}, assembled {summary.assembled_at.astimezone(UTC):%d %b %Y %H:%M} UTC"
    if summary.partial:
        count = len(summary.outstanding)
        return f"{when}: [bold yellow]partial[/] ({count} check{'s' if count != 1 else ''} without a final answer)"
    return f"{when}: not partial"


def _people(entry: ChronologyEntry, names: Mapping[str, str]) -> str:
    parts = []
    for person in sorted(entry.people, key=lambda p: (p.subject_id or "", p.agency_person_id, p.role.value)):
        who = names.get(person.subject_id or "") or f"{entry.source.agency} {person.agency_person_id}, not linked"
        parts.append(f"{who} ({person.role.value.replace('_', ' ')})")
    return "; ".join(dict.fromkeys(parts))


def _field_value(entry: ChronologyEntry, field: str, names: Mapping[str, str]) -> str:
    if field == "people":
        return _people(entry, names)
    value = getattr(entry, field)
    if value is None:
        return "none"
    return str(getattr(value, "value", value))


def _entry_line(mark: str, entry: ChronologyEntry) -> Text:
    return _line(
        f"    {mark} ",
        shown(format_when(entry)),
        "  ",
        shown(entry.category.value.replace("_", " ")),
        "  ",
        shown(f"{entry.source.agency} {entry.source.record_id}"),
        ": ",
        shown(entry.summary),
    )


def _changed_entry(change: EntryChange, names: Mapping[str, str]) -> list[Text]:
    fields = ", ".join(ENTRY_FIELDS[field] for field in change.fields)
    lines = [_line(_entry_line("[bold]~[/]", change.after), f"  [italic](changed: {fields})[/]")]
    for field in change.fields:
        before, after = _field_value(change.before, field, names), _field_value(change.after, field, names)
        lines.append(_line(f"        {ENTRY_FIELDS[field]}: ", shown(before), " → ", shown(after)))
    return lines


def _state_words(snapshot: CheckSnapshot | None, version: int) -> str:
    return f"not in version {version}" if snapshot is None else STATE_WORDS[snapshot.state]


def _check_line(change: CheckChange, diff: ChronologyDiff, names: Mapping[str, str]) -> Text:
    before, after = change.before, change.after
    parts: list[str | Text] = [
        "    ",
        shown(change.agency),
        ", ",
        shown(names.get(change.subject_id, change.subject_id)),
        ": ",
        shown(_state_words(before, diff.earlier.version)),
    ]
    if "state" in change.fields:
        parts += [" → ", shown(_state_words(after, diff.later.version))]
    if before is not None and after is not None:
        if "reason" in change.fields:
            reasons = (
                reason_words(before.reason) if before.reason else "none",
                reason_words(after.reason) if after.reason else "none",
            )
            parts += ["; reason: ", shown(reasons[0]), " → ", shown(reasons[1])]
        if "attempts" in change.fields:
            parts += [f"; attempts: {before.attempts} → {after.attempts}"]
    return _line(*parts)


def _diff_lines(diff: ChronologyDiff, names: Mapping[str, str]) -> list[Text]:
    lines = [_line("  from ", _version_words(diff.earlier)), _line("  to   ", _version_words(diff.later))]
    if diff.unchanged:
        lines.append(_line("  No entries or check states changed."))
        return lines
    counts = f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
    lines.append(_line(f"  [bold]Entries:[/] {counts}"))
    lines += [_entry_line("[green]+[/]", entry) for entry in diff.added]
    lines += [_entry_line("[red]-[/]", entry) for entry in diff.removed]
    for change in diff.changed:
        lines += _changed_entry(change, names)
    lines.append(_line(f"  [bold]Check states:[/] {len(diff.checks)} changed"))
    lines += [_check_line(change, diff, names) for change in diff.checks]
    return lines


def print_diff(
    referral_id: str, names: Mapping[str, str], comparisons: Sequence[ChildComparison], console: Console
) -> None:
    console.rule(_line("[bold]What changed in the chronologies of referral ", shown(referral_id)))
    if not comparisons:
        console.print("The referral names no children.")
    for comparison in comparisons:
        heading = Text.assemble(shown(comparison.name), " (", shown(comparison.subject_id), ")", style="bold")
        if comparison.diff is not None:
            diff = comparison.diff
            console.print(_line(heading, f": version {diff.earlier.version} → version {diff.later.version}"))
            for line in _diff_lines(diff, names):
                console.print(line)
        else:
            console.print(_line(heading, ": ", shown(comparison.note)))
            if comparison.only is not None:
                console.print(_line("  ", _version_words(comparison.only)))
