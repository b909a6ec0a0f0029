"""The hub's one callback endpoint: pushed replies are recorded in the database, once, sealed and audited.

Measured before: callbacks arrived at a server in each task process on a random port, so a deferred
check (which has no process while it waits) could never receive one.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import yaml
from sqlalchemy import text

from connectors.sdk.callbacks import CALLBACK_PATH
from connectors.sdk.jobs import PendingJob
from hub.audit import AuditAction
from hub.checks.steps import ReplyAwaited, plan_checks, run_check
from hub.runtime.callbacks import CallbackEndpoint
from hub.runtime.sandboxes import record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral
from tests.conftest import SAMPLE_REFERRAL

MARKER = "Zq7vXk3mPw9tRb2nLc5yHd8s"  # long and random: can only be found if it was copied


@pytest.fixture
def endpoint(hub_home: Path) -> Iterator[CallbackEndpoint]:
    with CallbackEndpoint(HubSettings.from_env()) as serving:
        yield serving


def stored_referral(settings: HubSettings) -> Referral:
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    open_store(settings).save_referral(referral, actor="test", purpose="referral_intake", for_checks=True)
    return referral


def test_a_pushed_reply_is_kept_once_sealed_and_audited(hub_home: Path, endpoint: CallbackEndpoint) -> None:
    settings = HubSettings.from_env()
    referral = stored_referral(settings)
    store = open_store(settings)
    book = store.job_book(referral.referral_id, "police", "S1", actor="test", callback_base=endpoint.url)
    job = PendingJob("POST /search #1", "http://agency.invalid/_jobs/1", "req-1", time.time(), 5.0, token="tok-abc")
    book.accepted(job)
    url = book.callback_url("tok-abc")
    assert url == f"{endpoint.url}{CALLBACK_PATH}tok-abc"
    assert settings.callback_base_url() == endpoint.url  # published for the checks to find

    body = f'{{"name": "{MARKER}"}}'.encode()
    headers = {"Content-Type": "application/json", "X-Request-ID": "req-1"}
    assert requests.post(url, data=body, headers=headers, timeout=5).status_code == 200
    assert requests.post(url, data=b"a copy", headers=headers, timeout=5).status_code == 200  # acknowledged
    assert requests.post(f"{endpoint.url}{CALLBACK_PATH}nobody", data=b"x", timeout=5).status_code == 404

    delivery = book.delivered(job)
    assert delivery is not None and delivery.body == body and delivery.request_id == "req-1"  # the first one
    assert MARKER.encode() not in (hub_home / "hub.db").read_bytes()
    actions = [event.action for event in store.audit_trail(referral_id=referral.referral_id)]
    assert actions.count(AuditAction.CALLBACK_RECEIVE) == 1 and AuditAction.CALLBACK_READ in actions

    book.forget_all()
    assert book.delivered(job) is None and book.pending(job.request_key) is None


def test_an_oversized_callback_is_refused_unread(endpoint: CallbackEndpoint) -> None:
    host, port = endpoint.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(b"POST /callbacks/tok HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        assert b" 413 " in connection.recv(200)


def test_stopping_the_endpoint_removes_only_its_own_runtime_file(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    endpoint = CallbackEndpoint(settings)
    endpoint.start()
    assert settings.callback_endpoint_file.exists()
    endpoint.stop()
    assert not settings.callback_endpoint_file.exists()
    assert settings.callback_base_url() is None


@pytest.fixture(scope="module")
def pushing_police() -> Iterator[SandboxCluster]:
    """Police replies a second after it is asked, by callback when it is given a callback URL."""
    defaults = SandboxSettings()
    pushing = AsyncConfig(mode="client_choice", delay_seconds=1.0, retry_after_seconds=2)
    settings = defaults.model_copy(
        update={"police": defaults.for_agency("police").model_copy(update={"asynchronous": pushing})}
    )
    with SandboxCluster(settings=settings) as cluster:
        yield cluster


def test_a_deferred_check_takes_the_pushed_reply_instead_of_polling(
    hub_home: Path, config_copy: Path, endpoint: CallbackEndpoint, pushing_police: SandboxCluster
) -> None:
    registry = yaml.safe_load((config_copy / "agencies.yaml").read_text())
    police = next(entry for entry in registry["agencies"] if entry["id"] == "police")
    police.update(replies="callback", wait_in_place="0s")  # defer at once, so the pushed reply is what ends it
    (config_copy / "agencies.yaml").write_text(yaml.safe_dump(registry, sort_keys=False))
    settings = HubSettings.from_env()
    record_sandboxes(settings, pushing_police)
    referral = stored_referral(settings)
    plan_checks(referral.referral_id, settings)
    store = open_store(settings)
    started = datetime.now(UTC)

    runs = 0
    while True:
        runs += 1
        assert runs < 15, "the pushed reply never arrived"
        try:
            run_check(referral.referral_id, "police", "S1", settings, defer=True)
            break
        except ReplyAwaited as waiting:
            assert (waiting.poll_at - datetime.now(UTC)).total_seconds() >= 25  # polled rarely: a safety net
            deadline = time.monotonic() + 10
            while store.callbacks_received_since(started) < runs and time.monotonic() < deadline:
                time.sleep(0.1)

    # Each asynchronous request deferred the check once and was answered by exactly one pushed reply.
    actions = [event.action for event in store.audit_trail(referral_id=referral.referral_id)]
    assert runs >= 2 and actions.count(AuditAction.CALLBACK_RECEIVE) == runs - 1
    assert actions.count(AuditAction.CALLBACK_READ) >= runs - 1
    progress = {(item.agency, item.subject_id): item for item in store.check_progress(referral.referral_id)}
    assert progress[("police", "S1")].phase.value == "answered"
    replies = {
        (reply.agency, reply.subject_id): reply
        for reply in store.load_replies(referral.referral_id, actor="t", purpose="t")
    }
    assert replies[("police", "S1")].status.value in {"found", "no_record", "multiple_candidates"}
    with store.engine.connect() as connection:  # the check has its answer: its job and delivery are gone
        assert connection.execute(text("SELECT count(*) FROM callback_deliveries")).scalar_one() == 0
