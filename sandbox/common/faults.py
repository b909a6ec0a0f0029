"""Fault injection for the agency sandboxes, so the hub is proven against slow, failing and broken agencies.

`FaultInjector` is a pure ASGI wrapper and must be the outermost app handed to uvicorn: dropping
or cutting short a connection needs uvicorn's own `send`, whose owner holds the socket. Faults hit
agency API paths only, never the `/_sandbox/` test hooks, and OAuth token endpoints only when
`fault_token_endpoint` is set. Each request gets at most one fault; latency comes on top.

A `config/sandboxes.yaml` can hold one `FaultConfig` per agency (every key optional)::

    police:
      faults:
        latency: {distribution: lognormal, median_ms: 120, p95_ms: 900}
        error_rate: 0.02              # 5xx, status drawn from error_statuses
        error_statuses: [502, 503]
        rate_limit_rate: 0.01         # 429 with Retry-After: retry_after_seconds
        retry_after_seconds: 2
        hang_rate: 0.005              # no answer for hang_seconds, then the connection closes
        hang_seconds: 30
        drop_rate: 0.005              # connection closed, no response bytes at all
        malformed_rate: 0.005         # 200 with a syntactically broken body
        truncate_rate: 0.005          # the real reply, cut short
        duplicate_rate: 0.05          # async callbacks delivered twice (see sandbox.common.async_replies)
        fault_token_endpoint: false

and is loaded with `FaultConfig.model_validate(mapping)`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from statistics import NormalDist
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.common.api import REQUEST_ID_HEADER, ErrorRenderer
from sandbox.common.asgi import (
    capture_response,
    connection_transport,
    header_value,
    read_body,
    settle_disconnect,
    validation_detail,
    wait_for_disconnect,
)

logger = logging.getLogger(__name__)

ADMIN_PATH = "/_sandbox/faults"
SCRIPT_PATH = "/_sandbox/faults/script"
SANDBOX_PREFIX = "/_sandbox/"
DEFAULT_EXEMPT_PATHS = ("/_sandbox/", "/oauth2/")
DEFAULT_TOKEN_PATHS = ("/oauth2/",)
FAULT_CONFIG_SCOPE_KEY = "sandbox.fault_config"
"""Scope key under which the injector hands its current config inward (async replies read duplicate_rate)."""
Z_95 = NormalDist().inv_cdf(0.95)

FaultName = Literal[
    "none",
    "latency",
    "http_500",
    "http_502",
    "http_503",
    "http_504",
    "http_429",
    "http_400",
    "http_401",
    "http_403",
    "http_404",
    "http_409",
    "http_422",
    "hang",
    "drop",
    "malformed",
    "truncate",
]
"""Faults a script can name. The 4xx are script-only (no rate draws them): tests use them to prove a
client error fails at once, never retried."""
FAULT_NAMES: tuple[str, ...] = get_args(FaultName)
Rate = Annotated[float, Field(ge=0.0, le=1.0)]
MalformedBody = Callable[[], tuple[bytes, str]]


class LatencyConfig(BaseModel):
    """How long each faulted request waits before it is handled, in milliseconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Literal["none", "fixed", "uniform", "lognormal"] = "none"
    fixed_ms: float = Field(default=0.0, ge=0.0)
    min_ms: float = Field(default=0.0, ge=0.0)
    max_ms: float = Field(default=0.0, ge=0.0)
    median_ms: float = Field(default=0.0, ge=0.0)
    p95_ms: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.max_ms < self.min_ms:
            raise ValueError(f"max_ms ({self.max_ms:g}) must be at least min_ms ({self.min_ms:g})")
        if self.p95_ms < self.median_ms:
            raise ValueError(f"p95_ms ({self.p95_ms:g}) must be at least median_ms ({self.median_ms:g})")
        if self.distribution == "lognormal" and self.median_ms <= 0:
            raise ValueError("lognormal latency needs median_ms > 0")
        return self

    def sample_seconds(self, rng: random.Random) -> float:
        """One delay drawn from the distribution; lognormal is fitted to the median and 95th percentile."""
        match self.distribution:
            case "none":
                return 0.0
            case "fixed":
                return self.fixed_ms / 1000
            case "uniform":
                return rng.uniform(self.min_ms, self.max_ms) / 1000
            case "lognormal":
                sigma = (math.log(self.p95_ms) - math.log(self.median_ms)) / Z_95
                return rng.lognormvariate(math.log(self.median_ms), sigma) / 1000


