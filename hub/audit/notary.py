"""The notary: the audit signing key and the witness files, all outside the database.

The key lives in `$HUB_HOME/keys/audit-signing.key` (0600, in the 0700 keys folder), in the signed
note private key format; the database holds only what it signed. Whoever can write the database
but not that file cannot make a checkpoint, so a log edited, cut or rebuilt from scratch no longer
matches the newest one. The witness is `$HUB_HOME/audit/witness.log`, plus an optional copy
elsewhere (`HUB_AUDIT_WITNESS_COPY`, e.g. a path on another host's mount).
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from hub.audit.note import NoteError, Signer, Verifier
from hub.audit.witness import Witness
from hub.errors import UserError
from hub.settings import HubSettings

KEY_NAME = "mash-hub-audit"


class AuditKeyError(UserError):
    """The audit signing key cannot be created or read."""


@dataclass(frozen=True)
class AuditFiles:
    """Where the signing key and the witness files are."""

    signing_key: Path
    witness: Path
    witness_copy: Path | None = None

    @classmethod
    def from_settings(cls, settings: HubSettings) -> AuditFiles:
        return cls(settings.audit_signing_key_path, settings.audit_witness_path, settings.audit_witness_copy)

    @classmethod
    def beside(cls, kek_path: Path) -> AuditFiles:
        """The same layout as `$HUB_HOME` around a key-encryption key file (`<home>/keys/kek.bin`)."""
        keys = Path(kek_path).parent
        home = keys.parent if keys.name == "keys" else keys
        return cls(keys / "audit-signing.key", home / "audit" / "witness.log")


class Notary:
    """Signs checkpoints with the key on disk (created on first use) and names the witnesses."""

    def __init__(self, files: AuditFiles) -> None:
        self.files = files
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    @property
    def witnesses(self) -> list[Witness]:
        copy = [] if self.files.witness_copy is None else [Witness(self.files.witness_copy)]
        return [Witness(self.files.witness), *copy]

    def signer(self) -> Signer:
        """The signing key, created (0600) the first time a checkpoint is signed."""
        with self._lock:
            if self._signer is None:
                if not self.files.signing_key.exists():
                    self._create()
                self._signer = self._read()
            return self._signer

    def verifier(self) -> Verifier:
        """The public half of the signing key, to check checkpoints with."""
        if not self.files.signing_key.exists():
            raise AuditKeyError(
                f"the audit signing key {self.files.signing_key} is missing, so no checkpoint can be checked; "
                "restore it from backup and report this to information governance"
            )
        return self.signer().verifier

    def _create(self) -> None:
        path = self.files.signing_key
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.chmod(0o700)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-signing-")
            try:
                os.fchmod(descriptor, 0o600)
                os.write(descriptor, (Signer.generate(KEY_NAME).skey + "\n").encode("ascii"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # Another process created it first; use theirs.
            finally:
                os.unlink(temporary)
        except OSError as error:
            raise AuditKeyError(f"cannot create the audit signing key {path} ({error.strerror})") from None

    def _read(self) -> Signer:
        path = self.files.signing_key
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not a key file"
            raise AuditKeyError(f"cannot read the audit signing key {path} ({reason})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise AuditKeyError(f"the audit signing key {path} is readable by others; run: chmod 600 {path}")
        try:
            return Signer.parse(text)
        except NoteError as error:
            raise AuditKeyError(f"the audit signing key {path} is corrupt ({error}); restore it from backup") from None
