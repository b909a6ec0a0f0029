"""Rewriting the audit trail or the rows bound to it is caught: by `hub audit verify`, and by reading.

One realistic store is built once (referrals, replies, chronologies in several versions, reads),
through the store's own API. Each mutation runs inside a transaction on one connection that is then
rolled back, and the verification reads through that same connection, so ten thousand mutations
cost no copies of the database.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from hub.audit import AuditVerification
from hub.audit.notary import AuditFiles
from hub.chronology.assembly import assemble
from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.audit_check import log_origin, read_witnesses, verify
from hub.store.engine import make_engine
from hub.store.errors import RecordTampered
from schemas import Referral
from tests.hub.audit import tampering
from tests.hub.builders import ASSEMBLED_AT, example_referral, household_replies, reply

WHO = {"actor": "user:alice", "purpose": "MASH checks"}
REFERRALS = ["REF-2026-000417", "REF-2026-000418", "REF-2026-000419"]
MUTATIONS = 10_000


def _referral(referral_id: str) -> Referral:
    return example_referral().model_copy(update={"referral_id": referral_id})


def build(home: Path) -> HubStore:
    """A few referrals with every agency's replies, two chronology versions per child, and reads."""
    store = HubStore(f"sqlite:///{home / 'hub.db'}", LocalKeyProvider(home / "keys" / "kek.bin"))
    store.create_schema()
    for referral_id in REFERRALS:
        referral = _referral(referral_id)
        store.save_referral(referral, **WHO)
        replies = [answer.model_copy(update={"referral_id": referral_id}) for answer in household_replies()]
        for answer in replies:
            store.save_reply(answer, actor="service:pipeline")
        for chronology in assemble(referral, replies[:2], assembled_at=ASSEMBLED_AT):
            store.save_chronology(chronology, actor="service:pipeline")
        for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT):
            store.save_chronology(chronology, actor="service:pipeline")
        store.load_referral(referral_id, **WHO)
        store.load_replies(referral_id, **WHO)
        store.latest_chronologies(referral_id, **WHO)
    store.save_reply(reply("police", "S1", referral_id=REFERRALS[0]), actor="service:pipeline")  # A replaced reply.
    return store


@dataclass
class Trail:
    store: HubStore
    home: Path


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trail]:
    home = tmp_path_factory.mktemp("trail")
    store = build(home)
    assert store.verify_audit_trail().ok
    yield Trail(store, home)
    store.close()


@contextmanager
def tampering_connection(store: HubStore) -> Iterator[Connection]:
    """A connection of its own engine, foreign keys off: an attacker deletes what the schema would protect."""
    engine = make_engine(str(store.engine.url))
    try:
        with engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            yield connection
    finally:
        engine.dispose()


def _verify_within(store: HubStore, connection: Connection) -> AuditVerification:
    with Session(bind=connection) as session:
        witnessed = read_witnesses(store.notary, log_origin(session))
        return verify(session, store.notary, witnessed)


@pytest.fixture
def fresh(tmp_path: Path, trail: Trail) -> Iterator[HubStore]:
    """A copy of the built store (database, keys, witness) that a test may change for good."""
    shutil.copytree(trail.home, tmp_path / "home")
    store = HubStore(
        f"sqlite:///{tmp_path / 'home' / 'hub.db'}", LocalKeyProvider(tmp_path / "home" / "keys" / "kek.bin")
    )
    yield store
    store.close()


def test_the_built_trail_is_realistic_and_intact(trail: Trail) -> None:
    result = trail.store.verify_audit_trail()
    assert result.ok and result.events_checked > 40
    with trail.store.engine.connect() as connection:
        checkpoints = connection.exec_driver_sql("SELECT count(*) FROM audit_checkpoints").scalar_one()
        versions = connection.exec_driver_sql("SELECT max(version) FROM chronology_versions").scalar_one()
    assert checkpoints > 30 and versions == 2
    witness = (trail.home / "audit" / "witness.log").read_text(encoding="utf-8").splitlines()
    assert len(witness) == checkpoints


