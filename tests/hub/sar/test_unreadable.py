"""A record that cannot be read is reported in the export, by kind and ids, never left out or taken for "nothing".

SQLite only: the tampering is a byte flipped in a stored ciphertext, which reads the same on either
backend (the store's own tests cover both).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.crypto import LocalKeyProvider
from hub.sar.bundle import SubjectAccessBundle
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.request import parse_request
from hub.store import HubStore
from tests.hub.builders import REFERRAL_ID
from tests.hub.sar.conftest import IG
from tests.hub.sar.household import AMARA_NHS, EARLIER_ID, store_household


@pytest.fixture
def household(tmp_path: Path) -> Iterator[HubStore]:
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", LocalKeyProvider(tmp_path / "keys" / "kek.bin"))
    store.create_schema()
    store_household(store)
    yield store
    store.close()


def flip_a_byte(store: HubStore, table: str, where: str, **ids: str) -> None:
    """Change one byte in the middle of a stored ciphertext, as someone editing the database would."""
    with store.engine.begin() as connection:
        for rowid, ciphertext in connection.execute(text(f"SELECT rowid, ciphertext FROM {table} WHERE {where}"), ids):
            altered = bytearray(ciphertext)
            altered[len(altered) // 2] ^= 0x01
            connection.execute(
                text(f"UPDATE {table} SET ciphertext = :c WHERE rowid = :r"), {"c": bytes(altered), "r": rowid}
            )


def export(store: HubStore) -> SubjectAccessBundle:
    return gather(store, parse_request(AMARA_NHS, [], [], actor=IG, now=datetime.now(UTC)), Setting())


def test_a_tampered_reply_is_named_and_the_rest_still_exported(household: HubStore) -> None:
    flip_a_byte(
        household, "agency_replies", "referral_id = :r AND agency = 'police' AND subject_id = 'S1'", r=REFERRAL_ID
    )
    bundle = export(household)
    current = next(held for held in bundle.referrals if held.referral_id == REFERRAL_ID)
    [unreadable] = current.unreadable
    assert unreadable.record == f"agency reply from police about S1 on referral {REFERRAL_ID}"
    assert "Police attended" not in unreadable.why and "Okafor" not in unreadable.why
    assert [reply.agency for reply in current.replies] == ["health"]
    assert current.chronology_entries and current.decisions  # everything else is still there
    assert bundle.unreadable == [unreadable] and bundle.counts.unreadable == 1 and not bundle.nothing_held


def test_an_unreadable_candidate_keeps_the_export_from_saying_nothing_held(household: HubStore) -> None:
    flip_a_byte(household, "person_index", "referral_id IN (:a, :b)", a=REFERRAL_ID, b=EARLIER_ID)
    bundle = export(household)
    assert bundle.referrals == [] and not bundle.nothing_held
    assert bundle.lookup.candidates_checked >= 2 and bundle.lookup.confirmed == 0
    named = {item.record for item in bundle.unreadable}
    assert f"person index entry {REFERRAL_ID}/S1, a candidate under the NHS number (it may be this person's)" in named
