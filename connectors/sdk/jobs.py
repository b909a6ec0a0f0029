"""Agencies that answer later (202 and a job to poll), waited for without holding a worker.

In-process, the transport polls a job until the reply comes (`HttpTransport._await_reply`). Inside
Airflow that would hold a worker slot and a pool slot for hours, so there the hub gives the transport
a `JobBook`: on a 202, the transport writes the job down, polls it in place for a few seconds
(its entry's `wait_in_place`), and if the reply is still to come raises `ReplyPending`, the check task
defers to Airflow's triggerer until the job is due to be polled, and when the task resumes the same
check runs again; the transport finds the job in the book for the same request and polls it once
instead of asking again. Jobs stay in the book until the whole check ends, so a check with several
such requests re-collects the earlier replies rather than asking for them again. Requests are keyed
by method, path and their order within the check, never by their body, so the book holds no
personal data.

An agency set to push its reply (`replies: callback`) is sent a callback URL on the hub's one
callback endpoint, which records what arrives in the database; when the check runs again it takes
the delivered reply from the book instead of polling, and polls (less often) only while nothing came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from connectors.sdk.callbacks import Delivery
from connectors.sdk.errors import ConnectorError
from connectors.sdk.knobs import lowered_seconds

MIN_POLL_SECONDS = 30.0
MAX_POLL_SECONDS = 600.0
"""A deferred job is polled again after its `Retry-After`, kept between these two (seconds).

Not sooner than 30 s: Airflow 3.3.2's scheduler can see a task that resumes very quickly after a
deferral as a "state mismatch" and spend one of its retries on it (apache/airflow#67287)."""
MIN_POLL_VARIABLE = "HUB_TEST_MIN_POLL_SECONDS"
"""Tests only: a lower floor than `MIN_POLL_SECONDS` (never a higher one), so that a test through the real
triggerer waits seconds for a deferred job rather than half a minute. Unset in any deployment."""
DEFAULT_WAIT_IN_PLACE = 5.0
"""Seconds a run of a check may wait for replies in place before it defers (the agency's `wait_in_place`):
a short wait is cheaper in the worker than a round trip through the triggerer, and most agencies that
answer later answer soon."""


@dataclass(frozen=True)
class PendingJob:
    """A request the agency accepted for a later reply: where to collect it, and when to look again."""

    request_key: str
    location: str
    request_id: str
    accepted_at: float
    """Unix seconds when the agency first accepted the request (the reply deadline counts from here)."""
    poll_after: float
    """Seconds to wait before polling again, as the agency suggested."""
    token: str | None = None
    """The callback token sent with the request, when the agency was asked to push its reply."""


class JobBook(Protocol):
    """Where a check's pending jobs are kept between its attempts (the hub keeps them in its database)."""

    def pending(self, request_key: str) -> PendingJob | None:
        """The job awaiting a reply for this request, if any."""

    def accepted(self, job: PendingJob) -> None:
        """Record (or update) a job the agency accepted."""

    def settled(self, request_key: str) -> None:
        """The job is gone (the agency no longer knows it, or the deadline passed): forget it."""

    def callback_url(self, token: str) -> str | None:
        """Where the agency should push the reply for `token`; None when no endpoint receives callbacks."""

    def delivered(self, job: PendingJob) -> Delivery | None:
        """The reply the agency pushed for this job's token, if it has arrived."""


class ReplyPending(ConnectorError):
    """The agency accepted the request and will reply later; ask again after `job.poll_after` seconds.

    Not a failure: a check that raises it is waiting, and says "awaiting reply".
    """

    default_code = "reply_pending"

    def __init__(self, job: PendingJob) -> None:
        super().__init__(message="the agency will reply later")
        self.job = job


def min_poll_seconds() -> float:
    """`MIN_POLL_SECONDS`, or the lower floor a test gives in `HUB_TEST_MIN_POLL_SECONDS`."""
    return lowered_seconds(MIN_POLL_VARIABLE, MIN_POLL_SECONDS, zero_allowed=False)


def poll_delay(retry_after: float) -> float:
    return min(max(retry_after, min_poll_seconds()), MAX_POLL_SECONDS)
