"""The connector contract: what an agency connector declares, and what the SDK does for all of them.

A connector is one class. It declares, as class attributes (checked when the class is defined):

* `agency`: its default agency id, and `title`;
* `lawful_basis`: the statutory gateway for asking this agency;
* `returns`: the allow-list (fields and entry categories it may return; the rest is dropped);
* `Options`: its typed settings (pydantic), read from its `options:` in `config/agencies.yaml`;
* `credential_types`: how it authenticates; their secret fields are `SecretStr` and come from an
  Airflow Connection, never from the YAML;
* `asynchronous`: whether the agency replies later (202 + a job to poll) when asked to.

and implements three things:

* `search(person)`: the agency's person records that may be this person (none is a result);
* `fetch_entries(candidate)`: the significant events held about one of those records;
* `parse_document(document)`: any one native reply, normalised offline (for `hub connectors parse`).

Everything else lives here once: the HTTP transport with retries, timeouts, rate limit, circuit
breaker, auth and TLS (`connectors.sdk.transport`); the recording of every raw reply
(`connectors.sdk.recording`); the allow-list; source attribution; and `check`, which never raises for
an agency fault but returns a reply with status "failed" and a short code, because one unreachable
agency must not stop the others.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import requests
from pydantic import BaseModel, ConfigDict

from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.auth import AgencyCredentials, NoCredentials
from connectors.sdk.config import AgencyConfig
from connectors.sdk.errors import AgencyTimeout, AgencyUnavailable, ConnectorError, MalformedReply
from connectors.sdk.jobs import JobBook, ReplyPending
from connectors.sdk.recording import NotInRecording, Recording, ReplayTransport
from connectors.sdk.resilience import ResilienceState
from connectors.sdk.transport import HttpTransport, RecordedTransport, Transport
from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    NormalisedDocument,
    Person,
    PersonName,
    Rag,
    RelatedPerson,
    ReplyStatus,
    Subject,
)

logger = logging.getLogger(__name__)

__all__ = [
    "SAFEGUARDING_BASIS",
    "AgencyTimeout",
    "AgencyUnavailable",
    "Connector",
    "ConnectorError",
    "MalformedReply",
    "NoOptions",
    "RecordedCheck",
    "birth_date_of",
    "json_of",
    "names_to_search",
    "parsing",
]

DEFAULT_RAG = Rag.AMBER
SAFEGUARDING_BASIS = "Children Act 1989 s17 and s47; Children Act 2004 s11; UK GDPR Art 6(1)(e); DPA 2018 Sch 1 para 18"
"""The statutory gateway for every safeguarding request; connectors add what their data needs on top."""
PROBE_PERSON = Person.model_validate(
    {"name": {"given_names": ["Zyxwv"], "family_name": "Hubconnectivityprobe"}, "birth_date": "2000-01-01"}
)
"""A synthetic person no agency holds: `hub connectors check` searches for them to prove the path works."""


class NoOptions(BaseModel):
    """For a connector with no settings of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class RecordedCheck:
    """A check's normalised reply, and the raw exchanges it was read from."""

    reply: AgencyReply
    recording: Recording


@contextmanager
def parsing() -> Iterator[None]:
    """Turn any failure to read an agency payload into `MalformedReply`, dropping the detail.

    Total over `Exception`: whatever a parser raises (lxml's `XMLSchemaValidateError`, pydantic's
    `ValidationError`, `fhir.resources`' errors, `UnicodeDecodeError`, `RecursionError`, ...) becomes
    `MalformedReply` naming only the error's type. Parser exceptions quote the offending values, which
    may be personal data, so the detail is dropped (not even kept as the cause). A `ConnectorError`
    raised inside passes through as it is: a connector's own `MalformedReply` with its fixed message,
    or an agency's typed answer such as TOO_MANY_MATCHES.
    """
    try:
        yield
    except ConnectorError:
        raise
    except Exception as error:  # noqa: BLE001 - total by design: only the type survives, never the detail
        raise MalformedReply(message=f"reply could not be parsed ({type(error).__name__})") from None


