"""Importing past referrals (a council's history from its earlier system) for the insight reports and for
recognising a child referred again.

`hub referral import-history DIR [--decisions FILE]` reads every `*.json` in DIR through the same intake
check as any channel (`hub.intake.reader.read_referral`), and a decisions CSV (the columns of
`hub sandbox referrals`' `manifest.csv`: `referral_id`, `outcome`, `level`, `decided_at`, and optionally
`decided_by`; other columns are ignored). Everything is checked before anything is stored: one bad file
or row refuses the whole import, listing every problem by file and field, and nothing is stored.

Each referral is then stored (audited `referral.create` with the purpose `IMPORT_PURPOSE`), assessed
against the checklist as on intake, and marked `ChecksStage.IMPORTED`: the hub did not check the agencies
for it, so it is never triggered, never in anyone's inbox, and never read as "no record". Its decision,
if given, is recorded and agreed at its past time (`HubStore.import_decision`). Running the import again
stores nothing twice: the same id with the same content is skipped, the same id with other content is
refused naming the id (before anything is stored).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.chronology.check_states import IMPORTED_HISTORY
from hub.decisions.config import DecisionsConfig, load_decisions
from hub.errors import UserError
from hub.intake.problems import ReferralRefused
from hub.intake.reader import read_referral
from hub.quality.checklist import load_checklist
from hub.quality.records import record_assessment
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.decision_records import IMPORTED_BY
from schemas import ChecksStage, Referral

IMPORT_PURPOSE = "import of past referrals"
IMPORTED_WORDS = IMPORTED_HISTORY
"""What every page and command shows for an imported referral instead of any state of its checks."""
DECISION_COLUMNS = ("referral_id", "outcome", "level", "decided_at")
MAX_DECISIONS_BYTES = 50 * 1024 * 1024
MAX_LISTED = 100

Progress = Callable[[int, int], None]
"""(done, of): called after each referral is stored."""


class HistoryRefused(UserError):
    """The import was refused and nothing was stored; the message lists every problem, one a line."""

    def __init__(self, problems: list[str], what: str) -> None:
        listed = [f"  {problem}" for problem in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            listed.append(f"  ... and {len(problems) - MAX_LISTED:,} more.")
        count = f"{len(problems):,} problem{'s' if len(problems) != 1 else ''}"
        super().__init__("\n".join([f"Nothing was imported: {what} ({count}):", *listed]))
        self.problems = problems


@dataclass(frozen=True)
class PastDecision:
    referral_id: str
    outcome: str
    level: int
    decided_at: datetime
    decided_by: str


@dataclass
class ImportReport:
    stored: int = 0
    skipped: int = 0
    """Already stored with the same content (an import run again)."""
    decisions_stored: int = 0
    decisions_skipped: int = 0
    destroyed: int = 0
    """Destroyed under the retention schedule since an earlier import: never brought back."""


def read_history(directory: Path) -> list[Referral]:
    """Every referral in `directory`'s `*.json`, each through intake's check; `HistoryRefused` listing every
    problem in every file (by file name and field) if any is bad, or if two files share an id."""
    if not directory.is_dir():
        raise UserError(f"{directory} is not a folder. Give the folder holding the referrals' JSON files.")
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise UserError(f"{directory} holds no referral (*.json) files; nothing was imported.")
    referrals: list[Referral] = []
    problems: list[str] = []
    first_file: dict[str, str] = {}
    for path in paths:
        try:
            referral = read_referral(path)
        except ReferralRefused as refused:
            problems += [f"{path.name}: {problem}" for problem in refused.problems]
            continue
        except UserError as error:
            problems.append(f"{path.name}: {error}")
            continue
        if referral.referral_id in first_file:
            problems.append(f"{path.name}: referral_id is also in {first_file[referral.referral_id]}")
            continue
        first_file[referral.referral_id] = path.name
        referrals.append(referral)
    if problems:
        raise HistoryRefused(problems, f"{directory.name} has files that are not valid referrals")
    return referrals


def read_decisions(path: Path, config: DecisionsConfig, received: Mapping[str, datetime]) -> list[PastDecision]:
    """The decisions CSV's rows, checked against decisions.yaml and the referrals being imported (id to time
    received); `HistoryRefused` naming each bad row (by line) and column."""
    try:
        if path.stat().st_size > MAX_DECISIONS_BYTES:
            raise UserError(f"{path} is larger than 50 MB: is it the decisions file?")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"No such file: {path}. Give the decisions CSV (e.g. the generator's manifest.csv).") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text: save the decisions as CSV (UTF-8).") from None
    except OSError:
        raise UserError(f"Cannot read {path}. Check that it is a file and its permissions.") from None
    reader = csv.DictReader(text.splitlines())
    missing = [column for column in DECISION_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise UserError(
            f"{path.name}: the header has no {', '.join(missing)} column; it needs {', '.join(DECISION_COLUMNS)}."
        )
    decisions: list[PastDecision] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        found = _decision(row, config, received, seen)
        if isinstance(found, str):
            problems.append(f"{path.name} line {line}: {found}")
        else:
            seen.add(found.referral_id)
            decisions.append(found)
    if problems:
        raise HistoryRefused(problems, f"{path.name} has rows that are not valid decisions")
    return decisions


def _decision(
    row: dict[str, str | None], config: DecisionsConfig, received: Mapping[str, datetime], seen: set[str]
) -> PastDecision | str:
    """One row as a decision, or the one problem with it (naming the column, never quoting a value)."""
    referral_id = (row.get("referral_id") or "").strip()
    if referral_id not in received:
        return "referral_id is not one of the referrals being imported"
    if referral_id in seen:
        return f"referral_id {referral_id} has a decision on an earlier line"
    outcome = (row.get("outcome") or "").strip()
    if outcome not in config.outcomes:
        return f"outcome is not one of decisions.yaml's outcomes ({', '.join(config.outcomes)})"
    level = (row.get("level") or "").strip()
    if level not in {str(each) for each in config.levels}:
        return "level must be a level of need, 1 to 4"
    try:
        decided_at = datetime.fromisoformat((row.get("decided_at") or "").strip())
    except ValueError:
        return "decided_at is not a date and time (e.g. 2025-03-04T10:15:00+00:00)"
    if decided_at.tzinfo is None:
        return "decided_at needs its time zone (e.g. +00:00)"
    if decided_at < received[referral_id]:
        return "decided_at is before the referral was received"
    decided_by = (row.get("decided_by") or "").strip() or IMPORTED_BY
    if len(decided_by) > 100:
        return "decided_by is longer than 100 characters"
    return PastDecision(referral_id, outcome, int(level), decided_at, decided_by)


def import_history(
    settings: HubSettings,
    store: HubStore,
    directory: Path,
    decisions_file: Path | None,
    *,
    actor: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Check everything, then store each referral as imported history with its assessment and decision."""
    checklist = load_checklist(settings)  # a mistake in it stops the import before anything is stored
    referrals = read_history(directory)
    decisions: dict[str, PastDecision] = {}
    if decisions_file is not None:
        config = load_decisions(settings)
        received = {referral.referral_id: referral.received_at for referral in referrals}
        decisions = {found.referral_id: found for found in read_decisions(decisions_file, config, received)}
    _refuse_conflicts(store, referrals, decisions, actor=actor)
    destroyed = _destroyed(store, [referral.referral_id for referral in referrals])
    report = ImportReport()
    for done, referral in enumerate(referrals, start=1):
        referral_id = referral.referral_id
        if referral_id in destroyed:  # Importing it again would undo the destruction until the next run.
            report.destroyed += 1
            continue
        created = store.save_referral(referral, actor=actor, purpose=IMPORT_PURPOSE)
        checks = store.referral_checks(referral_id)
        if created or checks is None:  # a referral left half-imported (the process died) is finished now
            record_assessment(store, referral, checklist, actor=actor)
            store.mark_checks(referral_id, ChecksStage.IMPORTED)
            checks = store.referral_checks(referral_id)
        report.stored += int(created)
        report.skipped += int(not created)
        decision = decisions.get(referral_id)
        if decision is not None and checks is not None and checks.stage is ChecksStage.IMPORTED:
            stored = store.import_decision(
                referral_id, outcome=decision.outcome, level=decision.level, decided_at=decision.decided_at,
                decided_by=decision.decided_by, actor=actor, purpose=IMPORT_PURPOSE,
            )  # fmt: skip
            report.decisions_stored += int(stored)
            report.decisions_skipped += int(not stored)
        if progress is not None:
            progress(done, len(referrals))
    return report


