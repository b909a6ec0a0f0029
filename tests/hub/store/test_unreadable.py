"""A stored record that cannot be read fails in one line naming it, is classified, and the failed read is audited.

Each test breaks one thing the way it breaks outside the hub (a byte of a ciphertext or of a wrapped data key
flipped, a data key row deleted, a retention epoch destroyed, the key file lost) on SQLite and PostgreSQL,
then reads through the store as a person would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hub.audit import AuditAction
from hub.audit.fhir_export import fhir_audit_event
from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.errors import RecordTampered, Unreadability, UnreadableRecord
from hub.store.keys import child_key_id, destroy_epoch, move_to_epoch
from hub.store.retention_tables import DestructionRecordRow
from schemas import CandidateLink, Chronology, LinkOutcome
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral

READER = {"actor": "user:sam.patel", "purpose": "practitioner_view"}
PERSONAL = ("Okafor", "Amara", "9990001014", "2015-03-14", "Larch Close")
"""What the example referral says about the family: no message or audit field may carry any of it."""


@pytest.fixture
def stored(store: HubStore) -> HubStore:
    store.save_referral(example_referral(), actor="service:test-setup", purpose="test referrals")
    chronology = Chronology(
        referral_id=REFERRAL_ID, child_subject_id="S1", version=1, assembled_at=ASSEMBLED_AT, entries=[], checks=[]
    )
    assert store.save_chronology(chronology, actor="service:test-setup") == 1
    return store


def change(store: HubStore, sql: str, **params: Any) -> None:
    """Run `sql` outside the hub, as someone with the database alone would: no foreign keys enforced."""
    if store.engine.dialect.name == "sqlite":
        database = store.engine.url.database
        assert database is not None
        with closing(sqlite3.connect(database)) as connection, connection:
            connection.execute(sql, params)
        return
    with store.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(sql), params)


def flip_byte(store: HubStore, table: str, column: str, where: str, **params: Any) -> None:
    with store.engine.connect() as connection:
        [value] = connection.execute(text(f"SELECT {column} FROM {table} WHERE {where}"), params).scalars().all()
    flipped = bytearray(value)
    flipped[len(flipped) // 2] ^= 0x01
    change(store, f"UPDATE {table} SET {column} = :value WHERE {where}", value=bytes(flipped), **params)


def unreadable_events(store: HubStore) -> list[tuple[str, str, str | None, str, str, str]]:
    return [
        (event.actor, event.object_id, event.referral_id, event.purpose, event.outcome, event.object_type)
        for event in store.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    ]


def assert_one_clean_line(error: UnreadableRecord, *expected: str) -> None:
    message = str(error)
    assert "\n" not in message
    for words in expected:
        assert words in message, message
    for value in PERSONAL:
        assert value not in message


@pytest.fixture
def reading(stored: HubStore) -> Iterator[HubStore]:
    yield stored
    assert stored.latest_chronologies("REF-2026-000999", **READER) == []  # The store still works for others.


def test_a_flipped_chronology_byte_is_tampered_and_audited(reading: HubStore) -> None:
    flip_byte(reading, "chronology_versions", "ciphertext", "child_subject_id = 'S1'")
    with pytest.raises(RecordTampered) as raised:
        reading.latest_chronologies(REFERRAL_ID, **READER)
    assert raised.value.cause is Unreadability.TAMPERED
    assert_one_clean_line(
        raised.value, f"chronology version {REFERRAL_ID}/S1/v1", "(tampered)", "information governance"
    )
    [event] = unreadable_events(reading)
    record = f"chronology-version:{REFERRAL_ID}/S1/v1"
    assert event == ("user:sam.patel", record, REFERRAL_ID, "practitioner_view", "tampered", "stored_record")
    assert not [e for e in reading.audit_trail(action=AuditAction.CHRONOLOGY_READ) if e.actor == READER["actor"]]
    [recorded] = reading.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    exported = fhir_audit_event(recorded)  # For a SIEM: a serious failure, validated as FHIR R4 AuditEvent.
    assert (exported.outcome, exported.outcomeDesc) == ("8", "record unreadable: tampered")


def test_a_flipped_wrapped_data_key_is_tampered(reading: HubStore) -> None:
    flip_byte(reading, "data_keys", "wrapped_key", "key_id = :key_id", key_id=child_key_id(REFERRAL_ID, "S1"))
    with pytest.raises(UnreadableRecord) as raised:
        reading.latest_chronologies(REFERRAL_ID, **READER)
    assert raised.value.cause is Unreadability.TAMPERED
    assert_one_clean_line(
        raised.value,
        f"the chronology version 1 of child S1 on referral {REFERRAL_ID} cannot be read (tampered)",
        "wrapped data key",
    )
    assert [event[4] for event in unreadable_events(reading)] == ["tampered"]


def test_a_ciphertext_that_fails_authentication_under_its_key_is_tampered(reading: HubStore) -> None:
    """The person index is not bound to the audit log, so AES-GCM is what catches an edit there."""
    flip_byte(reading, "person_index", "ciphertext", "subject_id = 'S1'")
    referral = example_referral()
    with pytest.raises(UnreadableRecord) as raised:
        reading.prior_involvement(referral.subjects[0].person, excluding="REF-2026-000999", **READER)
    assert raised.value.cause is Unreadability.TAMPERED
    assert_one_clean_line(raised.value, "person index entry of subject S1", "fails authentication")
    assert [event[1] for event in unreadable_events(reading)] == [f"person-index-entry:{REFERRAL_ID}/S1"]


def test_a_deleted_data_key_row_is_key_missing(reading: HubStore) -> None:
    change(reading, "DELETE FROM data_keys WHERE key_id = :key_id", key_id=f"referral:{REFERRAL_ID}")
    with pytest.raises(UnreadableRecord) as raised:
        reading.load_referral(REFERRAL_ID, **READER)
    assert raised.value.cause is Unreadability.KEY_MISSING
    assert_one_clean_line(
        raised.value, f"the referral {REFERRAL_ID} cannot be read (key missing)", "no data key is stored", "backup"
    )
    assert unreadable_events(reading) == [
        ("user:sam.patel", f"referral:{REFERRAL_ID}", REFERRAL_ID, "practitioner_view", "key_missing", "stored_record")
    ]


def test_a_key_gone_with_a_destruction_record_is_key_shredded(reading: HubStore) -> None:
    """A row outliving its referral's destruction (put back from elsewhere): its key went on purpose."""
    change(reading, "DELETE FROM data_keys WHERE key_id = :key_id", key_id=child_key_id(REFERRAL_ID, "S1"))
    with reading._sessions() as session, session.begin():
        record = DestructionRecordRow(
            referral_id=REFERRAL_ID, destroyed_at=ASSEMBLED_AT, destroyed_by="service:retention",
            as_of=date(2040, 1, 1), rule="outcomes.nfa", disposal_date=date(2039, 12, 31), rows_deleted="{}",
            keys_deleted=2, epochs="",
        )  # fmt: skip
        session.add(record)
        session.flush()
        number = record.record_id
    with pytest.raises(UnreadableRecord) as raised:
        reading.load_chronology(REFERRAL_ID, "S1", 1, **READER)
    assert raised.value.cause is Unreadability.KEY_SHREDDED
    assert_one_clean_line(raised.value, f"retention schedule (destruction record {number})", "destroyed on purpose")


