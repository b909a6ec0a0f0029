"""The key provider contract, run against the local key files and a real SoftHSM2 token alike.

Versions (current, minimum decryption), wrap/unwrap per version, epoch secrets (mask, create, destroy,
tombstone) and the typed errors the store and the integrity check classify with.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.crypto import (
    KekNotInitialised,
    KeyMissing,
    KeyProvider,
    KeyRetired,
    Keyring,
    KeyShredded,
    KeyUnwrapError,
    LocalKeyProvider,
    new_data_key,
)
from tests.hub.crypto.softhsm import empty_process_token


def _pkcs11(create_missing: bool) -> KeyProvider:
    from hub.crypto.pkcs11 import Pkcs11KeyProvider

    token = empty_process_token()
    return Pkcs11KeyProvider(token.module, token.label, token.pin, create_missing=create_missing)


@pytest.fixture(params=["local", "pkcs11"])
def make_provider(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A factory for an empty provider of each kind: `make_provider(create_missing=...)`."""

    def make(*, create_missing: bool = False) -> KeyProvider:
        if request.param == "local":
            return LocalKeyProvider(tmp_path / "keys" / "kek.bin", create_missing=create_missing)
        return _pkcs11(create_missing)

    yield make


@pytest.fixture
def provider(make_provider: object) -> KeyProvider:
    made: KeyProvider = make_provider(create_missing=False)  # type: ignore[operator]
    made.create_version()
    return made


def test_a_provider_with_no_kek_refuses_in_production_and_makes_one_in_development(make_provider: object) -> None:
    strict: KeyProvider = make_provider(create_missing=False)  # type: ignore[operator]
    assert isinstance(strict, KeyProvider)
    assert strict.versions() == []
    with pytest.raises(KekNotInitialised, match="hub keys init"):
        strict.current_version()
    assert strict.versions() == []  # Nothing was made.
    lenient: KeyProvider = make_provider(create_missing=True)  # type: ignore[operator]
    assert lenient.current_version() == 1
    assert lenient.versions() == [1]


def test_versions_wrap_and_unwrap_each_under_its_own_kek(provider: KeyProvider) -> None:
    dek = new_data_key()
    first = provider.wrap(dek, 1)
    assert provider.create_version() == 2
    assert provider.versions() == [1, 2] and provider.current_version() == 2
    second = provider.wrap(dek, 2)
    assert dek not in first and dek not in second and first != second
    assert provider.unwrap(first, 1) == dek and provider.unwrap(second, 2) == dek
    assert provider.kek_id(1) != provider.kek_id(2)
    assert len(provider.kek_id(2)) <= 64  # The `data_keys.kek_id` column.
    with pytest.raises(KeyUnwrapError) as wrong:
        provider.unwrap(first, 2)
    assert not isinstance(wrong.value, KeyMissing)  # A present KEK that does not unwrap: altered, not missing.
    altered = bytearray(second)
    altered[-1] ^= 1
    with pytest.raises(KeyUnwrapError):
        provider.unwrap(bytes(altered), 2)
    with pytest.raises(KeyMissing, match="version 3"):
        provider.unwrap(second, 3)


def test_the_minimum_decryption_version_retires_older_versions(provider: KeyProvider) -> None:
    dek = new_data_key()
    old = provider.wrap(dek, 1)
    provider.create_version()
    assert provider.min_decryption_version() == 1
    provider.set_min_decryption_version(2)
    assert provider.min_decryption_version() == 2
    with pytest.raises(KeyRetired, match="retired"):
        provider.unwrap(old, 1)
    assert provider.unwrap(provider.wrap(dek, 2), 2) == dek
    with pytest.raises(ValueError, match="between 1 and 2"):
        provider.set_min_decryption_version(3)
    provider.set_min_decryption_version(1)  # Lowered again, e.g. to read an old backup.
    if hasattr(provider, "_minimum"):
        provider._minimum = None  # The HSM provider reads the setting at most once a second.
    assert provider.unwrap(old, 1) == dek


