"""What changed in a child's chronology between two stored versions: entries, check states, partiality.

Pure functions over `Chronology` objects; reading the versions (audited) and showing the result live in
`hub.chronology.diff_reading`.

- An entry's identity is its source agency, the agency's record id and its category. An entry only in
  the later version was added, one only in the earlier was removed, and one in both whose date, date
  precision, end date, summary, action taken, people or sensitivity differ was changed (and the
  fields are named). Should one identity carry several entries (two reports of one agency event that
  differ in more than their people), identical ones are matched first and the rest paired in order.
- A check is keyed by agency and person. Its state is the one `state_at` gives as of the version's
  assembly time: the stored state, or for a version stored before states existed the state derived
  from the agency's answer, and "overdue" if it was already past its due time then. So a comparison
  never depends on when it is run.
- A version is partial when it lists checks with no final answer (`Chronology.outstanding`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.chronology.check_states import state_at
from schemas import CheckResult, CheckState, Chronology, ChronologyEntry

ENTRY_FIELDS = {
    "occurred_on": "date",
    "date_precision": "date precision",
    "ended_on": "end date",
    "summary": "summary",
    "action_taken": "action taken",
    "people": "people",
    "sensitivity": "sensitivity",
}
"""The fields compared for an entry of the same identity, in the order they are reported, with their words."""


@dataclass(frozen=True, order=True)
class EntryIdentity:
    agency: str
    record_id: str
    category: str

    @classmethod
    def of(cls, entry: ChronologyEntry) -> EntryIdentity:
        return cls(entry.source.agency, entry.source.record_id, entry.category.value)


@dataclass(frozen=True)
class EntryChange:
    """One entry present in both versions under the same identity, with the fields that differ."""

    identity: EntryIdentity
    before: ChronologyEntry
    after: ChronologyEntry
    fields: tuple[str, ...]
    """Keys of `ENTRY_FIELDS`, in its order."""


@dataclass(frozen=True)
class CheckSnapshot:
    """What a version says about one check: its state (as of the version's assembly), reason and attempts."""

    state: CheckState
    reason: str | None
    attempts: int

    @classmethod
    def of(cls, check: CheckResult, assembled_at: datetime) -> CheckSnapshot:
        return cls(state=state_at(check, assembled_at), reason=check.reason, attempts=check.attempts)


@dataclass(frozen=True)
class CheckChange:
    """A check whose state, reason or attempts differ; `before` or `after` is None if absent from that version."""

    agency: str
    subject_id: str
    before: CheckSnapshot | None
    after: CheckSnapshot | None

    @property
    def fields(self) -> tuple[str, ...]:
        """Which of "state", "reason" and "attempts" changed (all three when the check is in one version only)."""
        if self.before is None or self.after is None:
            return ("state", "reason", "attempts")
        return tuple(
            name for name in ("state", "reason", "attempts") if getattr(self.before, name) != getattr(self.after, name)
        )


@dataclass(frozen=True)
class VersionSummary:
    version: int
    assembled_at: datetime
    outstanding: tuple[tuple[str, str], ...]
    """(agency, subject id) of each check without a final answer when the version was assembled."""

    @property
    def partial(self) -> bool:
        return bool(self.outstanding)

    @classmethod
    def of(cls, chronology: Chronology) -> VersionSummary:
        outstanding = tuple(sorted((check.agency, check.subject_id) for check in chronology.outstanding))
        return cls(version=chronology.version, assembled_at=chronology.assembled_at, outstanding=outstanding)


@dataclass(frozen=True)
class ChronologyDiff:
    """What changed in one child's chronology from `earlier` to `later`."""

    referral_id: str
    child_subject_id: str
    earlier: VersionSummary
    later: VersionSummary
    added: tuple[ChronologyEntry, ...]
    removed: tuple[ChronologyEntry, ...]
    changed: tuple[EntryChange, ...]
    checks: tuple[CheckChange, ...]

    @property
    def unchanged(self) -> bool:
        """Nothing to report about entries or checks (partiality follows from the checks)."""
        return not (self.added or self.removed or self.changed or self.checks)


def _people(entry: ChronologyEntry) -> list[tuple[str, str, str]]:
    return sorted({(person.agency_person_id, person.role.value, person.subject_id or "") for person in entry.people})


def _compared(entry: ChronologyEntry, field: str) -> object:
    return _people(entry) if field == "people" else getattr(entry, field)


def changed_fields(before: ChronologyEntry, after: ChronologyEntry) -> tuple[str, ...]:
    """The compared fields (keys of `ENTRY_FIELDS`) in which two entries differ; people in any order are equal."""
    return tuple(field for field in ENTRY_FIELDS if _compared(before, field) != _compared(after, field))


def _by_identity(entries: Iterable[ChronologyEntry]) -> dict[EntryIdentity, list[ChronologyEntry]]:
    grouped: dict[EntryIdentity, list[ChronologyEntry]] = {}
    for entry in entries:
        grouped.setdefault(EntryIdentity.of(entry), []).append(entry)
    return grouped


def diff_entries(
    earlier: Iterable[ChronologyEntry], later: Iterable[ChronologyEntry]
) -> tuple[list[ChronologyEntry], list[ChronologyEntry], list[EntryChange]]:
    """(added, removed, changed) between two lists of entries, each in date order."""
    before, after = _by_identity(earlier), _by_identity(later)
    added: list[ChronologyEntry] = []
    removed: list[ChronologyEntry] = []
    changed: list[EntryChange] = []
    for identity in sorted(before.keys() | after.keys()):
        old, new = list(before.get(identity, [])), list(after.get(identity, []))
        for entry in list(old):  # the same entry in both versions: matched first, nothing to report
            same = next((candidate for candidate in new if not changed_fields(entry, candidate)), None)
            if same is not None:
                old.remove(entry)
                new.remove(same)
        for old_entry, new_entry in zip(old, new, strict=False):
            changed.append(EntryChange(identity, old_entry, new_entry, changed_fields(old_entry, new_entry)))
        removed += old[len(new) :]
        added += new[len(old) :]
    changed.sort(key=lambda change: (change.after.sort_key(), change.identity))
    return sorted(added, key=ChronologyEntry.sort_key), sorted(removed, key=ChronologyEntry.sort_key), changed


def diff_checks(earlier: Chronology, later: Chronology) -> list[CheckChange]:
    """Checks whose state, reason or attempts differ, ordered by agency then person."""
    before = {
        (check.agency, check.subject_id): CheckSnapshot.of(check, earlier.assembled_at) for check in earlier.checks
    }
    after = {(check.agency, check.subject_id): CheckSnapshot.of(check, later.assembled_at) for check in later.checks}
    return [
        CheckChange(agency, subject_id, before.get((agency, subject_id)), after.get((agency, subject_id)))
        for agency, subject_id in sorted(before.keys() | after.keys())
        if before.get((agency, subject_id)) != after.get((agency, subject_id))
    ]


def diff_chronologies(earlier: Chronology, later: Chronology) -> ChronologyDiff:
    """What changed in one child's chronology from `earlier` to `later` (two versions of the same child's)."""
    if (earlier.referral_id, earlier.child_subject_id) != (later.referral_id, later.child_subject_id):
        raise ValueError("a diff compares two versions of one child's chronology")
    added, removed, changed = diff_entries(earlier.entries, later.entries)
    return ChronologyDiff(
        referral_id=later.referral_id,
        child_subject_id=later.child_subject_id,
        earlier=VersionSummary.of(earlier),
        later=VersionSummary.of(later),
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        checks=tuple(diff_checks(earlier, later)),
    )


def version_document(summary: VersionSummary) -> dict[str, Any]:
    return {
        "version": summary.version,
        "assembled_at": summary.assembled_at.isoformat(),
        "partial": summary.partial,
        "outstanding": [{"agency": agency, "subject_id": subject_id} for agency, subject_id in summary.outstanding],
    }


def _check_document(snapshot: CheckSnapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {"state": snapshot.state.value, "reason": snapshot.reason, "attempts": snapshot.attempts}


def diff_document(diff: ChronologyDiff) -> dict[str, Any]:
    """The diff as plain JSON values: entries as stored (`model_dump`), checks with their state codes."""
    return {
        "from": version_document(diff.earlier),
        "to": version_document(diff.later),
        "unchanged": diff.unchanged,
        "entries": {
            "added": [entry.model_dump(mode="json") for entry in diff.added],
            "removed": [entry.model_dump(mode="json") for entry in diff.removed],
            "changed": [
                {
                    "agency": change.identity.agency,
                    "record_id": change.identity.record_id,
                    "category": change.identity.category,
                    "fields": list(change.fields),
                    "before": change.before.model_dump(mode="json"),
                    "after": change.after.model_dump(mode="json"),
                }
                for change in diff.changed
            ],
        },
        "checks": [
            {
                "agency": change.agency,
                "subject_id": change.subject_id,
                "fields": list(change.fields),
                "before": _check_document(change.before),
                "after": _check_document(change.after),
            }
            for change in diff.checks
        ],
    }
