"""Fault injection, proven over real uvicorn servers and real HTTP clients (requests, httpx, raw sockets)."""

from __future__ import annotations

import json
import random
import socket
import statistics
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from sandbox.common.api import new_app, read_fields
from sandbox.common.faults import FaultConfig, FaultInjector, LatencyConfig
from sandbox.server import ServerThread
from tests.event_loops import run_apart

NATIVE_ERROR_TYPE = "application/vnd.test-agency+json"
SEARCH_BODY = {"surname": "Okafor", "forenames": "Ada"}


def render_error(status: int, code: str, message: str) -> Response:
    """The test agency's own error format, so tests can tell it from FastAPI's."""
    return JSONResponse({"fault": {"code": code, "message": message}}, status_code=status, media_type=NATIVE_ERROR_TYPE)


def agency_app() -> FastAPI:
    app = new_app("test agency")

    @app.post("/search")
    async def search(request: Request) -> dict[str, Any]:
        fields = await read_fields(request)
        return {"results": [{"surname": fields.get("surname"), "score": 1.0}], "note": "n" * 200}

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/oauth2/token")
    async def token() -> dict[str, str]:
        return {"access_token": "sandbox-token", "token_type": "Bearer"}

    @app.get("/_sandbox/echo")
    async def sandbox_echo() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextmanager
def serve(injector: FaultInjector, http: str = "auto") -> Iterator[ServerThread]:
    server = ServerThread(injector)  # any ASGI app serves
    server._server.config.http = http  # pick uvicorn's HTTP implementation; read when the server loads
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Served:
    injector: FaultInjector
    url: str


@pytest.fixture(scope="module")
def served_module() -> Iterator[Served]:
    injector = FaultInjector(agency_app(), render_error=render_error, seed=20240601)
    with serve(injector) as server:
        yield Served(injector, server.url)


@pytest.fixture
def served(served_module: Served) -> Served:
    served_module.injector.reset()
    return served_module


def raw_search(url: str, timeout: float = 3.0) -> tuple[bytes, str]:
    """POST /search over a bare socket; every byte the server sent, and how the connection ended."""
    parts = urlsplit(url)
    body = json.dumps(SEARCH_BODY).encode()
    head = f"POST /search HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
    request = head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return received, "reset"
    return received, "closed"


# --- configuration ---------------------------------------------------------------------------------


def test_config_loads_from_a_mapping_and_rejects_bad_values_clearly() -> None:
    config = FaultConfig.model_validate(
        {"latency": {"distribution": "lognormal", "median_ms": 80, "p95_ms": 400}, "error_rate": 0.1}
    )
    assert config.error_statuses == (500, 502, 503, 504)
    assert config.hang_seconds == 30 and config.retry_after_seconds == 1 and not config.fault_token_endpoint

    bad = [
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": 0.6, "drop_rate": 0.5}, "sum to at most 1"),
        ({"latency": {"distribution": "lognormal", "median_ms": 100, "p95_ms": 50}}, "p95_ms (50) must be at least"),
        ({"latency": {"distribution": "uniform", "min_ms": 10, "max_ms": 5}}, "max_ms (5) must be at least"),
        ({"error_statuses": [404]}, "error_statuses.0"),
        ({"surprise": 1}, "surprise"),
    ]
    for mapping, message in bad:
        with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
            FaultConfig.model_validate(mapping)


def test_latency_samples_follow_their_distribution() -> None:
    rng = random.Random(1)
    uniform = LatencyConfig(distribution="uniform", min_ms=100, max_ms=200)
    assert all(0.1 <= uniform.sample_seconds(rng) <= 0.2 for _ in range(500))
    assert LatencyConfig(distribution="fixed", fixed_ms=40).sample_seconds(rng) == 0.04
    lognormal = LatencyConfig(distribution="lognormal", median_ms=100, p95_ms=400)
    samples = sorted(lognormal.sample_seconds(rng) for _ in range(4000))
    assert statistics.median(samples) == pytest.approx(0.1, rel=0.1)
    assert samples[int(0.95 * len(samples))] == pytest.approx(0.4, rel=0.15)


# --- each fault over real HTTP ---------------------------------------------------------------------