def test_epochs_mask_with_hmac_and_once_destroyed_never_come_back(provider: KeyProvider) -> None:
    assert provider.epoch_state("disposal-2031") == "unknown"
    with pytest.raises(KeyMissing, match="disposal-2031"):
        provider.epoch_mask("disposal-2031", "child:REF-1:S1")
    provider.create_epoch("disposal-2031")
    provider.create_epoch("disposal-2031")  # Idempotent: the same secret.
    assert provider.epoch_state("disposal-2031") == "live"
    mask = provider.epoch_mask("disposal-2031", "child:REF-1:S1")
    assert len(mask) == 32
    assert provider.epoch_mask("disposal-2031", "child:REF-1:S1") == mask
    assert provider.epoch_mask("disposal-2031", "child:REF-1:S2") != mask
    provider.create_epoch("pending")
    assert provider.epoch_mask("pending", "child:REF-1:S1") != mask
    assert provider.epochs() == {"disposal-2031": "live", "pending": "live"}

    provider.destroy_epoch("disposal-2031")
    provider.destroy_epoch("disposal-2031")  # Idempotent.
    assert provider.epoch_state("disposal-2031") == "destroyed"
    with pytest.raises(KeyShredded):
        provider.epoch_mask("disposal-2031", "child:REF-1:S1")
    with pytest.raises(KeyShredded, match="never created again"):
        provider.create_epoch("disposal-2031")
    assert provider.epochs() == {"disposal-2031": "destroyed", "pending": "live"}


@pytest.mark.parametrize("name", ["", "Pending", "hold_1", "-x", "a" * 65, "../keys", "disposal 2031"])
def test_bad_epoch_names_are_refused(provider: KeyProvider, name: str) -> None:
    with pytest.raises(ValueError, match="not an epoch name"):
        provider.create_epoch(name)


def test_a_data_key_in_a_destroyed_epoch_is_gone_even_from_an_old_copy(provider: KeyProvider) -> None:
    """What the retention run relies on: the wrapped key an old backup holds is useless once the epoch is destroyed."""
    provider.create_epoch("disposal-2031")
    keyring = Keyring(provider)
    stored, dek = keyring.create("child:REF-1:S1", "disposal-2031")
    assert provider.unwrap(stored.wrapped, 1) != dek  # The KEK alone does not give the data key back.
    assert Keyring(provider).unwrap(stored) == dek
    provider.destroy_epoch("disposal-2031")
    with pytest.raises(KeyShredded):
        Keyring(provider).unwrap(stored)  # A new process, reading an old copy of the row.


def test_keys_move_between_epochs_and_rotate_without_their_epoch_secret(provider: KeyProvider) -> None:
    for epoch in ("pending", "disposal-2031"):
        provider.create_epoch(epoch)
    keyring = Keyring(provider)
    pending, dek = keyring.create("referral:REF-1", "pending")
    moved = keyring.move(pending, "disposal-2031")
    assert (moved.epoch, moved.kek_version) == ("disposal-2031", 1)
    assert Keyring(provider).unwrap(moved) == dek
    provider.create_version()
    rotated = keyring.rewrap(moved, 2)
    assert (rotated.epoch, rotated.kek_version, rotated.kek_id) == ("disposal-2031", 2, provider.kek_id(2))
    provider.destroy_epoch("disposal-2031")
    carried = keyring.rewrap(rotated, 2)  # Rotation still carries a shredded key (it stays unreadable).
    with pytest.raises(KeyShredded):
        Keyring(provider).unwrap(carried)


def test_a_legacy_key_has_no_epoch_mask(provider: KeyProvider) -> None:
    keyring = Keyring(provider)
    legacy, dek = keyring.create("referral:REF-OLD")
    assert legacy.epoch is None and provider.unwrap(legacy.wrapped, 1) == dek


def test_local_mask_is_hmac_sha256_of_the_key_id_under_the_epoch_file(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "keys" / "kek.bin")
    provider.create_epoch("disposal-2031")
    secret = (tmp_path / "keys" / "epochs" / "disposal-2031.key").read_bytes()
    expected = hmac.new(secret, b"child:REF-1:S1", hashlib.sha256).digest()
    assert provider.epoch_mask("disposal-2031", "child:REF-1:S1") == expected
