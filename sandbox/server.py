"""Run the four agency sandboxes as real HTTP servers (uvicorn, one thread each) on 127.0.0.1.

Usage::

    with SandboxCluster() as cluster:          # ephemeral ports
        cluster.endpoints["health"]            # "http://127.0.0.1:54321"
"""

from __future__ import annotations

import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp

from sandbox import education, health, housing, police
from sandbox.dataset import Dataset
from sandbox.population import DEFAULT_SEED, write_default_population
from sandbox.store import Database

AGENCY_APPS: dict[str, Callable[[Database], FastAPI]] = {
    "health": health.create_app,
    "police": police.create_app,
    "education": education.create_app,
    "housing": housing.create_app,
}
DEFAULT_PORTS: dict[str, int] = {"health": 8781, "police": 8782, "education": 8783, "housing": 8784}
STARTUP_TIMEOUT_SECONDS = 10.0


class SandboxStartupError(RuntimeError):
    """A sandbox server did not start accepting connections in time."""


class ServerThread:
    """One ASGI app served by uvicorn in a daemon thread, on a socket bound before start.

    Binding first means port 0 yields a known ephemeral port, and a clash fails at once.
    Access logs are off and uvicorn leaves the process's logging configuration alone.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._accepts_connections():
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise SandboxStartupError(f"sandbox server on port {self.port} did not start")
            time.sleep(0.02)

    def _accepts_connections(self) -> bool:
        if not self._server.started:
            return False
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()


class SandboxCluster:
    """All four agency sandboxes over one generated population (each reads only its own file).

    Without a dataset, a small default population (the sample family and a few households from
    `seed`) is written to a temporary folder and removed on stop. `ports` maps agency id to port
    (0 or missing: ephemeral). `endpoints` maps agency id to its base URL once started.
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        ports: Mapping[str, int] | None = None,
        seed: int = DEFAULT_SEED,
        host: str = "127.0.0.1",
    ) -> None:
        self._dataset = dataset
        self._seed = seed
        self._scratch: Path | None = None
        self._ports = dict(ports or {})
        self._host = host
        self._servers: dict[str, ServerThread] = {}
        self.endpoints: dict[str, str] = {}

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="hub-sandbox-"))
            self._dataset = Dataset(write_default_population(self._scratch / "population", self._seed))
        return self._dataset

    def start(self) -> Self:
        try:
            for agency, create_app in AGENCY_APPS.items():
                app = create_app(self.dataset.database(agency))
                server = ServerThread(app, self._host, self._ports.get(agency, 0))
                self._servers[agency] = server
                server.start()
                self.endpoints[agency] = server.url
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        self.endpoints.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch, self._dataset = None, None

    def seen_urls(self, agency: str) -> list[str]:
        """Every URL (path and query, never bodies) the agency's sandbox has been asked for."""
        return list(self._servers[agency].app.state.seen_urls)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(
    ports: Mapping[str, int] | None = None,
    seed: int = DEFAULT_SEED,
    *,
    host: str = "127.0.0.1",
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Serve all four sandboxes until SIGINT or SIGTERM, then shut them down cleanly.

    `ports` defaults to `DEFAULT_PORTS` (those in config/agencies.yaml); pass 0 for ephemeral.
    `on_ready` receives the endpoints once every server accepts connections, e.g. so the CLI
    can record them in the run directory. Must be called from the main thread (signals).
    """
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxCluster(ports=DEFAULT_PORTS if ports is None else ports, seed=seed, host=host) as cluster:
            if on_ready is not None:
                on_ready(dict(cluster.endpoints))
            while not stopping.wait(timeout=0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
