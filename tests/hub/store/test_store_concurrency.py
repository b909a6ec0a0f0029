"""Several processes (as Airflow workers are) saving replies at once: no lost writes, no duplicates, one chain."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import func, select

from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.tables import AgencyReplyRow
from schemas import ReplyStatus
from tests.hub.builders import REFERRAL_ID, example_referral, reply

WORKERS = 4
ROUNDS = 3
AGENCIES = ["police", "health", "education", "housing"]
SUBJECTS = ["S1", "S2", "S3", "S4"]


def _worker(url: str, key_path: str, worker: int) -> None:
    store = HubStore(url, LocalKeyProvider(Path(key_path)))
    for _round in range(ROUNDS):
        for agency in AGENCIES:  # Every worker writes every (agency, subject): maximal overlap.
            for subject in SUBJECTS:
                status = ReplyStatus.NO_RECORD if worker % 2 else ReplyStatus.FAILED
                store.save_reply(reply(agency, subject, status=status), actor=f"worker-{worker}")
    store.close()


def test_concurrent_reply_upserts_from_many_processes(database_url: str, tmp_path: Path) -> None:
    key_path = tmp_path / "keys" / "kek.bin"
    store = HubStore(database_url, LocalKeyProvider(key_path))
    store.create_schema()
    store.save_referral(example_referral(), actor="intake", purpose="MASH referral")

    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_worker, args=(database_url, str(key_path), n)) for n in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * WORKERS

    with store.engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(AgencyReplyRow)).scalar_one()
    assert rows == len(AGENCIES) * len(SUBJECTS)
    assert len(store.load_replies(REFERRAL_ID, actor="check", purpose="test")) == rows
    writes = store.audit_trail(action="reply.write")
    assert len(writes) == WORKERS * ROUNDS * len(AGENCIES) * len(SUBJECTS)
    verification = store.verify_audit_trail()
    assert verification.ok, verification.message
    store.close()
