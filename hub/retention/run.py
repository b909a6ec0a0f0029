"""Applying the retention schedule: schedule every referral, move its keys to their epoch, destroy what is due.

One run, whoever starts it (`hub retention run` as an IG officer, or the daily DAG as `service:retention`):

1. **Schedule.** Each referral's rule and disposal date from its plain facts (`hub.retention.schedule`). A
   stored schedule is reused while its fingerprint matches; otherwise it is computed again, reading the
   referral (audited, purpose `retention schedule`) only when an age rule needs its children's birth years.
2. **Epochs.** Every data key of a referral not yet due goes to its disposal epoch (`disposal-YYYY`), or
   while it is held to its hold's epoch (`hold-N`), so that each epoch's keys all fall due together.
3. **Destruction.** Each referral due before the run's day, held by no legal hold and with no checks
   running, is destroyed in a transaction of its own (`HubStore.destroy_referral`): a crash loses nothing,
   and the next run finishes the job.
4. **Epoch secrets.** An epoch whose year is over (or whose hold was released) and which holds no key any
   more has its secret destroyed, so no copy of the database, however old, can unwrap its keys again.

A dry run does none of the writing: it reports what the run would do, from the schedules already stored
(a referral whose schedule needs its birth years read again is reported as awaiting its schedule, since
reading it would be a read of personal data the report does not need to make). Both end with one
`retention.run` event holding the day and the counts only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from hub.crypto import CryptoError
from hub.errors import UserError
from hub.retention.policy import RetentionConfig
from hub.retention.schedule import (
    Facts,
    Schedule,
    choose_rule,
    council_day,
    disposal_year,
    end_of_year,
    fingerprint,
    hold_epoch,
    hold_id,
    intake_month_end,
    schedule,
    youngest_birth_year,
)
from hub.store import HubStore, StoreError
from hub.store.retention_records import DestructionRecord, NewSchedule, RetentionFacts, Skipped

PURPOSE = "retention schedule"
SERVICE_ACTOR = "service:retention"
DUE_SOON = timedelta(days=90)
"""How far ahead the report looks: what falls due in the next 90 days."""
BATCH = 200
"""Referrals whose keys move in one transaction, and schedules stored in one."""

Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: stages `reading`, `moving keys`, `destroying`."""


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress shown (the DAG's task log needs none)."""


@dataclass(frozen=True)
class Due:
    """A referral in the report: ids, the rule and the date only."""

    referral_id: str
    rule: str
    disposal_date: date
    holds: tuple[int, ...] = ()
    """The active legal holds keeping it (numbers), if any."""
    destruction_record: int | None = None


@dataclass
class RetentionReport:
    """What a run did, or a dry run would do: ids, rules, dates and counts, never content."""

    as_of: date
    dry_run: bool
    referrals: int = 0
    scheduled: int = 0
    computed: int = 0
    """Schedules computed this run (new referrals, a new decision, a changed rule)."""
    read: int = 0
    """Referrals read (audited) for their children's birth years."""
    destroy: list[Due] = field(default_factory=list)
    """Destroyed (a run), or due and free to be destroyed (a dry run)."""
    held: list[Due] = field(default_factory=list)
    checks_running: list[Due] = field(default_factory=list)
    due_soon: list[Due] = field(default_factory=list)
    awaiting_schedule: list[str] = field(default_factory=list)
    """A dry run: referrals whose schedule needs their birth years read, which only a run does."""
    unreadable: list[str] = field(default_factory=list)
    no_rule: list[str] = field(default_factory=list)
    keys_moved: int = 0
    epochs_destroyed: list[str] = field(default_factory=list)

    @property
    def due_soon_until(self) -> date:
        return self.as_of + DUE_SOON

    def summary(self) -> str:
        """The counts, as the `retention.run` event's object id (no referral named)."""
        kind = "dry run" if self.dry_run else "run"
        verb = "would destroy" if self.dry_run else "destroyed"
        parts = [
            f"{kind} as of {self.as_of.isoformat()}",
            f"{self.referrals} referrals",
            f"{self.scheduled} scheduled",
            f"{self.read} read",
            f"{verb} {len(self.destroy)}",
            f"held {len(self.held)}",
            f"checks running {len(self.checks_running)}",
            f"due soon {len(self.due_soon)}",
            f"unscheduled {len(self.awaiting_schedule) + len(self.unreadable) + len(self.no_rule)}",
            f"keys moved {self.keys_moved}",
            f"epochs destroyed {len(self.epochs_destroyed)}",
        ]
        return "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        def listed(items: list[Due]) -> list[dict[str, object]]:
            return [
                {
                    "referral_id": item.referral_id,
                    "rule": item.rule,
                    "disposal_date": item.disposal_date.isoformat(),
                    **({"holds": list(item.holds)} if item.holds else {}),
                    **({"destruction_record": item.destruction_record} if item.destruction_record else {}),
                }
                for item in items
            ]

        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "counts": {
                "referrals": self.referrals,
                "scheduled": self.scheduled,
                "computed": self.computed,
                "read_for_birth_years": self.read,
                "destroyed" if not self.dry_run else "would_destroy": len(self.destroy),
                "held": len(self.held),
                "checks_running": len(self.checks_running),
                "due_soon": len(self.due_soon),
                "awaiting_schedule": len(self.awaiting_schedule),
                "unreadable": len(self.unreadable),
                "no_rule": len(self.no_rule),
                "keys_moved": self.keys_moved,
                "epochs_destroyed": len(self.epochs_destroyed),
            },
            "destroyed" if not self.dry_run else "would_destroy": listed(self.destroy),
            "held": listed(self.held),
            "checks_running": listed(self.checks_running),
            "due_soon": {"until": self.due_soon_until.isoformat(), "referrals": listed(self.due_soon)},
            "awaiting_schedule": self.awaiting_schedule,
            "unreadable": self.unreadable,
            "no_rule": self.no_rule,
            "epochs_destroyed": self.epochs_destroyed,
        }


