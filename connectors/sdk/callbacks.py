"""Replies pushed back by an agency: a small callback receiver, one per process.

An agency that answers later can POST its reply to a URL the request named (`X-Callback-URL`),
instead of waiting to be polled. Each request gets its own unguessable token in that URL, so a
delivery can only land where it was asked for. Agencies retry deliveries and sometimes deliver
twice; the receiver keeps the first delivery per token and acknowledges every copy, so a reply is
never stored twice. The transport still polls the job's `Location` while it waits, so a callback
that never arrives costs time, not the reply.

The receiver listens on `HUB_CALLBACK_HOST`:`HUB_CALLBACK_PORT` (127.0.0.1 and any free port by
default). Agencies elsewhere need a route to it: set `HUB_CALLBACK_URL` to the base URL they can
reach (e.g. the council's API gateway), or use polling, the default. Bodies are never logged.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from connectors.sdk.recording import stored_response

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/callbacks/"
MAX_BODY_BYTES = 32 * 1024 * 1024
SETTLED_SECONDS = 600.0
"""How long a token stays known after its wait ended, so late copies are acknowledged, not retried."""
REPLY_STATUS_HEADER = "X-Reply-Status"


@dataclass(frozen=True)
class Delivery:
    status: int
    media_type: str | None
    body: bytes
    request_id: str | None

    def as_response(self) -> requests.Response:
        return stored_response(self.status, self.body, self.media_type, self.request_id)


class _Slot:
    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.delivery: Delivery | None = None
        self.settled_at: float | None = None


class CallbackReceiver:
    """Accepts `POST {base}/callbacks/{token}` for tokens it handed out; first delivery wins."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self.duplicates = 0
        self._server = serve_callbacks(host, port, self._accept)
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = (public_url or f"http://{bound_host!s}:{bound_port}").rstrip("/")

    def expect(self) -> tuple[str, str]:
        """A fresh token and the callback URL to send with a request."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_settled()
            self._slots[token] = _Slot()
        return token, f"{self.base_url}{CALLBACK_PATH}{token}"

    def wait(self, token: str, timeout: float) -> Delivery | None:
        """The delivery for `token`, waiting up to `timeout` seconds for it."""
        slot = self._slots.get(token)
        if slot is None or not slot.arrived.wait(max(timeout, 0.0)):
            return None
        return slot.delivery

    def settle(self, token: str) -> None:
        """The wait for `token` is over: its delivery is dropped, and copies still arriving are acknowledged."""
        with self._lock:
            if (slot := self._slots.get(token)) is not None:
                slot.settled_at, slot.delivery = time.monotonic(), None
                slot.arrived.set()

    def _forget_settled(self) -> None:
        cutoff = time.monotonic() - SETTLED_SECONDS
        for token in [t for t, slot in self._slots.items() if slot.settled_at is not None and slot.settled_at < cutoff]:
            del self._slots[token]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _accept(self, token: str, delivery: Delivery) -> HTTPStatus:
        with self._lock:
            slot = self._slots.get(token)
            if slot is None:
                return HTTPStatus.NOT_FOUND
            if slot.delivery is not None or slot.settled_at is not None:
                self.duplicates += 1
                logger.info("callback delivered again for a reply already received; acknowledged, not kept")
                return HTTPStatus.OK
            slot.delivery = delivery
        slot.arrived.set()
        return HTTPStatus.OK


def serve_callbacks(host: str, port: int, accept: Callable[[str, Delivery], HTTPStatus]) -> ThreadingHTTPServer:
    """Serve `POST /callbacks/{token}` in a background thread, handing each delivery to `accept`.

    What `accept` returns is the answer: 200 for a delivery kept or a copy acknowledged, 404 for a
    token nobody handed out. Oversized bodies are refused (413) unread. Request lines are never
    logged, because callback URLs hold tokens. The hub's own endpoint serves with this too.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            token = self.path.removeprefix(CALLBACK_PATH) if self.path.startswith(CALLBACK_PATH) else ""
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length > MAX_BODY_BYTES:
                self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            if not token or "/" in token or length < 0:
                self._answer(HTTPStatus.NOT_FOUND)
                return
            body = self.rfile.read(length)
            try:
                status = int(self.headers.get(REPLY_STATUS_HEADER) or 200)
            except ValueError:
                status = 502
            delivery = Delivery(status, self.headers.get("Content-Type"), body, self.headers.get("X-Request-ID"))
            try:
                answer = accept(token, delivery)
            except Exception as error:  # noqa: BLE001 - the agency retries; only the type is logged (details may be personal)
                logger.error("a callback could not be recorded (%s)", type(error).__name__)
                answer = HTTPStatus.SERVICE_UNAVAILABLE
            self._answer(answer)

        def _answer(self, status: HTTPStatus) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Silent: the default would log each request line, and callback URLs hold tokens."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="hub-callbacks", daemon=True).start()
    return server


_receiver: CallbackReceiver | None = None
_receiver_lock = threading.Lock()


def callback_receiver() -> CallbackReceiver:
    """This process's receiver, started on first use (see the module docstring for its settings)."""
    global _receiver
    with _receiver_lock:
        if _receiver is None:
            _receiver = CallbackReceiver(
                os.environ.get("HUB_CALLBACK_HOST", "127.0.0.1"),
                int(os.environ.get("HUB_CALLBACK_PORT", "0")),
                os.environ.get("HUB_CALLBACK_URL"),
            )
        return _receiver
