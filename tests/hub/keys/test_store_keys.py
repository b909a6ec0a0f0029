"""Data keys in the store: their epochs, moving them, shredding an epoch, and never a new key over old data."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.crypto import KekNotInitialised, KeyMissing, KeyShredded, LocalKeyProvider, intake_epoch
from hub.crypto.configured import configured_provider
from hub.crypto.pkcs11 import read_pin
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.errors import Unreadability, UnreadableRecord
from hub.store.home import open_store
from hub.store.keys import (
    child_key_id,
    data_key,
    destroy_epoch,
    epochs_in_use,
    key_ids_in_epoch,
    move_to_epoch,
    referral_key_id,
)
from hub.store.tables import DataKey
from tests.hub.builders import REFERRAL_ID, example_referral
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub.keys.population import NOW, WHO, populate
from tests.hub_here import run_hub_here

OTHER = example_referral().model_copy(update={"referral_id": "REF-2026-000418"})
THIS_REFERRAL = [referral_key_id(REFERRAL_ID), child_key_id(REFERRAL_ID, "S1"), child_key_id(REFERRAL_ID, "S2")]


def _keys(store: HubStore) -> dict[str, tuple[str | None, int, str]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(DataKey.key_id, DataKey.epoch, DataKey.kek_version, DataKey.kek_id))
        return {row.key_id: (row.epoch, row.kek_version, row.kek_id) for row in rows}


def test_new_keys_are_in_the_months_intake_epoch_or_permanent_under_the_current_version(store: HubStore) -> None:
    populate(store, keys=0)
    intake = intake_epoch(datetime.now(UTC))
    kek = store.key_provider.kek_id(1)
    assert _keys(store) == {
        "hub:digest": ("permanent", 1, kek),
        "hub:person-index": ("permanent", 1, kek),
        **{key_id: (intake, 1, kek) for key_id in THIS_REFERRAL},
    }


def test_keys_move_between_epochs_and_every_record_still_reads(store: HubStore, key_provider: LocalKeyProvider) -> None:
    populate(store, keys=0)
    with store._sessions() as session, session.begin():
        assert move_to_epoch(session, store._keyring, [*THIS_REFERRAL, "referral:REF-NONE"], "disposal-2031") == 3
        assert move_to_epoch(session, store._keyring, THIS_REFERRAL, "disposal-2031") == 0  # Already there.
        assert key_ids_in_epoch(session, "disposal-2031") == sorted(THIS_REFERRAL)
        assert epochs_in_use(session) == {"permanent": 2, "disposal-2031": 3}
    assert key_provider.epoch_state("disposal-2031") == "live"  # Made when first needed.
    fresh = HubStore(store.engine.url.render_as_string(hide_password=False), LocalKeyProvider(key_provider.path))
    try:  # Another process: nothing cached.
        assert fresh.load_referral(REFERRAL_ID, **WHO) == example_referral()
        assert fresh.load_chronology(REFERRAL_ID, "S2", 1, **WHO) is not None
    finally:
        fresh.close()


def test_a_destroyed_epoch_shreds_its_keys_even_in_an_old_copy_of_the_database(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "keys" / "kek.bin")
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", provider)
    store.create_schema()
    populate(store, keys=0)
    with store._sessions() as session, session.begin():
        move_to_epoch(session, store._keyring, THIS_REFERRAL, "disposal-2031")
    with closing(sqlite3.connect(tmp_path / "hub.db")) as live, closing(sqlite3.connect(tmp_path / "old.db")) as old:
        live.backup(old)  # The backup a council kept from before the retention run.
    with pytest.raises(ValueError, match="never destroyed"):
        destroy_epoch(store._keyring, "permanent")
    destroy_epoch(store._keyring, "disposal-2031")
    assert not (tmp_path / "keys" / "epochs" / "disposal-2031.key").exists()
    assert (tmp_path / "keys" / "epochs" / "disposal-2031.destroyed").exists()
    store.close()
    old_copy = HubStore(f"sqlite:///{tmp_path / 'old.db'}", LocalKeyProvider(provider.path))
    try:
        with pytest.raises(UnreadableRecord) as refused:
            old_copy.load_referral(REFERRAL_ID, **WHO)
        assert refused.value.cause is Unreadability.KEY_SHREDDED
        assert "Okafor" not in str(refused.value)
        with old_copy._sessions() as session, session.begin(), pytest.raises(KeyShredded):
            move_to_epoch(session, old_copy._keyring, THIS_REFERRAL, "disposal-2040")  # Nothing to unmask it with.
    finally:
        old_copy.close()


def test_a_deleted_key_file_or_epoch_secret_is_never_replaced(hub_home: Path) -> None:
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), **WHO)
    store.close()
    keys = hub_home / "keys"
    saved = keys.parent / "kept-kek.bin"
    shutil.move(keys / "kek.bin", saved)

    store = open_store(HubSettings.from_env())
    try:
        with pytest.raises(KeyMissing, match=r"KEK version 1 is missing \(.*kek.bin does not exist\); restore it"):
            store.save_referral(OTHER, **WHO)
        with store._sessions() as session, pytest.raises(KeyMissing, match="but the database holds 3 data keys"):
            data_key(session, store._keyring, referral_key_id(OTHER.referral_id), now=NOW)  # A first key, all alone.
        with pytest.raises(KeyMissing, match="but the database holds 3 data keys"):
            store.begin_rotation()  # Nor does a rotation or a retirement make one.
        with pytest.raises(KeyMissing, match="but the database holds 3 data keys"):
            store.retire_versions()
        assert not (keys / "kek.bin").exists()
        with pytest.raises(UnreadableRecord) as unreadable:
            store.load_referral(REFERRAL_ID, **WHO)
        assert unreadable.value.cause is Unreadability.KEY_MISSING
    finally:
        store.close()
    assert_clean_refusal(run_hub_here("keys", "init", home=hub_home), "restore the key files", "for a new hub only")
    assert not (keys / "kek.bin").exists()

    shutil.move(saved, keys / "kek.bin")
    intake = intake_epoch(datetime.now(UTC))
    (keys / "epochs" / f"{intake}.key").unlink()
    store = open_store(HubSettings.from_env())
    try:
        with pytest.raises(KeyMissing, match=rf"secret of epoch {intake} is missing .* but 1 data key is in it"):
            store.save_referral(OTHER, **WHO)
        assert not (keys / "epochs" / f"{intake}.key").exists()
        assert store.referral_exists(REFERRAL_ID) and not store.referral_exists(OTHER.referral_id)
    finally:
        store.close()


def test_production_needs_hub_keys_init_and_makes_nothing_by_itself(
    hub_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    store = open_store(HubSettings.from_env())
    try:
        with pytest.raises(KekNotInitialised, match="run `hub keys init`"):
            store.save_referral(example_referral(), **WHO)
        assert not store.referral_exists(REFERRAL_ID)
    finally:
        store.close()
    assert not (hub_home / "keys" / "kek.bin").exists()

    made = run_hub_here("keys", "init", home=hub_home, HUB_ENVIRONMENT="production")
    assert made.returncode == 0, made.stderr
    assert "Made KEK version 1" in made.stdout and "Back up the keys now" in " ".join(made.stdout.split())
    for path in (hub_home / "keys" / "kek.bin", hub_home / "keys" / "epochs" / "permanent.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert_clean_refusal(run_hub_here("keys", "init", home=hub_home, HUB_ENVIRONMENT="production"), "already holds KEK")

    store = open_store(HubSettings.from_env())
    try:
        store.save_referral(example_referral(), **WHO)
        assert store.load_referral(REFERRAL_ID, **WHO) == example_referral()
        events = [(event.action, event.object_id, event.actor) for event in store.audit_trail(action="keys.rotate")]
        assert events == [("keys.rotate", "kek:v1", "service:keys")]
    finally:
        store.close()


def test_bad_key_settings_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="HUB_ENVIRONMENT is 'prod'; it must be one of: development, production"):
        HubSettings.from_env({"HUB_HOME": str(tmp_path), "HUB_ENVIRONMENT": "prod"})
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path), "HUB_KEY_PROVIDER": "pkcs11"})
    with pytest.raises(UserError, match="HUB_PKCS11_MODULE, HUB_PKCS11_TOKEN, HUB_PKCS11_PIN_FILE is not set"):
        configured_provider(settings)
    pin = tmp_path / "pin"
    pin.write_text("1234\n")
    pin.chmod(0o644)
    with pytest.raises(UserError, match="readable by others; run: chmod 600"):
        read_pin(pin)
