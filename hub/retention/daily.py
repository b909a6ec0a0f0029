"""The retention run as the daily DAG starts it: as `service:retention`, for the council's today.

Idempotent: what a run destroyed is gone and recorded, what it left is found again by the next, so the
DAG may run twice in a day, or after a missed day, with the same result. It returns counts only (they
land in Airflow's metadata database, which this project does not encrypt), never a referral id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from hub.retention.policy import load_retention
from hub.retention.run import SERVICE_ACTOR, apply_retention
from hub.settings import HubSettings


def council_zone(settings: HubSettings) -> tzinfo:
    """The council's time zone (`deadlines.yaml`), whose days the schedule counts; UTC if there is no such file."""
    if not settings.deadlines_file.exists():
        return UTC
    from hub.deadlines.config import load_deadlines

    return ZoneInfo(str(load_deadlines(settings).calendar.time_zone))


def council_today(zone: tzinfo) -> date:
    return datetime.now(zone).date()


def daily_run(settings: HubSettings | None = None) -> dict[str, int]:
    """Apply the schedule as of today; the run's counts (for the task's return value and log)."""
    from hub.store.home import open_store

    settings = settings or HubSettings.from_env()
    config = load_retention(settings)
    zone = council_zone(settings)
    today = council_today(zone)
    store = open_store(settings)
    try:
        report = apply_retention(store, config, as_of=today, today=today, zone=zone, actor=SERVICE_ACTOR)
    finally:
        store.close()
    counts = report.to_json()["counts"]
    assert isinstance(counts, dict)
    return {str(name): int(value) for name, value in counts.items()}
