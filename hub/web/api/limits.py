"""The API's limits on a client: requests per minute (GCRA), and a body read only up to the referral's limit.

The rate limit is kept in this web process's memory: `hub web up` runs one process; behind several, each
allows the rate (the proxy in front can cap the total, docs/deployment.md). The rule is the connectors' own
(`connectors.sdk.resilience.next_arrival`); a refused request reserves nothing, so a client that keeps
calling too fast gets in again as soon as its rate allows.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from connectors.sdk.resilience import next_arrival


@dataclass
class RateLimit:
    """`per_minute` requests a minute per client, `burst` of them at once; `retry_after` is None when allowed."""

    per_minute: int = 60
    burst: int = 20
    clock: Callable[[], float] = time.monotonic
    _arrivals: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> int | None:
        """None if the client may call now (and its slot is taken); else the whole seconds until it may."""
        interval = 60.0 / self.per_minute
        now = self.clock()
        with self._lock:
            arrival, wait = next_arrival(self._arrivals.get(client), now, interval, self.burst)
            if wait > 0:
                return max(1, math.ceil(wait))
            self._arrivals[client] = arrival
            return None


class TooLarge(Exception):
    """The body is larger than the limit; what was read is discarded."""


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request's body, read only up to `limit` bytes: a longer one raises `TooLarge` without reading on.

    A `Content-Length` over the limit is refused before anything is read.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)
