"""Foundation figures: encryption, the encrypted store, chronology assembly and agency checks.

Run with `uv run python bench/bench_foundation.py`. Prints figures; asserts nothing. Not part of the tests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

from connectors.sdk.base import Connector
from connectors.testing import CONNECTORS
from hub.chronology.assembly import assemble
from hub.crypto import LocalKeyProvider, decrypt, encrypt, new_data_key, row_aad
from hub.runtime.sandboxes import connector_for
from hub.store import HubStore
from sandbox.server import SandboxCluster
from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    EntryCategory,
    Involvement,
    InvolvementRole,
    Referral,
    ReplyStatus,
    SourceRef,
)

SAMPLE = Path(__file__).resolve().parent.parent / "config" / "examples" / "referral.json"
WHEN = datetime(2026, 11, 2, 12, tzinfo=UTC)


def timed(label: str, repeat: int, action: Callable[[], object], unit: str = "op") -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    print(f"{label:<58} median {median * 1e3:9.3f} ms per {unit}  (n={repeat})")
    return median


def synthetic_replies(referral: Referral, entries_per_reply: int) -> list[AgencyReply]:
    replies = []
    for agency in ("health", "police", "education", "housing"):
        for subject in referral.subjects:
            person_id = f"{agency}-{subject.subject_id}"
            entries = [
                ChronologyEntry(
                    occurred_on=date(2020, 1, 1) + timedelta(days=(index * 7) % 2500),
                    category=EntryCategory.POLICE_OCCURRENCE,
                    summary=f"Synthetic event {index} recorded by {agency}.",
                    source=SourceRef(agency=agency, record_id=f"{person_id}-{index}"),
                    people=[Involvement(agency_person_id=person_id, role=InvolvementRole.SUBJECT)],
                )
                for index in range(entries_per_reply)
            ]
            replies.append(
                AgencyReply(
                    agency=agency,
                    referral_id=referral.referral_id,
                    subject_id=subject.subject_id,
                    status=ReplyStatus.FOUND,
                    requested_at=WHEN,
                    completed_at=WHEN,
                    candidates=[AgencyPerson(agency_person_id=person_id, person=subject.person)],
                    entries=entries,
                )
            )
    return replies


def check_household(connector: Connector, referral: Referral) -> list[AgencyReply]:
    return [connector.check(referral.referral_id, subject) for subject in referral.subjects]


def main() -> None:
    referral = Referral.model_validate_json(SAMPLE.read_text())
    print("== encryption (AES-256-GCM)")
    key, record, aad = new_data_key(), b"x" * 1024, row_aad("chronology", "REF-1", "S1", 1)
    sealed = encrypt(key, record, aad)
    timed("encrypt 1 KiB", 2000, lambda: encrypt(key, record, aad))
    timed("decrypt 1 KiB", 2000, lambda: decrypt(key, sealed, aad))

    print("== chronology assembly (4 agencies x 4 subjects)")
    for per_reply in (10, 100):
        replies = synthetic_replies(referral, per_reply)
        timed(f"assemble {16 * per_reply} entries", 5, partial(assemble, referral, replies, assembled_at=WHEN))

    print("== encrypted store on SQLite (audited in the same transaction)")
    with tempfile.TemporaryDirectory() as folder:
        store = HubStore(f"sqlite:///{folder}/hub.db", LocalKeyProvider(Path(folder) / "kek.bin"))
        store.create_schema()
        store.save_referral(referral, actor="bench", purpose="bench")
        replies = synthetic_replies(referral, 25)
        timed("save one agency reply (25 entries, upsert)", 50, lambda: store.save_reply(replies[0], actor="bench"))
        for reply in replies:
            store.save_reply(reply, actor="bench")
        timed(
            "load 16 replies (400 entries)",
            20,
            lambda: store.load_replies(referral.referral_id, actor="b", purpose="b"),
        )
        chronologies = assemble(referral, replies, assembled_at=WHEN)
        timed(
            "save 2 chronologies (unchanged: no new version)",
            20,
            lambda: [store.save_chronology(c, actor="b") for c in chronologies],
        )
        timed(
            "read latest chronologies",
            20,
            lambda: store.latest_chronologies(referral.referral_id, actor="b", purpose="b"),
        )
        started = time.perf_counter()
        verification = store.verify_audit_trail()
        elapsed_ms = (time.perf_counter() - started) * 1e3
        print(f"{'verify audit chain':<58} {verification.events_checked} events in {elapsed_ms:.1f} ms")
        store.close()

    print("== agency checks over HTTP against the sandboxes (sample family)")
    with SandboxCluster() as cluster:
        for agency in CONNECTORS:
            connector = connector_for(cluster, agency)
            timed(
                f"{agency} check, 4 subjects",
                10,
                partial(check_household, connector, referral),
                unit="household",
            )


if __name__ == "__main__":
    main()