def _destroyed(store: HubStore, referral_ids: list[str], batch: int = 500) -> set[str]:
    """The ids among `referral_ids` that the retention schedule has destroyed (a destruction record holds them)."""
    found: set[str] = set()
    for start in range(0, len(referral_ids), batch):
        found |= {record.referral_id for record in store.destruction_records(referral_ids[start : start + batch])}
    return found


def _refuse_conflicts(
    store: HubStore, referrals: list[Referral], decisions: Mapping[str, PastDecision], *, actor: str
) -> None:
    """Refuse, before anything is stored, an id already stored with other content, or a referral already holding
    a decision other than the one imported for it (naming every such id), so an import never stops half-way."""
    taken = []
    for referral in referrals:
        if not store.referral_exists(referral.referral_id):
            continue
        stored = store.load_referral(referral.referral_id, actor=actor, purpose=IMPORT_PURPOSE)
        if stored.model_dump(mode="json") != referral.model_dump(mode="json"):
            taken.append(f"{referral.referral_id}: the hub already holds a different referral with this id")
    for held in store.decision_listing(decisions):
        past = decisions[held.referral_id]
        same = (held.number, held.outcome, held.level, held.recorded_by) == (
            1,
            past.outcome,
            past.level,
            past.decided_by,
        )
        if not same or held.recorded_at != past.decided_at:
            taken.append(f"{held.referral_id}: the hub already holds a different decision on this referral")
    if taken:
        raise HistoryRefused(taken, "referral ids already taken")
