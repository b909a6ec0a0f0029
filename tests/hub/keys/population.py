"""A store with real records and a few thousand data keys, and a check that every one of them still reads.

The bulk keys stand in for thousands of referrals without the cost of storing them: each has a sealed
probe (kept by the test, outside the database) that opens only with that exact data key, so "every key
unwraps to the key it was" is checked as "every probe decrypts".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from hub.chronology.assembly import assemble
from hub.crypto import Keyring, decrypt, encrypt, intake_epoch, row_aad
from hub.store import HubStore
from hub.store.keys import child_key_id, stored_key
from hub.store.tables import DataKey
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies

WHO = {"actor": "pipeline", "purpose": "MASH checks"}
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Probes = dict[str, bytes]


def populate(store: HubStore, keys: int) -> Probes:
    """One real referral with replies and chronologies, plus `keys` bulk child keys (half at intake, as the referral's
    are, half in a disposal epoch)."""
    store.save_referral(example_referral(), **WHO)
    for answer in household_replies():
        store.save_reply(answer, actor="pipeline")
    for chronology in assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="pipeline")
    provider = store.key_provider
    provider.create_epoch("disposal-2031")
    intake = intake_epoch(datetime.now(UTC))  # The store's clock is the real one: its keys are in this month's epoch.
    provider.create_epoch(intake)
    keyring = Keyring(provider)
    probes: Probes = {}
    rows = []
    for number in range(keys):
        key_id = child_key_id(f"REF-BULK-{number:05d}", "S1")
        wrapped, dek = keyring.create(key_id, intake if number % 2 else "disposal-2031")
        probes[key_id] = encrypt(dek, key_id.encode(), row_aad("probe", key_id))
        rows.append(
            {
                "key_id": key_id,
                "wrapped_key": wrapped.wrapped,
                "kek_id": wrapped.kek_id,
                "kek_version": wrapped.kek_version,
                "epoch": wrapped.epoch,
                "created_at": NOW,
            }
        )
    if rows:
        with store.engine.begin() as connection:
            connection.execute(insert(DataKey), rows)
    return probes


def assert_everything_reads(store: HubStore, probes: Probes) -> dict[int, int]:
    """Every probe opens with its key as a fresh process unwraps it, and the real records read; keys per version."""
    keyring = Keyring(store.key_provider)  # No cache: every key unwrapped from what is stored now.
    per_version: dict[int, int] = {}
    with store.engine.connect() as connection:
        for row in connection.execute(select(DataKey)):
            per_version[row.kek_version] = per_version.get(row.kek_version, 0) + 1
            dek = keyring.unwrap(stored_key(row))  # type: ignore[arg-type]
            if row.key_id in probes:
                assert decrypt(dek, probes[row.key_id], row_aad("probe", row.key_id)) == row.key_id.encode()
    assert sum(per_version.values()) == len(probes) + 5  # The referral's, two children's and two hub-wide keys.
    assert store.load_referral(REFERRAL_ID, **WHO) == example_referral()
    assert store.load_replies(REFERRAL_ID, **WHO)
    assert store.load_chronology(REFERRAL_ID, "S1", 1, **WHO) is not None
    return per_version
