"""IG reports over the audit trail: the accesses an information governance officer must look at.

Four questions, each answered from the events alone (ids, times, actors and bases), in one pass over a
streamed trail, so a report over years of events needs memory only for what it finds:
- access without allocation: a person used a referral's records on a basis other than being allocated
  to it (break-glass, or their role alone);
- break-glass awaiting review: a break-glass with no later review of the same request;
- out-of-hours access: a person's reads outside the council's working hours (`config/deadlines.yaml`:
  working days, hours, bank holidays and closures), per person per day;
- unusual volume: a person's reads on one day above both a floor and a multiple of that person's median
  daily reads (`config/roles.yaml` `ig_reports`).

"A person" is an actor `user:<username>`, someone who signed in. Services (`service:...`) run at any
hour by design, and events from before sign-in (`cli:<login>`) name no verified person; both stay
searchable with `hub audit search`, but no report attributes them to anyone.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hub.audit.chain import AuditAction, AuditEvent, utc_text
from hub.audit.search import PERSON_PREFIX
from hub.deadlines.calendar import WorkingCalendar

RECORD_ACTIONS = frozenset(
    {
        # Not REFERRAL_CREATE: submitting a referral is making a record, not using one, and its submitter is
        # allocated to it in the same breath (where roles.yaml says so).
        AuditAction.REFERRAL_READ,
        AuditAction.REPLY_WRITE,
        AuditAction.REPLIES_READ,
        AuditAction.RECORDING_READ,
        AuditAction.PRIOR_PERSON_READ,
        AuditAction.LINK_REVIEW_PROPOSE,
        AuditAction.LINK_REVIEW_DECIDE,
        AuditAction.CHRONOLOGY_WRITE,
        AuditAction.CHRONOLOGY_READ,
        AuditAction.CHRONOLOGY_EXPORT,  # A history taken out as a PDF or HTML is a use of it, and the weightiest.
        AuditAction.QUALITY_READ,  # One referral's quality assessment, or the feedback note made from it.
        AuditAction.CALLBACK_RECEIVE,
        AuditAction.CALLBACK_READ,
        AuditAction.DECISION_RECORD,
        AuditAction.DECISION_READ,  # The rationale is the practitioner's account of the child's situation.
    }
)
"""Actions on a referral's records (its personal data), as opposed to accounts, allocations and the trail."""
READ_ACTIONS = frozenset(action for action in RECORD_ACTIONS if action.endswith(".read"))


@dataclass(frozen=True)
class VolumeThresholds:
    """When a person's reads on one day are unusual: at least `minimum_daily_reads`, and more than
    `multiple_of_median` times their median daily reads (defaults as `config/roles.yaml` ships them)."""

    minimum_daily_reads: int = 40
    multiple_of_median: float = 3.0


@dataclass(frozen=True)
class UnallocatedAccess:
    actor: str
    referral_id: str
    basis: str
    events: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class PendingBreakGlass:
    number: str
    actor: str
    referral_id: str | None
    opened_at: datetime
    purpose: str


@dataclass(frozen=True)
class OutOfHoursReads:
    actor: str
    day: date
    reads: int
    first: datetime
    last: datetime
    referrals: tuple[str, ...]


@dataclass(frozen=True)
class UnusualVolume:
    actor: str
    day: date
    reads: int
    median: float


@dataclass(frozen=True)
class IgReport:
    since: datetime | None
    until: datetime | None
    events_examined: int
    thresholds: VolumeThresholds
    unallocated: list[UnallocatedAccess] = field(default_factory=list)
    pending_break_glass: list[PendingBreakGlass] = field(default_factory=list)
    out_of_hours: list[OutOfHoursReads] = field(default_factory=list)
    unusual_volume: list[UnusualVolume] = field(default_factory=list)


@dataclass
class _Span:
    """A running count with the first and last time seen."""

    count: int
    first: datetime
    last: datetime
    referrals: set[str] = field(default_factory=set)

    def add(self, moment: datetime, referral_id: str | None) -> None:
        self.count += 1
        self.first, self.last = min(self.first, moment), max(self.last, moment)
        if referral_id is not None:
            self.referrals.add(referral_id)


def _span(moment: datetime, referral_id: str | None) -> _Span:
    return _Span(1, moment, moment, {referral_id} if referral_id is not None else set())


