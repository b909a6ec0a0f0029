"""Accept now, answer later: agencies whose searches queue (police, education) can reply asynchronously.

`AsyncReplies` wraps an agency app; put it inside the `FaultInjector`, so faults hit poll
requests too: ``FaultInjector(AsyncReplies(agency_app, ...), ...)``. For a POST to one of its
`paths` that should be asynchronous it answers `202 Accepted` at once (`Location: /_jobs/{id}`,
`Retry-After`), runs the request through the agency app after `delay_seconds`, and keeps the
reply for `GET /_jobs/{id}` until `job_ttl_seconds` after it is ready. With a callback it also
POSTs the reply to the client's `X-Callback-URL`, keyed by `Idempotency-Key` = job id.

Jobs live in memory only; logs name job ids, never request bodies or URLs.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.common.api import REQUEST_ID_HEADER, ErrorRenderer
from sandbox.common.asgi import CapturedResponse, capture_response, header_value, read_body, validation_detail
from sandbox.common.faults import FAULT_CONFIG_SCOPE_KEY, FaultConfig

logger = logging.getLogger(__name__)

ADMIN_PATH = "/_sandbox/async"
JOBS_PREFIX = "/_jobs/"
CALLBACK_HEADER = "X-Callback-URL"
JOB_ID_HEADER = "X-Job-ID"
REPLY_STATUS_HEADER = "X-Reply-Status"
COUNTER_NAMES = (
    "accepted",
    "completed",
    "delivered",
    "duplicate_deliveries",
    "delivery_failures",
    "callbacks_abandoned",
)

ReplyStyle = Literal["sync", "poll", "callback"]


class AsyncConfig(BaseModel):
    """When and how an agency answers later; `client_choice` goes async only on `Prefer: respond-async`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["sync", "poll", "callback", "client_choice"] = "client_choice"
    delay_seconds: float = Field(default=2.0, ge=0.0)
    retry_after_seconds: int = Field(default=1, ge=0)
    job_ttl_seconds: float = Field(default=600.0, gt=0.0)
    duplicate_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    callback_attempts: int = Field(default=3, ge=1)
    callback_backoff_seconds: float = Field(default=0.5, ge=0.0)
    callback_timeout_seconds: float = Field(default=5.0, gt=0.0)


@dataclass
class Job:
    """One accepted request; `reply` is set when the agency app has answered."""

    job_id: str
    request_id: str | None
    callback_url: str | None
    reply: CapturedResponse | None = None
    expires_at: float = field(default=float("inf"))


def prefers_async(prefer: str | None) -> bool:
    """True when an RFC 7240 `Prefer` header asks for `respond-async`."""
    tokens = (part.split("=")[0].strip().lower() for part in (prefer or "").replace(";", ",").split(","))
    return "respond-async" in tokens


def reply_style(config: AsyncConfig, prefer: str | None, callback_url: str | None) -> ReplyStyle:
    match config.mode:
        case "client_choice":
            if not prefers_async(prefer):
                return "sync"
            return "callback" if callback_url else "poll"
        case mode:
            return mode


def is_callback_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def replay_request(body: bytes) -> Receive:
    """A `receive` that hands over the stored body once, then waits like a client that stays connected."""
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive


