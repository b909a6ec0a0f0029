"""A test double of an agency on a real HTTP server, behind the sandboxes' fault injector.

    uvicorn -> RequestRecorder -> FaultInjector -> the agency's app

The recorder keeps every request's method, path and query (never bodies or headers) before any
fault is applied, so a test can count retries and prove no personal data travelled in a URL even
for an agency app that keeps no URL log of its own. It hands uvicorn's `send` on untouched, so the
injector can still drop and cut short real connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.common.faults import DEFAULT_TOKEN_PATHS, SANDBOX_PREFIX, FaultConfig, FaultInjector
from sandbox.server import ServerThread

if TYPE_CHECKING:
    from connectors.testing.contract import ContractAgency


@dataclass(frozen=True)
class SeenRequest:
    """One request as the agency received it: method, path and raw query string."""

    method: str
    path: str
    query: str = ""

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


class RequestRecorder:
    """ASGI wrapper remembering every HTTP request to the agency (the sandbox's own test hooks excepted)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(SANDBOX_PREFIX):
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            with self._lock:
                self._seen.append(SeenRequest(scope["method"], scope["path"], query))
        await self.app(scope, receive, send)

    @property
    def seen(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._seen)

    @property
    def urls(self) -> list[str]:
        """Path and query of every request, in the order received."""
        return [request.url for request in self.seen]

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class ServedAgency:
    """A `ContractAgency` served on 127.0.0.1 (ephemeral port) with faults and a request log.

    `faults` is the sandbox `FaultInjector` (script faults with `script(...)`), `recorder` the
    request log. `reset()` restores the configured faults and empties the script and the log.
    """

    def __init__(self, agency: ContractAgency, faults: FaultConfig | None = None, *, seed: int = 0) -> None:
        self.agency = agency
        self._fault_config = faults or FaultConfig()
        self.faults = FaultInjector(
            agency.app,
            self._fault_config,
            render_error=agency.render_error,
            malformed_body=agency.malformed_body,
            seed=seed,
        )
        self.recorder = RequestRecorder(self.faults)
        self._server = ServerThread(self.recorder, ssl_kwargs=agency.server_tls)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def request_count(self) -> int:
        """Requests to the agency's API, counting retries; token requests (never faulted) are not counted."""
        return sum(1 for request in self.recorder.seen if not request.path.startswith(DEFAULT_TOKEN_PATHS))

    def script(self, names: Iterable[str]) -> None:
        """Fault the next requests with these named faults, in order (see `sandbox.common.faults.FaultName`)."""
        self.faults.script(names)

    def reset(self) -> None:
        self.faults.reset()
        self.faults.set_config(self._fault_config)
        self.recorder.clear()

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
