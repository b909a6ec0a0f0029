"""The education sandbox's API key, end to end, and a guard used route by route instead of on every path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from fastapi import Depends

from connectors.sdk.auth import ApiKeyAuth
from sandbox.common.api import new_app
from sandbox.common.auth.api_key import ApiKeyGuard
from sandbox.common.auth.credentials import ApiKeyClient
from tests.sandbox.common.auth.guarded_app import TIMEOUT, guarded_app, post, render, serving


@pytest.fixture(scope="module")
def education(key_client: ApiKeyClient) -> Iterator[str]:
    with serving(guarded_app(ApiKeyGuard([key_client], render))) as url:
        yield url


def test_api_key_gets_through(education: str, key_client: ApiKeyClient) -> None:
    auth = ApiKeyAuth("X-API-Key", key_client.api_key.get_secret_value())
    assert post(f"{education}/records", auth=auth).json() == {"ok": True}


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "Missing X-API-Key header"), ({"X-API-Key": "wrong"}, "Invalid API key")],
    ids=["missing", "wrong"],
)
def test_missing_or_wrong_api_key_is_refused_natively(education: str, headers: dict[str, str], message: str) -> None:
    response = post(f"{education}/records", headers=headers)
    assert (response.status_code, response.json()) == (401, {"code": "ACCESS_DENIED", "message": message})


def test_api_key_sandbox_hooks_stay_open(education: str) -> None:
    assert requests.get(f"{education}/_sandbox/state", timeout=TIMEOUT).status_code == 200


def test_guard_as_a_route_dependency(key_client: ApiKeyClient) -> None:
    guard = ApiKeyGuard([key_client], render, denied_code="unauthorised")
    app = new_app("per-route guard")

    @app.post("/guarded", dependencies=[Depends(guard.require)])
    async def guarded() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/public")
    async def public() -> dict[str, bool]:
        return {"ok": True}

    guard.install(app, guard_every_path=False)
    with serving(app) as url:
        refused = post(f"{url}/guarded")
        allowed = post(f"{url}/guarded", headers={"X-API-Key": key_client.api_key.get_secret_value()})
        opened = requests.get(f"{url}/public", timeout=TIMEOUT)
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorised")
    assert (allowed.status_code, opened.status_code) == (200, 200)
