"""The REST API served for real (uvicorn, SQLite under `$HUB_HOME`), Airflow a real HTTP stand-in, and keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from hub.access.api_clients import new_key
from hub.store import HubStore
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.checks.airflow_double import FakeAirflow
from tests.hub.web.conftest import MARKER, Served

POLICE, SCHOOL, AUDITOR = "Northbridge Police PPN system", "Northbridge Schools portal", "Audit robot"
ADMIN_ACTOR = "user:ada.admin"


def add_client(store: HubStore, name: str, role: str = "referrer") -> str:
    """A client as `hub api-clients add` makes it; its key."""
    key = new_key()
    assert store.add_api_client(
        name, role=role, key_id=key.key_id, key_hash=key.key_hash, actor=ADMIN_ACTOR, purpose="test clients"
    )
    return key.key


def referral_document(referral_id: str = "REF-2026-API-001") -> dict[str, Any]:
    """The sample referral under a new id, its child carrying the marker name no log may show."""
    document: dict[str, Any] = json.loads(SAMPLE_REFERRAL.read_text(encoding="utf-8"))
    document["referral_id"] = referral_id
    document["subjects"][0]["person"]["name"]["family_name"] = MARKER
    return document


def api_app(served: Served) -> FastAPI:
    mounted = next(route for route in served.app.routes if isinstance(route, Mount) and route.name == "api")
    assert isinstance(mounted.app, FastAPI)
    return mounted.app


@dataclass
class Api:
    served: Served
    keys: dict[str, str]
    airflow: FakeAirflow | None

    def client(self, name: str | None = POLICE) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[name]}"} if name is not None else {}
        return httpx.Client(base_url=f"{self.served.url}/api/v1", headers=headers, timeout=30)

    def post(self, document: Any, name: str | None = POLICE) -> httpx.Response:
        with self.client(name) as client:
            return client.post("/referrals", json=document)

    @property
    def store(self) -> HubStore:
        return self.served.store


def _api(served: Served, airflow: FakeAirflow | None) -> Api:
    keys = {name: add_client(served.store, name) for name in (POLICE, SCHOOL)}
    keys[AUDITOR] = add_client(served.store, AUDITOR, role="ig_officer")
    return Api(served, keys, airflow)


@pytest.fixture
def api(served: Served) -> Iterator[Api]:
    """The API with Airflow answering: its address where `hub airflow up` writes it."""
    with FakeAirflow() as airflow:
        airflow.api.save(served.settings.airflow_api_file)
        yield _api(served, airflow)


@pytest.fixture
def api_without_airflow(served: Served) -> Api:
    """The API with no Airflow anywhere: no runtime file, nothing listening."""
    return _api(served, None)
