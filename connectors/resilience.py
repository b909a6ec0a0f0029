"""A circuit breaker and a rate limit per agency, whose state every worker shares.

Airflow runs each check in its own process, so state kept in memory would protect nothing: five
workers would each allow the agency five requests a second, and each would keep calling an agency
that is down. Both therefore keep their state behind `ResilienceState`, one atomic operation per
request. `MemoryResilienceState` serves a single process (the CLI, tests); the hub's store provides
a SQL one (`hub.store.resilience_state`) on SQLite or PostgreSQL for Airflow's workers.

* Rate limit: the generic cell rate algorithm (GCRA), a token bucket kept as one number per agency
  (the theoretical arrival time), so a reservation is a single read-modify-write.
* Circuit breaker: closed → open after `failure_threshold` failures in a row → after `reset_after`,
  one trial request (half-open) whose outcome closes or re-opens it. Only the agency's failures count:
  timeouts, dropped connections, 5xx and 429 after retries. A 4xx or a malformed reply does not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from connectors.config import CircuitBreakerPolicy, RateLimit
from connectors.errors import ConnectorError


class CircuitOpen(ConnectorError):
    """The agency failed repeatedly just now; the hub waits before calling it again."""

    default_code = "circuit_open"


class ResilienceState(Protocol):
    """Shared, atomic state for rate limits and circuit breakers (times are Unix seconds)."""

    def reserve(self, key: str, now: float, interval: float, burst: int) -> float:
        """Reserve the next request slot; return how long to wait before sending it (0: now)."""

    def allow(self, key: str, now: float, reset_after: float) -> bool:
        """Whether the circuit lets a request through; claims the half-open trial when it is due."""

    def record(self, key: str, now: float, *, success: bool, threshold: int, reset_after: float) -> None:
        """Count a request's outcome: a success closes the circuit, enough failures in a row open it."""


@dataclass
class _Circuit:
    failures: int = 0
    opened_until: float | None = None


def next_arrival(tat: float | None, now: float, interval: float, burst: int) -> tuple[float, float]:
    """GCRA: (new theoretical arrival time, wait before sending)."""
    new_tat = max(tat or now, now) + interval
    return new_tat, max(0.0, new_tat - burst * interval - now)


def circuit_allows(opened_until: float | None, now: float, reset_after: float) -> tuple[bool, float | None]:
    """(allowed, new opened_until): closed passes; open refuses until due, then lets one trial through."""
    if opened_until is None:
        return True, None
    if now < opened_until:
        return False, opened_until
    return True, now + reset_after  # Half-open: this caller's trial; others wait for its outcome.


def circuit_after(failures: int, *, success: bool, now: float, threshold: int, reset_after: float) -> _Circuit:
    if success:
        return _Circuit()
    failures += 1
    return _Circuit(failures, now + reset_after if failures >= threshold else None)


class MemoryResilienceState:
    """State for one process (threads share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrivals: dict[str, float] = {}
        self._circuits: dict[str, _Circuit] = {}

    def reserve(self, key: str, now: float, interval: float, burst: int) -> float:
        with self._lock:
            self._arrivals[key], wait = next_arrival(self._arrivals.get(key), now, interval, burst)
            return wait

    def allow(self, key: str, now: float, reset_after: float) -> bool:
        with self._lock:
            circuit = self._circuits.setdefault(key, _Circuit())
            allowed, circuit.opened_until = circuit_allows(circuit.opened_until, now, reset_after)
            return allowed

    def record(self, key: str, now: float, *, success: bool, threshold: int, reset_after: float) -> None:
        with self._lock:
            failures = self._circuits.get(key, _Circuit()).failures
            self._circuits[key] = circuit_after(
                failures, success=success, now=now, threshold=threshold, reset_after=reset_after
            )


class AgencyGuard:
    """The rate limit and circuit breaker for one agency, applied around each request."""

    def __init__(
        self,
        agency_id: str,
        rate_limit: RateLimit,
        breaker: CircuitBreakerPolicy,
        state: ResilienceState,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.agency_id = agency_id
        self.rate_limit = rate_limit
        self.breaker = breaker
        self.state = state
        self._clock = clock
        self._sleep = sleep

    @property
    def _reset_after(self) -> float:
        return self.breaker.reset_after.total_seconds()

    def before_request(self) -> None:
        """Refuse at once if the circuit is open; otherwise wait for a rate-limit slot."""
        if not self.state.allow(f"circuit:{self.agency_id}", self._clock(), self._reset_after):
            raise CircuitOpen(message=f"{self.agency_id} circuit open: recent requests failed; not calling it")
        interval = 1.0 / self.rate_limit.per_second
        wait = self.state.reserve(f"rate:{self.agency_id}", self._clock(), interval, self.rate_limit.burst)
        if wait > 0:
            self._sleep(wait)

    def after_request(self, *, success: bool) -> None:
        self.state.record(
            f"circuit:{self.agency_id}",
            self._clock(),
            success=success,
            threshold=self.breaker.failure_threshold,
            reset_after=self._reset_after,
        )
