"""How every connector talks to its agency: written once, so no connector re-invents resilience.

Per request, in order:

1. the agency's circuit breaker refuses at once if it is open; the shared rate limit spaces requests;
2. headers: `X-Request-ID` (per request, the same across its retries, as NHS APIs expect),
   `X-Correlation-ID` (per check, to trace it through the agency's logs) and `Idempotency-Key`
   (per request, so an agency that saw a retried search before answers it once);
3. authentication (cached OAuth2 tokens, signed JWTs, API keys) and TLS verification with client
   certificates, from the agency's credentials;
4. retries of dropped connections, 429 and 5xx by urllib3, with exponential backoff, jitter and
   Retry-After (capped); POST included, because every search is a read;
5. a 202 with a `Location` is a reply promised for later: the job is polled until the RAG deadline,
   or, with `replies: callback`, its reply is awaited at this process's callback receiver
   (`connectors.sdk.callbacks`) while the job is still polled, less often, in case the callback is lost;
6. the final reply is recorded (see `connectors.sdk.recording`) and checked: 429/5xx after retries →
   `AgencyUnavailable`, any other 4xx → `ConnectorError("http_4xx")` at once, a timeout →
   `AgencyTimeout`, a reply echoing the wrong request id → `MalformedReply`.

Only ids and status codes are ever logged or put in an error; URLs carry no personal data because
searches are POSTs.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from connectors.sdk.auth import AgencyCredentials, NoCredentials, shared_auth
from connectors.sdk.callbacks import callback_receiver
from connectors.sdk.config import AgencyConfig, RetryPolicy
from connectors.sdk.errors import AgencyTimeout, AgencyUnavailable, ConnectorError, MalformedReply
from connectors.sdk.jobs import DEFAULT_WAIT_IN_PLACE, JobBook, PendingJob, ReplyPending, poll_delay
from connectors.sdk.jobs import MAX_POLL_SECONDS as MAX_DEFERRED_POLL_SECONDS
from connectors.sdk.recording import Exchange, ReplayTransport, encoded_body
from connectors.sdk.resilience import AgencyGuard, MemoryResilienceState, ResilienceState

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
CALLBACK_URL_HEADER = "X-Callback-URL"
CALLBACK_POLL_FACTOR = 3
"""With a callback expected, poll the job this many times less often: only as a safety net."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 5.0


class CappedRetry(Retry):
    """urllib3's Retry, honouring Retry-After but never waiting longer than the policy allows."""

    max_retry_after: ClassVar[float] = 30.0

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.max_retry_after)


