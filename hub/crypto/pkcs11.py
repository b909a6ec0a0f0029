"""`Pkcs11KeyProvider`: the KEK versions and epoch secrets live in a PKCS#11 token (an HSM) and never leave it.

Objects in the token (all token objects, private, so only a logged-in session sees them):
- KEK version N: an AES-256 secret key labelled `mash-hub-kek-v<N>`, sensitive and never extractable, allowed
  to encrypt and decrypt only. A data key is wrapped with **CKM_AES_GCM** inside the token (96-bit random nonce,
  associated data `mash-hub/dek|v<N>`, 128-bit tag): `nonce || ciphertext || tag`. AES-GCM rather than
  CKM_AES_KEY_WRAP because C_WrapKey only wraps key *objects*: every data key would first have to be created
  in the token and destroyed again (three calls instead of one), and the data key is XOR-masked by its epoch
  before wrapping anyway, so it is data to the HSM, not a key object. SoftHSM2 2.6 and the usual network HSMs
  (Thales Luna, Entrust nShield, AWS CloudHSM) support CKM_AES_GCM for C_Encrypt/C_Decrypt.
  Its `CKA_ID` is 16 random bytes, part of `kek_id`, so a re-created object with the same label is told apart.
- Epoch secret: a 256-bit generic secret labelled `mash-hub-epoch:<epoch>`, sensitive, never extractable,
  allowed to sign only; `epoch_mask` is **CKM_SHA256_HMAC** computed in the token.
- Epoch tombstone: a data object labelled `mash-hub-epoch-destroyed:<epoch>` (value: when), left when the
  secret is destroyed with C_DestroyObject, so the name is never used again.
- Minimum decryption version: data objects labelled `mash-hub-kek-min-decryption-v<N>`; the highest N
  counts. (SoftHSM2 refuses to change a data object's value, so a new object is made for each setting.)

One session per token per process, opened on first use and reused by every thread (python-pkcs11 serialises
operations on a session); after a fork (an Airflow worker) the library is re-initialised and a new session
opened, since PKCS#11 handles are not valid across processes. The PIN is read from an owner-only file.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import NoSuchKey, NoSuchToken, PKCS11Error, UserAlreadyLoggedIn
from pkcs11.mechanisms import GCMParams

from hub.crypto.aead import KEY_BYTES, NONCE_BYTES
from hub.crypto.errors import (
    KekNotInitialised,
    KeyFileError,
    KeyMissing,
    KeyRetired,
    KeyShredded,
    KeyUnwrapError,
)
from hub.crypto.providers import EpochState, check_epoch_name
from hub.errors import UserError
from hub.settings import HubSettings

KEK_LABEL = "mash-hub-kek-v{version}"
EPOCH_LABEL = "mash-hub-epoch:{epoch}"
TOMBSTONE_LABEL = "mash-hub-epoch-destroyed:{epoch}"
MINIMUM_LABEL = "mash-hub-kek-min-decryption-v{version}"
APPLICATION = "mash-hub"
_KEK_LABEL = re.compile(r"mash-hub-kek-v([1-9][0-9]*)")
_MINIMUM_LABEL = re.compile(r"mash-hub-kek-min-decryption-v([1-9][0-9]*)")
_NO_NEW_KEY = "the hub never makes a new key where one is missing, since that would make every stored record unreadable"

_libraries: dict[Path, Any] = {}
_libraries_lock = threading.Lock()


def _library(module: Path) -> Any:
    """One loaded PKCS#11 library per module per process (C_Initialize may run only once)."""
    with _libraries_lock:
        if module not in _libraries:
            try:
                _libraries[module] = pkcs11.lib(str(module))
            except (RuntimeError, OSError) as error:
                raise UserError(
                    f"cannot load the PKCS#11 module {module} ({type(error).__name__}); "
                    "check HUB_PKCS11_MODULE names the HSM vendor's library"
                ) from None
        return _libraries[module]


def read_pin(path: Path) -> str:
    """The token's user PIN from an owner-only file (a trailing newline is ignored)."""
    try:
        mode = path.stat().st_mode
        pin = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UserError(f"cannot read the PIN file {path} ({error.strerror}); check HUB_PKCS11_PIN_FILE") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError(f"the PIN file {path} is readable by others; run: chmod 600 {path}")
    if not pin:
        raise UserError(f"the PIN file {path} is empty")
    return pin