class FaultConfig(BaseModel):
    """Fault rates for one agency sandbox; the per-request faults exclude each other, so they sum to at most 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency: LatencyConfig = Field(default_factory=LatencyConfig)
    error_rate: Rate = 0.0
    error_statuses: tuple[Annotated[int, Field(ge=500, le=599)], ...] = Field(
        default=(500, 502, 503, 504), min_length=1
    )
    rate_limit_rate: Rate = 0.0
    retry_after_seconds: int = Field(default=1, ge=0)
    hang_rate: Rate = 0.0
    hang_seconds: float = Field(default=30.0, gt=0.0)
    drop_rate: Rate = 0.0
    malformed_rate: Rate = 0.0
    truncate_rate: Rate = 0.0
    duplicate_rate: Rate = 0.0
    fault_token_endpoint: bool = False

    @model_validator(mode="after")
    def _rates_exclusive(self) -> Self:
        total = sum(self.request_fault_rates().values())
        if total > 1 + 1e-9:
            raise ValueError(f"per-request fault rates exclude each other, so must sum to at most 1 (got {total:g})")
        return self

    def request_fault_rates(self) -> dict[str, float]:
        """The mutually exclusive per-request faults and their rates, in the order they are drawn."""
        return {
            "error": self.error_rate,
            "http_429": self.rate_limit_rate,
            "hang": self.hang_rate,
            "drop": self.drop_rate,
            "malformed": self.malformed_rate,
            "truncate": self.truncate_rate,
        }


class FaultScript(BaseModel):
    """Body of `POST /_sandbox/faults/script`: faults for the next requests, in order."""

    model_config = ConfigDict(extra="forbid")

    faults: list[FaultName]


Action = Literal["pass", "http_error", "hang", "drop", "malformed", "truncate"]
NAMED_ACTIONS: dict[str, Action] = {"hang": "hang", "drop": "drop", "malformed": "malformed", "truncate": "truncate"}


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request: a delay, then an action (`status` is for `http_error`)."""

    delay_seconds: float = 0.0
    action: Action = "pass"
    status: int = 200

    @property
    def counter(self) -> str | None:
        if self.action == "pass":
            return None
        return f"http_{self.status}" if self.action == "http_error" else self.action


def plan_for(name: str, config: FaultConfig, rng: random.Random) -> FaultPlan:
    """The plan for a scripted fault name: exactly that fault, latency only when the script says so."""
    if name == "latency":
        return FaultPlan(delay_seconds=config.latency.sample_seconds(rng))
    if name.startswith("http_"):
        return FaultPlan(action="http_error", status=int(name.removeprefix("http_")))
    if name == "none":
        return FaultPlan()
    return FaultPlan(action=NAMED_ACTIONS[name])


def draw_plan(config: FaultConfig, rng: random.Random) -> FaultPlan:
    """A random plan: the configured latency, then at most one fault chosen by its rate."""
    delay = config.latency.sample_seconds(rng)
    roll = rng.random()
    for name, rate in config.request_fault_rates().items():
        if roll < rate:
            if name == "error":
                return FaultPlan(delay, "http_error", rng.choice(config.error_statuses))
            if name == "http_429":
                return FaultPlan(delay, "http_error", 429)
            return FaultPlan(delay, NAMED_ACTIONS[name])
        roll -= rate
    return FaultPlan(delay)


def broken_json() -> tuple[bytes, str]:
    return b'{"results": [{"id": "', "application/json"


