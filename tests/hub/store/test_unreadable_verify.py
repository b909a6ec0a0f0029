"""`verify_records`: every stored record opened under its key once, each that fails named with its cause.

A store with a record in every sealed column (`SEALED`), on SQLite and PostgreSQL: all open; then a
ciphertext, a wrapped key, a data key row and an epoch are broken at once, and each record they hold is
reported with its class, the unexpected ones recorded in the trail, the shredded ones not.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import LargeBinary

from connectors.sdk.callbacks import Delivery
from connectors.sdk.jobs import PendingJob
from connectors.sdk.recording import Exchange, Recording
from hub.audit import AuditAction
from hub.quality.checklist import read_checklist
from hub.quality.records import record_assessment
from hub.settings import REPO_ROOT
from hub.store import HubStore
from hub.store.errors import Unreadability, UnreadableRecord
from hub.store.keys import child_key_id, destroy_epoch, move_to_epoch, referral_key_id
from hub.store.record_check import SEALED, VERIFIED
from hub.store.tables import Base
from tests.hub.backup.populated import SECOND_REFERRAL, populate
from tests.hub.builders import REFERRAL_ID, example_referral, reply
from tests.hub.store.test_unreadable import PERSONAL, READER, change, flip_byte

IG = {"actor": "user:ida.ig", "purpose": "ig_audit_verify"}
NOT_SEALED = {("data_keys", "wrapped_key"), ("audit_tree", "frontier")}
"""Binary columns that are not records: a wrapped key is opened as a key, the tree's frontier is hashes."""


def populated(store: HubStore) -> HubStore:
    """`tests.hub.backup.populated` and what it lacks: recorded exchanges, a quality assessment, a pushed
    reply, a break-glass access reviewed with a note, a legal hold placed and released."""
    populate(store)
    answer = reply("police", "S1", referral_id=SECOND_REFERRAL)
    recording = Recording(
        agency="police",
        connector="connectors.police:PoliceConnector",
        requested_at=answer.requested_at,
        exchanges=[Exchange(method="POST", path="/nominals/search", request_body=b"{}", status=200, body=b"[]")],
    )
    store.save_reply(answer, actor="service:pipeline", recording=recording)
    checklist = read_checklist(REPO_ROOT / "config" / "referral_quality.yaml")
    record_assessment(store, example_referral(), checklist, actor="service:intake")
    book = store.job_book(REFERRAL_ID, "education", "S1", actor="service:pipeline", callback_base="https://hub.test/cb")
    book.accepted(PendingJob("GET /pupils#0", "https://school.test/jobs/7", "req-1", 1.0, 5.0, token="tok-1"))
    store.record_callback("tok-1", Delivery(status=200, media_type="application/json", body=b"{}", request_id="req-1"))
    glass = store.open_break_glass(
        REFERRAL_ID, username="sam.patel", role="practitioner", reason="out_of_hours", note="Call overnight.",
        lasts=timedelta(hours=1), actor="user:sam.patel",
    )  # fmt: skip
    store.review_break_glass(glass.number, appropriate=True, note="Justified.", actor="user:maya.manager", purpose="r")
    hold = store.place_legal_hold(SECOND_REFERRAL, reason="litigation", note="Claim expected.", **IG)
    store.release_legal_hold(hold, note="Claim settled.", **IG)
    return store


def counts(store: HubStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {f"{c.table}.{c.column}": int(connection.execute(c.count()).scalar_one()) for c in SEALED}


def test_every_binary_column_is_a_sealed_record_the_check_opens() -> None:
    binary = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary)
    }
    assert binary - NOT_SEALED == {(column.table, column.column) for column in SEALED}


