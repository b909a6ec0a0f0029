"""Parsed chronology versions held for reuse (issue 14): every read still checked, decrypted and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hub.chronology.assembly import assemble
from hub.store import HubStore
from hub.store.chronology_records import ParsedChronologies
from hub.store.errors import RecordTampered, Unreadability, UnreadableRecord
from hub.store.keys import child_key_id, destroy_epoch, move_to_epoch
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, reply

WHO = {"actor": "alice", "purpose": "MASH checks"}


def _stored(store: HubStore) -> None:
    referral = example_referral()
    store.save_referral(referral, actor="alice", purpose="MASH checks")
    for chronology in assemble(referral, [reply("police", "S1")], assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="pipeline")


def test_a_version_read_again_is_the_same_parse_and_audited_again(store: HubStore) -> None:
    _stored(store)
    first = store.latest_chronologies(REFERRAL_ID, **WHO)
    again = store.latest_chronologies(REFERRAL_ID, **WHO)
    assert [id(item) for item in again] == [id(item) for item in first]
    reads = [e.object_id for e in store.audit_trail(action="chronology.read")]
    assert reads == [f"{REFERRAL_ID}/S1/v1", f"{REFERRAL_ID}/S2/v1"] * 2


def test_a_held_version_is_never_served_for_an_altered_row(store: HubStore) -> None:
    _stored(store)
    store.latest_chronologies(REFERRAL_ID, **WHO)
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE chronology_versions SET ciphertext = :c WHERE child_subject_id = 'S1'"), {"c": b"\0" * 64}
        )
    with pytest.raises(RecordTampered, match="does not match"):
        store.latest_chronologies(REFERRAL_ID, **WHO)


def test_a_held_version_is_never_served_without_its_key(store: HubStore) -> None:
    """Decryption runs on every read: a row that no longer opens (its key destroyed, say) is refused."""
    _stored(store)
    store.latest_chronologies(REFERRAL_ID, **WHO)
    with store._sessions() as session, session.begin():
        move_to_epoch(session, store._keyring, [child_key_id(REFERRAL_ID, "S1")], "disposal-2040")
    destroy_epoch(store._keyring, "disposal-2040")
    with pytest.raises(UnreadableRecord) as raised:
        store.latest_chronologies(REFERRAL_ID, **WHO)
    assert raised.value.cause is Unreadability.KEY_SHREDDED


def test_only_the_last_few_versions_are_held() -> None:
    held = ParsedChronologies(size=2)
    document = assemble(example_referral(), [reply("police", "S1")], assembled_at=ASSEMBLED_AT)[0]
    document_bytes = document.model_dump_json().encode()
    first = held.parsed(("a", "k", "1"), document_bytes)
    second = held.parsed(("b", "k", "2"), document_bytes)
    assert first == document
    assert held.parsed(("a", "k", "1"), document_bytes) is first  # used again, so kept
    held.parsed(("c", "k", "3"), document_bytes)  # evicts "b", the least recently used
    assert held.parsed(("a", "k", "1"), document_bytes) is first
    assert held.parsed(("b", "k", "2"), document_bytes) is not second
    held.clear()
    assert held.parsed(("a", "k", "1"), document_bytes) is not first