def test_fixed_latency_delays_requests_without_blocking_the_server(served: Served) -> None:
    started = time.monotonic()
    assert requests.get(f"{served.url}/ping", timeout=5).status_code == 200
    assert time.monotonic() - started < 0.2

    served.injector.set_config({"latency": {"distribution": "fixed", "fixed_ms": 300}})
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(lambda _: requests.get(f"{served.url}/ping", timeout=5).status_code, range(5)))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 5
    assert 0.29 <= elapsed < 1.0  # five concurrent 300 ms sleeps overlap
    assert served.injector.counters["latency"] == 5


def test_error_rate_answers_5xx_in_the_agency_format(served: Served) -> None:
    served.injector.set_config({"error_rate": 1.0, "error_statuses": [503]})
    response = requests.get(f"{served.url}/ping", headers={"X-Request-ID": "req-5xx"}, timeout=5)
    assert response.status_code == 503
    assert response.headers["content-type"] == NATIVE_ERROR_TYPE
    assert response.json()["fault"]["code"] == "service_unavailable"
    assert response.headers["X-Request-ID"] == "req-5xx"


def test_rate_limit_answers_429_with_retry_after(served: Served) -> None:
    served.injector.set_config({"rate_limit_rate": 1.0, "retry_after_seconds": 7})
    response = requests.post(f"{served.url}/search", json=SEARCH_BODY, timeout=5)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["fault"]["code"] == "too_many_requests"


def test_hang_outlasts_the_client_read_timeout_then_closes_without_a_reply(served: Served) -> None:
    served.injector.set_config({"hang_rate": 1.0, "hang_seconds": 0.6})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{served.url}/ping", timeout=(2, 0.2))
    assert 0.2 <= time.monotonic() - started < 0.6

    started = time.monotonic()
    received, ending = raw_search(served.url)
    assert received == b""
    assert ending in ("closed", "reset")
    assert 0.55 <= time.monotonic() - started < 2.0
    assert served.injector.counters["hang"] == 2


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_drop_closes_the_connection_with_no_response_bytes(http: str) -> None:
    injector = FaultInjector(agency_app(), FaultConfig(drop_rate=1.0), render_error=render_error)
    with serve(injector, http) as server:
        protocol = server._server.config.http_protocol_class.__name__
        assert protocol == {"httptools": "HttpToolsProtocol", "h11": "H11Protocol"}[http]
        received, ending = raw_search(server.url)
        assert received == b""
        assert ending in ("closed", "reset")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{server.url}/ping", timeout=5)
        assert injector.counters["drop"] == 2


def test_drop_without_uvicorns_transport_falls_back_to_a_native_502() -> None:
    injector = FaultInjector(agency_app(), render_error=render_error)
    injector.script(["drop"])

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=injector), base_url="http://sandbox") as client:
            return await client.get("/ping")

    response = run_apart(call())
    assert response.status_code == 502
    assert response.json()["fault"]["code"] == "bad_gateway"