def test_every_record_of_every_kind_opens(store: HubStore) -> None:
    populated(store)
    held = counts(store)
    assert all(held.values()), held  # Each sealed column has a record, so each kind's associated data is checked.
    seen: list[tuple[int, int]] = []
    verified = store.verify_records(**IG, progress=lambda done, of: seen.append((done, of)))
    assert verified.ok and verified.unreadable == ()
    assert verified.opened == sum(held.values()) == seen[-1][0] == seen[-1][1]
    assert (verified.recorded_since, verified.previous) == ((), None)
    [check] = [event for event in store.audit_trail(action=AuditAction.AUDIT_READ) if event.object_id == VERIFIED]
    assert (check.actor, check.purpose) == ("user:ida.ig", "ig_audit_verify")
    assert store.audit_trail(action=AuditAction.RECORD_UNREADABLE) == []


def test_each_broken_record_is_named_with_its_cause(store: HubStore) -> None:
    populated(store)
    flip_byte(store, "agency_recordings", "ciphertext", "referral_id = :r", r=SECOND_REFERRAL)
    flip_byte(store, "data_keys", "wrapped_key", "key_id = :k", k=child_key_id(SECOND_REFERRAL, "S1"))
    change(store, "DELETE FROM data_keys WHERE key_id = :k", k="hub:staff")
    with store._sessions() as session, session.begin():
        move_to_epoch(session, store._keyring, [child_key_id(REFERRAL_ID, "S2")], "disposal-2041")
    destroy_epoch(store._keyring, "disposal-2041")

    verified = store.verify_records(**IG)

    assert not verified.ok
    found: dict[str, tuple[Unreadability, str]] = {
        item.record: (item.cause, item.line()) for item in verified.unreadable
    }
    recording = f"agency-recording:{SECOND_REFERRAL}/police/S1"
    assert found[recording][0] is Unreadability.TAMPERED and "fails authentication" in found[recording][1]
    assert found["staff-totp:sam.patel"][0] is Unreadability.KEY_MISSING
    tampered_versions = [
        r for r, (cause, _) in found.items() if r.startswith(f"chronology-version:{SECOND_REFERRAL}/S1/")
    ]
    shredded_versions = [r for r, (cause, _) in found.items() if r.startswith(f"chronology-version:{REFERRAL_ID}/S2/")]
    assert len(tampered_versions) == 2 and all(found[r][0] is Unreadability.TAMPERED for r in tampered_versions)
    assert len(shredded_versions) == 2 and all(found[r][0] is Unreadability.KEY_SHREDDED for r in shredded_versions)
    assert len(found) == 6 and verified.opened == sum(counts(store).values())
    assert (verified.count(Unreadability.TAMPERED), verified.count(Unreadability.KEY_SHREDDED)) == (3, 2)
    for line in (item.line() for item in verified.unreadable):
        assert "\n" not in line and not any(value in line for value in PERSONAL)

    recorded = {event.object_id: event.outcome for event in store.audit_trail(action=AuditAction.RECORD_UNREADABLE)}
    assert recorded == {r: cause.value for r, (cause, _) in found.items() if cause is not Unreadability.KEY_SHREDDED}


def test_the_next_check_lists_the_failed_reads_recorded_since_the_last(store: HubStore) -> None:
    store.save_referral(example_referral(), actor="service:test-setup", purpose="test referrals")
    first = store.verify_records(**IG)
    change(store, "DELETE FROM data_keys WHERE key_id = :k", k=referral_key_id(REFERRAL_ID))
    with pytest.raises(UnreadableRecord):
        store.load_referral(REFERRAL_ID, **READER)
    second = store.verify_records(**IG)
    assert second.previous is not None and first.previous is None
    [failed_read] = second.recorded_since
    assert (failed_read.actor, failed_read.object_id, failed_read.outcome) == (
        READER["actor"],
        f"referral:{REFERRAL_ID}",
        "key_missing",
    )
    third = store.verify_records(**IG)
    assert third.recorded_since == ()  # The second check's own findings are not failed reads since it.
    assert f"referral:{REFERRAL_ID}" in {item.record for item in third.unreadable}
    assert all(item.cause is Unreadability.KEY_MISSING for item in third.unreadable)
