"""The hub's one callback endpoint: agencies push replies to `POST /callbacks/{token}`, recorded in the database.

A check that asks an agency to push its reply (`replies: callback`) sends a callback URL on this
endpoint with a token of its own; what arrives is sealed under the referral's data key and audited
(`hub.store.pending_jobs`), and the check takes it when it next runs instead of polling. One endpoint
for every check, rather than a server in each task process on a random port, because a deferred check
has no process while it waits.

It listens on `HUB_CALLBACK_HOST`:`HUB_CALLBACK_PORT` (127.0.0.1 and a free port by default) and
publishes its address in `$HUB_HOME/run/callback-endpoint.json`, which checks read. Agencies
elsewhere reach it through the council's gateway: set `HUB_CALLBACK_URL` to the address they use.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from http import HTTPStatus
from http.server import ThreadingHTTPServer

from rich.console import Console

from connectors.sdk.callbacks import CALLBACK_PATH, Delivery, serve_callbacks
from hub.runtime.runfiles import PublishedFile
from hub.settings import HubSettings
from hub.store.home import open_store


class CallbackEndpoint:
    """Serves the endpoint in a background thread of this process until `stop`."""

    def __init__(self, settings: HubSettings, *, host: str | None = None, port: int | None = None) -> None:
        self.settings = settings
        self.host = host or os.environ.get("HUB_CALLBACK_HOST", "127.0.0.1")
        self.port = int(port if port is not None else os.environ.get("HUB_CALLBACK_PORT", "0"))
        self._server: ThreadingHTTPServer | None = None
        self._published: PublishedFile | None = None

    @property
    def url(self) -> str:
        """The address agencies are given: `HUB_CALLBACK_URL` if set, else where this endpoint listens."""
        if public := os.environ.get("HUB_CALLBACK_URL"):
            return public.rstrip("/")
        if self._server is None:
            raise RuntimeError("the callback endpoint is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        store = open_store(self.settings)

        def accept(token: str, delivery: Delivery) -> HTTPStatus:
            return store.record_callback(token, delivery)

        self._server = serve_callbacks(self.host, self.port, accept)
        document = json.dumps({"url": self.url, "pid": os.getpid()}).encode("utf-8")
        self._published = PublishedFile.write(self.settings.callback_endpoint_file, document)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._published is not None:
            self._published.remove()
            self._published = None

    def __enter__(self) -> CallbackEndpoint:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve_callback_endpoint(settings: HubSettings, console: Console, *, host: str | None, port: int | None) -> None:
    """`hub callbacks serve`: the endpoint alone until interrupted (a deployment's own service)."""
    settings.ensure_home()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with CallbackEndpoint(settings, host=host, port=port) as endpoint:
        console.print(f"Receiving agencies' callbacks at {endpoint.url}{CALLBACK_PATH}<token>. Press Ctrl-C to stop.")
        stop.wait()