class AsyncReplies:
    """ASGI wrapper that turns searches on `paths` into jobs answered by polling or callback."""

    def __init__(
        self,
        app: ASGIApp,
        config: AsyncConfig | None = None,
        *,
        paths: tuple[str, ...],
        render_error: ErrorRenderer,
        seed: int | None = None,
    ) -> None:
        self.app = app
        self.paths = paths
        self._render_error = render_error
        self._config = config or AsyncConfig()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def config(self) -> AsyncConfig:
        return self._config

    def set_config(self, config: AsyncConfig | Mapping[str, Any]) -> AsyncConfig:
        """Replace the config for requests accepted from now on (jobs keep the config they started with)."""
        self._config = AsyncConfig.model_validate(config)
        return self._config

    @property
    def counters(self) -> dict[str, int]:
        """Jobs accepted and completed; callbacks delivered (a job counts once), sent twice, failed, given up."""
        with self._lock:
            return dict.fromkeys(COUNTER_NAMES, 0) | dict(self._counts)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path == ADMIN_PATH:
            await self._admin(scope, receive, send)
        elif path.startswith(JOBS_PREFIX):
            await self._poll(path.removeprefix(JOBS_PREFIX), scope, receive, send)
        elif method == "POST" and path in self.paths:
            await self._search(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _search(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self._config
        callback_url = header_value(scope, CALLBACK_HEADER)
        style = reply_style(config, header_value(scope, "Prefer"), callback_url)
        if style == "sync":
            await self.app(scope, receive, send)
            return
        request_id = header_value(scope, REQUEST_ID_HEADER)
        if style == "callback" and not (callback_url and is_callback_url(callback_url)):
            message = "X-Callback-URL must be an absolute http(s) URL"
            await self._send(self._render_error(400, "invalid_callback_url", message), request_id, scope, receive, send)
            return
        job = Job(str(uuid.uuid4()), request_id, callback_url if style == "callback" else None)
        body = await read_body(receive)
        self._jobs[job.job_id] = job
        self._count("accepted")
        duplicate_rate = config.duplicate_rate
        if isinstance(fault_config := scope.get(FAULT_CONFIG_SCOPE_KEY), FaultConfig):
            duplicate_rate = max(duplicate_rate, fault_config.duplicate_rate)
        task = asyncio.create_task(self._complete(job, dict(scope), body, config, duplicate_rate))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        accepted = JSONResponse({"job_id": job.job_id, "status": "accepted"}, 202)
        accepted.headers["Location"] = f"{JOBS_PREFIX}{job.job_id}"
        accepted.headers["Retry-After"] = str(config.retry_after_seconds)
        await self._send(accepted, request_id, scope, receive, send)

    async def _complete(self, job: Job, scope: Scope, body: bytes, config: AsyncConfig, duplicate_rate: float) -> None:
        """After the delay, answer through the agency app, keep the reply, and call back if asked."""
        await asyncio.sleep(config.delay_seconds)
        try:
            reply = await capture_response(self.app, scope, replay_request(body))
        except Exception as failure:  # noqa: BLE001 - any failure becomes the job's 500 reply
            # No traceback: the agency app's exception may quote the search's personal details.
            logger.error("async job %s: the agency app failed (%s)", job.job_id, type(failure).__name__)
            error = self._render_error(500, "internal_error", "The request could not be completed")
            reply = await capture_response(error, scope, replay_request(b""))
        if job.request_id and reply.header(REQUEST_ID_HEADER) is None:
            request_id_header = (REQUEST_ID_HEADER.lower().encode(), job.request_id.encode("latin-1"))
            reply = replace(reply, headers=[*reply.headers, request_id_header])
        job.reply = reply
        job.expires_at = time.monotonic() + config.job_ttl_seconds
        self._count("completed")
        if job.callback_url:
            copies = 2 if self._rng.random() < duplicate_rate else 1
            await self._deliver(job, reply, job.callback_url, config, copies)

    async def _deliver(self, job: Job, reply: CapturedResponse, url: str, config: AsyncConfig, copies: int) -> None:
        """POST the reply to the client's callback URL, `copies` times (a second copy is a duplicate)."""
        headers = {
            "Content-Type": reply.header("content-type") or "application/json",
            JOB_ID_HEADER: job.job_id,
            "Idempotency-Key": job.job_id,
            REPLY_STATUS_HEADER: str(reply.status),
        } | ({REQUEST_ID_HEADER: job.request_id} if job.request_id else {})
        async with httpx.AsyncClient(timeout=config.callback_timeout_seconds) as client:
            for copy in range(copies):
                if not await self._post_with_retries(client, url, headers, reply.body, config):
                    logger.warning(
                        "async job %s: callback abandoned after %d attempts", job.job_id, config.callback_attempts
                    )
                    self._count("callbacks_abandoned")
                    return
                self._count("duplicate_deliveries" if copy else "delivered")

    async def _post_with_retries(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes, config: AsyncConfig
    ) -> bool:
        """POST until a 2xx answer or `callback_attempts` tries, backing off exponentially between tries."""
        for attempt in range(config.callback_attempts):
            if attempt:
                await asyncio.sleep(config.callback_backoff_seconds * 2 ** (attempt - 1))
            try:
                response = await client.post(url, content=body, headers=headers)
                if response.is_success:
                    return True
            except httpx.HTTPError:
                pass
            self._count("delivery_failures")
        return False

    async def _poll(self, job_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        self._forget_expired()
        job = self._jobs.get(job_id)
        if scope["method"] != "GET":
            response = self._render_error(405, "method_not_allowed", "Jobs can only be read with GET")
            await self._send(response, header_value(scope, REQUEST_ID_HEADER), scope, receive, send)
        elif job is None:
            response = self._render_error(404, "job_not_found", "No such job, or its reply has expired")
            await self._send(response, header_value(scope, REQUEST_ID_HEADER), scope, receive, send)
        elif job.reply is None:
            pending = JSONResponse({"job_id": job.job_id, "status": "pending"}, 202)
            pending.headers["Retry-After"] = str(self._config.retry_after_seconds)
            await self._send(pending, job.request_id, scope, receive, send)
        else:
            headers = [*job.reply.headers, (JOB_ID_HEADER.lower().encode(), job.job_id.encode())]
            await send({"type": "http.response.start", "status": job.reply.status, "headers": headers})
            await send({"type": "http.response.body", "body": job.reply.body})

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for job_id in [job_id for job_id, job in self._jobs.items() if job.expires_at <= now]:
            del self._jobs[job_id]

    async def _send(
        self, response: Response, request_id: str | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if request_id and REQUEST_ID_HEADER not in response.headers:
            response.headers[REQUEST_ID_HEADER] = request_id
        await response(scope, receive, send)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Sandbox-only test hook: read counters and config, or replace the config."""
        response: Response
        if scope["method"] == "GET":
            response = JSONResponse(self.describe())
        elif scope["method"] == "PUT":
            try:
                self.set_config(AsyncConfig.model_validate_json(await read_body(receive)))
                response = JSONResponse(self.describe())
            except ValidationError as error:
                response = JSONResponse({"error": "invalid_async_config", "detail": validation_detail(error)}, 422)
        else:
            response = JSONResponse({"error": "method_not_allowed"}, 405)
        await response(scope, receive, send)

    def describe(self) -> dict[str, Any]:
        ready = sum(1 for job in self._jobs.values() if job.reply is not None)
        return {
            "config": self._config.model_dump(mode="json"),
            "counters": self.counters,
            "jobs": {"pending": len(self._jobs) - ready, "ready": ready},
        }