def json_of(reply: requests.Response | bytes) -> Any:
    """A reply's JSON, from the response or a captured body; `MalformedReply` unless it is strict JSON.

    Strict: UTF-8 (or UTF-16/32, as RFC 8259 allows), read from the bytes so that invalid UTF-8 is
    refused rather than patched; no `NaN` or `Infinity`, no number too big for a float (or an int of
    more than 4,300 digits); and no lone surrogate (`"\\ud800"`), which no stored text could hold.
    A check and `hub connectors parse` read a reply through here alike.
    """
    import json
    import math

    def finite(number: str) -> float:
        value = float(number)
        if not math.isfinite(value):
            raise ValueError("number out of range")
        return value

    def no_constants(name: str) -> Any:
        raise ValueError("NaN and Infinity are not JSON")

    with parsing():
        body = reply if isinstance(reply, bytes) else reply.content
        payload = json.loads(body, parse_float=finite, parse_constant=no_constants)
        json.dumps(payload, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
        return payload


def names_to_search(person: Person) -> list[PersonName]:
    """The referral's name first, then any aliases: agencies may hold a previous name.

    A name without a given name is left out: every agency searches by first name and surname.
    """
    names = [person.name] if person.name is not None else []
    return [name for name in (*names, *person.aliases) if name.given_names]


def birth_date_of(person: Person) -> date:
    """Demographic searches need a birth date; without one the check cannot honestly say "no record"."""
    if person.birth_date is None:
        raise ConnectorError("insufficient_identifiers")
    return person.birth_date


SEARCH_DAYS_EITHER_SIDE = 7
"""How far a recorded birth date may be from the referral's and still be searched for.

A birth date keyed a day or a week out (or a referrer's guess) is common, and an agency asked for the
exact date then returns nothing: the check read "no record" while the agency held the child (issue 13).
Searches ask for this window instead, still by name, and the hub's identity checking decides.
"""


@dataclass(frozen=True)
class BirthWindow:
    """The birth dates a demographic search covers, inclusive: the referral's, and a few days either side."""

    earliest: date
    latest: date

    @property
    def years(self) -> list[int]:
        """The birth years the window reaches, for agencies that search by year (two near a new year)."""
        return list(range(self.earliest.year, self.latest.year + 1))


def birth_window(born: date) -> BirthWindow:
    """The dates within `SEARCH_DAYS_EITHER_SIDE` days of `born` (clamped at the ends of the calendar)."""
    window = timedelta(days=SEARCH_DAYS_EITHER_SIDE)
    earliest = born - window if born - date.min >= window else date.min
    latest = born + window if date.max - born >= window else date.max
    return BirthWindow(earliest, latest)


def birth_years_to_search(born: date) -> list[int]:
    """The birth years a search by year covers: every year within `SEARCH_DAYS_EITHER_SIDE` days of `born`."""
    return birth_window(born).years


class Connector(ABC):
    """Checks one agency for one referral subject and normalises what it holds. See the module docstring."""

    agency: ClassVar[str]
    title: ClassVar[str]
    lawful_basis: ClassVar[str]
    returns: ClassVar[ReturnedFields]
    Options: ClassVar[type[BaseModel]] = NoOptions
    credential_types: ClassVar[tuple[type[BaseModel], ...]] = (NoCredentials,)
    asynchronous: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "__abstractmethods__", None):
            return
        missing = [name for name in ("agency", "title", "lawful_basis", "returns") if not getattr(cls, name, None)]
        if missing:
            raise TypeError(f"connector {cls.__name__} must declare {', '.join(missing)}")
        if not isinstance(cls.returns, ReturnedFields):
            raise TypeError(f"connector {cls.__name__}: `returns` must be a ReturnedFields allow-list")

    def __init__(
        self,
        config: AgencyConfig,
        *,
        credentials: AgencyCredentials | None = None,
        state: ResilienceState | None = None,
        rag: Rag = DEFAULT_RAG,
    ) -> None:
        self.config = config
        self.agency_id = config.id
        self.options: Any = self.Options.model_validate(config.options)
        self.credentials = credentials
        self.state = state
        self.reply_deadline: timedelta = config.deadlines.for_rag(rag)
        self.on_accepted: Callable[[], None] | None = None
        """Told when the agency accepts a request for a later reply, so the hub can say "awaiting reply"."""
        self.jobs: JobBook | None = None
        """Where to write down jobs accepted for a later reply instead of waiting here (`connectors.sdk.jobs`)."""
        self.wait_in_place: float = config.wait_in_place.total_seconds()
        """With `jobs`: how long one run of a check may wait in place before it defers."""
        self._transport: Transport = self._http_transport()

    @classmethod
    def configured(
        cls,
        endpoint: str,
        *,
        credentials: AgencyCredentials | None = None,
        state: ResilienceState | None = None,
        rag: Rag = DEFAULT_RAG,
        **settings: Any,
    ) -> Connector:
        """This connector at `endpoint` with its defaults, plus any `AgencyConfig` fields given (tests, tools)."""
        config = AgencyConfig.model_validate(
            {
                "id": cls.agency,
                "name": cls.title,
                "connector": f"{cls.__module__}:{cls.__qualname__}",
                "endpoint": endpoint,
                "lawful_basis": cls.lawful_basis,
                **settings,
            }
        )
        return cls(config, credentials=credentials, state=state, rag=rag)

    # What each connector implements ----------------------------------------------------------------

    @abstractmethod
    def search(self, person: Person) -> list[AgencyPerson]:
        """Every person record the agency holds that may be this person (none: an empty list)."""

    @abstractmethod
    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        """The significant events the agency holds about one of its person records."""

    def fetch(self, candidate: AgencyPerson) -> NormalisedDocument:
        """The candidate's records and any relationships they state; override when records state relationships."""
        return NormalisedDocument(agency=self.agency, kind="records", entries=self.fetch_entries(candidate))

    @classmethod
    @abstractmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        """Any one native reply of this agency, normalised; `MalformedReply` if it is not one."""

    # What the SDK does for every connector ---------------------------------------------------------

    def check(self, referral_id: str, subject: Subject) -> AgencyReply:
        """Search the agency for the subject and gather every candidate's records."""
        return self.check_recorded(referral_id, subject).reply

    def check_recorded(self, referral_id: str, subject: Subject) -> RecordedCheck:
        """`check`, with the raw exchanges it made (kept, encrypted, so history can be re-normalised)."""
        self._transport = self._http_transport()
        requested_at = datetime.now(UTC)
        reply = self._run(referral_id, subject, requested_at)
        recording = Recording(
            agency=self.agency_id,
            connector=f"{type(self).__module__}:{type(self).__qualname__}",
            requested_at=requested_at,
            completed_at=reply.completed_at,
            exchanges=list(self._transport.exchanges),
        )
        return RecordedCheck(reply, recording)

    def renormalise(self, referral_id: str, subject: Subject, recording: Recording) -> AgencyReply:
        """The same check run again against what the agency replied then, with today's mapping.

        `NotInRecording` if today's connector asks for something the agency was never asked then:
        such a check cannot be re-read, only run again.
        """
        self._transport = RecordedTransport(ReplayTransport(recording))
        try:
            reply = self._run(referral_id, subject, recording.requested_at)
        finally:
            self._transport = self._http_transport()
        if reply.error_code == NotInRecording.default_code:
            raise NotInRecording(message="the connector now makes a request the recording lacks; check again")
        return reply.model_copy(update={"completed_at": recording.completed_at})

    def restrict(self, document: NormalisedDocument) -> NormalisedDocument:
        """Only what the allow-list declares, attributed to this agency's registry id."""
        restricted, _ = self.returns.restrict(document)
        if self.agency_id == self.agency:
            return restricted
        return _attributed(restricted, self.agency_id)

    def post(self, path: str, *, json: Any = None, data: Any = None) -> requests.Response:
        """POST with personal data in the body only, never in the URL."""
        return self._transport.send("POST", path, json=json, data=data)

    def get(self, path: str) -> requests.Response:
        """GET by opaque id (e.g. `/Patient/{id}`); never put personal data in `path`."""
        return self._transport.send("GET", path)

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return json_of(self.post(path, json=body))

    def _http_transport(self) -> HttpTransport:
        return HttpTransport(
            self.config,
            credentials=self.credentials,
            state=self.state,
            reply_deadline=self.reply_deadline,
            asynchronous=self.asynchronous,
            correlation_id=str(uuid.uuid4()),
            on_accepted=self.on_accepted,
            jobs=self.jobs,
            wait_in_place=self.wait_in_place,
        )

    def _run(self, referral_id: str, subject: Subject, requested_at: datetime) -> AgencyReply:
        reply = {"agency": self.agency_id, "referral_id": referral_id, "subject_id": subject.subject_id}
        try:
            candidates = self.search(subject.person)
            fetched = [self.fetch(candidate) for candidate in candidates]
            entries = _unique_entries(entry for document in fetched for entry in document.entries)
            related = _unique_related(person for document in fetched for person in document.related_people)
        except ReplyPending:
            raise  # not a failure: the check is waiting for a later reply (connectors.sdk.jobs)
        except ConnectorError as error:
            logger.warning(
                "%s check failed: referral=%s subject=%s code=%s",
                self.agency_id,
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
                error_cause=getattr(error, "cause", None),
                error_cause_count=getattr(error, "cause_count", 0),
            )
        except Exception as error:  # noqa: BLE001 - a check's last resort: a failed reply, never a crash
            # A connector bug, or a reply read outside `parsing()`: the log says which error and where (never
            # its message, which may quote personal data), and the check fails as `connector_error`.
            origin = error.__traceback__
            while origin is not None and origin.tb_next is not None:
                origin = origin.tb_next
            logger.error(
                "%s check failed: referral=%s subject=%s code=%s (%s at %s)",
                self.agency_id,
                referral_id,
                subject.subject_id,
                ConnectorError.default_code,
                type(error).__name__,
                f"{origin.tb_frame.f_code.co_filename}:{origin.tb_lineno}" if origin else "unknown",
            )
            return AgencyReply(
                **reply,
                status=ReplyStatus.FAILED,
                requested_at=requested_at,
                completed_at=datetime.now(UTC),
                error_code=ConnectorError.default_code,
            )
        document = self.restrict(
            NormalisedDocument(
                agency=self.agency, kind="check", candidates=candidates, entries=entries, related_people=related
            )
        )
        status = _status(document.candidates)
        logger.info(
            "%s check: referral=%s subject=%s status=%s candidates=%d entries=%d",
            self.agency_id,
            referral_id,
            subject.subject_id,
            status.value,
            len(document.candidates),
            len(document.entries),
        )
        return AgencyReply(
            **reply,
            status=status,
            requested_at=requested_at,
            completed_at=datetime.now(UTC),
            candidates=document.candidates,
            entries=document.entries,
            related_people=document.related_people,
        )


