"""Audit trail figures: appends per second through the store, and `hub audit verify` over 1,000,000 events.

    uv run python bench/bench_audit_verify.py                     # 1,000,000 events
    uv run python bench/bench_audit_verify.py --events 100000

Appends are measured through the hub's own audited transactions (`HubStore`): each transaction
appends its events, signs a checkpoint and writes it to the witness file, as in production.

The million-event trail is then built in bulk into a fresh SQLite store with the very encoding,
tree and signing the store uses (`hub.audit.leaf_bytes`, `Frontier`, `Checkpoint.sign`): one signed
checkpoint per transaction of 1 to 4 events, each written to the witness, and the rows the write
events are bound to (referrals, agency replies, chronology versions, with random ciphertext). One
real audited read is appended on top, so the bulk log is proven to be one the store itself extends.
`HubStore.verify_audit_trail` then checks all of it: every leaf, the root at every checkpoint, the
newest checkpoint's and the witness's signatures, the tree head, and every row's digest.
Prints figures; asserts nothing (but says if verification failed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from hub.audit import AuditAction, leaf_bytes
from hub.audit.chain import stored_time
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import Frontier, leaf_hash
from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.audit_log import LOG_ROW, ORIGIN_PREFIX
from hub.store.bound_rows import (
    chronology_digest,
    chronology_object_id,
    referral_digest,
    reply_digest,
    reply_object_id,
)
from hub.store.tables import (
    AgencyReplyRow,
    AuditCheckpointRow,
    AuditEventRow,
    AuditTreeRow,
    ChronologyVersionRow,
    DataKey,
    ReferralRow,
)
from schemas import Referral

SAMPLE = Path(__file__).resolve().parent.parent / "config" / "examples" / "referral.json"
SEED = 7
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
AGENCIES = ("health", "police", "education", "housing")
CHILDREN = ("S1", "S2")
BASIS = "Children Act 1989 s17/s47; UK GDPR Art 6(1)(e); DPA 2018 Sch 1 para 18"
BATCH = 20_000


def measure_appends(folder: Path, transactions: int) -> None:
    """Audited transactions through the store: one event each (a read), and many events in one."""
    store = HubStore(f"sqlite:///{folder / 'appends.db'}", LocalKeyProvider(folder / "keys" / "kek.bin"))
    store.create_schema()
    referral = Referral.model_validate_json(SAMPLE.read_text(encoding="utf-8"))
    store.save_referral(referral, actor="user:bench", purpose="benchmark")
    started = time.perf_counter()
    for _ in range(transactions):
        store.load_referral(referral.referral_id, actor="user:bench", purpose="benchmark")
    elapsed = time.perf_counter() - started
    print(
        f"{'audited reads, one event + signed checkpoint + witness each':<62} "
        f"{transactions / elapsed:9.0f} appends/s  ({elapsed / transactions * 1e3:.2f} ms per transaction)"
    )
    batch = 200
    started = time.perf_counter()
    for _ in range(20):
        with store._audited("user:bench", "benchmark") as (session, access, now):
            for _ in range(batch):
                store._audit(
                    session, access, now, AuditAction.REFERRAL_READ, referral.referral_id, referral.referral_id
                )
    elapsed = time.perf_counter() - started
    print(f"{'one transaction of 200 events, one checkpoint':<62} {20 * batch / elapsed:9.0f} appends/s")
    assert store.verify_audit_trail().ok
    store.close()


def build_trail(folder: Path, events: int, rng: random.Random) -> HubStore:
    """A store holding `events` audit events and the rows they bind, written in bulk the way the store would."""
    store = HubStore(f"sqlite:///{folder / 'hub.db'}", LocalKeyProvider(folder / "keys" / "kek.bin"))
    store.create_schema()
    signer = store.notary.signer()
    origin = ORIGIN_PREFIX + "bench"
    frontier = Frontier()
    rows: list[dict[str, object]] = []
    checkpoints: list[dict[str, object]] = []
    witness_lines: list[str] = []
    referrals: list[dict[str, object]] = []
    replies: list[dict[str, object]] = []
    versions: list[dict[str, object]] = []
    with store.engine.begin() as connection:
        connection.execute(
            insert(DataKey), [{"key_id": "bench", "wrapped_key": b"\0" * 40, "kek_id": "bench", "created_at": START}]
        )

    def flush(final: bool = False) -> None:
        with store.engine.begin() as connection:
            for table, values in (
                (ReferralRow, referrals),
                (AgencyReplyRow, replies),
                (ChronologyVersionRow, versions),
                (AuditEventRow, rows),
                (AuditCheckpointRow, checkpoints),
            ):
                if values:
                    connection.execute(insert(table), values)
                    values.clear()
            if final:
                connection.execute(
                    insert(AuditTreeRow),
                    [{"log": LOG_ROW, "origin": origin, "size": frontier.size, "frontier": frontier.to_bytes()}],
                )
        witness = store.notary.files.witness
        witness.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with witness.open("a", encoding="utf-8") as handle:
            handle.write("".join(witness_lines))
            witness_lines.clear()

    def event(action: AuditAction, object_id: str, referral_id: str, at: datetime, digest: str | None) -> None:
        seq = frontier.size + 1
        actor = "service:pipeline" if digest else f"user:worker{seq % 40}"
        fields = (
            seq,
            stored_time(at),
            actor,
            "service" if digest else "practitioner",
            action.value,
            action.object_type,
            object_id,
            referral_id,
            "MASH checks",
            BASIS,
            "service" if digest else "allocated",
            "success",
            digest,
        )
        hashed = leaf_hash(leaf_bytes(*fields))
        frontier.append(hashed)
        rows.append(
            {
                "seq": seq,
                "occurred_at": at,
                "actor": actor,
                "role": fields[3],
                "action": action.value,
                "object_type": action.object_type,
                "object_id": object_id,
                "referral_id": referral_id,
                "purpose": "MASH checks",
                "lawful_basis": BASIS,
                "basis": fields[10],
                "outcome": "success",
                "record_digest": digest,
                "leaf_hash": hashed.hex(),
            }
        )

    at = START
    number = 0
    pending_in_transaction = rng.randint(1, 4)

    def seal() -> None:
        note = Checkpoint(origin, frontier.size, frontier.root()).sign(signer)
        root = Checkpoint.peek(note).root.hex()
        checkpoints.append({"tree_size": frontier.size, "root_hash": root, "signed_at": at, "note": note})
        witness_lines.append(json.dumps(note) + "\n")

    while frontier.size < events:
        number += 1
        referral_id = f"REF-2026-{number:06d}"
        at += timedelta(seconds=37)
        ciphertext = rng.randbytes(rng.randint(800, 3000))
        referrals.append(
            {
                "referral_id": referral_id,
                "received_at": at,
                "rag": "amber",
                "key_id": "bench",
                "ciphertext": ciphertext,
                "digest": "0" * 64,
            }
        )
        script: list[tuple[AuditAction, str, str | None]] = [
            (AuditAction.REFERRAL_CREATE, referral_id, referral_digest(referral_id, ciphertext))
        ]
        for agency in AGENCIES:
            sealed = rng.randbytes(rng.randint(500, 2500))
            values = (referral_id, agency, "S1", "found", 3, None, sealed)
            replies.append(
                {
                    "referral_id": referral_id,
                    "agency": agency,
                    "subject_id": "S1",
                    "status": "found",
                    "requested_at": at,
                    "completed_at": at,
                    "record_count": 3,
                    "error_code": None,
                    "key_id": "bench",
                    "ciphertext": sealed,
                }
            )
            script.append((AuditAction.REPLY_WRITE, reply_object_id(referral_id, agency, "S1"), reply_digest(*values)))
        for child in CHILDREN:
            for version in (1, 2):
                sealed = rng.randbytes(rng.randint(1000, 4000))
                versions.append(
                    {
                        "referral_id": referral_id,
                        "child_subject_id": child,
                        "version": version,
                        "assembled_at": at,
                        "key_id": "bench",
                        "ciphertext": sealed,
                        "digest": "0" * 64,
                    }
                )
                digest = chronology_digest(referral_id, child, version, sealed)
                script.append((AuditAction.CHRONOLOGY_WRITE, chronology_object_id(referral_id, child, version), digest))
        reads = (AuditAction.CHRONOLOGY_READ, AuditAction.REPLIES_READ, AuditAction.REFERRAL_READ)
        script += [(rng.choice(reads), referral_id, None) for _ in range(rng.randint(70, 110))]
        for action, object_id, written in script:
            event(action, object_id, referral_id, at, written)
            pending_in_transaction -= 1
            if pending_in_transaction == 0:
                seal()
                pending_in_transaction = rng.randint(1, 4)
            if frontier.size >= events:
                break
        if len(rows) >= BATCH:
            flush()
    if pending_in_transaction:
        seal()
    flush(final=True)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000, help="audited transactions to time")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        print("== appends through the store (SQLite)")
        measure_appends(folder / "appends", arguments.appends)
        print(f"== hub audit verify over {arguments.events:,} events (SQLite)")
        started = time.perf_counter()
        store = build_trail(folder / "trail", arguments.events, random.Random(SEED))
        with store._audited("user:bench", "benchmark") as (session, access, now):
            store._audit(session, access, now, AuditAction.AUDIT_READ, "bench", "REF-2026-000001")
        with store.engine.connect() as connection:
            counts = {
                table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                for table in ("audit_events", "audit_checkpoints", "referrals", "agency_replies", "chronology_versions")
            }
        size = (folder / "trail" / "hub.db").stat().st_size + (folder / "trail" / "hub.db-wal").stat().st_size
        print(f"{'built in':<62} {time.perf_counter() - started:9.1f} s  ({size / 1e6:.0f} MB)")
        print(f"{'  ' + ', '.join(f'{count:,} {table}' for table, count in counts.items())}")
        for attempt in (1, 2):
            started, cpu = time.perf_counter(), time.process_time()
            result = store.verify_audit_trail()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            verdict = "intact" if result.ok else f"NOT INTACT: {result.message}"
            print(
                f"{f'verify (run {attempt})':<62} {elapsed:9.2f} s  ({cpu:.2f} s CPU; load average "
                f"{os.getloadavg()[0]:.1f})  {result.events_checked:,} events, {verdict}"
            )
        store.close()


if __name__ == "__main__":
    main()
