"""`hub audit report`: access without allocation, break-glass awaiting review, out-of-hours access and
unusual volume, each worked out from a trail written through the real store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from hub.audit.reports import IgReport, VolumeThresholds, ig_report
from hub.audit.search import build_query
from hub.deadlines.calendar import WorkingCalendar
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.audited import acting
from hub.store.home import open_store
from tests.hub.audit.ig_trail import (
    REF_A,
    REF_B,
    Clock,
    Trail,
    as_person,
    audit_event,
    referral,
    sign_in,
    write_trail,
)
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here

LONDON = ZoneInfo("Europe/London")
CALENDAR = WorkingCalendar()  # England, Europe/London, Monday to Friday 09:00-17:00: as config/deadlines.yaml


def report(trail: list, since: str | None = None, until: str | None = None, **thresholds: float) -> IgReport:  # type: ignore[type-arg]
    window = build_query(zone=LONDON, since=since, until=until)
    return ig_report(
        trail,
        calendar=CALENDAR,
        since=window.since,
        until=window.until,
        thresholds=VolumeThresholds(**thresholds),  # type: ignore[arg-type]
    )


def test_each_section_lists_exactly_what_it_should(audit_store: HubStore, clock: Clock) -> None:
    trail = write_trail(audit_store, clock)
    result = report(trail.events)
    assert result.events_examined == len(trail.events)
    assert [(r.actor, r.referral_id, r.basis, r.events) for r in result.unallocated] == [
        ("user:bob", REF_A, "break-glass:1", 2),  # reads under break-glass; the break-glass request itself is not one
        ("user:erin", REF_A, "role", 1),
    ]
    assert [(r.number, r.actor, r.referral_id) for r in result.pending_break_glass] == [("2", "user:bob", REF_B)]
    assert [(r.actor, r.day, r.reads, r.referrals) for r in result.out_of_hours] == [
        ("user:bob", date(2026, 3, 3), 2, (REF_A,)),
        ("user:erin", date(2026, 4, 1), 1, (REF_A,)),  # 23:30 UTC on 31 March is 00:30 BST on 1 April
    ]
    assert result.unusual_volume == []  # nobody comes near 40 reads a day


def test_the_window_is_the_councils_days_and_a_later_review_still_counts(audit_store: HubStore, clock: Clock) -> None:
    trail = write_trail(audit_store, clock).events
    later = report(trail, since="2026-03-04")
    assert [r.actor for r in later.unallocated] == ["user:erin"]
    assert [r.number for r in later.pending_break_glass] == ["2"]
    assert [r.actor for r in later.out_of_hours] == ["user:erin"]
    # Break-glass 1 was opened on 3 March and reviewed on 4 March: a report up to 3 March must not call it pending.
    early = report(trail, until="2026-03-03")
    assert early.pending_break_glass == []
    assert [r.actor for r in early.unallocated] == ["user:bob"]
    assert early.events_examined == len([e for e in trail if e.occurred_at.date() <= date(2026, 3, 3)])


def test_out_of_hours_follows_the_calendar_bank_holidays_included(audit_store: HubStore, clock: Clock) -> None:
    audit_store.save_referral(referral(REF_A), actor="service:intake", purpose="referral_intake")
    for moment in [(2026, 4, 3, 10), (2026, 4, 7, 10), (2026, 4, 7, 16, 30), (2026, 4, 11, 10)]:
        clock.at(*moment)
        with acting(as_person("frank", "practitioner", "allocated")):
            audit_store.load_referral(REF_A, actor="user:frank", purpose="practitioner_view")
    # Good Friday (a bank holiday in England) and a Saturday are out of hours; 11:00 and 17:30 BST on a
    # Tuesday: the first in hours, the second after closing.
    result = report(audit_store.audit_trail())
    assert [(r.day, r.reads) for r in result.out_of_hours] == [
        (date(2026, 4, 3), 1),
        (date(2026, 4, 7), 1),
        (date(2026, 4, 11), 1),
    ]
    assert result.unallocated == []  # allocated throughout; the service's own write is no person's access


def test_unusual_volume_is_above_the_floor_and_the_multiple_of_the_persons_median(
    audit_store: HubStore, clock: Clock
) -> None:
    audit_store.save_referral(referral(REF_A), actor="service:intake", purpose="referral_intake")
    daily = {date(2026, 3, 2): 1, date(2026, 3, 3): 1, date(2026, 3, 4): 2, date(2026, 3, 5): 1, date(2026, 3, 6): 6}
    for day, reads in daily.items():
        for minute in range(reads):
            clock.at(day.year, day.month, day.day, 10, minute)
            with acting(as_person("frank", "practitioner", "allocated")):
                audit_store.load_referral(REF_A, actor="user:frank", purpose="practitioner_view")
    trail = audit_store.audit_trail()
    [flagged] = report(trail, minimum_daily_reads=5, multiple_of_median=3).unusual_volume
    assert (flagged.actor, flagged.day, flagged.reads, flagged.median) == ("user:frank", date(2026, 3, 6), 6, 1)
    assert report(trail, minimum_daily_reads=7, multiple_of_median=3).unusual_volume == []  # under the floor
    assert report(trail, minimum_daily_reads=5, multiple_of_median=6).unusual_volume == []  # not above 6 x 1


def test_cli_report_reads_as_tables_with_explanations_and_is_audited(ig_home: tuple[Path, Trail]) -> None:
    home, _ = ig_home
    result = run_hub_here("audit", "report", "--since", "2026-03-01", "--until", "2026-03-31", home=home)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for heading in (
        "Access without allocation",
        "Break-glass awaiting review",
        "Out-of-hours access",
        "Unusual volume",
    ):
        assert heading in text
    assert "without being allocated to it" in text and "median daily reads" in text
    assert "2026-03-03 20:05 GMT" in text  # council time
    unusual = text[text.index("Unusual volume") :]
    assert "None" in unusual.split("\n\n")[0] or "None" in unusual

    store = open_store(HubSettings.from_env())
    last = store.audit_trail()[-1]
    store.close()
    assert (last.action, last.actor, last.purpose) == ("audit.read", "user:iggy", "ig_audit_report")
    assert last.object_id == "report;since=2026-03-01T00:00:00.000000+00:00;until=2026-03-31T23:00:00.000000+00:00"


def test_cli_report_json_uses_the_thresholds_in_roles_yaml(ig_home: tuple[Path, Trail], config_copy: Path) -> None:
    home, _ = ig_home
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["ig_reports"] = {"unusual_daily_reads": 1, "unusual_multiple_of_median": 1.5}
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles))
    result = run_hub_here("audit", "report", "--json", home=home, HUB_CONFIG_DIR=str(config_copy))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["thresholds"] == {"minimum_daily_reads": 1, "multiple_of_median": 1.5}
    assert [row["number"] for row in document["break_glass_awaiting_review"]] == ["2"]
    assert [(row["actor"], row["basis"]) for row in document["access_without_allocation"]] == [
        ("user:bob", "break-glass:1"),
        ("user:erin", "role"),
    ]
    assert [(row["actor"], row["day"]) for row in document["out_of_hours_reads"]] == [
        ("user:bob", "2026-03-03"),
        ("user:erin", "2026-04-01"),
    ]
    assert document["unusual_volume"] == []  # each person read on one day only: never above their own median


def test_cli_report_refuses_bad_dates_and_a_role_without_audit_read(ig_home: tuple[Path, Trail]) -> None:
    home, _ = ig_home
    assert_clean_refusal(run_hub_here("audit", "report", "--until", "2026-02-30", home=home), "--until '2026-02-30'")
    sign_in(HubSettings.from_env(), "pat", "practitioner")
    assert_clean_refusal(run_hub_here("audit", "report", home=home))
    store = open_store(HubSettings.from_env())
    last = store.audit_trail()[-1]
    store.close()
    assert (last.action, last.actor, last.outcome) == ("audit.read", "user:pat", "denied")


def test_submitting_a_referral_is_not_access_without_allocation() -> None:
    """Its submitter makes the record (and is allocated to it at once); reading it later is what counts."""
    created = audit_event(seq=1, action="referral.create", basis="role")
    read = audit_event(seq=2, action="referral.read", basis="role")
    assert ig_report([created], calendar=CALENDAR).unallocated == []
    assert [access.referral_id for access in ig_report([created, read], calendar=CALENDAR).unallocated] == ["REF-1"]
