"""The connector SDK's shared pieces: allow-list, rate limit and circuit breaker (in memory and in SQL), transport.

Transport tests run a tiny agency on a real uvicorn server and a minimal connector declared here,
so they see exactly the requests and headers the SDK sends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from connectors.health import HealthConnector
from connectors.housing import HousingConnector
from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.base import SAFEGUARDING_BASIS, Connector, MalformedReply
from connectors.sdk.config import CircuitBreakerPolicy, RateLimit
from connectors.sdk.resilience import AgencyGuard, CircuitOpen, MemoryResilienceState, ResilienceState
from connectors.sdk.transport import CORRELATION_ID_HEADER, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER
from connectors.testing import leaked_markers
from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from sandbox.server import ServerThread
from schemas import (
    Address,
    AgencyPerson,
    ChronologyEntry,
    EntryCategory,
    Identifiers,
    Involvement,
    InvolvementRole,
    NormalisedDocument,
    Person,
    PersonName,
    ReplyStatus,
    Sensitivity,
    Sex,
    SourceRef,
    Subject,
    SubjectRole,
)
from tests.hub import conftest as core_fixtures

database_url = core_fixtures.database_url
sqlite_url = core_fixtures.sqlite_url
key_provider = core_fixtures.key_provider
"""A fresh database on SQLite and on PostgreSQL, as the core tests make them."""

NAME = PersonName(given_names=["Ottoline"], family_name="Brackenridge")
SUBJECT = Subject(
    subject_id="S1", role=SubjectRole.SUBJECT_CHILD, person=Person(name=NAME, birth_date=date(2016, 6, 1))
)
HEADERS = (REQUEST_ID_HEADER, CORRELATION_ID_HEADER, IDEMPOTENCY_KEY_HEADER)


# Allow-list ------------------------------------------------------------------------------------------

TENANCY_ONLY = ReturnedFields(
    person=frozenset({"birth_date"}),
    entry=frozenset({"ended_on"}),
    categories=frozenset({EntryCategory.TENANCY}),
)


def _entry(category: EntryCategory, record_id: str) -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date(2024, 1, 5),
        ended_on=date(2024, 6, 5),
        category=category,
        summary="Tenancy started.",
        action_taken="Visited at Quarrymoor Lane.",
        source=SourceRef(agency="housing", record_id=record_id),
        people=[Involvement(agency_person_id="H1", role=InvolvementRole.TENANT)],
        sensitivity=Sensitivity.SENSITIVE,
    )


def _document() -> NormalisedDocument:
    person = Person(
        name=NAME,
        aliases=[PersonName(given_names=["Otti"], family_name="Brackenridge")],
        birth_date=date(2016, 6, 1),
        sex=Sex.FEMALE,
        address=Address(line="3 Quarrymoor Lane", postcode="NE2 4AB"),
        identifiers=Identifiers(housing_reference="HSG-0042"),
    )
    return NormalisedDocument(
        agency="housing",
        kind="check",
        candidates=[AgencyPerson(agency_person_id="H1", person=person)],
        entries=[_entry(EntryCategory.TENANCY, "T1"), _entry(EntryCategory.RENT_ARREARS, "A1")],
    )


def test_the_allow_list_drops_undeclared_fields_and_categories(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        restricted, dropped = TENANCY_ONLY.restrict(_document())
    assert restricted.candidates[0].person == Person(name=NAME, birth_date=date(2016, 6, 1))
    [entry] = restricted.entries
    assert entry == _entry(EntryCategory.TENANCY, "T1").model_copy(update={"action_taken": None})
    assert entry.sensitivity is Sensitivity.SENSITIVE  # kept though undeclared: dropping it would fail open
    assert dropped == Counter(
        {
            "entry category rent_arrears": 1,
            "entry.action_taken": 1,
            "person.aliases": 1,
            "person.sex": 1,
            "person.address.line": 1,
            "person.address.postcode": 1,
            "person.identifiers.housing_reference": 1,
        }
    )
    assert "person.address.postcode x1" in caplog.text and "entry category rent_arrears x1" in caplog.text
    values = ["Ottoline", "Otti", "Brackenridge", "Quarrymoor", "NE2 4AB", "HSG-0042", "2016-06-01", "female"]
    assert leaked_markers([caplog.text], values) == []


def test_a_document_within_its_allow_list_is_kept_whole_and_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    everything = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "identifiers"}),
        entry=frozenset({"ended_on", "action_taken", "sensitivity"}),
        categories=frozenset({EntryCategory.TENANCY, EntryCategory.RENT_ARREARS}),
    )
    with caplog.at_level(logging.DEBUG):
        restricted, dropped = everything.restrict(_document())
    assert restricted == _document() and not dropped and not caplog.records


def test_a_connector_registered_under_another_id_credits_that_id() -> None:
    restricted = HousingConnector.configured("http://127.0.0.1:9", id="housing_north").restrict(_document())
    assert restricted.agency == "housing_north"
    assert [entry.source.agency for entry in restricted.entries] == ["housing_north", "housing_north"]


@pytest.mark.parametrize(
    ("person", "categories", "problem"),
    [
        ({"name"}, {EntryCategory.TENANCY}, "not optional Person fields"),
        ({"shoe_size"}, {EntryCategory.TENANCY}, "not optional Person fields"),
        (set(), set(), "at least one entry category"),
    ],
)
def test_an_allow_list_naming_what_cannot_be_dropped_is_refused(
    person: set[str], categories: set[EntryCategory], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        ReturnedFields(person=frozenset(person), entry=frozenset(), categories=frozenset(categories))


# Rate limit and circuit breaker ------------------------------------------------------------------------


@dataclass
class FakeClock:
    """Unix time that moves only when told; sleeps are recorded, not slept."""

    now: float = 1_700_000_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


BREAKER = CircuitBreakerPolicy(failure_threshold=3, reset_after=timedelta(seconds=10))
UNTHROTTLED = RateLimit(per_second=10_000, burst=10_000)


def _guard(
    state: ResilienceState, clock: FakeClock, rate: RateLimit = UNTHROTTLED, agency: str = "health"
) -> AgencyGuard:
    return AgencyGuard(agency, rate, BREAKER, state, clock=clock, sleep=clock.sleep)


def _fail(guard: AgencyGuard, times: int) -> None:
    for _ in range(times):
        guard.before_request()
        guard.after_request(success=False)


def circuit_opens_and_recovers(first: ResilienceState, second: ResilienceState) -> None:
    """Failures seen through `first` open the circuit for `second`; one half-open trial decides."""
    clock = FakeClock()
    one, other = _guard(first, clock), _guard(second, clock)
    _fail(one, 2)
    other.before_request()
    other.after_request(success=True)  # a success in between: the count starts again
    _fail(one, BREAKER.failure_threshold - 1)
    other.before_request()  # still closed: not enough failures in a row
    other.after_request(success=False)
    with pytest.raises(CircuitOpen) as refused:
        one.before_request()
    assert refused.value.code == "circuit_open"
    _guard(first, clock, agency="police").before_request()  # another agency's circuit is its own

    clock.now += BREAKER.reset_after.total_seconds()
    other.before_request()  # the half-open trial
    with pytest.raises(CircuitOpen):
        one.before_request()  # only one trial at a time
    other.after_request(success=False)
    with pytest.raises(CircuitOpen):
        one.before_request()  # the trial failed: open again for reset_after

    clock.now += BREAKER.reset_after.total_seconds()
    one.before_request()
    one.after_request(success=True)  # the trial succeeded: closed
    for guard in (one, other, one, other):
        guard.before_request()
    assert clock.slept == []


def requests_are_spaced(first: ResilienceState, second: ResilienceState) -> None:
    """GCRA: a burst goes at once, then one request per interval, whichever worker asks."""
    clock = FakeClock()
    rate = RateLimit(per_second=2, burst=2)
    one, other = _guard(first, clock, rate), _guard(second, clock, rate)
    for guard in (one, other, one, other):
        guard.before_request()
    assert clock.slept == [0.5, 1.0]
    clock.now += 10
    one.before_request()
    assert clock.slept == [0.5, 1.0], "an idle agency's burst is available again"


def test_the_circuit_breaker_in_memory() -> None:
    state = MemoryResilienceState()
    circuit_opens_and_recovers(state, state)


def test_the_rate_limit_in_memory() -> None:
    state = MemoryResilienceState()
    requests_are_spaced(state, state)


@pytest.fixture
def two_workers(database_url: str, key_provider: LocalKeyProvider) -> Iterator[tuple[ResilienceState, ResilienceState]]:
    """Two stores on one database, as two Airflow workers have: each its own engine and resilience state."""
    stores = [HubStore(database_url, key_provider) for _ in range(2)]
    stores[0].create_schema()
    yield stores[0].resilience_state(), stores[1].resilience_state()
    for store in stores:
        store.close()


def test_the_circuit_breaker_is_shared_through_the_database(
    two_workers: tuple[ResilienceState, ResilienceState],
) -> None:
    circuit_opens_and_recovers(*two_workers)


def test_the_rate_limit_is_shared_through_the_database(two_workers: tuple[ResilienceState, ResilienceState]) -> None:
    requests_are_spaced(*two_workers)


def test_concurrent_reservations_each_get_their_own_slot(two_workers: tuple[ResilienceState, ResilienceState]) -> None:
    now, count = 1_700_000_000.0, 16
    with ThreadPoolExecutor(max_workers=8) as pool:
        admissions = pool.map(
            lambda i: two_workers[i % 2].admit("health", now, interval=1.0, burst=1, reset_after=30), range(count)
        )
        waits = [admission.wait for admission in admissions]
    assert sorted(waits) == [float(slot) for slot in range(count)]


def test_a_down_agency_opens_the_circuit_and_later_checks_fail_fast(
    closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = MemoryResilienceState()

    def check() -> tuple[str | None, float]:
        connector = HealthConnector.configured(
            closed_port_url,
            state=state,
            timeouts={"connect": 0.5},
            retry={"attempts": 2, "backoff_seconds": 0.01},
            circuit_breaker={"failure_threshold": 1, "reset_after": "30s"},
        )
        started = time.monotonic()
        reply = connector.check("REF-SDK-1", SUBJECT)
        return reply.error_code, time.monotonic() - started

    assert check()[0] == "connection_error"
    with caplog.at_level(logging.DEBUG):
        code, elapsed = check()
    assert code == "circuit_open" and elapsed < 0.5
    assert "Starting new HTTP connection" not in caplog.text, "the open circuit still let a request out"


# Transport ---------------------------------------------------------------------------------------------


class EchoConnector(Connector):
    """A minimal connector: two searches per check, nothing found."""

    agency = "echo"
    title = "Echo test agency"
    lawful_basis = SAFEGUARDING_BASIS
    returns = ReturnedFields(person=frozenset(), entry=frozenset(), categories=frozenset({EntryCategory.OTHER}))

    def search(self, person: Person) -> list[AgencyPerson]:
        self.post_json("/search", {"step": 1})
        self.post_json("/search", {"step": 2})
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        return []

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        raise MalformedReply()


@dataclass
class Seen:
    headers: dict[str, str]
    at: float


class EchoAgency:
    """Answers `/search` with `{}`, after answering the first `failures` requests with `status`."""

    def __init__(self, status: int = 503, failures: int = 0, headers: dict[str, str] | None = None) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self.app = FastAPI()

        @self.app.post("/search")
        async def search(request: Request) -> Response:
            with self._lock:
                self.seen.append(Seen(dict(request.headers), time.monotonic()))
                failing = len(self.seen) <= failures
            if failing:
                return Response("{}", status_code=status, headers=headers or {}, media_type="application/json")
            return Response("{}", media_type="application/json")

    def header(self, name: str) -> list[str | None]:
        return [seen.headers.get(name.lower()) for seen in self.seen]


@pytest.fixture
def serve() -> Iterator[Callable[[EchoAgency], str]]:
    servers: list[ServerThread] = []

    def start(agency: EchoAgency) -> str:
        server = ServerThread(agency.app)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def _echo(url: str, **settings: Any) -> Connector:
    retry = {"attempts": 3, "backoff_seconds": 0.01, "jitter_seconds": 0} | settings.pop("retry", {})
    return EchoConnector.configured(url, retry=retry, **settings)


def test_every_request_carries_request_correlation_and_idempotency_ids(
    serve: Callable[[EchoAgency], str],
) -> None:
    agency = EchoAgency(status=503, failures=1)
    connector = _echo(serve(agency))
    assert connector.check("REF-SDK-1", SUBJECT).status is ReplyStatus.NO_RECORD
    connector.check("REF-SDK-1", SUBJECT)
    assert len(agency.seen) == 5  # first search, its retry, second search; then the second check's two
    for name in HEADERS:
        assert all(agency.header(name)), f"a request without {name}"
    request_ids, keys = agency.header(REQUEST_ID_HEADER), agency.header(IDEMPOTENCY_KEY_HEADER)
    assert request_ids[0] == request_ids[1] and keys[0] == keys[1], "a retry is the same request"
    assert len(set(request_ids)) == len(set(keys)) == 4, "each request has ids of its own"
    correlation = agency.header(CORRELATION_ID_HEADER)
    assert len(set(correlation[:3])) == 1 and len(set(correlation[3:])) == 1, "one correlation id per check"
    assert correlation[0] != correlation[3]


def test_retry_after_is_honoured(serve: Callable[[EchoAgency], str]) -> None:
    agency = EchoAgency(status=429, failures=1, headers={"Retry-After": "1"})
    reply = _echo(serve(agency)).check("REF-SDK-1", SUBJECT)
    assert reply.status is ReplyStatus.NO_RECORD
    assert agency.seen[1].at - agency.seen[0].at >= 0.95, "the retry did not wait as the agency asked"


def test_retries_back_off_without_retry_after(serve: Callable[[EchoAgency], str]) -> None:
    agency = EchoAgency(status=503, failures=2)
    reply = _echo(serve(agency), retry={"backoff_seconds": 0.2}).check("REF-SDK-1", SUBJECT)
    assert reply.status is ReplyStatus.NO_RECORD
    assert agency.seen[2].at - agency.seen[1].at >= 0.35, "the second retry did not back off exponentially"


def test_a_long_retry_after_is_shortened_to_the_policy_cap(serve: Callable[[EchoAgency], str]) -> None:
    agency = EchoAgency(status=503, failures=1, headers={"Retry-After": "30"})
    reply = _echo(serve(agency), retry={"max_retry_after_seconds": 0.2}).check("REF-SDK-1", SUBJECT)
    assert reply.status is ReplyStatus.NO_RECORD
    assert 0.15 <= agency.seen[1].at - agency.seen[0].at < 5
