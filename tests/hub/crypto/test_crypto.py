"""Envelope encryption: AES-GCM sealing, row binding, the local KEK file and the data-key cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hub.crypto import (
    DecryptionError,
    KeyFileError,
    KeyMissing,
    KeyProvider,
    Keyring,
    KeyUnwrapError,
    LocalKeyProvider,
    decrypt,
    encrypt,
    new_data_key,
    row_aad,
)

AAD = row_aad("chronology", "REF-1", "S1", 3)


def test_round_trip() -> None:
    key = new_data_key()
    sealed = encrypt(key, b"a chronology", AAD)
    assert b"a chronology" not in sealed
    assert decrypt(key, sealed, AAD) == b"a chronology"


def test_each_seal_uses_a_fresh_nonce() -> None:
    key = new_data_key()
    assert encrypt(key, b"same", AAD) != encrypt(key, b"same", AAD)


def test_tampered_ciphertext_fails() -> None:
    key = new_data_key()
    sealed = bytearray(encrypt(key, b"a chronology", AAD))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt(key, bytes(sealed), AAD)


def test_ciphertext_moved_to_another_row_fails() -> None:
    key = new_data_key()
    sealed = encrypt(key, b"a chronology", AAD)
    with pytest.raises(DecryptionError, match="another row"):
        decrypt(key, sealed, row_aad("chronology", "REF-1", "S2", 3))


def test_wrong_key_and_truncation_fail() -> None:
    sealed = encrypt(new_data_key(), b"a chronology", AAD)
    with pytest.raises(DecryptionError):
        decrypt(new_data_key(), sealed, AAD)
    with pytest.raises(DecryptionError):
        decrypt(new_data_key(), sealed[:10], AAD)


def test_row_aad_rejects_ambiguous_parts() -> None:
    assert AAD == b"chronology|REF-1|S1|3"
    with pytest.raises(ValueError, match="must not contain"):
        row_aad("reply", "REF|1")
    with pytest.raises(ValueError):
        row_aad("reply", "")


def test_key_file_created_0600_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "home" / "keys" / "kek.bin"
    provider = LocalKeyProvider(path)
    assert not path.exists()  # Nothing happens until the key is needed.
    dek = new_data_key()
    assert provider.current_version() == 1  # Development: the first key is made on first use.
    wrapped = provider.wrap(dek, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(path.read_bytes()) == 32
    assert provider.unwrap(wrapped, 1) == dek
    assert dek not in wrapped


def test_key_file_is_reused_by_other_instances(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    first, second = LocalKeyProvider(path), LocalKeyProvider(path)
    dek = new_data_key()
    assert second.unwrap(first.wrap(dek, first.current_version()), 1) == dek
    assert first.kek_id(1) == second.kek_id(1)
    assert first.kek_id(1).startswith("local:")
    assert isinstance(first, KeyProvider)


def test_corrupt_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=r"corrupt.*restore it from backup"):
        LocalKeyProvider(path).wrap(new_data_key(), 1)


def test_key_file_open_to_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    path.write_bytes(os.urandom(32))
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        LocalKeyProvider(path).wrap(new_data_key(), 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kek.bin"
    path.write_bytes(os.urandom(32))
    path.chmod(0o000)
    with pytest.raises(KeyFileError, match="cannot read"):
        LocalKeyProvider(path).wrap(new_data_key(), 1)


def test_uncreatable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(KeyFileError, match="cannot create"):
        LocalKeyProvider(blocker / "kek.bin").current_version()


def test_data_key_from_another_kek_is_refused(tmp_path: Path) -> None:
    wrapped, _dek = Keyring(LocalKeyProvider(tmp_path / "a.bin")).create("child:REF-1:S1")
    other = LocalKeyProvider(tmp_path / "b.bin")
    with pytest.raises(KeyMissing, match=r"KEK version 1 is missing \(.*b.bin does not exist\); restore it"):
        Keyring(other).unwrap(wrapped)  # Reading never makes a key.
    assert not (tmp_path / "b.bin").exists()
    other.current_version()  # Another key file altogether (development makes one on first write).
    with pytest.raises(KeyMissing, match="configure the original key file"):
        Keyring(other).unwrap(wrapped)
    with pytest.raises(KeyUnwrapError, match="restore the key file"):
        other.unwrap(wrapped.wrapped, 1)


class CountingProvider(LocalKeyProvider):
    """A real provider that counts unwraps, standing in for a remote KMS."""

    unwraps = 0

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        self.unwraps += 1
        return super().unwrap(wrapped, version)


def test_keyring_unwraps_each_key_once(tmp_path: Path) -> None:
    provider = CountingProvider(tmp_path / "kek.bin")
    provider.create_epoch("pending")
    stored, dek = Keyring(provider).create("referral:REF-1", "pending")
    keyring = Keyring(provider)
    assert all(keyring.unwrap(stored) == dek for _ in range(50))
    assert provider.unwraps == 1
    keyring.forget()
    keyring.unwrap(stored)
    assert provider.unwraps == 2