def test_a_destroyed_epoch_is_key_shredded(reading: HubStore) -> None:
    """What an old backup of the database holds after the retention run: rows and keys, but no epoch secret."""
    with reading._sessions() as session, session.begin():
        assert move_to_epoch(session, reading._keyring, [child_key_id(REFERRAL_ID, "S1")], "disposal-2040") == 1
    destroy_epoch(reading._keyring, "disposal-2040")
    with pytest.raises(UnreadableRecord) as raised:
        reading.load_chronology(REFERRAL_ID, "S1", 1, **READER)
    assert raised.value.cause is Unreadability.KEY_SHREDDED
    assert_one_clean_line(raised.value, "chronology version 1 of child S1", "(key shredded)", "destroyed on purpose")
    assert [event[4] for event in unreadable_events(reading)] == ["key_shredded"]


def test_a_lost_key_file_is_key_missing_and_never_replaced(stored: HubStore, key_provider: LocalKeyProvider) -> None:
    url = stored.engine.url.render_as_string(hide_password=False)
    stored.close()
    key_provider.path.unlink()
    again = HubStore(url, LocalKeyProvider(key_provider.path))
    try:
        with pytest.raises(UnreadableRecord) as raised:
            again.load_referral(REFERRAL_ID, **READER)
        assert raised.value.cause is Unreadability.KEY_MISSING
        assert_one_clean_line(
            raised.value, f"the referral {REFERRAL_ID} cannot be read (key missing)", "restore the key"
        )
        assert not key_provider.path.exists()  # No new key was made over the existing data.
        assert [event[4] for event in unreadable_events(again)] == ["key_missing"]
        assert again.verify_audit_trail().ok  # The event is in the trail like any other.
    finally:
        again.close()


def test_a_write_under_a_missing_key_fails_in_one_line_too(reading: HubStore) -> None:
    link = CandidateLink(
        agency="police", agency_person_id="P-77", subject_id="S1", outcome=LinkOutcome.REVIEW, probability=0.5
    )
    reading.propose_reviews(REFERRAL_ID, [link], actor="service:linkage", purpose="linkage")
    [review] = reading.link_reviews(REFERRAL_ID)
    change(reading, "DELETE FROM data_keys WHERE key_id = :key_id", key_id=f"referral:{REFERRAL_ID}")
    with pytest.raises(UnreadableRecord) as raised:
        reading.decide_review(review.review_id, confirm=True, reason="Same child.", **READER)
    assert raised.value.cause is Unreadability.KEY_MISSING
    assert_one_clean_line(raised.value, f"the records of referral {REFERRAL_ID}", "cannot be read or added to")
    assert [event[1] for event in unreadable_events(reading)] == [f"data-key:referral:{REFERRAL_ID}"]
    [still] = reading.link_reviews(REFERRAL_ID)
    assert still.status == "pending"  # Nothing was half-written.


def test_each_failed_read_is_recorded_once(reading: HubStore) -> None:
    change(reading, "DELETE FROM data_keys WHERE key_id = :key_id", key_id=f"referral:{REFERRAL_ID}")
    for _ in range(2):
        with pytest.raises(UnreadableRecord):
            reading.load_referral(REFERRAL_ID, **READER)
    assert [event[4] for event in unreadable_events(reading)] == ["key_missing", "key_missing"]


def test_audit_events_name_the_record_by_ids_only(tmp_path: Path, reading: HubStore) -> None:
    flip_byte(reading, "data_keys", "wrapped_key", "key_id = :key_id", key_id=f"referral:{REFERRAL_ID}")
    with pytest.raises(UnreadableRecord):
        reading.load_referral(REFERRAL_ID, **READER)
    [event] = reading.audit_trail(action=AuditAction.RECORD_UNREADABLE)
    fields = " ".join(str(value) for value in vars(event).values())
    for value in PERSONAL:
        assert value not in fields
