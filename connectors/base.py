"""What every agency connector shares: a retrying HTTP session, fault handling, reply assembly.

Subclasses only say how to search their agency and how to fetch and normalise its records.
`Connector.check` never raises for an agency fault: it returns an `AgencyReply` with status
"failed" and a short error code, because one unreachable agency must not stop the others.
"""

from __future__ import annotations

import logging
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from connectors.auth import AgencyCredentials, NoCredentials
from connectors.errors import AgencyTimeout, AgencyUnavailable, ConnectorError, MalformedReply
from schemas import AgencyPerson, AgencyReply, ChronologyEntry, Person, PersonName, ReplyStatus, Subject

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_FACTOR = 0.3
DEFAULT_POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 5.0

__all__ = [
    "AgencyTimeout",
    "AgencyUnavailable",
    "Connector",
    "ConnectorError",
    "MalformedReply",
    "birth_date_of",
    "json_of",
    "names_to_search",
    "parsing",
]


class CappedRetry(Retry):
    """Honours Retry-After, but never waits longer than a check can sensibly afford."""

    MAX_RETRY_AFTER_SECONDS: ClassVar[float] = 30.0

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.MAX_RETRY_AFTER_SECONDS)


def build_session(retries: int) -> requests.Session:
    """A session that retries connection faults and 429/5xx, POST included: searches are reads."""
    retry = CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = requests.adapters.HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextmanager
def parsing() -> Iterator[None]:
    """Turn any failure to read an agency payload into `MalformedReply`, dropping the detail.

    Parser exceptions (pydantic's especially) quote the offending values, which may be
    personal data, so only a fixed message survives.
    """
    try:
        yield
    except MalformedReply:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError, SyntaxError) as error:
        raise MalformedReply(message=f"reply could not be parsed ({type(error).__name__})") from None


def json_of(response: requests.Response) -> Any:
    with parsing():
        return response.json()


def names_to_search(person: Person) -> list[PersonName]:
    """The referral's name first, then any aliases: agencies may hold a previous name."""
    return [person.name, *person.aliases]


def birth_date_of(person: Person) -> date:
    """Demographic searches need a birth date; without one the check cannot honestly say "no record"."""
    if person.birth_date is None:
        raise ConnectorError("insufficient_identifiers")
    return person.birth_date


def _retry_after(response: requests.Response) -> float:
    """Seconds to wait before polling again, as the agency suggests (bounded either way)."""
    try:
        seconds = float(response.headers.get("Retry-After", DEFAULT_POLL_SECONDS))
    except ValueError:
        seconds = DEFAULT_POLL_SECONDS
    return min(max(seconds, 0.05), MAX_POLL_SECONDS)


def _caused_by_timeout(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # urllib3 makes NewConnectionError (e.g. connection refused) a ConnectTimeoutError subclass.
    if isinstance(reason, NewConnectionError):
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


class Connector(ABC):
    """Checks one agency for one referral subject and normalises what it holds."""

    agency: ClassVar[str]

    def __init__(
        self,
        endpoint: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        retries: int = 2,
        reply_deadline: float = 120.0,
        credentials: AgencyCredentials | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.reply_deadline = reply_deadline
        self.session = build_session(retries)
        credentials = credentials or NoCredentials()
        self._auth = credentials.build_auth(self.endpoint)
        self._transport = credentials.requests_kwargs()

    def check(self, referral_id: str, subject: Subject) -> AgencyReply:
        """Search the agency for the subject and gather every candidate's records."""
        requested_at = datetime.now(UTC)
        reply = {"agency": self.agency, "referral_id": referral_id, "subject_id": subject.subject_id}
        try:
            candidates = self.search(subject.person)
            entries = self._unique_entries(entry for candidate in candidates for entry in self.fetch_entries(candidate))
        except ConnectorError as error:
            logger.warning(
                "%s check failed: referral=%s subject=%s code=%s",
                self.agency,
                referral_id,
                subject.subject_id,
                error.code,
            )
            return AgencyReply(
                **reply,
                status=ReplyStatus.FAILED,
                requested_at=requested_at,
                completed_at=datetime.now(UTC),
                error_code=error.code,
            )
        if not candidates:
            status = ReplyStatus.NO_RECORD
        elif len(candidates) == 1:
            status = ReplyStatus.FOUND
        else:
            status = ReplyStatus.MULTIPLE_CANDIDATES
        logger.info(
            "%s check: referral=%s subject=%s status=%s candidates=%d entries=%d",
            self.agency,
            referral_id,
            subject.subject_id,
            status.value,
            len(candidates),
            len(entries),
        )
        return AgencyReply(
            **reply,
            status=status,
            requested_at=requested_at,
            completed_at=datetime.now(UTC),
            candidates=candidates,
            entries=entries,
        )

    @abstractmethod
    def search(self, person: Person) -> list[AgencyPerson]:
        """Every person record the agency holds that may be this person (none: an empty list)."""

    @abstractmethod
    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        """The significant events the agency holds about one of its person records."""

    def post(self, path: str, *, json: Any = None, data: dict[str, str] | None = None) -> requests.Response:
        """POST with personal data in the body only, mapping every transport fault to a typed error."""
        return self._send("POST", path, json=json, data=data)

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return json_of(self.post(path, json=body))

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        request_id = str(uuid.uuid4())
        response = self._request(method, f"{self.endpoint}{path}", request_id, **kwargs)
        if response.status_code == 202 and response.headers.get("Location"):
            response = self._await_reply(response, request_id)
        return self._checked(response, request_id)

    def _request(self, method: str, url: str, request_id: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                headers={REQUEST_ID_HEADER: request_id},
                timeout=self.timeout,
                allow_redirects=False,
                auth=self._auth,
                **self._transport,
                **kwargs,
            )
        except requests.Timeout:
            raise AgencyTimeout() from None
        except requests.ConnectionError as error:
            raise (AgencyTimeout() if _caused_by_timeout(error) else AgencyUnavailable()) from None
        except requests.RequestException:
            raise ConnectorError("request_error") from None

    def _await_reply(self, accepted: requests.Response, request_id: str) -> requests.Response:
        """An agency that accepts now and answers later: poll its Location until the reply is ready.

        The reply echoes the original request's id; waiting ends at `reply_deadline` with a timeout.
        """
        location = requests.compat.urljoin(f"{self.endpoint}/", accepted.headers["Location"])
        deadline = time.monotonic() + self.reply_deadline
        response = accepted
        while response.status_code == 202:
            wait = _retry_after(response)
            if time.monotonic() + wait > deadline:
                raise AgencyTimeout("reply_deadline")
            time.sleep(wait)
            response = self._request("GET", location, request_id)
        return response

    @staticmethod
    def _checked(response: requests.Response, request_id: str) -> requests.Response:
        if response.status_code in RETRY_STATUSES:
            raise AgencyUnavailable(f"http_{response.status_code}")
        if response.status_code >= 300:
            raise ConnectorError(f"http_{response.status_code}")
        echoed = response.headers.get(REQUEST_ID_HEADER)
        if echoed is not None and echoed != request_id:
            raise MalformedReply("request_id_mismatch")
        return response

    @staticmethod
    def _unique_entries(entries: Iterable[ChronologyEntry]) -> list[ChronologyEntry]:
        """Drop repeats (one occurrence reached through two candidates) and sort by date."""
        unique: dict[tuple[str, str, str], ChronologyEntry] = {}
        for entry in entries:
            unique.setdefault((entry.source.record_id, entry.category.value, entry.summary), entry)
        return sorted(unique.values(), key=ChronologyEntry.sort_key)
