"""A circuit breaker and a rate limit per agency, whose state every worker shares.

Airflow runs each check in its own process, so state kept in memory would protect nothing: five
workers would each allow the agency five requests a second, and each would keep calling an agency
that is down. Both therefore keep their state behind `ResilienceState`, one atomic operation per
request. `MemoryResilienceState` serves a single process (the CLI, tests); the hub's store provides
a SQL one (`hub.store.resilience_state`) on SQLite or PostgreSQL for Airflow's workers.

* Rate limit: the generic cell rate algorithm (GCRA), a token bucket kept as one number per agency
  (the theoretical arrival time), so a reservation is a single read-modify-write.
* Circuit breaker: closed → open after `failure_threshold` failures in a row → after `reset_after`,
  one trial request (half-open) whose outcome closes or re-opens it.
* Cost: one atomic operation before each request (`admit`: circuit, then rate slot) and one after
  it only when the outcome changes something (a failure, or a success after failures). Only the agency's failures count:
  timeouts, dropped connections, 5xx and 429 after retries. A 4xx or a malformed reply does not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from connectors.sdk.config import CircuitBreakerPolicy, RateLimit
from connectors.sdk.errors import ConnectorError


class CircuitOpen(ConnectorError):
    """The agency failed repeatedly just now; the hub waits before calling it again.

    `cause` and `cause_count` keep what opened the circuit (e.g. three timeouts), so a check refused
    here still says why the agency is being left alone.
    """

    default_code = "circuit_open"

    def __init__(self, message: str, *, cause: str | None = None, cause_count: int = 0) -> None:
        super().__init__(message=message)
        self.cause = cause
        self.cause_count = cause_count


@dataclass(frozen=True)
class Admission:
    """What the shared state said about one request: may it go, after how long, and was all well."""

    allowed: bool
    wait: float = 0.0
    failures: int = 0
    trial: bool = False
    cause: str | None = None
    """The failure that began the current run of failures (what opened the circuit)."""

    @property
    def healthy(self) -> bool:
        """No failures counted and no trial under way: a success changes nothing, so need not be written."""
        return self.failures == 0 and not self.trial


class ResilienceState(Protocol):
    """Shared, atomic per-agency state for the rate limit and circuit breaker (times are Unix seconds).

    One operation before each request and, only when something changes, one after it.
    """

    def admit(self, agency: str, now: float, *, interval: float, burst: int, reset_after: float) -> Admission:
        """Ask the circuit, then (if it allows) reserve the next rate-limit slot."""

    def record(
        self,
        agency: str,
        now: float,
        *,
        success: bool,
        threshold: int,
        reset_after: float,
        cause: str | None = None,
    ) -> None:
        """Count a request's outcome: a success closes the circuit, enough failures in a row open it.

        `cause` is a failure's code; the first of a run of failures is kept as what opened the circuit.
        """


@dataclass
class AgencyState:
    """One agency's row: theoretical arrival time (GCRA), failures in a row (and the first one's code), and
    when an open circuit ends."""

    arrival: float | None = None
    failures: int = 0
    opened_until: float | None = None
    cause: str | None = None

    def admit(self, now: float, interval: float, burst: int, reset_after: float) -> Admission:
        allowed, opened_until = circuit_allows(self.opened_until, now, reset_after)
        trial = allowed and self.opened_until is not None
        self.opened_until = opened_until
        if not allowed:
            return Admission(allowed=False, failures=self.failures, cause=self.cause)
        self.arrival, wait = next_arrival(self.arrival, now, interval, burst)
        return Admission(allowed=True, wait=wait, failures=self.failures, trial=trial, cause=self.cause)

    def record(
        self, now: float, *, success: bool, threshold: int, reset_after: float, cause: str | None = None
    ) -> None:
        if success:
            self.failures, self.opened_until, self.cause = 0, None, None
            return
        if self.failures == 0 or self.cause is None:
            self.cause = cause
        self.failures += 1
        if self.failures >= threshold:
            self.opened_until = now + reset_after


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


class MemoryResilienceState:
    """State for one process (threads share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._agencies: dict[str, AgencyState] = {}

    def admit(self, agency: str, now: float, *, interval: float, burst: int, reset_after: float) -> Admission:
        with self._lock:
            return self._agencies.setdefault(agency, AgencyState()).admit(now, interval, burst, reset_after)

    def record(
        self,
        agency: str,
        now: float,
        *,
        success: bool,
        threshold: int,
        reset_after: float,
        cause: str | None = None,
    ) -> None:
        with self._lock:
            state = self._agencies.setdefault(agency, AgencyState())
            state.record(now, success=success, threshold=threshold, reset_after=reset_after, cause=cause)


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
        self._healthy = False

    @property
    def _reset_after(self) -> float:
        return self.breaker.reset_after.total_seconds()

    def before_request(self) -> None:
        """Refuse at once if the circuit is open; otherwise wait for a rate-limit slot."""
        admission = self.state.admit(
            self.agency_id,
            self._clock(),
            interval=1.0 / self.rate_limit.per_second,
            burst=self.rate_limit.burst,
            reset_after=self._reset_after,
        )
        if not admission.allowed:
            raise CircuitOpen(
                f"{self.agency_id} circuit open: recent requests failed; not calling it",
                cause=admission.cause,
                cause_count=admission.failures,
            )
        self._healthy = admission.healthy
        if admission.wait > 0:
            self._sleep(admission.wait)

    def after_request(self, *, success: bool, cause: str | None = None) -> None:
        """Count the outcome; a failure's `cause` is its code (e.g. "timeout", "http_503")."""
        if success and self._healthy:
            return
        self.state.record(
            self.agency_id,
            self._clock(),
            success=success,
            threshold=self.breaker.failure_threshold,
            reset_after=self._reset_after,
            cause=cause,
        )