class FaultInjector:
    """ASGI wrapper that answers some requests with faults, by seeded rates or a script of named faults."""

    def __init__(
        self,
        app: ASGIApp,
        config: FaultConfig | None = None,
        *,
        render_error: ErrorRenderer,
        malformed_body: MalformedBody | None = None,
        seed: int | None = None,
        exempt_paths: tuple[str, ...] = DEFAULT_EXEMPT_PATHS,
        token_paths: tuple[str, ...] = DEFAULT_TOKEN_PATHS,
    ) -> None:
        self.app = app
        self._render_error = render_error
        self._malformed_body = malformed_body or broken_json
        self._exempt_paths = exempt_paths
        self._token_paths = token_paths
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._script: deque[str] = deque()
        self._counts: Counter[str] = Counter()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def set_config(self, config: FaultConfig | Mapping[str, Any]) -> FaultConfig:
        """Replace the config (a mapping is validated first; pydantic's ValidationError says what is wrong)."""
        validated = FaultConfig.model_validate(config)
        with self._lock:
            self._config = validated
        return validated

    def script(self, names: Iterable[str]) -> None:
        """Queue named faults for the next faultable requests, replacing any queue; used before random rates."""
        faults = FaultScript.model_validate({"faults": list(names)}).faults
        with self._lock:
            self._script = deque(faults)

    @property
    def counters(self) -> dict[str, int]:
        """Faultable requests seen, and how many got each fault (5xx/429 by status)."""
        base = dict.fromkeys(("requests", *(name for name in FAULT_NAMES if name != "none")), 0)
        with self._lock:
            return base | dict(self._counts)

    def reset(self) -> None:
        """No faults, empty script, zero counters."""
        with self._lock:
            self._config = FaultConfig()
            self._script.clear()
            self._counts.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            config, script = self._config, list(self._script)
        return {"config": config.model_dump(mode="json"), "script": script, "counters": self.counters}

    def faults_path(self, path: str, config: FaultConfig) -> bool:
        if path.startswith(SANDBOX_PREFIX):
            return False
        if config.fault_token_endpoint and path.startswith(self._token_paths):
            return True
        return not path.startswith(self._exempt_paths)

    def next_plan(self) -> FaultPlan:
        """Consume the next scripted fault, else draw one; counts the request and its fault."""
        with self._lock:
            if self._script:
                plan = plan_for(self._script.popleft(), self._config, self._rng)
            else:
                plan = draw_plan(self._config, self._rng)
            self._counts["requests"] += 1
            if plan.delay_seconds > 0:
                self._counts["latency"] += 1
            if plan.counter:
                self._counts[plan.counter] += 1
        return plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in (ADMIN_PATH, SCRIPT_PATH):
            await self._admin(scope, receive, send)
            return
        config = self._config
        scope = {**scope, FAULT_CONFIG_SCOPE_KEY: config}
        if not self.faults_path(path, config):
            await self.app(scope, receive, send)
            return
        plan = self.next_plan()
        if plan.delay_seconds > 0:
            await asyncio.sleep(plan.delay_seconds)
        match plan.action:
            case "pass":
                await self.app(scope, receive, send)
            case "http_error":
                await self._error(plan.status, scope, receive, send)
            case "hang":
                await self._hang(config.hang_seconds, scope, receive, send)
            case "drop":
                await self._drop(scope, receive, send)
            case "malformed":
                body, content_type = self._malformed_body()
                await self._answer(Response(body, 200, media_type=content_type), scope, receive, send)
            case "truncate":
                await self._truncate(scope, receive, send)

    async def _answer(self, response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        """Send an injected response, echoing X-Request-ID as the agency's own replies do."""
        if (request_id := header_value(scope, REQUEST_ID_HEADER)) and REQUEST_ID_HEADER not in response.headers:
            response.headers[REQUEST_ID_HEADER] = request_id
        await response(scope, receive, send)

    async def _error(self, status: int, scope: Scope, receive: Receive, send: Send) -> None:
        phrase = HTTPStatus(status).phrase
        response = self._render_error(status, phrase.lower().replace(" ", "_"), f"{phrase} (sandbox fault)")
        if status == 429:
            response.headers["Retry-After"] = str(self._config.retry_after_seconds)
        await self._answer(response, scope, receive, send)

    async def _hang(self, seconds: float, scope: Scope, receive: Receive, send: Send) -> None:
        """Say nothing for `seconds` (ending early if the client gives up), then close the connection."""
        transport = connection_transport(send)
        try:
            async with asyncio.timeout(seconds):
                await wait_for_disconnect(receive)
            return
        except TimeoutError:
            pass
        if transport is None:
            _warn_no_transport("hang")
            await self._error(504, scope, receive, send)
            return
        transport.abort()
        await settle_disconnect(receive)

    async def _drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = connection_transport(send)
        if transport is None:
            _warn_no_transport("drop")
            await self._error(502, scope, receive, send)
            return
        transport.abort()
        await settle_disconnect(receive)

    async def _truncate(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the real reply's headers with its full Content-Length, half its body, then close."""
        reply = await capture_response(self.app, scope, receive)
        framing = (b"content-length", b"transfer-encoding")
        headers = [(key, value) for key, value in reply.headers if key.lower() not in framing]
        headers.append((b"content-length", str(max(len(reply.body), 1)).encode("latin-1")))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body[: len(reply.body) // 2], "more_body": True})
        transport = connection_transport(send)
        if transport is None:
            _warn_no_transport("truncate")  # uvicorn closes a connection whose app left the reply unfinished
            return
        transport.close()
        await settle_disconnect(receive)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The sandbox-only test hooks: read, replace, script and reset the faults."""
        route = (scope["method"], scope["path"])
        response: Response
        try:
            if route == ("GET", ADMIN_PATH):
                response = JSONResponse(self.describe())
            elif route == ("PUT", ADMIN_PATH):
                self.set_config(FaultConfig.model_validate_json(await read_body(receive)))
                response = JSONResponse(self.describe())
            elif route == ("DELETE", ADMIN_PATH):
                self.reset()
                response = JSONResponse(self.describe())
            elif route == ("POST", SCRIPT_PATH):
                self.script(FaultScript.model_validate_json(await read_body(receive)).faults)
                response = JSONResponse(self.describe())
            else:
                response = JSONResponse({"error": "method_not_allowed"}, 405)
        except ValidationError as error:
            kind = "invalid_fault_script" if route[1] == SCRIPT_PATH else "invalid_fault_config"
            response = JSONResponse({"error": kind, "detail": validation_detail(error)}, 422)
        await response(scope, receive, send)


def _warn_no_transport(fault: str) -> None:
    logger.warning("cannot reach the connection for a %s fault; is FaultInjector the outermost app?", fault)
