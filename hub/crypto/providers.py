"""The key provider interface: versioned key-encryption keys (KEKs) and retention epoch secrets.

A key provider holds every secret the hub keeps *outside its database*, and never sees data:

- **KEK versions 1..N.** Data keys are wrapped under the *current* version (the highest); older versions
  still unwrap until a *minimum decryption version* retires them (Vault Transit's `min_decryption_version`).
  `hub keys rotate` makes a new version and rewraps every data key under it; `hub keys retire` then raises
  the minimum. Each `data_keys` row records the version (`kek_version`) and the KEK's non-secret name
  (`kek_id`) that wrapped it.
- **Retention epochs.** One secret per epoch (`intake-2026-12`, `permanent`, `disposal-2032`, `hold-…`). A data key in
  an epoch is stored as `wrap(dek XOR epoch_mask(epoch, key_id), version)`, where the mask is
  HMAC-SHA256(epoch secret, key id). Destroying the epoch secret makes every data key in it unrecoverable,
  even from an old copy of the database, since nothing in the database can rebuild the mask. This is what
  makes retention's crypto-shredding hold against backups.

Where the minimum decryption version lives: with the provider (a file beside the local KEK; data objects in
the HSM token; the key's own config in Vault), not in the database. It is a property of the keys, as in
Vault, so it travels with them; restoring an old database copy cannot re-enable a retired KEK version.

Implementations: `LocalKeyProvider` (files under `$HUB_HOME/keys/`, development) and
`Pkcs11KeyProvider` (a PKCS#11 token: a council's HSM, a cloud HSM, or SoftHSM2 in tests).

**Cloud KMS / Vault Transit.** A network provider implements the same members; the mapping, for a Transit
key named `mash-hub-kek` and one HMAC key per epoch named `mash-hub-epoch-<epoch>`:

| member                          | Vault Transit                                                           |
|---------------------------------|-------------------------------------------------------------------------|
| `versions`, `current_version`   | `GET transit/keys/mash-hub-kek` (`keys`, `latest_version`)              |
| `min_decryption_version`        | the same read's `min_decryption_version`                                |
| `set_min_decryption_version`    | `POST transit/keys/mash-hub-kek/config` `{"min_decryption_version": N}` |
| `create_version`                | `POST transit/keys/mash-hub-kek/rotate`                                 |
| `wrap(dek, version)`            | `POST transit/encrypt/mash-hub-kek` `{"plaintext", "key_version": N}`   |
| `unwrap(wrapped, version)`      | `POST transit/decrypt/mash-hub-kek` (the `vault:vN:` prefix names N)    |
| `kek_id(version)`               | `"vault:mash-hub-kek:v<N>"`                                             |
| `create_epoch(epoch)`           | `POST transit/keys/mash-hub-epoch-<epoch>` `{"type": "hmac"}`           |
| `epoch_mask(epoch, key_id)`     | `POST transit/hmac/mash-hub-epoch-<epoch>/sha2-256` `{"input": key_id}` |
| `destroy_epoch(epoch)`          | `.../config` `{"deletion_allowed": true}`, `DELETE transit/keys/<k>`,   |
|                                 | and a tombstone (e.g. a KV entry) so the name is never reused           |
| `epoch_state(epoch)`            | `GET transit/keys/<k>` (404: tombstone → destroyed, else unknown)       |

AWS KMS maps alike (`Encrypt`/`Decrypt`, `GenerateMac` with an HMAC_256 key per epoch, `ScheduleKeyDeletion`
with the shortest window), except that KMS rotates a key under one id without selectable versions: model each
KEK version as its own KMS key (an alias per version). A network provider must keep the hub's rule that data
keys are cached per store (`hub.crypto.Keyring`): one remote call per data key, never one per record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

EpochState = Literal["live", "destroyed", "unknown"]

INTAKE_EPOCH_PREFIX = "intake-"
"""New referral and child data keys start in the epoch of the month they were made (`intake-2026-12`), until the
retention run moves them to their disposal epoch. A month's intake epoch is destroyed once the month is over and
it holds no key, so even a referral destroyed before any run scheduled it (imported history already past its
date) cannot be read from an old copy of the database after that."""
PERMANENT_EPOCH = "permanent"
"""Hub-wide data keys (keyed digests, the person index, staff secrets): never destroyed."""
WELL_KNOWN_EPOCHS = (PERMANENT_EPOCH,)

_EPOCH_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def check_epoch_name(epoch: str) -> str:
    """Return `epoch` if it is a valid epoch name (it becomes a file name or an HSM label), else ValueError."""
    if not _EPOCH_NAME.fullmatch(epoch):
        raise ValueError(f"{epoch!r} is not an epoch name: lower-case letters, digits and '-', at most 64")
    return epoch


def intake_epoch(when: datetime) -> str:
    """The epoch a referral or child key made at `when` (UTC) starts in: `intake-YYYY-MM`."""
    return f"{INTAKE_EPOCH_PREFIX}{when.astimezone(UTC):%Y-%m}"


@runtime_checkable
class KeyProvider(Protocol):
    """Versioned KEKs and epoch secrets; see the module docstring for the model and the Vault mapping.

    Errors (from `hub.crypto.errors`): `KeyMissing` when a KEK version or epoch secret is absent,
    `KeyRetired` for a version below the minimum decryption version, `KekNotInitialised` when there is no
    KEK at all and the provider may not make one, `KeyShredded` for a destroyed epoch, `KeyUnwrapError`
    when a present KEK does not unwrap a value (it was altered, or wrapped by another key).
    Implementations are thread-safe: one instance serves every thread of a process.
    """

    @property
    def kind(self) -> str:
        """`local`, `pkcs11`, ...: shown by `hub keys status` and recorded in backups."""
        ...

    def describe(self) -> str:
        """Where the keys are (a folder, a module and token label): never a secret."""
        ...

    def versions(self) -> list[int]:
        """The KEK versions present, ascending; empty before `hub keys init`. Never creates one."""
        ...

    def current_version(self) -> int:
        """The version new data keys are wrapped under (the highest present).

        A development provider may create version 1 here on first use; otherwise `KekNotInitialised`.
        """
        ...

    def create_version(self) -> int:
        """Make a new KEK version, which becomes current; returns its number (Vault: `rotate`)."""
        ...

    def min_decryption_version(self) -> int:
        """Versions below this may not unwrap (1 until `hub keys retire`)."""
        ...

    def set_min_decryption_version(self, version: int) -> None:
        """Retire (or, to read an old backup, un-retire) versions below `version` (1 ≤ version ≤ current)."""
        ...

    def kek_id(self, version: int) -> str:
        """A stable, non-secret name for one KEK version, stored beside each data key it wraps.

        It changes if the key behind the version does (a different file, a re-created token object), so a
        wrong key is reported as missing, not as tampering.
        """
        ...

    def wrap(self, dek: bytes, version: int) -> bytes:
        """Encrypt a 32-byte (masked) data key under KEK `version`."""
        ...

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        """Decrypt a value from `wrap` under KEK `version`."""
        ...

    def epoch_mask(self, epoch: str, key_id: str) -> bytes:
        """HMAC-SHA256(epoch secret, key id): 32 bytes, computed where the secret lives (inside the HSM)."""
        ...

    def create_epoch(self, epoch: str) -> None:
        """Make the epoch's secret unless it exists; `KeyShredded` if the epoch was ever destroyed."""
        ...

    def destroy_epoch(self, epoch: str) -> None:
        """Destroy the epoch's secret for good and leave a tombstone; idempotent."""
        ...

    def epoch_state(self, epoch: str) -> EpochState:
        """`live` (its secret is present), `destroyed` (tombstone) or `unknown` (neither)."""
        ...

    def epochs(self) -> dict[str, EpochState]:
        """Every epoch the provider knows, live or destroyed (for `hub keys status`)."""
        ...
