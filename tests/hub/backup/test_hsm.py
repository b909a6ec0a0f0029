"""Backups of a hub whose keys live in an HSM (a real SoftHSM2 token): the keys stay in the token, the manifest
says which token and KEK versions a restore needs, and keys destroyed in it after the backup stay destroyed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hub.backup import BackupError, create_backup, restore_backup
from hub.crypto import Keyring
from hub.crypto.configured import configured_provider
from hub.settings import HubSettings
from hub.store.home import open_store
from hub.store.keys import destroy_epoch, move_to_epoch
from tests.hub.backup.populated import REFERRALS, everything, populate
from tests.hub.crypto.softhsm import Token, empty_process_token

DISPOSAL = "disposal-2030"


@pytest.fixture
def token() -> Token:
    """The process's token, emptied (and no provider that cached handles of its old objects kept)."""
    return empty_process_token()


def _settings(home: Path, token: Token) -> HubSettings:
    return HubSettings.from_env({"HUB_HOME": str(home), "HUB_ENVIRONMENT": "production", **token.environment()})


def test_an_hsm_hub_backs_up_without_its_keys_and_restores_with_the_token(tmp_path: Path, token: Token) -> None:
    settings = _settings(tmp_path / "home", token)
    keyring = Keyring(configured_provider(settings))
    keyring.provider.create_version()  # `hub keys init`
    store = open_store(settings)
    populate(store)
    first = REFERRALS[0]
    disposed = [f"referral:{first}", f"child:{first}:S1", f"child:{first}:S2"]
    with Session(store.engine) as session, session.begin():  # as the retention run files them for disposal
        assert move_to_epoch(session, keyring, disposed, DISPOSAL) == len(disposed)
    held = everything(store)

    made = create_backup(settings, tmp_path / "backups", progress=lambda _line: None)
    keys = made.manifest.keys
    assert (keys.provider, keys.in_archive, keys.versions) == ("pkcs11", False, [1])
    assert token.label in keys.where
    assert made.manifest.key_files == ["audit-signing.key"]  # no KEK, no epoch secret: they never leave the token

    local = HubSettings.from_env({"HUB_HOME": str(tmp_path / "local")})
    with pytest.raises(BackupError, match="made with the pkcs11 key provider"):
        restore_backup(made.path, local, progress=lambda _line: None)
    assert not (tmp_path / "local").exists()

    target = _settings(tmp_path / "restored", token)
    restored = restore_backup(made.path, target, progress=lambda _line: None)
    assert restored.records.ok and not restored.records.shredded
    restored_store = open_store(target)
    assert everything(restored_store) == held
    restored_store.close()

    destroy_epoch(keyring, DISPOSAL)  # the retention run, after the backup: the secret is gone from the HSM
    store.close()
    again = restore_backup(made.path, _settings(tmp_path / "again", token), progress=lambda _line: None)
    assert sorted(again.records.shredded) == sorted(disposed)  # stay destroyed: expected, counted, not a failure
    assert again.audit.ok and again.shredded > 0 and again.opened + again.shredded == restored.opened
