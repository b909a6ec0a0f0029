"""Agency faults over real HTTP become a "failed" reply with a code, never an exception."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Response

from connectors.police import PoliceConnector
from sandbox.server import ServerThread
from schemas import Referral, ReplyStatus


class FlakyAgency:
    """A police-shaped agency that fails `failures` times with `status`, then answers empty."""

    def __init__(self, status: int, failures: int, delay: float = 0.0, body: str | None = None) -> None:
        self.calls = 0
        self.app = FastAPI()

        @self.app.post("/nominals/search")
        async def search() -> Response:
            self.calls += 1
            await asyncio.sleep(delay)
            if self.calls <= failures:
                return Response("busy", status_code=status, headers={"Retry-After": "0"})
            return Response(body or '{"nominals": []}', media_type="application/json")


@pytest.fixture
def serve() -> Iterator[list[ServerThread]]:
    servers: list[ServerThread] = []
    yield servers
    for server in servers:
        server.stop()


def _start(serve: list[ServerThread], agency: FlakyAgency) -> str:
    server = ServerThread(agency.app)
    server.start()
    serve.append(server)
    return server.url


def test_server_errors_are_retried_then_reported(serve: list[ServerThread], referral: Referral) -> None:
    agency = FlakyAgency(503, failures=99)
    reply = PoliceConnector.configured(_start(serve, agency), retry={"attempts": 3, "backoff_seconds": 0.01}).check(
        referral.referral_id, referral.subject("S1")
    )
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "http_503"
    assert agency.calls == 3


def test_a_transient_error_on_a_post_search_is_retried(serve: list[ServerThread], referral: Referral) -> None:
    agency = FlakyAgency(429, failures=1)
    reply = PoliceConnector.configured(_start(serve, agency), retry={"attempts": 3, "backoff_seconds": 0.01}).check(
        referral.referral_id, referral.subject("S1")
    )
    assert reply.status is ReplyStatus.NO_RECORD and agency.calls == 2


def test_client_errors_are_not_retried(serve: list[ServerThread], referral: Referral) -> None:
    agency = FlakyAgency(400, failures=99)
    reply = PoliceConnector.configured(_start(serve, agency), retry={"attempts": 3, "backoff_seconds": 0.01}).check(
        referral.referral_id, referral.subject("S1")
    )
    assert reply.error_code == "http_400" and agency.calls == 1


def test_a_slow_agency_times_out(serve: list[ServerThread], referral: Referral) -> None:
    agency = FlakyAgency(200, failures=0, delay=1.0)
    connector = PoliceConnector.configured(_start(serve, agency), timeouts={"read": 0.2}, retry={"attempts": 1})
    reply = connector.check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "timeout"


@pytest.mark.parametrize("body", ["<html>oops</html>", '{"nominals": [{"surname": "X"}]}', "[]"])
def test_a_malformed_reply_fails_the_check(serve: list[ServerThread], referral: Referral, body: str) -> None:
    agency = FlakyAgency(200, failures=0, body=body)
    reply = PoliceConnector.configured(_start(serve, agency)).check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FAILED and reply.error_code == "malformed_reply"


def test_failure_logs_carry_no_personal_data(
    closed_port_url: str, referral: Referral, caplog: pytest.LogCaptureFixture
) -> None:
    subject = referral.subject("S1")
    with caplog.at_level(logging.DEBUG):
        reply = PoliceConnector.configured(closed_port_url, retry={"attempts": 1}).check(referral.referral_id, subject)
    assert reply.error_code == "connection_error"
    assert "S1" in caplog.text
    for marker in ("Okafor", "Amara", "2015-03-14", "9990001014", "Y393201510011"):
        assert marker not in caplog.text
