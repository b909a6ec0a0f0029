"""Run the four agency sandboxes as real HTTP servers (uvicorn, one thread each) on 127.0.0.1.

Usage::

    with SandboxCluster(Dataset(path)) as cluster:     # ephemeral ports
        cluster.endpoints["police"]                    # "https://127.0.0.1:54321" (mutual TLS)
        cluster.write_credentials(run_dir / "sandbox-credentials.json")
"""

from __future__ import annotations

import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self

import uvicorn
from starlette.types import ASGIApp

from sandbox.assembly import AGENCY_MODULES, AssembledAgency, assemble
from sandbox.common.auth.credentials import IssuedCredentials, write_credentials_file
from sandbox.common.settings import SandboxSettings
from sandbox.common.tls import DevPki, ensure_dev_pki
from sandbox.population.dataset import Dataset
from sandbox.world.default import DEFAULT_SEED, write_default_population

DEFAULT_PORTS: dict[str, int] = {"health": 8781, "police": 8782, "education": 8783, "housing": 8784}
STARTUP_TIMEOUT_SECONDS = 10.0


class SandboxStartupError(RuntimeError):
    """A sandbox server did not start accepting connections in time."""


class ServerThread:
    """One ASGI app served by uvicorn in a daemon thread, on a socket bound before start.

    Binding first means port 0 yields a known ephemeral port, and a clash fails at once.
    Access logs are off and uvicorn leaves the process's logging configuration alone.
    """

    def __init__(
        self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, ssl_kwargs: Mapping[str, Any] | None = None
    ) -> None:
        self.app = app
        self._tls = bool(ssl_kwargs)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            app, log_config=None, log_level="warning", access_log=False, lifespan="off", **(ssl_kwargs or {})
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{self.host}:{self.port}"

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

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = True  # a pooled TLS client connection must not hold the shutdown
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()


class SandboxCluster:
    """All four agency sandboxes over one generated population (each reads only its own file).

    Without a dataset, a small default population (the sample family and a few households from
    `seed`) is written to a temporary folder and removed on stop. `settings` says how each one
    authenticates, times its replies and fails (default: `SandboxSettings()`, the real agencies'
    ways, no faults). TLS certificates come from a development CA in `pki_dir` (a temporary folder
    if none). `ports` maps agency id to port (0 or missing: ephemeral).

    Once started, `endpoints` maps agency id to its base URL and `credentials` to the client
    credentials issued for this run; `agency(id)` gives its fault injector and async replies.
    """

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        settings: SandboxSettings | None = None,
        ports: Mapping[str, int] | None = None,
        seed: int = DEFAULT_SEED,
        host: str = "127.0.0.1",
        pki_dir: Path | None = None,
        tls_hostnames: Sequence[str] = ("localhost",),
    ) -> None:
        self._dataset = dataset
        self._owns_dataset = False
        self.settings = settings or SandboxSettings()
        self._seed = seed
        self._scratch: Path | None = None
        self._ports = dict(ports or {})
        self._host = host
        self._pki_dir = pki_dir
        self._tls_hostnames = tuple(tls_hostnames)
        self._servers: dict[str, ServerThread] = {}
        self._agencies: dict[str, AssembledAgency] = {}
        self.endpoints: dict[str, str] = {}

    def _scratch_dir(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="hub-sandbox-"))
        return self._scratch

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = Dataset(write_default_population(self._scratch_dir() / "population", self._seed))
            self._owns_dataset = True
        return self._dataset

    def _pki(self) -> DevPki | None:
        if all(self.settings.for_agency(agency).tls == "off" for agency in AGENCY_MODULES):
            return None
        return ensure_dev_pki(self._pki_dir or self._scratch_dir() / "tls", self._tls_hostnames)

    def start(self) -> Self:
        try:
            pki = self._pki()
            for agency in AGENCY_MODULES:
                assembled = assemble(
                    agency, self.dataset.database(agency), self.settings.for_agency(agency), pki, seed=self._seed
                )
                self._agencies[agency] = assembled
                port = self._ports.get(agency, 0)
                server = ServerThread(assembled.faults, self._host, port, ssl_kwargs=assembled.ssl_kwargs)
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
        self._agencies.clear()
        self.endpoints.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
            if self._owns_dataset:
                self._dataset, self._owns_dataset = None, False

    def agency(self, agency: str) -> AssembledAgency:
        """One running sandbox's parts: its fault injector, async replies, auth guard and issued client."""
        return self._agencies[agency]

    @property
    def credentials(self) -> dict[str, IssuedCredentials]:
        return {agency: assembled.client for agency, assembled in self._agencies.items()}

    def write_credentials(self, path: Path) -> None:
        """Write the clients' credentials for the hub's connectors (JSON, owner-only)."""
        write_credentials_file(path, self.credentials)

    def seen_urls(self, agency: str) -> list[str]:
        """Every URL (path and query, never bodies) the agency's sandbox has been asked for."""
        return list(self._agencies[agency].app.state.seen_urls)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve_forever(cluster: SandboxCluster, *, on_ready: Callable[[SandboxCluster], None] | None = None) -> None:
    """Serve the cluster until SIGINT or SIGTERM, then shut it down cleanly.

    `on_ready` receives the started cluster, e.g. so the CLI can record its endpoints and the
    issued credentials in the run directory. Must be called from the main thread (signals).
    """
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with cluster:
            if on_ready is not None:
                on_ready(cluster)
            while not stopping.wait(timeout=0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