def ig_report(
    events: Iterable[AuditEvent],
    *,
    calendar: WorkingCalendar,
    since: datetime | None = None,
    until: datetime | None = None,
    thresholds: VolumeThresholds = VolumeThresholds(),
) -> IgReport:
    """The four sections for events in [`since`, `until`), from `events` in chain order.

    Pass the trail from `since` on without an upper bound: a break-glass in the window that was
    reviewed after `until` has been reviewed, and must not be listed as awaiting review.
    """
    unallocated: dict[tuple[str, str, str], _Span] = {}
    pending: dict[str, AuditEvent] = {}
    out_of_hours: dict[tuple[str, date], _Span] = {}
    daily_reads: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    examined = 0
    for event in events:
        if event.action == AuditAction.BREAK_GLASS_REVIEW and event.outcome == "success":
            pending.pop(event.object_id, None)
        if (since is not None and event.occurred_at < since) or (until is not None and event.occurred_at >= until):
            continue
        examined += 1
        if event.outcome != "success":
            continue
        if event.action == AuditAction.BREAK_GLASS:
            pending[event.object_id] = event
        if not event.actor.startswith(PERSON_PREFIX):
            continue
        moment = event.occurred_at
        if event.action in RECORD_ACTIONS and event.referral_id is not None and event.basis != "allocated":
            key = (event.actor, event.referral_id, event.basis)
            if key in unallocated:
                unallocated[key].add(moment, event.referral_id)
            else:
                unallocated[key] = _span(moment, event.referral_id)
        if event.action in READ_ACTIONS:
            day = moment.astimezone(calendar.zone).date()
            daily_reads[event.actor][day] += 1
            if not calendar.is_working_time(moment):
                if (event.actor, day) in out_of_hours:
                    out_of_hours[(event.actor, day)].add(moment, event.referral_id)
                else:
                    out_of_hours[(event.actor, day)] = _span(moment, event.referral_id)
    return IgReport(
        since=since,
        until=until,
        events_examined=examined,
        thresholds=thresholds,
        unallocated=sorted(
            (
                UnallocatedAccess(actor, referral, basis, s.count, s.first, s.last)
                for (actor, referral, basis), s in unallocated.items()
            ),
            key=lambda row: (row.first, row.actor),
        ),
        pending_break_glass=[
            PendingBreakGlass(number, e.actor, e.referral_id, e.occurred_at, e.purpose)
            for number, e in sorted(pending.items(), key=lambda item: item[1].seq)
        ],
        out_of_hours=sorted(
            (
                OutOfHoursReads(actor, day, s.count, s.first, s.last, tuple(sorted(s.referrals)))
                for (actor, day), s in out_of_hours.items()
            ),
            key=lambda row: (row.day, row.actor),
        ),
        unusual_volume=_unusual(daily_reads, thresholds),
    )


def _unusual(daily_reads: dict[str, dict[date, int]], thresholds: VolumeThresholds) -> list[UnusualVolume]:
    found: list[UnusualVolume] = []
    for actor, days in daily_reads.items():
        median = statistics.median(days.values())
        found.extend(
            UnusualVolume(actor, day, reads, median)
            for day, reads in days.items()
            if reads >= thresholds.minimum_daily_reads and reads > thresholds.multiple_of_median * median
        )
    return sorted(found, key=lambda row: (row.day, row.actor))


def report_document(report: IgReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (UTC times, ISO dates), for scripts and the web view."""
    return {
        "since": utc_text(report.since) if report.since else None,
        "until": utc_text(report.until) if report.until else None,
        "events_examined": report.events_examined,
        "thresholds": {
            "minimum_daily_reads": report.thresholds.minimum_daily_reads,
            "multiple_of_median": report.thresholds.multiple_of_median,
        },
        "access_without_allocation": [
            {
                "actor": row.actor,
                "referral_id": row.referral_id,
                "basis": row.basis,
                "events": row.events,
                "first": utc_text(row.first),
                "last": utc_text(row.last),
            }
            for row in report.unallocated
        ],
        "break_glass_awaiting_review": [
            {
                "number": row.number,
                "actor": row.actor,
                "referral_id": row.referral_id,
                "opened_at": utc_text(row.opened_at),
                "purpose": row.purpose,
            }
            for row in report.pending_break_glass
        ],
        "out_of_hours_reads": [
            {
                "actor": row.actor,
                "day": row.day.isoformat(),
                "reads": row.reads,
                "first": utc_text(row.first),
                "last": utc_text(row.last),
                "referrals": list(row.referrals),
            }
            for row in report.out_of_hours
        ],
        "unusual_volume": [
            {"actor": row.actor, "day": row.day.isoformat(), "reads": row.reads, "median_daily_reads": row.median}
            for row in report.unusual_volume
        ],
    }
