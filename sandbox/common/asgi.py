"""ASGI plumbing the sandbox wrappers share: headers, bodies, captured replies, the raw connection."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.config_files import describe_problems

logger = logging.getLogger(__name__)

DISCONNECT_GRACE_SECONDS = 2.0


@runtime_checkable
class ClosableTransport(Protocol):
    def close(self) -> None: ...
    def abort(self) -> None: ...


def connection_transport(send: Send) -> ClosableTransport | None:
    """The socket transport behind uvicorn's `send` (a bound method of its request-response cycle).

    Both uvicorn HTTP implementations (h11, httptools) keep it as `cycle.transport`; any other
    server, or a wrapper between uvicorn and us, yields None and the caller falls back.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, ClosableTransport) else None


def header_value(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def settle_disconnect(receive: Receive) -> None:
    """Wait until uvicorn has seen the closed connection, so it does not report an unfinished reply."""
    try:
        async with asyncio.timeout(DISCONNECT_GRACE_SECONDS):
            await wait_for_disconnect(receive)
    except TimeoutError:
        logger.warning("connection did not report closing within %ss", DISCONNECT_GRACE_SECONDS)


def validation_detail(error: ValidationError) -> str:
    """`field: message` for each problem, so an operator sees which setting is wrong."""
    return describe_problems(error)


@dataclass(frozen=True)
class CapturedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode("latin-1")
        return next((value.decode("latin-1") for key, value in self.headers if key.lower() == wanted), None)


async def capture_response(app: ASGIApp, scope: Scope, receive: Receive) -> CapturedResponse:
    """Run `app` for one request and keep its whole response instead of sending it."""
    start: Message = {}
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    if not start:
        raise RuntimeError("the app returned without starting a response")
    headers = [(bytes(key), bytes(value)) for key, value in start.get("headers", [])]
    return CapturedResponse(start["status"], headers, b"".join(chunks))