class RunRefused(UserError):
    """The run was asked for something it must not do (destroy ahead of today); nothing was changed."""


def _facts(stored: RetentionFacts, zone: tzinfo) -> Facts:
    return Facts(
        referral_id=stored.referral_id,
        received_on=council_day(stored.received_at, zone),
        imported=stored.imported,
        outcome=stored.outcome,
        decided_on=None if stored.decided_at is None else council_day(stored.decided_at, zone),
    )


def _schedules(
    store: HubStore,
    config: RetentionConfig,
    facts: list[RetentionFacts],
    report: RetentionReport,
    *,
    zone: tzinfo,
    actor: str,
    progress: Progress,
) -> dict[str, Schedule]:
    """Each referral's current schedule: stored if its fingerprint still matches, else computed (and, in a
    real run, stored); a referral that needs reading and is not read (a dry run) or cannot be is left out."""
    current: dict[str, Schedule] = {}
    fresh: list[NewSchedule] = []
    to_read: list[Facts] = []

    def computed(each: Facts, birth_year: int | None) -> None:
        found = schedule(config, each, birth_year)
        assert found is not None  # A rule was chosen for these facts.
        current[each.referral_id] = found
        fresh.append(NewSchedule(each.referral_id, found.rule, found.disposal_date, found.fingerprint))
        report.computed += 1

    for stored in facts:
        each = _facts(stored, zone)
        chosen = choose_rule(config, each)
        if chosen is None:
            report.no_rule.append(each.referral_id)
            continue
        name, rule = chosen
        digest = fingerprint(each, name, rule)
        if stored.schedule is not None and stored.schedule.fingerprint == digest:
            current[each.referral_id] = Schedule(stored.schedule.rule, stored.schedule.disposal_date, digest)
        elif not rule.needs_age:
            computed(each, None)
        elif report.dry_run:
            report.awaiting_schedule.append(each.referral_id)
        else:
            to_read.append(each)
    for done, each in enumerate(to_read, start=1):
        try:
            referral = store.load_referral(each.referral_id, actor=actor, purpose=PURPOSE)
        except (StoreError, CryptoError):  # Unreadable (the store reports and audits why), or gone meanwhile.
            report.unreadable.append(each.referral_id)
        else:
            report.read += 1
            computed(each, youngest_birth_year(referral))
        progress("reading", done, len(to_read))
        if len(fresh) >= BATCH:
            store.save_retention_schedules(fresh, actor=actor, purpose=PURPOSE)
            fresh.clear()
    if not report.dry_run:
        for start in range(0, len(fresh), BATCH * 5):
            store.save_retention_schedules(fresh[start : start + BATCH * 5], actor=actor, purpose=PURPOSE)
    return current


def _classify(
    facts: list[RetentionFacts],
    current: dict[str, Schedule],
    holds: dict[str, list[int]],
    report: RetentionReport,
) -> dict[str, str]:
    """Sort the scheduled referrals into the report's lists; return the epoch each one's keys belong in now
    (none for a referral due and free: it is about to go, and its epoch with it)."""
    targets: dict[str, str] = {}
    running = {each.referral_id for each in facts if each.checks_running}
    for referral_id, planned in sorted(current.items()):
        held = tuple(holds.get(referral_id, ()))
        item = Due(referral_id, planned.rule, planned.disposal_date, held)
        due = planned.disposal_date < report.as_of
        if held:
            targets[referral_id] = hold_epoch(held[0])
        elif not due:
            targets[referral_id] = planned.epoch
        if due and held:
            report.held.append(item)
        elif due and referral_id in running:
            report.checks_running.append(item)
        elif due:
            report.destroy.append(item)
        elif planned.disposal_date < report.due_soon_until:
            report.due_soon.append(item)
    report.scheduled = len(current)
    return targets


