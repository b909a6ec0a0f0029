"""The web application served for real: uvicorn on a free loopback port, the hub's store on SQLite, and httpx.

The front-end packages come from the same npm install `hub web up` uses (once per machine and lock file).
Over plain HTTP on loopback the cookies are `CookiePolicy(secure=False)`, because httpx, like every HTTP
client but a browser, never sends a Secure cookie over http:// (the cookies' attributes in secure mode
are tested separately, over https through the ASGI transport).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.settings import HubSettings
from hub.store import HubStore
from hub.web.app import create_app
from hub.web.assets import Assets, ensure_assets
from hub.web.server import bind
from hub.web.web_sessions import CookiePolicy
from schemas import Referral
from tests.hub.builders import example_referral
from tests.staff import PASSWORD, add_staff_accounts

PRACTITIONER, OTHER, MANAGER, IG = "sam.patel", "jo.other", "max.manager", "ida.ig"
MY_REFERRAL = "REF-2026-000417"
OTHERS_REFERRAL = "REF-2026-000999"
MARKER = "Zebedee-Quuxworth"
"""A family name no page, URL, log line or error may ever show (it is seeded into a referral)."""


@pytest.fixture(scope="session")
def web_assets() -> Assets:
    return ensure_assets(say=lambda _: None)


@dataclass
class Served:
    url: str
    app: FastAPI
    store: HubStore
    settings: HubSettings
    log: list[str]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)


class _Collect(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + (f"\n{record.exc_text}" if record.exc_text else ""))


WEB_LOGGERS = ("hub.web.access", "hub.web.errors")
"""The web application's own logs: what an operator would see, so what no personal data may reach."""


@contextmanager
def collected_logs(*names: str) -> Iterator[list[str]]:
    """Every line the named loggers (the web application's, by default) write while the block runs."""
    lines: list[str] = []
    handler = _Collect(lines)
    loggers = [logging.getLogger(name) for name in names or WEB_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def seed(store: HubStore) -> None:
    """Four staff, and two referrals (one carrying the marker name), one allocated to each practitioner."""
    add_staff_accounts(
        store, {PRACTITIONER: "practitioner", OTHER: "practitioner", MANAGER: "manager", IG: "ig_officer"}
    )
    document = example_referral().model_dump(mode="json")
    document["subjects"][0]["person"]["name"]["family_name"] = MARKER
    mine = Referral.model_validate(document)
    others = Referral.model_validate({**example_referral().model_dump(mode="json"), "referral_id": OTHERS_REFERRAL})
    for referral, holder in ((mine, PRACTITIONER), (others, OTHER)):
        store.save_referral(referral, actor="service:test-setup", purpose="test referrals", for_checks=True)
        store.allocate(referral.referral_id, holder, actor="service:test-setup", purpose="test allocation")


def serve(app: FastAPI) -> Iterator[str]:
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the web application did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def served(hub_home: Path, web_assets: Assets) -> Iterator[Served]:
    settings = HubSettings.from_env()
    app = create_app(settings, assets=web_assets, cookies=CookiePolicy(secure=False))
    store: HubStore = app.state.store
    seed(store)
    with collected_logs() as lines:
        try:
            for url in serve(app):
                yield Served(url, app, store, settings, lines)
        finally:
            store.close()


def over_https(app: FastAPI, client: tuple[str, int] = ("192.0.2.10", 50000)) -> TestClient:
    """The application in this process (Starlette's test client), as a browser at `client` sees it over HTTPS."""
    return TestClient(
        app, base_url="https://hub.test", follow_redirects=False, client=client, raise_server_exceptions=False
    )


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD, code: str = "") -> httpx.Response:
    """Sign in as a person at a browser would: the form (and its cookie), then the post; with `code`, the
    authenticator code on the page the password leads to (`/signin/code`)."""
    page = client.get("/signin")
    assert page.status_code == 200
    data = {"csrf_token": form_token(page.text), "username": username, "password": password}
    answer = client.post("/signin", data=data)
    if not code or answer.headers.get("location") != "/signin/code":
        return answer
    step = client.get("/signin/code")
    return client.post("/signin/code", data={"csrf_token": form_token(step.text), "code": code})
