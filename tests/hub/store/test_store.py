"""The encrypted store on every backend: round trips, idempotency, upserts, versions and row binding."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hub.chronology.assembly import assemble
from hub.crypto import LocalKeyProvider
from hub.store import HubStore, ReferralConflict, UnknownReferral
from hub.store.errors import RecordTampered, Unreadability, UnreadableRecord
from hub.store.tables import AgencyReplyRow, ChronologyVersionRow, DataKey, ReferralRow
from schemas import ReplyStatus
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies, reply

WHO = {"actor": "pipeline", "purpose": "MASH checks"}
PERSONAL = [b"Okafor", b"Amara", b"9990001014", b"2015-03-14", b"Larch Close", b"wrist injury", b"Domestic incident"]


def _count(store: HubStore, model: type) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def _stored(store: HubStore) -> HubStore:
    store.save_referral(example_referral(), **WHO)
    for answer in household_replies():
        store.save_reply(answer, actor="pipeline")
    return store


def test_referral_round_trip(store: HubStore) -> None:
    referral = example_referral()
    assert not store.referral_exists(REFERRAL_ID)
    assert store.save_referral(referral, **WHO) is True
    assert store.referral_exists(REFERRAL_ID)
    assert store.load_referral(REFERRAL_ID, **WHO) == referral


def test_identical_resubmission_is_idempotent(store: HubStore) -> None:
    referral = example_referral()
    assert store.save_referral(referral, **WHO) is True
    assert store.save_referral(referral, **WHO) is False
    assert _count(store, ReferralRow) == 1


def test_conflicting_resubmission_raises_without_personal_data(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    changed = example_referral().model_copy(update={"narrative": "A different account."})
    with pytest.raises(ReferralConflict, match=REFERRAL_ID) as raised:
        store.save_referral(changed, **WHO)
    assert "Okafor" not in str(raised.value)
    assert store.load_referral(REFERRAL_ID, **WHO) == example_referral()


def test_unknown_referral_message_is_safe(store: HubStore) -> None:
    with pytest.raises(UnknownReferral, match="REF-404"):
        store.load_referral("REF-404", **WHO)
    with pytest.raises(UnknownReferral) as raised:
        store.load_referral("Amara Okafor-Reid", **WHO)  # Someone typed a name instead of an id.
    assert "Amara" not in str(raised.value)


def test_reply_upsert_replaces_and_never_duplicates(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    store.save_reply(reply("police", "S1", status=ReplyStatus.PENDING), actor="pipeline")
    store.save_reply(reply("police", "S1", status=ReplyStatus.FAILED, error_code="timeout"), actor="pipeline")
    store.save_reply(reply("police", "S1", status=ReplyStatus.NO_RECORD), actor="pipeline")
    assert _count(store, AgencyReplyRow) == 1
    [loaded] = store.load_replies(REFERRAL_ID, **WHO)
    assert loaded.status is ReplyStatus.NO_RECORD


def test_replies_round_trip_in_order(store: HubStore) -> None:
    _stored(store)
    loaded = store.load_replies(REFERRAL_ID, **WHO)
    assert loaded == sorted(household_replies(), key=lambda r: (r.agency, r.subject_id))


def test_reply_for_unknown_referral_is_refused(store: HubStore) -> None:
    with pytest.raises(UnknownReferral):
        store.save_reply(reply("police", "S1"), actor="pipeline")


def test_chronology_versions(store: HubStore) -> None:
    _stored(store)
    first = assemble(example_referral(), store.load_replies(REFERRAL_ID, **WHO), assembled_at=ASSEMBLED_AT)
    assert [store.save_chronology(c, actor="pipeline") for c in first] == [1, 1]

    # Re-running assembly later with the same replies: same content, so no new version.
    rerun = assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT + timedelta(hours=1))
    assert [store.save_chronology(c, actor="pipeline") for c in rerun] == [1, 1]
    assert _count(store, ChronologyVersionRow) == 2

    # A late reply changes the checks: every child gets a new version; the old one stays readable.
    store.save_reply(reply("education", "S1", status=ReplyStatus.NO_RECORD), actor="pipeline")
    late = assemble(example_referral(), store.load_replies(REFERRAL_ID, **WHO), assembled_at=ASSEMBLED_AT)
    assert [store.save_chronology(c, actor="pipeline") for c in late] == [2, 2]
    assert store.chronology_versions(REFERRAL_ID, "S1") == [1, 2]

    latest = store.latest_chronologies(REFERRAL_ID, **WHO)
    assert [(c.child_subject_id, c.version) for c in latest] == [("S1", 2), ("S2", 2)]
    assert latest[0] == late[0].model_copy(update={"version": 2})
    original = store.load_chronology(REFERRAL_ID, "S1", 1, **WHO)
    assert original == first[0]
    assert store.load_chronology(REFERRAL_ID, "S1", 9, **WHO) is None


def test_no_chronology_yet(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    assert store.latest_chronologies(REFERRAL_ID, **WHO) == []


def test_ciphertext_moved_to_another_row_fails(store: HubStore) -> None:
    _stored(store)
    with store.engine.begin() as connection:
        stolen = connection.execute(
            text("SELECT ciphertext FROM agency_replies WHERE agency = 'health' AND subject_id = 'S1'")
        ).scalar_one()
        connection.execute(
            text("UPDATE agency_replies SET ciphertext = :c WHERE agency = 'police' AND subject_id = 'S1'"),
            {"c": stolen},
        )
    # The row no longer matches what the audit trail records as written, so it is refused before it is even
    # decrypted (the associated data that would also refuse it is tested in tests/hub/crypto).
    with pytest.raises(RecordTampered):
        store.load_replies(REFERRAL_ID, **WHO)


def test_data_keys_per_referral_and_per_child(store: HubStore) -> None:
    _stored(store)
    for chronology in assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="pipeline")
    with store.engine.connect() as connection:
        key_ids = set(connection.execute(select(DataKey.key_id)).scalars())
    assert key_ids == {
        "hub:digest",
        "hub:person-index",
        f"referral:{REFERRAL_ID}",
        f"child:{REFERRAL_ID}:S1",
        f"child:{REFERRAL_ID}:S2",
    }


def test_nothing_personal_is_stored_in_plaintext(tmp_path: Path, sqlite_url: str) -> None:
    store = HubStore(sqlite_url, LocalKeyProvider(tmp_path / "keys" / "kek.bin"))
    store.create_schema()
    _stored(store)
    for chronology in assemble(example_referral(), household_replies(), assembled_at=ASSEMBLED_AT):
        store.save_chronology(chronology, actor="pipeline")
    store.close()
    files = sorted(tmp_path.glob("hub.db*"))  # Including any WAL left behind.
    assert files
    contents = b"".join(path.read_bytes() for path in files)
    assert REFERRAL_ID.encode() in contents  # Sanity: the file is readable and holds ids.
    for fragment in PERSONAL:
        assert fragment not in contents, fragment


def test_data_is_unreadable_with_another_key_file(tmp_path: Path, sqlite_url: str) -> None:
    store = HubStore(sqlite_url, LocalKeyProvider(tmp_path / "kek-a.bin"))
    store.create_schema()
    store.save_referral(example_referral(), **WHO)
    store.close()
    other = HubStore(sqlite_url, LocalKeyProvider(tmp_path / "kek-b.bin"))
    with pytest.raises(UnreadableRecord) as raised:
        other.load_referral(REFERRAL_ID, **WHO)
    assert raised.value.cause is Unreadability.KEY_MISSING
    other.close()


def test_sqlite_runs_in_wal_mode(store: HubStore) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 10_000