@pytest.mark.parametrize("mutation", tampering.MUTATIONS, ids=lambda mutation: mutation.__name__)
def test_each_kind_of_mutation_is_detected(trail: Trail, mutation: tampering.Mutation) -> None:
    rng = random.Random(mutation.__name__)
    for _ in range(25):
        with tampering_connection(trail.store) as connection:
            transaction = connection.begin()
            what = mutation(connection, rng)
            result = _verify_within(trail.store, connection)
            transaction.rollback()
        assert not result.ok, what
        assert result.message and "Okafor" not in " ".join(result.problems)


def test_ten_thousand_random_mutations_are_all_detected(trail: Trail) -> None:
    rng = random.Random(12)
    undetected: list[str] = []
    with tampering_connection(trail.store) as connection:
        for _ in range(MUTATIONS):
            transaction = connection.begin()
            what = rng.choice(tampering.MUTATIONS)(connection, rng)
            if _verify_within(trail.store, connection).ok:
                undetected.append(what)
            transaction.rollback()
        transaction = connection.begin()
        assert _verify_within(trail.store, connection).ok  # Every mutation was rolled back.
        transaction.rollback()
    assert undetected == []


def test_an_edited_event_is_named_by_its_sequence_number(fresh: HubStore) -> None:
    with fresh.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 7")
    result = fresh.verify_audit_trail()
    assert (result.ok, result.first_bad_seq) == (False, 7)
    assert "event 7 was edited" in result.message


def test_a_cut_tail_is_caught_by_the_witness_alone(fresh: HubStore) -> None:
    """Cut back to an older checkpoint, consistently: only the witness outside the database knows."""
    with fresh.engine.begin() as connection:
        sizes = [row[0] for row in connection.exec_driver_sql("SELECT tree_size FROM audit_checkpoints ORDER BY 1")]
        keep = sizes[-5]
        connection.exec_driver_sql("DELETE FROM audit_events WHERE seq > ?", (keep,))
        connection.exec_driver_sql("DELETE FROM audit_checkpoints WHERE tree_size > ?", (keep,))
        frontier = tampering.Frontier()
        for row in connection.exec_driver_sql("SELECT leaf_hash FROM audit_events ORDER BY seq"):
            frontier.append(bytes.fromhex(row[0]))
        connection.exec_driver_sql("UPDATE audit_tree SET size = ?, frontier = ?", (keep, frontier.to_bytes()))
    result = fresh.verify_audit_trail()
    assert not result.ok
    assert f"events {keep + 1} to {sizes[-1]} were cut" in result.message
    assert result.checkpoint_size == sizes[-1]


def test_the_witness_may_lag_one_checkpoint_but_never_lead(fresh: HubStore, tmp_path: Path) -> None:
    witness = tmp_path / "home" / "audit" / "witness.log"
    lines = witness.read_text(encoding="utf-8").splitlines(keepends=True)
    witness.write_text("".join(lines[:-1]), encoding="utf-8")  # A crash between commit and witness write.
    assert fresh.verify_audit_trail().ok
    fresh.load_referral(REFERRALS[1], **WHO)  # The next checkpoint catches the witness up.
    assert len(witness.read_text(encoding="utf-8").splitlines()) == len(lines) + 1
    assert fresh.verify_audit_trail().ok
    witness.write_text("".join(lines[:-2]), encoding="utf-8")
    result = fresh.verify_audit_trail()
    assert not result.ok and "behind" in result.message


