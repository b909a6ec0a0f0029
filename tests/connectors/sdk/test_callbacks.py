"""Asynchronous agencies that push their reply back: each reply is taken once, however often it is delivered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from connectors.sdk.callbacks import CallbackReceiver, callback_receiver
from connectors.testing import CONNECTORS
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.faults import FaultConfig
from sandbox.common.settings import AgencySandbox, SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral, ReplyStatus

ASYNC_AGENCIES = ("police", "education")


def pushing(mode: str, duplicate_rate: float) -> AgencySandbox:
    return AgencySandbox(
        auth="none",
        asynchronous=AsyncConfig(mode=mode, delay_seconds=0.3, retry_after_seconds=1),  # type: ignore[arg-type]
        faults=FaultConfig(duplicate_rate=duplicate_rate),
    )


@pytest.fixture(scope="module")
def callbacks_cluster() -> Iterator[SandboxCluster]:
    """Police and education always answer by callback, and deliver every reply twice."""
    settings = SandboxSettings.unauthenticated().model_copy(
        update={"police": pushing("callback", 1.0), "education": pushing("callback", 1.0)}
    )
    with SandboxCluster(settings=settings) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def plain_cluster() -> Iterator[SandboxCluster]:
    with SandboxCluster(settings=SandboxSettings.unauthenticated()) as cluster:
        yield cluster


@pytest.mark.parametrize("agency", ASYNC_AGENCIES)
def test_a_reply_delivered_twice_is_taken_once_and_matches_the_synchronous_one(
    callbacks_cluster: SandboxCluster, plain_cluster: SandboxCluster, referral: Referral, agency: str
) -> None:
    receiver = callback_receiver()
    duplicates_before = receiver.duplicates
    pushed = CONNECTORS[agency].configured(callbacks_cluster.endpoints[agency], replies="callback")
    direct = CONNECTORS[agency].configured(plain_cluster.endpoints[agency])
    for subject in referral.subjects:
        checked = pushed.check_recorded(referral.referral_id, subject)
        expected = direct.check(referral.referral_id, subject)
        assert checked.reply.status is expected.status and checked.reply.status is not ReplyStatus.FAILED
        assert checked.reply.candidates == expected.candidates and checked.reply.entries == expected.entries
        assert len({entry.source.record_id for entry in checked.reply.entries}) == len(checked.reply.entries)
        assert all(exchange.status == 200 for exchange in checked.recording.exchanges)
    counters = settled_counters(callbacks_cluster.endpoints[agency], receiver, duplicates_before)
    assert counters["duplicate_deliveries"] >= 1
    assert receiver.duplicates - duplicates_before == counters["duplicate_deliveries"]


def settled_counters(endpoint: str, receiver: CallbackReceiver, duplicates_before: int) -> dict[str, int]:
    """The sandbox's counters once the duplicates it sent have arrived (a copy lands after the reply is taken).

    Waiting here also keeps a late copy from landing in the next agency's test.
    """
    deadline = time.monotonic() + 10
    while True:
        counters: dict[str, int] = requests.get(f"{endpoint}/_sandbox/async", timeout=5).json()["counters"]
        if receiver.duplicates - duplicates_before == counters["duplicate_deliveries"] or time.monotonic() > deadline:
            return counters
        time.sleep(0.05)


def test_a_lost_callback_costs_time_not_the_reply(plain_cluster: SandboxCluster, referral: Referral) -> None:
    """The agency polls-only (it never calls back): the connector's safety-net polling still gets the reply."""
    connector = CONNECTORS["police"].configured(plain_cluster.endpoints["police"], replies="callback")
    reply = connector.check(referral.referral_id, referral.subject("S1"))
    assert reply.status is ReplyStatus.FOUND


def test_the_receiver_keeps_the_first_delivery_and_refuses_unknown_tokens() -> None:
    receiver = CallbackReceiver()
    try:
        token, url = receiver.expect()
        first = requests.post(url, data=b'{"n": 1}', headers={"Content-Type": "application/json"}, timeout=5)
        again = requests.post(url, data=b'{"n": 2}', headers={"X-Reply-Status": "200"}, timeout=5)
        assert first.status_code == again.status_code == 200 and receiver.duplicates == 1
        delivery = receiver.wait(token, 1)
        assert delivery is not None and json.loads(delivery.body) == {"n": 1}
        assert delivery.as_response().json() == {"n": 1}
        assert requests.post(f"{receiver.base_url}/callbacks/unknown", data=b"{}", timeout=5).status_code == 404
        receiver.settle(token)
        assert requests.post(url, data=b"{}", timeout=5).status_code == 200  # a late copy: acknowledged
        assert receiver.duplicates == 2 and receiver.wait(token, 0.01) is None
    finally:
        receiver.close()
