"""A small app behind a sandbox guard, served by a real uvicorn, for the auth tests to call over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse

from sandbox.common.api import new_app
from sandbox.common.auth.guard import SandboxGuard
from sandbox.server import ServerThread

TIMEOUT = 5


def render(status: int, code: str, message: str) -> Response:
    """A stand-in for an agency's native error format."""
    return JSONResponse({"code": code, "message": message}, status_code=status)


def guarded_app(guard: SandboxGuard) -> FastAPI:
    """`POST /records` behind `guard`, and a `/_sandbox/` hook that must stay open."""
    app = new_app("auth test")

    @app.post("/records")
    async def records() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/_sandbox/state")
    async def state() -> dict[str, bool]:
        return {"open": True}

    guard.install(app)
    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    with ServerThread(app) as server:
        yield server.url


def post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=TIMEOUT, **kwargs)