def test_malformed_answers_200_with_a_body_that_does_not_parse(served: Served) -> None:
    served.injector.set_config({"malformed_rate": 1.0})
    response = requests.post(f"{served.url}/search", json=SEARCH_BODY, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_malformed_uses_the_agencys_own_content_type() -> None:
    injector = FaultInjector(
        agency_app(),
        FaultConfig(malformed_rate=1.0),
        render_error=render_error,
        malformed_body=lambda: (b"<SearchResponse><Pupil>", "application/xml"),
    )
    with serve(injector) as server:
        response = requests.post(f"{server.url}/search", json=SEARCH_BODY, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(response.content)


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_truncate_declares_the_full_length_but_sends_part_of_the_body(http: str) -> None:
    injector = FaultInjector(agency_app(), render_error=render_error)
    with serve(injector, http) as server:
        full = requests.post(f"{server.url}/search", json=SEARCH_BODY, timeout=5).content
        injector.script(["truncate", "truncate"])
        received, _ = raw_search(server.url)
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        declared = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
        assert declared == len(full)
        assert 0 < len(body) < declared
        assert full.startswith(body)
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(f"{server.url}/search", json=SEARCH_BODY, timeout=5)


# --- script, rates, admin, exemptions --------------------------------------------------------------


def test_script_is_applied_in_order_before_the_random_rates(served: Served) -> None:
    served.injector.set_config({"error_rate": 1.0, "error_statuses": [502]})
    reply = requests.post(
        f"{served.url}/_sandbox/faults/script",
        json={"faults": ["none", "http_503", "http_429", "malformed", "latency", "http_500"]},
        timeout=5,
    )
    assert reply.status_code == 200
    assert reply.json()["script"] == ["none", "http_503", "http_429", "malformed", "latency", "http_500"]
    statuses = [requests.get(f"{served.url}/ping", timeout=5) for _ in range(7)]
    assert [response.status_code for response in statuses] == [200, 503, 429, 200, 200, 500, 502]
    assert statuses[0].json() == {"status": "ok"}
    with pytest.raises(json.JSONDecodeError):
        json.loads(statuses[3].content)


def test_seeded_rates_land_near_the_configured_rates(served: Served) -> None:
    served.injector.set_config(
        {"error_rate": 0.1, "error_statuses": [500, 503], "rate_limit_rate": 0.05, "malformed_rate": 0.1}
    )
    outcomes: dict[str, int] = {"5xx": 0, "429": 0, "malformed": 0, "ok": 0}
    with requests.Session() as session:
        for _ in range(400):
            response = session.get(f"{served.url}/ping", timeout=5)
            if response.status_code >= 500:
                outcomes["5xx"] += 1
            elif response.status_code == 429:
                outcomes["429"] += 1
            elif response.content == b'{"status":"ok"}':
                outcomes["ok"] += 1
            else:
                outcomes["malformed"] += 1
    assert outcomes["5xx"] / 400 == pytest.approx(0.1, abs=0.04)
    assert outcomes["429"] / 400 == pytest.approx(0.05, abs=0.03)
    assert outcomes["malformed"] / 400 == pytest.approx(0.1, abs=0.04)
    counters = served.injector.counters
    assert counters["requests"] == 400
    assert counters["http_500"] + counters["http_503"] == outcomes["5xx"]
    assert counters["http_429"] == outcomes["429"] and counters["malformed"] == outcomes["malformed"]


def test_admin_endpoints_read_replace_script_and_reset(served: Served) -> None:
    admin = f"{served.url}/_sandbox/faults"
    initial = requests.get(admin, timeout=5).json()
    assert initial["config"]["error_rate"] == 0 and initial["script"] == [] and initial["counters"]["requests"] == 0

    replaced = requests.put(admin, json={"rate_limit_rate": 1.0, "retry_after_seconds": 3}, timeout=5)
    assert replaced.status_code == 200 and replaced.json()["config"]["rate_limit_rate"] == 1.0
    assert served.injector.config.retry_after_seconds == 3
    assert requests.get(f"{served.url}/ping", timeout=5).status_code == 429
    assert requests.get(admin, timeout=5).json()["counters"]["http_429"] == 1

    for bad_config, detail in [
        ({"error_rate": 2}, "error_rate: must be at most 1"),
        ({"error_rate": 0.7, "hang_rate": 0.7}, "per-request fault rates exclude each other"),
        ({"latency": {"distribution": "gaussian"}}, "latency.distribution: must be"),
        ({"typo_rate": 0.1}, "typo_rate: unknown setting"),
    ]:
        refused = requests.put(admin, json=bad_config, timeout=5)
        assert refused.status_code == 422
        assert refused.json()["error"] == "invalid_fault_config"
        assert refused.json()["detail"].startswith(detail)
    assert served.injector.config.rate_limit_rate == 1.0  # a refused config changes nothing

    refused_script = requests.post(f"{admin}/script", json={"faults": ["drop", "explode"]}, timeout=5)
    assert refused_script.status_code == 422
    assert refused_script.json()["error"] == "invalid_fault_script"
    assert refused_script.json()["detail"].startswith("faults.1: must be")

    served.injector.script(["drop"])
    reset = requests.delete(admin, timeout=5).json()
    assert reset["config"] == FaultConfig().model_dump(mode="json")
    assert reset["script"] == [] and set(reset["counters"].values()) == {0}
    assert requests.get(f"{served.url}/ping", timeout=5).status_code == 200


def test_sandbox_and_token_paths_are_exempt_unless_token_faults_are_asked_for(served: Served) -> None:
    served.injector.set_config({"error_rate": 1.0})
    assert requests.get(f"{served.url}/_sandbox/echo", timeout=5).status_code == 200
    assert requests.post(f"{served.url}/oauth2/token", timeout=5).status_code == 200
    assert requests.get(f"{served.url}/ping", timeout=5).status_code >= 500
    assert served.injector.counters["requests"] == 1

    served.injector.set_config({"error_rate": 1.0, "fault_token_endpoint": True})
    assert requests.post(f"{served.url}/oauth2/token", timeout=5).status_code >= 500
    assert requests.get(f"{served.url}/_sandbox/echo", timeout=5).status_code == 200
