"""Agencies that reply later, waited for without a worker: a 202 is written down and the check runs again.

Measured before: an asynchronous agency was polled inside the task until the RAG deadline (up to 24 h
for green), holding a worker slot and a pool slot all that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests

from connectors.sdk.base import Connector
from connectors.sdk.callbacks import Delivery
from connectors.sdk.jobs import PendingJob, ReplyPending
from connectors.testing import CONNECTORS
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import AgencySandbox, SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral, ReplyStatus

ASYNC_AGENCIES = ("police", "education")


class MemoryJobBook:
    """A `JobBook` in a dict: what the hub keeps in its `pending_jobs` table, for one check."""

    def __init__(self) -> None:
        self.jobs: dict[str, PendingJob] = {}

    def pending(self, request_key: str) -> PendingJob | None:
        return self.jobs.get(request_key)

    def accepted(self, job: PendingJob) -> None:
        self.jobs[job.request_key] = job

    def settled(self, request_key: str) -> None:
        self.jobs.pop(request_key, None)

    def callback_url(self, token: str) -> str | None:
        return None  # no callback endpoint: every job is polled

    def delivered(self, job: PendingJob) -> Delivery | None:
        return None


@pytest.fixture(scope="module")
def slow_cluster() -> Iterator[SandboxCluster]:
    """Police and education accept every search for a reply 0.5 s later."""
    later = AgencySandbox(auth="none", asynchronous=AsyncConfig(delay_seconds=0.5, retry_after_seconds=1))
    settings = SandboxSettings.unauthenticated().model_copy(update={"police": later, "education": later})
    with SandboxCluster(settings=settings) as cluster:
        yield cluster


def accepted_count(cluster: SandboxCluster, agency: str) -> int:
    counters = requests.get(f"{cluster.endpoints[agency]}/_sandbox/async", timeout=5).json()["counters"]
    return int(counters["accepted"])


def deferred(agency: str, cluster: SandboxCluster, book: MemoryJobBook) -> Connector:
    connector = CONNECTORS[agency].configured(cluster.endpoints[agency], wait_in_place="0s")
    connector.jobs = book
    return connector


@pytest.mark.parametrize("agency", ASYNC_AGENCIES)
def test_a_deferred_check_asks_once_per_request_and_ends_as_the_waited_one(
    slow_cluster: SandboxCluster, referral: Referral, agency: str
) -> None:
    subject = referral.subjects[0]
    waited = CONNECTORS[agency].configured(slow_cluster.endpoints[agency]).check(referral.referral_id, subject)
    book = MemoryJobBook()
    before = accepted_count(slow_cluster, agency)

    runs, reply = 0, None
    while reply is None:
        runs += 1
        assert runs < 20, "the deferred check never finished"
        try:
            reply = deferred(agency, slow_cluster, book).check_recorded(referral.referral_id, subject).reply
        except ReplyPending as pending:
            assert pending.job.location.startswith(slow_cluster.endpoints[agency])
            assert 30 <= pending.job.poll_after <= 600  # a deferral is never shorter (apache/airflow#67287)
            time.sleep(1)  # the triggerer would wait poll_after; the sandbox's job is ready sooner

    assert runs >= 2  # it really deferred at least once, rather than waiting in place
    assert reply.status is waited.status and reply.status is not ReplyStatus.FAILED
    assert (reply.candidates, reply.entries) == (waited.candidates, waited.entries)
    # Each asynchronous request was accepted once: later runs collected the jobs, never asked again.
    assert accepted_count(slow_cluster, agency) - before == len(book.jobs)


def test_the_book_holds_no_personal_data(slow_cluster: SandboxCluster, referral: Referral) -> None:
    book = MemoryJobBook()
    subject = referral.subjects[0]
    with pytest.raises(ReplyPending):
        deferred("police", slow_cluster, book).check_recorded(referral.referral_id, subject)
    kept = repr(book.jobs)
    for value in (subject.person.name.family_name, *subject.person.name.given_names, str(subject.person.birth_date)):
        assert value not in kept


def test_a_job_past_the_referrals_deadline_fails_the_check_as_reply_deadline(
    slow_cluster: SandboxCluster, referral: Referral
) -> None:
    book = MemoryJobBook()
    subject = referral.subjects[0]
    with pytest.raises(ReplyPending) as pending:
        deferred("police", slow_cluster, book).check_recorded(referral.referral_id, subject)
    book.accepted(replace(pending.value.job, accepted_at=time.time() - 10 * 24 * 3600))

    reply = deferred("police", slow_cluster, book).check(referral.referral_id, subject)

    assert (reply.status, reply.error_code) == (ReplyStatus.FAILED, "reply_deadline")
    assert book.jobs == {}


def test_a_job_the_agency_forgot_is_asked_again(slow_cluster: SandboxCluster, referral: Referral) -> None:
    book = MemoryJobBook()
    subject = referral.subjects[0]
    with pytest.raises(ReplyPending) as pending:
        deferred("education", slow_cluster, book).check_recorded(referral.referral_id, subject)
    gone = f"{slow_cluster.endpoints['education']}/_jobs/00000000-0000-0000-0000-000000000000"
    book.accepted(replace(pending.value.job, location=gone))
    before = accepted_count(slow_cluster, "education")

    with pytest.raises(ReplyPending):
        deferred("education", slow_cluster, book).check_recorded(referral.referral_id, subject)

    assert accepted_count(slow_cluster, "education") == before + 1
    assert next(iter(book.jobs.values())).location != gone


def test_a_short_wait_is_spent_in_place_and_never_defers(slow_cluster: SandboxCluster, referral: Referral) -> None:
    """Replies due within the agency's `wait_in_place` are polled in the worker: no triggerer round trip."""
    book = MemoryJobBook()
    connector = CONNECTORS["police"].configured(slow_cluster.endpoints["police"], wait_in_place="20s")
    connector.jobs = book
    reply = connector.check(referral.referral_id, referral.subjects[0])
    assert reply.status is not ReplyStatus.FAILED and book.jobs  # asked asynchronously, answered in one run