def _unique_related(people: Iterable[RelatedPerson]) -> list[RelatedPerson]:
    """Each stated relationship once (two candidates' records can state the same one)."""
    unique: dict[str, RelatedPerson] = {}
    for person in people:
        unique.setdefault(person.model_dump_json(), person)
    return list(unique.values())


def _status(candidates: list[AgencyPerson]) -> ReplyStatus:
    if not candidates:
        return ReplyStatus.NO_RECORD
    return ReplyStatus.FOUND if len(candidates) == 1 else ReplyStatus.MULTIPLE_CANDIDATES


def _attributed(document: NormalisedDocument, agency_id: str) -> NormalisedDocument:
    """Entries and relationships credited to the agency as registered (e.g. `police_west`), not the class default."""
    entries = [
        entry.model_copy(update={"source": entry.source.model_copy(update={"agency": agency_id})})
        for entry in document.entries
    ]
    related = [
        person.model_copy(update={"source": person.source.model_copy(update={"agency": agency_id})})
        for person in document.related_people
    ]
    return document.model_copy(update={"agency": agency_id, "entries": entries, "related_people": related})


def _unique_entries(entries: Iterable[ChronologyEntry]) -> list[ChronologyEntry]:
    """Drop repeats (one occurrence reached through two candidates) and sort by date."""
    unique: dict[tuple[str, str, str], ChronologyEntry] = {}
    for entry in entries:
        unique.setdefault((entry.source.record_id, entry.category.value, entry.summary), entry)
    return sorted(unique.values(), key=ChronologyEntry.sort_key)
