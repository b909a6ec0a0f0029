"""Accept-now-answer-later, proven over real uvicorn servers: polling, callbacks to a real receiver, faults on polls."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sandbox.common.api import new_app, read_fields
from sandbox.common.async_replies import AsyncConfig, AsyncReplies
from sandbox.common.faults import FaultInjector
from sandbox.server import ServerThread

NATIVE_ERROR_TYPE = "application/vnd.test-agency+json"
SEARCH_BODY = {"surname": "Okafor", "forenames": "Ada"}
TEST_CONFIG = AsyncConfig(delay_seconds=0.15, retry_after_seconds=1, callback_backoff_seconds=0.05)
ASYNC = {"Prefer": "respond-async"}


def render_error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"fault": {"code": code, "message": message}}, status_code=status, media_type=NATIVE_ERROR_TYPE)


def agency_app() -> FastAPI:
    app = new_app("test agency")

    @app.post("/search")
    async def search(request: Request) -> dict[str, Any]:
        fields = await read_fields(request)
        return {"results": [{"surname": fields.get("surname"), "score": 1.0}]}

    @app.post("/other")
    async def other() -> dict[str, str]:
        return {"status": "ok"}

    return app


@dataclass
class Receiver:
    """A client's callback endpoint: records deliveries; answers 503 to the first `failures` of them."""

    failures: int = 0
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refused: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/callback")
        async def callback(request: Request) -> Response:
            if self.refused < self.failures:
                self.refused += 1
                return Response(status_code=503)
            self.deliveries.append((dict(request.headers), await request.body()))
            return Response(status_code=204)

        return app


@dataclass
class Served:
    injector: FaultInjector
    replies: AsyncReplies
    url: str

    def counter_delta(self, before: dict[str, int]) -> dict[str, int]:
        return {name: value - before[name] for name, value in self.replies.counters.items() if value != before[name]}


@pytest.fixture(scope="module")
def served_module() -> Iterator[Served]:
    replies = AsyncReplies(agency_app(), TEST_CONFIG, paths=("/search",), render_error=render_error, seed=3)
    injector = FaultInjector(replies, render_error=render_error, seed=3)
    server = ServerThread(injector)  # any ASGI app serves
    server.start()
    yield Served(injector, replies, server.url)
    server.stop()


@pytest.fixture
def served(served_module: Served) -> Served:
    served_module.injector.reset()
    served_module.replies.set_config(TEST_CONFIG)
    return served_module


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    recorder = Receiver()
    server = ServerThread(recorder.app())
    server.start()
    yield recorder, f"{server.url}/callback"
    server.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def search(url: str, **headers: str) -> requests.Response:
    return requests.post(f"{url}/search", json=SEARCH_BODY, headers=headers, timeout=5)


def test_poll_flow_answers_202_then_the_same_reply_as_sync(served: Served) -> None:
    sync = search(served.url, **{"X-Request-ID": "req-sync"})
    assert sync.status_code == 200

    accepted = search(served.url, **ASYNC, **{"X-Request-ID": "req-poll"})
    assert accepted.status_code == 202
    job_id = accepted.json()["job_id"]
    assert accepted.json() == {"job_id": job_id, "status": "accepted"}
    assert accepted.headers["Location"] == f"/_jobs/{job_id}"
    assert accepted.headers["Retry-After"] == "1"
    assert accepted.headers["X-Request-ID"] == "req-poll"

    pending = requests.get(f"{served.url}/_jobs/{job_id}", timeout=5)
    assert pending.status_code == 202
    assert pending.json()["status"] == "pending" and pending.headers["Retry-After"] == "1"

    time.sleep(0.3)
    replies = [requests.get(f"{served.url}{accepted.headers['Location']}", timeout=5) for _ in range(2)]
    for reply in replies:  # idempotent: the same reply each time
        assert reply.status_code == 200
        assert reply.content == sync.content
        assert reply.headers["content-type"] == sync.headers["content-type"]
        assert reply.headers["X-Job-ID"] == job_id
        assert reply.headers["X-Request-ID"] == "req-poll"


def test_a_reply_expires_after_its_ttl(served: Served) -> None:
    served.replies.set_config({"delay_seconds": 0.05, "job_ttl_seconds": 0.3})
    location = search(served.url, **ASYNC).headers["Location"]
    wait_until(lambda: requests.get(f"{served.url}{location}", timeout=5).status_code == 200)
    time.sleep(0.35)
    expired = requests.get(f"{served.url}{location}", timeout=5)
    assert expired.status_code == 404
    assert expired.json()["fault"]["code"] == "job_not_found"


def test_unknown_job_is_a_native_404(served: Served) -> None:
    response = requests.get(f"{served.url}/_jobs/no-such-job", headers={"X-Request-ID": "req-404"}, timeout=5)
    assert response.status_code == 404
    assert response.headers["content-type"] == NATIVE_ERROR_TYPE
    assert response.json()["fault"]["code"] == "job_not_found"
    assert response.headers["X-Request-ID"] == "req-404"


def test_sync_mode_and_other_paths_answer_at_once(served: Served) -> None:
    served.replies.set_config({"mode": "sync"})
    assert search(served.url, **ASYNC).status_code == 200

    served.replies.set_config({"mode": "poll"})
    assert search(served.url).status_code == 202  # poll mode needs no Prefer
    assert requests.post(f"{served.url}/other", headers=ASYNC, timeout=5).status_code == 200
    assert requests.get(f"{served.url}/search", headers=ASYNC, timeout=5).status_code == 405


