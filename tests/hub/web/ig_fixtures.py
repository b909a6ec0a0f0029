"""An IG officer's world for the web tests: one real server per test module, with a trail worth reading.

On top of conftest's seed (four staff, two referrals, MY_REFERRAL carrying the marker name), events are
written through the store's own API at chosen times, with a store on the same database whose clock the
fixture sets (the clock stamps audit events only):
- jo.other breaks the glass on MY_REFERRAL twice (BG_READS, with two reads under it; BG_DECIDE), and the
  manager once on OTHERS_REFERRAL (BG_MANAGER): the queue, the decisions and self-review;
- sam.patel, allocated, reads MY_REFERRAL once late on a Saturday (out of hours), once on each of three
  working days, and BUSY_READS times on one more (unusual volume, and pages of search results).

Each module gets its own home and server (module scope), so xdist's workers never share one, and a test
that changes something (a decision, a tampered row) uses what no other test looks at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from hub.audit.notary import AuditFiles
from hub.crypto import LocalKeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.audited import Acting, acting
from hub.web.app import create_app
from hub.web.assets import Assets
from hub.web.web_sessions import CookiePolicy
from tests.hub.web.conftest import (
    MANAGER,
    MY_REFERRAL,
    OTHER,
    OTHERS_REFERRAL,
    PRACTITIONER,
    Served,
    collected_logs,
    seed,
    serve,
)

LONDON = ZoneInfo("Europe/London")
BUSY_READS = 60
"""sam.patel's reads on the busy day: more than one page (50) of search results, and unusual volume."""
BG_READS, BG_DECIDE, BG_MANAGER = 1, 2, 3
BREAK_GLASS_NOTE = "Police report the child alone at home tonight."


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        self.now = datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


def working_days_back(today: date, count: int, *, skip: int = 3) -> list[date]:
    """`count` weekdays before today (at least `skip` days back), avoiding the Christmas bank holidays."""
    days: list[date] = []
    day = today - timedelta(days=skip)
    while len(days) < count:
        if day.weekday() < 5 and (day.month, day.day) not in ((12, 25), (12, 26), (12, 28), (1, 1)):
            days.append(day)
        day -= timedelta(days=1)
    return days


def last_saturday(today: date) -> date:
    day = today - timedelta(days=3)
    while day.weekday() != 5:
        day -= timedelta(days=1)
    return day


class Seeded:
    """The days the fixture's events fell on (council dates), for the tests' expectations."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.busy, self.quiet1, self.quiet2, self.quiet3, self.glass_day = working_days_back(today, 5)
        self.saturday = last_saturday(today)


def seed_trail(settings: HubSettings) -> Seeded:
    clock = Clock()
    store = HubStore(
        settings.database_url,
        LocalKeyProvider(settings.kek_path),
        audit_files=AuditFiles.from_settings(settings),
        clock=clock,
    )
    try:
        store.create_schema()
        days = Seeded(datetime.now(LONDON).date())
        clock.at(days.glass_day - timedelta(days=1), 9)
        seed(store)
        sam = f"user:{PRACTITIONER}"

        def read_as_sam(day: date, hour: int, minute: int) -> None:
            clock.at(day, hour, minute)
            with acting(Acting(sam, "practitioner", "allocated")):
                store.load_referral(MY_REFERRAL, actor=sam, purpose="mash_enquiry")

        for number, (who, role, referral, hour) in enumerate(
            [
                (OTHER, "practitioner", MY_REFERRAL, 14),
                (OTHER, "practitioner", MY_REFERRAL, 15),
                (MANAGER, "manager", OTHERS_REFERRAL, 16),
            ],
            start=1,
        ):
            clock.at(days.glass_day, hour)
            with acting(Acting(f"user:{who}", role, "break-glass")):
                glass = store.open_break_glass(
                    referral,
                    username=who,
                    role=role,
                    reason="immediate_risk",
                    note=BREAK_GLASS_NOTE,
                    lasts=timedelta(hours=2),
                    actor=f"user:{who}",
                )
            assert glass.number == number
            if number == BG_READS:
                for minute in (5, 10):
                    clock.at(days.glass_day, hour, minute)
                    with acting(Acting(f"user:{who}", role, f"break-glass:{number}")):
                        store.load_referral(referral, actor=f"user:{who}", purpose="mash_enquiry")
        for day in (days.quiet1, days.quiet2, days.quiet3):
            read_as_sam(day, 10, 0)
        for minute in range(BUSY_READS):
            read_as_sam(days.busy, 10 + minute // 60, minute % 60)
        read_as_sam(days.saturday, 22, 30)
        return days
    finally:
        store.close()


class IgServed(Served):
    days: Seeded


@pytest.fixture(scope="module")
def ig_served(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[IgServed]:
    home: Path = tmp_path_factory.mktemp("ig") / "hub-home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_HOME", str(home))
        patch.delenv("HUB_DATABASE_URL", raising=False)
        settings = HubSettings.from_env()
        settings.ensure_home()
        days = seed_trail(settings)
        app: FastAPI = create_app(settings, assets=web_assets, cookies=CookiePolicy(secure=False))
        store: HubStore = app.state.store
        with collected_logs() as lines:
            try:
                for url in serve(app):
                    served = IgServed(url, app, store, settings, lines)
                    served.days = days
                    yield served
            finally:
                store.close()
