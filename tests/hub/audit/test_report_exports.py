"""A family history exported under break-glass (or on a role alone) is access without allocation in the IG
report, as reading it would be: taking a history out of the hub is the weightiest use of it."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.audit import AuditEvent
from hub.audit.reports import ig_report
from hub.deadlines.config import load_deadlines
from hub.settings import HubSettings


def export_event(seq: int, basis: str) -> AuditEvent:
    return AuditEvent(
        seq=seq,
        occurred_at=datetime(2026, 3, 3, 11, 0, tzinfo=UTC),
        actor="user:bob",
        role="practitioner",
        action="chronology.export",
        object_type="chronology",
        object_id=f"REF-2026-000417/S{seq}/v1",
        referral_id="REF-2026-000417",
        purpose="strategy_discussion",
        lawful_basis="Children Act 1989 s47",
        basis=basis,
        outcome="success",
        record_digest=None,
        leaf_hash="00",
    )


def test_an_export_not_on_allocation_is_access_without_allocation(hub_home: object) -> None:
    calendar = load_deadlines(HubSettings.from_env()).working_calendar
    report = ig_report([export_event(1, "break-glass:4"), export_event(2, "allocated")], calendar=calendar)
    (row,) = report.unallocated
    assert (row.actor, row.basis, row.events) == ("user:bob", "break-glass:4", 1)
    assert report.out_of_hours == []  # in working hours, and an export is not counted as a read