def build_session(policy: RetryPolicy) -> requests.Session:
    """A session that retries connection faults and 429/5xx; other 4xx are answers, returned at once."""
    retries = policy.attempts - 1
    retry_class = type("PolicyRetry", (CappedRetry,), {"max_retry_after": policy.max_retry_after_seconds})
    retry = retry_class(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=policy.backoff_seconds,
        backoff_max=policy.backoff_max_seconds,
        backoff_jitter=policy.jitter_seconds,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _retry_after(response: requests.Response, maximum: float = MAX_POLL_SECONDS) -> float:
    """Seconds before polling a pending job again, as the agency suggests (bounded either way)."""
    try:
        seconds = float(response.headers.get("Retry-After", DEFAULT_POLL_SECONDS))
    except ValueError:
        seconds = DEFAULT_POLL_SECONDS
    return min(max(seconds, 0.05), maximum)


def _suggested_wait(response: requests.Response, token: str | None) -> float:
    """Seconds before polling a job again: as the agency says, three times longer when a callback is due."""
    wait = _retry_after(response, maximum=MAX_DEFERRED_POLL_SECONDS)
    return wait * CALLBACK_POLL_FACTOR if token else wait


def _caused_by_timeout(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # urllib3 makes NewConnectionError (e.g. connection refused) a ConnectTimeoutError subclass.
    if isinstance(reason, NewConnectionError):
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


class Transport(Protocol):
    """What a connector sends its requests through: the agency over HTTP, or a recording on replay."""

    exchanges: list[Exchange]

    def send(self, method: str, path: str, *, json: Any = None, data: Any = None) -> requests.Response: ...


class HttpTransport:
    """Requests to one agency for one check, with everything in the module docstring applied."""

    def __init__(
        self,
        config: AgencyConfig,
        *,
        credentials: AgencyCredentials | None = None,
        state: ResilienceState | None = None,
        reply_deadline: timedelta,
        asynchronous: bool = False,
        correlation_id: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_accepted: Callable[[], None] | None = None,
        jobs: JobBook | None = None,
        wait_in_place: float = DEFAULT_WAIT_IN_PLACE,
    ) -> None:
        """`on_accepted` is told when the agency accepts a request for a later reply (202), before the wait.

        With `jobs`, a 202 is not waited for here: it is written down and `ReplyPending` raised, and the
        same request made again later polls that job once (see `connectors.sdk.jobs`).
        """
        self.endpoint = config.endpoint.rstrip("/")
        self.timeout = (config.timeouts.connect, config.timeouts.read)
        self.reply_deadline = reply_deadline.total_seconds()
        self.asynchronous = asynchronous
        # With a job book the hub's own endpoint receives callbacks; this process's receiver is for waiting here.
        pushed_here = asynchronous and config.replies == "callback" and jobs is None
        self.callbacks = callback_receiver() if pushed_here else None
        self.correlation_id = correlation_id or str(uuid.uuid4())
        self.session = build_session(config.retry)
        credentials = credentials or NoCredentials()
        self.auth = shared_auth(credentials, self.endpoint)
        self._tls = credentials.requests_kwargs()
        self.guard = AgencyGuard(config.id, config.rate_limit, config.circuit_breaker, state or MemoryResilienceState())
        self._sleep = sleep
        self._on_accepted = on_accepted
        self._jobs = jobs
        self.wait_in_place = wait_in_place
        self._waited_in_place = 0.0
        self.replies_by_callback = config.replies == "callback"
        self._requests_made: Counter[str] = Counter()
        self.exchanges: list[Exchange] = []

    def send(self, method: str, path: str, *, json: Any = None, data: Any = None) -> requests.Response:
        headers = {
            REQUEST_ID_HEADER: str(uuid.uuid4()),
            CORRELATION_ID_HEADER: self.correlation_id,
            IDEMPOTENCY_KEY_HEADER: str(uuid.uuid4()),
        }
        token = None
        key = None
        pushed = None
        if self.asynchronous and method == "POST":
            headers["Prefer"] = "respond-async"
            self._requests_made[f"{method} {path}"] += 1
            key = f"{method} {path} #{self._requests_made[f'{method} {path}']}" if self._jobs is not None else None
            if self.callbacks is not None and key is None:
                token, headers[CALLBACK_URL_HEADER] = self.callbacks.expect()
            elif self._jobs is not None and self.replies_by_callback:
                pushed = secrets.token_urlsafe(24)
                if (url := self._jobs.callback_url(pushed)) is not None:
                    headers[CALLBACK_URL_HEADER] = url
                else:
                    pushed = None
        started = time.monotonic()
        try:
            response = self._collected(key, headers) if key is not None else None
            if response is None:
                response = self._guarded(method, f"{self.endpoint}{path}", headers, json=json, data=data)
            if response.status_code == 202:
                if not response.headers.get("Location"):
                    raise MalformedReply("accepted_without_location", "202 Accepted without a Location to poll")
                if self._on_accepted is not None:
                    self._on_accepted()
                if key is not None:
                    job = self._written_down(key, response, headers[REQUEST_ID_HEADER], pushed)
                    self._wait_or_defer(job, _suggested_wait(response, pushed))
                    collected = self._collect(job, headers)
                    if collected is None:
                        raise AgencyUnavailable("job_lost", "the agency lost the job it had just accepted")
                    response = collected
                else:
                    response = self._await_reply(response, headers, token)
        finally:
            if token is not None and self.callbacks is not None:
                self.callbacks.settle(token)
        self.exchanges.append(
            Exchange(
                method=method,
                path=path,
                request_body=encoded_body(json, data) if method == "POST" else b"",
                status=response.status_code,
                media_type=response.headers.get("Content-Type"),
                body=response.content,
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
        )
        return checked(response, headers[REQUEST_ID_HEADER])

    def _guarded(self, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
        """One request (urllib3 retrying underneath), counted by the circuit breaker."""
        self.guard.before_request()
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                auth=self.auth,
                **self._tls,
                **kwargs,
            )
        except requests.Timeout:
            raise self._failed(AgencyTimeout()) from None
        except requests.ConnectionError as error:
            raise self._failed(AgencyTimeout() if _caused_by_timeout(error) else AgencyUnavailable()) from None
        except requests.exceptions.ChunkedEncodingError:
            # The connection broke part way through the reply body: the agency's fault, as a drop is.
            raise self._failed(AgencyUnavailable()) from None
        except requests.RequestException:
            raise self._failed(ConnectorError("request_error")) from None
        failed = response.status_code in RETRY_STATUSES
        self.guard.after_request(success=not failed, cause=f"http_{response.status_code}" if failed else None)
        return response

    def _failed(self, error: ConnectorError) -> ConnectorError:
        """Count a failed request against the agency's circuit, keeping its code as the cause."""
        self.guard.after_request(success=False, cause=error.code)
        return error

    def _written_down(self, key: str, accepted: requests.Response, request_id: str, token: str | None) -> PendingJob:
        """A job the agency just accepted, in the book, to be polled (or its pushed reply taken) later.

        With a callback expected, the job is polled three times less often: only as a safety net.
        """
        assert self._jobs is not None
        job = PendingJob(
            request_key=key,
            location=requests.compat.urljoin(f"{self.endpoint}/", accepted.headers["Location"]),
            request_id=request_id,
            accepted_at=time.time(),
            poll_after=poll_delay(_suggested_wait(accepted, token)),
            token=token,
        )
        self._jobs.accepted(job)
        return job

    def _collected(self, key: str, headers: dict[str, str]) -> requests.Response | None:
        """The reply to a job accepted on an earlier run of this check; None to ask afresh.

        Past the referral's deadline: `AgencyTimeout`. A job the agency no longer knows (404, 410):
        None, so the request is made again. Otherwise as `_collect`. A collected job stays in the book
        until the whole check ends (the caller forgets them), because a later request of the same check
        may defer, and the check then runs from the start again.
        """
        assert self._jobs is not None
        job = self._jobs.pending(key)
        if job is None:
            return None
        if time.time() - job.accepted_at > self.reply_deadline:
            self._jobs.settled(key)
            raise AgencyTimeout("reply_deadline", "the agency did not reply before the referral's deadline")
        return self._collect(job, headers)

    def _collect(self, job: PendingJob, headers: dict[str, str]) -> requests.Response | None:
        """Poll a job (or take its pushed reply) until it answers, waiting here while the budget lasts.

        Short waits are cheaper in place than a round trip through the triggerer; once this run of the
        check has waited `wait_in_place` seconds, the job is written down and `ReplyPending` raised.
        """
        assert self._jobs is not None
        headers[REQUEST_ID_HEADER] = job.request_id  # the reply echoes the request that was accepted
        poll_headers = {
            name: value for name, value in headers.items() if name not in (IDEMPOTENCY_KEY_HEADER, "Prefer")
        }
        while True:
            if job.token is not None and (delivery := self._jobs.delivered(job)) is not None:
                return delivery.as_response()  # pushed to the hub's endpoint: no need to poll the agency
            response = self._guarded("GET", job.location, poll_headers)
            if response.status_code in (404, 410):
                self._jobs.settled(job.request_key)  # the agency no longer knows the job: ask again
                return None
            if response.status_code != 202:
                return response  # kept in the book: a later request of this check may defer and re-run this one
            self._wait_or_defer(job, _suggested_wait(response, job.token))

    def _wait_or_defer(self, job: PendingJob, wait: float) -> None:
        """Sleep before the next poll if this run's in-place budget allows it; otherwise defer the check."""
        assert self._jobs is not None
        if self._waited_in_place + wait > self.wait_in_place:
            deferred = replace(job, poll_after=poll_delay(wait))
            self._jobs.accepted(deferred)
            raise ReplyPending(deferred)
        self._sleep(wait)
        self._waited_in_place += wait

    def _await_reply(
        self, accepted: requests.Response, headers: dict[str, str], token: str | None
    ) -> requests.Response:
        """The job's reply, by callback (`token`) or polling, before the referral's RAG deadline passes."""
        location = requests.compat.urljoin(f"{self.endpoint}/", accepted.headers["Location"])
        deadline = time.monotonic() + self.reply_deadline
        poll_headers = {
            key: value for key, value in headers.items() if key not in (IDEMPOTENCY_KEY_HEADER, CALLBACK_URL_HEADER)
        }
        response = accepted
        while response.status_code == 202:
            wait = _retry_after(response) * (CALLBACK_POLL_FACTOR if token else 1)
            wait = min(wait, deadline - time.monotonic())
            if wait <= 0:
                raise AgencyTimeout("reply_deadline", "the agency did not reply before the referral's deadline")
            if token is not None and self.callbacks is not None:
                if (delivery := self.callbacks.wait(token, wait)) is not None:
                    return delivery.as_response()
            else:
                self._sleep(wait)
            response = self._guarded("GET", location, poll_headers)
        return response


def checked(response: requests.Response, request_id: str | None = None) -> requests.Response:
    """The response if it is a usable answer; a typed error saying why not otherwise."""
    if response.status_code in RETRY_STATUSES:
        raise AgencyUnavailable(f"http_{response.status_code}")
    if response.status_code >= 300:
        raise ConnectorError(f"http_{response.status_code}")
    echoed = response.headers.get(REQUEST_ID_HEADER)
    if request_id is not None and echoed is not None and echoed != request_id:
        raise MalformedReply("request_id_mismatch")
    return response


class RecordedTransport:
    """Replays a check: each request is answered with the reply recorded for it (see `ReplayTransport`)."""

    def __init__(self, replay: ReplayTransport) -> None:
        self._replay = replay
        self.exchanges: list[Exchange] = []

    def send(self, method: str, path: str, *, json: Any = None, data: Any = None) -> requests.Response:
        response = self._replay.response(method, path, encoded_body(json, data) if method == "POST" else b"")
        return checked(response)
