"""A served hub with a team's worth of work, built once per test module: my fixtures for the pages of
identity review, allocation, the team view and break-glass (the foundation's `served` is per test).

Referrals (ids only here; the children's names are the example household's, which no URL or log may show):
- REF-2026-000417 and -000418 are sam.patel's, -000999 jo.other's: each with the household's agency
  replies, assembled, so each has one identity review open (police P-5 against the child S1);
- -000501 (red) and -000502 (green) are sam.patel's, -000503 (red) jo.other's, with checks planned: two
  agencies × two subjects, of which one is answered on -000501;
- -000600, -000601 and -000602 are not allocated (for allocation tests to take).
The council's mail goes to an SMTP server on loopback, so a break-glass notice is really sent.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from hub.checks.steps import store_chronologies
from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.app import create_app
from hub.web.assets import Assets
from hub.web.web_sessions import CookiePolicy, digest
from schemas import CheckPhase, CheckProgress, Referral
from tests.hub.builders import ASSEMBLED_AT, example_referral, household_replies
from tests.hub.web.conftest import (
    IG,
    MANAGER,
    OTHER,
    PRACTITIONER,
    WEB_LOGGERS,
    Served,
    collected_logs,
    serve,
    sign_in,
)
from tests.smtp import Inbox, council_mail_through, free_port
from tests.staff import add_staff_accounts

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config"
COVER = "kim.cover"
"""A practitioner who holds nothing at first: allocation tests give referrals to them."""
PERSONAL = ("Okafor-Reid", "Amara", "2015-03-14", "14 Mar 2015")
"""What the example household's child is called and born: never in a URL or a log line."""
SETUP_ACTOR, SETUP_PURPOSE = "service:test-setup", "test referrals"

HOUSEHOLDS = {"REF-2026-000417": PRACTITIONER, "REF-2026-000418": PRACTITIONER, "REF-2026-000999": OTHER}
PLANNED = {"REF-2026-000501": ("red", PRACTITIONER), "REF-2026-000502": ("green", PRACTITIONER)}
PLANNED |= {"REF-2026-000503": ("red", OTHER)}
UNALLOCATED = ("REF-2026-000600", "REF-2026-000601", "REF-2026-000602")


@dataclass
class Office:
    """The served hub, its mail, and every address a test asked for (to look for personal data in)."""

    served: Served
    mail: Inbox
    urls: list[str] = field(default_factory=list)

    @property
    def store(self) -> HubStore:
        return self.served.store

    @contextmanager
    def client(self, username: str) -> Iterator[httpx.Client]:
        """A browser signed in as `username`, whose every request's address is kept in `urls`."""

        def keep(request: httpx.Request) -> None:
            self.urls.append(str(request.url))

        with httpx.Client(
            base_url=self.served.url, follow_redirects=False, timeout=30, event_hooks={"request": [keep]}
        ) as client:
            assert sign_in(client, username).status_code == 303
            yield client


def referral(referral_id: str, rag: str = "amber") -> Referral:
    document = example_referral().model_dump(mode="json")
    return Referral.model_validate({**document, "referral_id": referral_id, "rag": rag})


def seed_office(store: HubStore) -> None:
    staff = {PRACTITIONER: "practitioner", OTHER: "practitioner", COVER: "practitioner"}
    add_staff_accounts(store, staff | {MANAGER: "manager", IG: "ig_officer"})
    for referral_id, holder in HOUSEHOLDS.items():
        store.save_referral(referral(referral_id), actor=SETUP_ACTOR, purpose=SETUP_PURPOSE)
        for reply in household_replies():
            store.save_reply(reply.model_copy(update={"referral_id": referral_id}), actor="service:test-setup")
        store_chronologies(store, referral_id, ASSEMBLED_AT, actor=SETUP_ACTOR, purpose=SETUP_PURPOSE)
        store.allocate(referral_id, holder, actor="service:test-setup", purpose="test allocation")
    due = datetime.now(UTC) + timedelta(hours=3)
    for number, (referral_id, (rag, holder)) in enumerate(PLANNED.items()):
        store.save_referral(referral(referral_id, rag), actor=SETUP_ACTOR, purpose=SETUP_PURPOSE)
        store.plan_checks(referral_id, ["police", "health"], ["S1", "S2"], due_at=due + timedelta(hours=number))
        store.allocate(referral_id, holder, actor="service:test-setup", purpose="test allocation")
    answered = CheckProgress(agency="police", subject_id="S1", phase=CheckPhase.ANSWERED, attempts=1)
    assert store.record_progress("REF-2026-000501", answered)
    for referral_id in UNALLOCATED:
        store.save_referral(referral(referral_id, "green"), actor=SETUP_ACTOR, purpose=SETUP_PURPOSE)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, web_assets: Assets) -> Iterator[Office]:
    """The hub served once for the module, in its own `$HUB_HOME` and copy of `config/`."""
    root = tmp_path_factory.mktemp("office")
    config = root / "config"
    shutil.copytree(REPO_CONFIG, config)
    inbox, port = Inbox(), free_port()
    council_mail_through(config, port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with pytest.MonkeyPatch.context() as patch, collected_logs(*WEB_LOGGERS, "hub.access.notify") as lines:
        patch.setenv("HUB_HOME", str(root / "hub-home"))
        patch.setenv("HUB_CONFIG_DIR", str(config))
        patch.delenv("HUB_DATABASE_URL", raising=False)
        settings = HubSettings.from_env()
        app = create_app(settings, assets=web_assets, cookies=CookiePolicy(secure=False))
        store: HubStore = app.state.store
        seed_office(store)
        try:
            for url in serve(app):
                yield Office(Served(url, app, store, settings, lines), inbox)
        finally:
            store.close()
            controller.stop()


def pending_review(store: HubStore, referral_id: str) -> int:
    [review] = [r for r in store.link_reviews(referral_id) if r.subject_id == "S1" and r.agency_person_id == "P-5"]
    return review.review_id


def session_of(office: Office, client: httpx.Client) -> str:
    """The digest of this browser's session, as the store keys it."""
    for value in client.cookies.values():
        if office.store.web_session(digest(value)) is not None:
            return digest(value)
    raise AssertionError("the browser has no session")


def authenticated_minutes_ago(office: Office, client: httpx.Client, minutes: int) -> None:
    """As if the person last proved who they are `minutes` ago (their session still in use now)."""
    token = session_of(office, client)
    office.store.touch_web_session(token, datetime.now(UTC) - timedelta(minutes=minutes), authenticated=True)
    office.store.touch_web_session(token, datetime.now(UTC))


def no_personal_data_shown(office: Office) -> None:
    """No address asked for and no log line holds the child's name or birth date."""
    for text in [*office.urls, *office.served.log]:
        for value in PERSONAL:
            assert value not in text, f"personal data in {text[:80]!r}"
