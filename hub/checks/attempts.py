"""Which failed checks are tried again, and when: the hub's one retry policy for whole checks.

Two layers retry, and they are kept from multiplying. Within a check's first attempt the SDK retries
each request (dropped connections, 429 and 5xx, with backoff, jitter and Retry-After). If the check
still fails for a reason that may pass (an agency down for a while, a reply cut short), Airflow runs
the whole check again later, with exponential backoff and jitter; those later attempts send each
request once, so the agency sees attempts added together, not multiplied. A reason that will not pass
by itself (bad credentials, a refused request, a missing birth date) fails at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.sdk.config import CheckRetryPolicy

RETRYABLE_REASONS = frozenset(
    {
        "timeout",
        "connection_error",
        "circuit_open",
        "malformed_reply",
        "request_error",
        "request_id_mismatch",
        "http_429",
        "http_500",
        "http_502",
        "http_503",
        "http_504",
    }
)
"""Failures that may pass by themselves; anything else needs a person, so it is not retried."""


def is_retryable(reason: str | None) -> bool:
    return reason in RETRYABLE_REASONS


@dataclass(frozen=True)
class Attempt:
    """One attempt of one check: its number (Airflow's try number, from 1) out of how many allowed."""

    number: int = 1
    tries: int = 1

    @property
    def is_first(self) -> bool:
        return self.number <= 1

    @property
    def is_last(self) -> bool:
        return self.number >= self.tries

    def will_retry(self, reason: str | None) -> bool:
        return not self.is_last and is_retryable(reason)


def earliest_retry(policy: CheckRetryPolicy, attempt: Attempt, failed_at: datetime) -> datetime:
    """The earliest moment Airflow runs the next attempt.

    Airflow waits between `d` and `2d` (a jitter fixed per attempt), where `d` is the first delay
    doubled for each attempt already made, capped at `max_delay`; the earliest is what to promise.
    """
    seconds = math.ceil(policy.delay.total_seconds() * 2 ** (attempt.number - 1))
    return failed_at + min(timedelta(seconds=max(seconds, 1)), policy.max_delay)