class Pkcs11KeyProvider:
    """KEK versions and epoch secrets as non-extractable objects in one PKCS#11 token (see the module docstring)."""

    kind = "pkcs11"
    _shared: ClassVar[dict[tuple[Path, str, str], Pkcs11KeyProvider]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, module: Path, token_label: str, pin: str, *, create_missing: bool = False) -> None:
        self.module = Path(module)
        self.token_label = token_label
        self.create_missing = create_missing
        self._pin = pin
        self._lock = threading.RLock()
        self._session: Any = None
        self._pid = 0
        self._keks: dict[int, Any] = {}
        self._kek_ids: dict[int, str] = {}
        self._minimum: tuple[float, int] | None = None

    @classmethod
    def from_settings(cls, settings: HubSettings) -> Pkcs11KeyProvider:
        """The provider `HUB_PKCS11_MODULE`, `HUB_PKCS11_TOKEN` and `HUB_PKCS11_PIN_FILE` name, one per process."""
        missing = [
            name
            for name, value in (
                ("HUB_PKCS11_MODULE", settings.pkcs11_module),
                ("HUB_PKCS11_TOKEN", settings.pkcs11_token),
                ("HUB_PKCS11_PIN_FILE", settings.pkcs11_pin_file),
            )
            if not value
        ]
        if missing:
            raise UserError(f"HUB_KEY_PROVIDER is pkcs11 but {', '.join(missing)} is not set (docs/deployment.md)")
        assert settings.pkcs11_module and settings.pkcs11_token and settings.pkcs11_pin_file
        return cls.shared(
            settings.pkcs11_module,
            settings.pkcs11_token,
            read_pin(settings.pkcs11_pin_file),
            create_missing=not settings.production,
        )

    @classmethod
    def shared(cls, module: Path, token_label: str, pin: str, *, create_missing: bool = False) -> Pkcs11KeyProvider:
        """The process's one provider for this token, so its session is opened once and reused by every store."""
        key = (Path(module), token_label, pin)
        with cls._shared_lock:
            provider = cls._shared.get(key)
            if provider is None:
                provider = cls._shared[key] = cls(module, token_label, pin, create_missing=create_missing)
            provider.create_missing = create_missing
            return provider

    @classmethod
    def forget_shared(cls) -> None:
        """Drop the process's providers, and with them their sessions' cached object handles.

        For a process that outlives the token objects it knew (a test emptying its token between tests, or a
        token re-initialised with the HSM's own tools while a long-lived process runs): the next `shared`
        call opens a fresh session and finds every object again.
        """
        with cls._shared_lock:
            cls._shared.clear()

    def describe(self) -> str:
        return f"PKCS#11 token {self.token_label!r} via {self.module}"

    # The session

    def _open(self) -> Any:
        """The session, opened once per process; re-opened in a forked child."""
        with self._lock:
            if self._session is not None and self._pid == os.getpid():
                return self._session
            library = _library(self.module)
            if self._pid and self._pid != os.getpid():
                library.reinitialize()  # A forked child: the parent's handles are not ours.
            self._keks.clear()
            try:
                token = library.get_token(token_label=self.token_label)
                try:
                    self._session = token.open(rw=True, user_pin=self._pin)
                except UserAlreadyLoggedIn:  # Login is per process and token: another session of ours holds it.
                    self._session = token.open(rw=True)
            except (NoSuchToken, NoSuchKey):
                raise UserError(
                    f"there is no PKCS#11 token labelled {self.token_label!r} in {self.module}; "
                    "check HUB_PKCS11_TOKEN, or that the HSM is connected"
                ) from None
            except PKCS11Error as error:
                raise UserError(
                    f"cannot open the PKCS#11 token {self.token_label!r} ({type(error).__name__}); "
                    "check the PIN file and that the token is initialised"
                ) from None
            self._pid = os.getpid()
            return self._session

    def _find(self, object_class: ObjectClass, label: str | None = None) -> list[Any]:
        template: dict[Attribute, Any] = {Attribute.CLASS: object_class}
        if label is not None:
            template[Attribute.LABEL] = label
        with self._lock:
            return list(self._open().get_objects(template))

    def _labels(self, object_class: ObjectClass, pattern: re.Pattern[str]) -> list[int]:
        found = []
        for found_object in self._find(object_class):
            if match := pattern.fullmatch(found_object[Attribute.LABEL] or ""):
                found.append(int(match.group(1)))
        return sorted(found)

    # KEK versions

    def versions(self) -> list[int]:
        return self._labels(ObjectClass.SECRET_KEY, _KEK_LABEL)

    def current_version(self) -> int:
        with self._lock:
            versions = self.versions()
            if versions:
                return versions[-1]
            if not self.create_missing:
                raise KekNotInitialised(
                    f"the {self.describe()} holds no key-encryption key. For a new hub run `hub keys init`; "
                    f"if the hub has stored data, restore the token from the HSM's backup ({_NO_NEW_KEY})"
                )
            return self.create_version()

    def create_version(self) -> int:
        with self._lock:
            version = (self.versions() or [0])[-1] + 1
            self._open().generate_key(
                KeyType.AES,
                KEY_BYTES * 8,
                label=KEK_LABEL.format(version=version),
                id=os.urandom(16),
                store=True,
                template={
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.MODIFIABLE: False,
                    Attribute.ENCRYPT: True,
                    Attribute.DECRYPT: True,
                    Attribute.WRAP: False,
                    Attribute.UNWRAP: False,
                    Attribute.SIGN: False,
                    Attribute.VERIFY: False,
                    Attribute.DERIVE: False,
                },
            )
            return version

    def min_decryption_version(self) -> int:
        # Read at most once a second: unwraps are cached per data key, and a retirement is rare.
        now = datetime.now(UTC).timestamp()
        with self._lock:
            if self._minimum is None or now - self._minimum[0] > 1.0:
                found = self._labels(ObjectClass.DATA, _MINIMUM_LABEL)
                self._minimum = (now, found[-1] if found else 1)
            return self._minimum[1]

    def set_min_decryption_version(self, version: int) -> None:
        with self._lock:
            current = self.current_version()
            if not 1 <= version <= current:
                raise ValueError(f"the minimum decryption version must be between 1 and {current}")
            present = self._labels(ObjectClass.DATA, _MINIMUM_LABEL)
            if version not in present and version > 1:
                self._data_object(MINIMUM_LABEL.format(version=version), datetime.now(UTC).isoformat().encode())
            for higher in (each for each in present if each > version):  # Lowering (to read an old backup).
                for found in self._find(ObjectClass.DATA, MINIMUM_LABEL.format(version=higher)):
                    found.destroy()
            self._minimum = None

    def _kek(self, version: int) -> Any:
        with self._lock:
            self._open()  # After a fork, drops the parent's handles first.
            known = self._keks.get(version)
            if known is None:
                found = self._find(ObjectClass.SECRET_KEY, KEK_LABEL.format(version=version))
                if not found:  # Never made here: only `current_version` makes the first key.
                    raise KeyMissing(
                        f"KEK version {version} is missing from the {self.describe()}; restore the token from "
                        f"the HSM's backup ({_NO_NEW_KEY})"
                    )
                if len(found) > 1:
                    raise KeyFileError(f"the {self.describe()} holds two objects labelled {found[0].label}")
                known = self._keks[version] = found[0]
            return known

    def kek_id(self, version: int) -> str:
        with self._lock:
            known = self._kek_ids.get(version)
            if known is None:
                known = self._kek_ids[version] = f"pkcs11:v{version}:{bytes(self._kek(version)[Attribute.ID]).hex()}"
            return known

    def wrap(self, dek: bytes, version: int) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        parameters = GCMParams(nonce, f"mash-hub/dek|v{version}".encode(), 128)
        key = self._kek(version)
        with self._lock:
            return nonce + bytes(key.encrypt(dek, mechanism=Mechanism.AES_GCM, mechanism_param=parameters))

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        minimum = self.min_decryption_version()
        if version < minimum:
            raise KeyRetired(
                f"KEK version {version} is retired (the minimum decryption version is {minimum}); to read an old "
                f"backup, lower it with `hub keys retire --min-version {version}`, then run `hub keys rotate`"
            )
        key = self._kek(version)
        parameters = GCMParams(wrapped[:NONCE_BYTES], f"mash-hub/dek|v{version}".encode(), 128)
        try:
            with self._lock:
                return bytes(
                    key.decrypt(wrapped[NONCE_BYTES:], mechanism=Mechanism.AES_GCM, mechanism_param=parameters)
                )
        except PKCS11Error:
            raise KeyUnwrapError(
                f"a stored data key does not unwrap with KEK version {version} in the {self.describe()}: "
                "the wrapped key was altered, or was written with another token"
            ) from None

    # Epochs

    def epoch_state(self, epoch: str) -> EpochState:
        check_epoch_name(epoch)
        if self._find(ObjectClass.DATA, TOMBSTONE_LABEL.format(epoch=epoch)):
            return "destroyed"
        return "live" if self._find(ObjectClass.SECRET_KEY, EPOCH_LABEL.format(epoch=epoch)) else "unknown"

    def epochs(self) -> dict[str, EpochState]:
        found: dict[str, EpochState] = {}
        for each in self._find(ObjectClass.SECRET_KEY):
            label = each[Attribute.LABEL] or ""
            if label.startswith("mash-hub-epoch:"):
                found[label.partition(":")[2]] = "live"
        for each in self._find(ObjectClass.DATA):
            label = each[Attribute.LABEL] or ""
            if label.startswith("mash-hub-epoch-destroyed:"):
                found[label.partition(":")[2]] = "destroyed"
        return dict(sorted(found.items()))

    def create_epoch(self, epoch: str) -> None:
        with self._lock:
            state = self.epoch_state(epoch)
            if state == "destroyed":
                raise KeyShredded(f"epoch {epoch} was destroyed; an epoch is never created again under its name")
            if state == "live":
                return
            self._open().generate_key(
                KeyType.GENERIC_SECRET,
                KEY_BYTES * 8,
                label=EPOCH_LABEL.format(epoch=epoch),
                store=True,
                template={
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.MODIFIABLE: False,
                    Attribute.SIGN: True,
                    Attribute.VERIFY: False,
                    Attribute.ENCRYPT: False,
                    Attribute.DECRYPT: False,
                    Attribute.WRAP: False,
                    Attribute.UNWRAP: False,
                    Attribute.DERIVE: False,
                },
            )

    def destroy_epoch(self, epoch: str) -> None:
        """Tombstone first, then destroy the secret: a crash in between still reads as destroyed."""
        with self._lock:
            if not self._find(ObjectClass.DATA, TOMBSTONE_LABEL.format(epoch=check_epoch_name(epoch))):
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                self._data_object(TOMBSTONE_LABEL.format(epoch=epoch), f"destroyed at {stamp}".encode())
            for secret in self._find(ObjectClass.SECRET_KEY, EPOCH_LABEL.format(epoch=epoch)):
                secret.destroy()

    def epoch_mask(self, epoch: str, key_id: str) -> bytes:
        check_epoch_name(epoch)
        found = self._find(ObjectClass.SECRET_KEY, EPOCH_LABEL.format(epoch=epoch))
        if not found:
            if self._find(ObjectClass.DATA, TOMBSTONE_LABEL.format(epoch=epoch)):
                raise KeyShredded(f"epoch {epoch} was destroyed under the retention schedule")
            raise KeyMissing(
                f"the secret of epoch {epoch} is missing from the {self.describe()}; restore the token from the "
                f"HSM's backup ({_NO_NEW_KEY})"
            )
        with self._lock:
            return bytes(found[0].sign(key_id.encode("utf-8"), mechanism=Mechanism.SHA256_HMAC))

    def _data_object(self, label: str, value: bytes) -> None:
        with self._lock:
            self._open().create_object(
                {
                    Attribute.CLASS: ObjectClass.DATA,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.LABEL: label,
                    Attribute.APPLICATION: APPLICATION,
                    Attribute.VALUE: value,
                }
            )
