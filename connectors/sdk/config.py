"""One agency's entry in `config/agencies.yaml`, typed: where it is, how to reach it, how long to wait.

Secrets never live here: `credentials` names an Airflow Connection that holds them. Settings a
connector alone understands go under `options` and are validated by the connector's own `Options`
model when the registry is loaded.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from connectors.sdk.jobs import DEFAULT_WAIT_IN_PLACE
from schemas.vocabulary import Rag

AgencyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,250}$")]
"""An Airflow Connection id (`conn_id`)."""

_DURATION = re.compile(r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: Any) -> Any:
    """`90s`, `15m`, `4h`, `1d`, or a number of seconds."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match["amount"]) * _UNIT_SECONDS[match["unit"]])
    if isinstance(value, str):
        raise ValueError("must be a duration such as 90s, 15m, 4h or 1d")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(Settings):
    """Per HTTP request: connecting, then waiting for each read."""

    connect: float = Field(default=3.05, gt=0, le=60)
    read: float = Field(default=10.0, gt=0, le=600)


class RetryPolicy(Settings):
    """Retries of 429, 5xx and dropped connections: exponential backoff with jitter, Retry-After honoured."""

    attempts: int = Field(default=3, ge=1, le=10, description="Tries in all, the first included.")
    backoff_seconds: float = Field(
        default=0.5, ge=0, le=60, description="The first retry goes at once, then waits 2x this, 4x, ... (urllib3)."
    )
    backoff_max_seconds: float = Field(default=20.0, ge=0, le=600)
    jitter_seconds: float = Field(default=0.25, ge=0, le=60, description="Random extra wait, up to this.")
    max_retry_after_seconds: float = Field(
        default=30.0, ge=0, le=600, description="A longer Retry-After is shortened to this."
    )


class CheckRetryPolicy(Settings):
    """How the hub tries a whole check again after it failed for a reason that may pass.

    Airflow runs the check again after `delay`, then twice that, four times ... up to `max_delay`, each
    wait stretched by up to as much again at random (jitter). Only the first attempt also retries single
    requests (`retry`), so the two never multiply.
    """

    tries: int = Field(default=4, ge=1, le=20, description="Attempts in all, the first included.")
    delay: Duration = Field(default=timedelta(seconds=30), description="Before the second attempt, e.g. 30s.")
    max_delay: Duration = Field(default=timedelta(minutes=10), description="The longest wait between attempts.")

    @model_validator(mode="after")
    def _ordered(self) -> CheckRetryPolicy:
        if not timedelta(0) < self.delay <= self.max_delay:
            raise ValueError("delay must be positive and no longer than max_delay")
        return self


class RateLimit(Settings):
    """Client-side throttle shared by every worker (NHS APIs default to 5 requests a second)."""

    per_second: float = Field(default=5.0, gt=0, le=10_000)
    burst: int = Field(default=5, ge=1, le=10_000)


class CircuitBreakerPolicy(Settings):
    """After `failure_threshold` failed requests in a row, stop calling the agency for `reset_after`."""

    failure_threshold: int = Field(default=5, ge=1, le=1000)
    reset_after: Duration = Field(default=timedelta(seconds=30), description="e.g. 30s, 5m")


class Pool(Settings):
    """How much of the agency is asked at once.

    The DAG runs one task per agency and referral, in the agency's Airflow pool: at most `slots`
    referrals' checks of this agency run at once, and each asks at most `people_at_once` of its
    referral's people at the same time, so the agency sees at most `slots × people_at_once` requests in
    flight from the hub (the rate limit, shared by every worker, still applies on top).
    """

    slots: int = Field(default=4, ge=1, le=256)
    people_at_once: int = Field(default=6, ge=1, le=64)


class Deadlines(Settings):
    """How long an asynchronous agency's reply is awaited, by the referral's RAG rating.

    Past it the check fails with `reply_deadline`; Airflow's retry asks again.
    """

    red: Duration = timedelta(hours=1)
    amber: Duration = timedelta(hours=4)
    green: Duration = timedelta(hours=24)

    def for_rag(self, rag: Rag) -> timedelta:
        deadline: timedelta = getattr(self, rag.value)
        return deadline

    @model_validator(mode="after")
    def _urgent_first(self) -> Deadlines:
        if not self.red <= self.amber <= self.green:
            raise ValueError("deadlines must not shorten as urgency falls (red <= amber <= green)")
        if self.red <= timedelta(0):
            raise ValueError("deadlines must be positive")
        return self


class AgencyConfig(Settings):
    """One entry of `config/agencies.yaml`."""

    id: AgencyId
    name: str = Field(min_length=1)
    connector: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", description="module:ClassName")
    endpoint: str = Field(pattern=r"^https?://[^\s?#]+$", description="Base URL, without query or fragment.")
    credentials: ConnectionId | None = Field(
        default=None, description="Airflow Connection id holding the secrets; none for an open endpoint."
    )
    lawful_basis: str = Field(min_length=1)
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    check_retry: CheckRetryPolicy = CheckRetryPolicy()
    rate_limit: RateLimit = RateLimit()
    circuit_breaker: CircuitBreakerPolicy = CircuitBreakerPolicy()
    pool: Pool = Pool()
    deadlines: Deadlines = Deadlines()
    wait_in_place: Duration = Field(
        default=timedelta(seconds=DEFAULT_WAIT_IN_PLACE),
        description="How long a check waits in its worker for an asynchronous reply before it defers to Airflow's "
        "triggerer (0s: never hold a worker).",
    )
    replies: Literal["poll", "callback"] = Field(
        default="poll",
        description="How an asynchronous agency's later reply reaches the hub: polled, or pushed to a callback.",
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Validated by the connector's Options.")

    @property
    def pool_name(self) -> str:
        return f"agency_{self.id}"