def test_callback_delivers_the_reply_to_the_clients_url(served: Served, receiver: tuple[Receiver, str]) -> None:
    recorder, callback_url = receiver
    before = served.replies.counters
    sync = search(served.url, **{"X-Request-ID": "req-sync"})
    accepted = search(served.url, **ASYNC, **{"X-Callback-URL": callback_url, "X-Request-ID": "req-cb"})
    assert accepted.status_code == 202
    job_id = accepted.json()["job_id"]

    wait_until(lambda: served.counter_delta(before).get("delivered") == 1)
    headers, body = recorder.deliveries[0]
    assert body == sync.content
    assert headers["content-type"] == "application/json"
    assert headers["x-job-id"] == job_id and headers["idempotency-key"] == job_id
    assert headers["x-request-id"] == "req-cb"
    assert headers["x-reply-status"] == "200"
    assert requests.get(f"{served.url}/_jobs/{job_id}", timeout=5).content == sync.content
    time.sleep(0.1)
    assert len(recorder.deliveries) == 1
    assert served.counter_delta(before) == {"accepted": 1, "completed": 1, "delivered": 1}


def test_duplicate_rate_one_delivers_every_reply_twice(served: Served, receiver: tuple[Receiver, str]) -> None:
    recorder, callback_url = receiver
    served.replies.set_config(TEST_CONFIG.model_copy(update={"mode": "callback", "duplicate_rate": 1.0}))
    before = served.replies.counters
    job_id = search(served.url, **{"X-Callback-URL": callback_url}).json()["job_id"]
    wait_until(lambda: served.counter_delta(before).get("duplicate_deliveries") == 1)
    assert [headers["idempotency-key"] for headers, _ in recorder.deliveries] == [job_id, job_id]
    assert recorder.deliveries[0][1] == recorder.deliveries[1][1]
    assert served.counter_delta(before)["delivered"] == 1


def test_the_fault_configs_duplicate_rate_also_duplicates_callbacks(
    served: Served, receiver: tuple[Receiver, str]
) -> None:
    recorder, callback_url = receiver
    served.injector.set_config({"duplicate_rate": 1.0})
    search(served.url, **ASYNC, **{"X-Callback-URL": callback_url})
    wait_until(lambda: len(recorder.deliveries) == 2)


def test_failed_callbacks_are_retried_then_abandoned(served: Served, receiver: tuple[Receiver, str]) -> None:
    recorder, callback_url = receiver
    recorder.failures = 2
    before = served.replies.counters
    search(served.url, **ASYNC, **{"X-Callback-URL": callback_url})
    wait_until(lambda: served.counter_delta(before).get("delivered") == 1)
    assert len(recorder.deliveries) == 1
    delta = served.counter_delta(before)  # other tests' jobs may complete meanwhile: check this one's counters
    assert (delta.get("delivered"), delta.get("delivery_failures")) == (1, 2)

    recorder.failures, recorder.refused = 5, 0
    before = served.replies.counters
    search(served.url, **ASYNC, **{"X-Callback-URL": callback_url})
    wait_until(lambda: served.replies.counters["callbacks_abandoned"] > before["callbacks_abandoned"])
    assert recorder.refused == 3 and len(recorder.deliveries) == 1
    delta = served.counter_delta(before)
    assert (delta.get("delivered"), delta.get("delivery_failures"), delta.get("callbacks_abandoned")) == (None, 3, 1)


def test_callback_mode_needs_an_http_callback_url(served: Served) -> None:
    served.replies.set_config({"mode": "callback"})
    for headers in ({}, {"X-Callback-URL": "ftp://example.org/reply"}, {"X-Callback-URL": "not a url"}):
        refused = search(served.url, **headers)
        assert refused.status_code == 400
        assert refused.json()["fault"]["code"] == "invalid_callback_url"


def test_faults_also_hit_poll_requests(served: Served) -> None:
    location = search(served.url, **ASYNC).headers["Location"]
    time.sleep(0.25)
    served.injector.script(["http_503", "drop"])
    assert requests.get(f"{served.url}{location}", timeout=5).status_code == 503
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{served.url}{location}", timeout=5)
    assert requests.get(f"{served.url}{location}", timeout=5).status_code == 200


def test_admin_endpoint_reports_counters_and_replaces_the_config(served: Served) -> None:
    admin = f"{served.url}/_sandbox/async"
    state = requests.get(admin, timeout=5).json()
    assert state["config"] == TEST_CONFIG.model_dump(mode="json")
    assert set(state["counters"]) >= {"accepted", "completed", "delivered", "duplicate_deliveries", "delivery_failures"}

    changed = requests.put(admin, json={"mode": "sync"}, timeout=5)
    assert changed.status_code == 200 and changed.json()["config"]["mode"] == "sync"
    assert served.replies.config.mode == "sync"

    refused = requests.put(admin, json={"mode": "later", "delay_seconds": -1}, timeout=5)
    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid_async_config"
    assert refused.json()["detail"].startswith("mode: must be")
    assert "delay_seconds: must be at least 0" in refused.json()["detail"]
    assert served.replies.config.mode == "sync"