def _move_keys(
    store: HubStore, targets: dict[str, str], report: RetentionReport, *, actor: str, progress: Progress
) -> None:
    """Move every key not yet in its referral's epoch, a batch of referrals per transaction."""
    keys = store.referral_key_epochs()
    moving = sorted(
        referral_id
        for referral_id, epoch in targets.items()
        if any(current != epoch for current in keys.get(referral_id, {}).values())
    )
    for start in range(0, len(moving), BATCH):
        batch = {referral_id: targets[referral_id] for referral_id in moving[start : start + BATCH]}
        report.keys_moved += store.move_referral_keys(batch, actor=actor, purpose=PURPOSE)
        progress("moving keys", min(start + BATCH, len(moving)), len(moving))


def _destroy(store: HubStore, report: RetentionReport, *, actor: str, progress: Progress) -> None:
    """Destroy each due referral in its own transaction; one found held or running meanwhile is moved to its list."""
    planned, report.destroy = report.destroy, []
    for done, item in enumerate(planned, start=1):
        outcome = store.destroy_referral(item.referral_id, as_of=report.as_of, actor=actor, purpose=PURPOSE)
        if isinstance(outcome, DestructionRecord):
            report.destroy.append(Due(item.referral_id, item.rule, item.disposal_date, (), outcome.record_id))
        elif outcome is Skipped.HELD:
            report.held.append(item)
        elif outcome is Skipped.CHECKS_RUNNING:
            report.checks_running.append(item)
        progress("destroying", done, len(planned))


def _epochs_due(store: HubStore, as_of: date) -> list[str]:
    """Live epochs whose time is over (empty or not): a year ended before `as_of`, a hold released, or an intake
    month ended before `as_of` (its keys have been moved to their disposal epochs by then, or destroyed)."""
    released = set(store.released_legal_holds())
    due = []
    for epoch, destroyed_at in sorted(store.retention_epochs().items()):
        if destroyed_at is not None:
            continue
        year, hold = disposal_year(epoch), hold_id(epoch)
        if (year is not None and end_of_year(year) < as_of) or (hold is not None and hold in released):
            due.append(epoch)
    for epoch in store.live_intake_epochs():
        month_end = intake_month_end(epoch)
        if month_end is not None and month_end < as_of and epoch not in due:
            due.append(epoch)
    return due


def _epochs_that_would_go(store: HubStore, report: RetentionReport) -> list[str]:
    """A dry run: the due epochs that would be empty once the referrals it would destroy are gone."""
    going = {item.referral_id for item in report.destroy}
    keys = store.referral_key_epochs()
    staying: set[str | None] = {
        epoch for referral_id, held in keys.items() if referral_id not in going for epoch in held.values()
    }
    return [epoch for epoch in _epochs_due(store, report.as_of) if epoch not in staying]


def apply_retention(
    store: HubStore,
    config: RetentionConfig,
    *,
    as_of: date,
    today: date,
    zone: tzinfo,
    actor: str,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> RetentionReport:
    """Apply the schedule as of `as_of` (nothing due on or after it is destroyed), or report what it would do.

    `today` is the council's day: a run (not a dry run) for a later day is refused, since it would destroy
    records before their time. Ends with one `retention.run` event (the day and the counts).
    """
    if not dry_run and as_of > today:
        raise RunRefused(
            f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}): a run destroys only what is "
            "due by today. Add --dry-run to see what it would destroy then."
        )
    report = RetentionReport(as_of=as_of, dry_run=dry_run)
    facts = store.retention_facts()
    report.referrals = len(facts)
    current = _schedules(store, config, facts, report, zone=zone, actor=actor, progress=progress)
    targets = _classify(facts, current, store.active_legal_holds(), report)
    if dry_run:
        report.epochs_destroyed = _epochs_that_would_go(store, report)
    else:
        _move_keys(store, targets, report, actor=actor, progress=progress)
        _destroy(store, report, actor=actor, progress=progress)
        for epoch in _epochs_due(store, as_of):
            if store.destroy_retention_epoch(epoch, actor=actor, purpose=PURPOSE):
                report.epochs_destroyed.append(epoch)
    store.record_retention_run(report.summary(), actor=actor, purpose=PURPOSE)
    return report