def test_a_witness_copy_is_written_and_checked(trail: Trail, tmp_path: Path) -> None:
    shutil.copytree(trail.home, tmp_path / "home")
    home, copy = tmp_path / "home", tmp_path / "elsewhere" / "witness-copy.log"
    files = AuditFiles(home / "keys" / "audit-signing.key", home / "audit" / "witness.log", copy)
    store = HubStore(f"sqlite:///{home / 'hub.db'}", LocalKeyProvider(home / "keys" / "kek.bin"), audit_files=files)
    store.load_referral(REFERRALS[0], **WHO)
    assert len(copy.read_text(encoding="utf-8").splitlines()) == 1  # A new copy starts at the newest checkpoint.
    assert (copy.stat().st_mode & 0o777, copy.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert store.verify_audit_trail().ok
    store.load_referral(REFERRALS[0], **WHO)
    store.load_referral(REFERRALS[0], **WHO)
    copy.write_text(copy.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    result = store.verify_audit_trail()
    assert not result.ok and str(copy) in result.message and "2 checkpoints behind" in result.message
    store.close()


def test_reading_a_rolled_back_chronology_fails_loudly(fresh: HubStore) -> None:
    with fresh.engine.begin() as connection:
        connection.exec_driver_sql(
            "DELETE FROM chronology_versions WHERE referral_id = ? AND child_subject_id = 'S1' AND version = 2",
            (REFERRALS[1],),
        )
    with pytest.raises(
        RecordTampered, match=r"chronology version REF-2026-000418/S1/v2 was deleted.*information governance"
    ):
        fresh.latest_chronologies(REFERRALS[1], **WHO)
    with pytest.raises(RecordTampered):
        fresh.load_chronology(REFERRALS[1], "S1", 2, **WHO)
    assert fresh.load_chronology(REFERRALS[1], "S1", 1, **WHO) is not None  # The older version is still itself.
    assert fresh.latest_chronologies(REFERRALS[0], **WHO)  # Another referral's are untouched.
    result = fresh.verify_audit_trail()
    assert not result.ok and "REF-2026-000418/S1/v2 was deleted" in result.message


def test_reading_rows_swapped_between_referrals_fails_loudly(fresh: HubStore) -> None:
    with fresh.engine.begin() as connection:
        [(first,)] = connection.exec_driver_sql(
            "SELECT ciphertext FROM agency_replies WHERE referral_id = ? AND agency = 'health' AND subject_id = 'S1'",
            (REFERRALS[0],),
        ).all()
        connection.exec_driver_sql(
            "UPDATE agency_replies SET ciphertext = ? "
            "WHERE referral_id = ? AND agency = 'health' AND subject_id = 'S1'",
            (first, REFERRALS[2]),
        )
    with pytest.raises(RecordTampered, match="agency reply REF-2026-000419/health/S1 does not match"):
        fresh.load_replies(REFERRALS[2], **WHO)
    assert not fresh.verify_audit_trail().ok


def test_reading_a_deleted_referral_or_reply_fails_loudly(fresh: HubStore) -> None:
    with fresh.engine.begin() as connection:
        connection.exec_driver_sql(
            "DELETE FROM agency_replies WHERE referral_id = ? AND agency = 'police'", (REFERRALS[1],)
        )
    with pytest.raises(RecordTampered, match="was deleted"):
        fresh.load_replies(REFERRALS[1], **WHO)


def test_a_log_rebuilt_without_the_key_fails_on_its_signature(fresh: HubStore) -> None:
    with fresh.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_events WHERE action = 'chronology.read' AND seq % 3 = 0")
        tampering._rebuild(connection, sign=True)
    result = fresh.verify_audit_trail()
    assert not result.ok
    assert any("not validly signed" in problem for problem in result.problems)


def test_inclusion_proof_of_an_event_verifies_against_the_signed_checkpoint(fresh: HubStore) -> None:
    import base64

    from hub.audit.checkpoint import Checkpoint
    from hub.audit.merkle import verify_inclusion

    proof = fresh.prove_audit_event(5)
    checkpoint = Checkpoint.open(str(proof["checkpoint"]), fresh.notary.verifier())
    nodes = [base64.b64decode(node) for node in proof["inclusion_proof"]]  # type: ignore[attr-defined]
    assert verify_inclusion(4, checkpoint.size, bytes.fromhex(str(proof["leaf_hash"])), nodes, checkpoint.root)
    with pytest.raises(LookupError):
        fresh.prove_audit_event(checkpoint.size + 1)
