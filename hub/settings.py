"""Where the hub keeps its state: everything lives under one folder, `$HUB_HOME`.

Deleting that folder is a clean slate (Airflow home, database, keys, reports, runtime files).

Everything there is the owner's alone: files 0600 and folders 0700. A database copied by another
local user gives away referral ids, RAG ratings and the audit trail even while the records
themselves are encrypted, so the hub's own processes run with umask 077 (`PRIVATE_UMASK`), its
writers create files owner-only from the first byte (`write_private`, `open_private_log`), and
`ensure_home` takes group and other access off a home an older version left open.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from hub.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = ".hub"
PRIVATE_UMASK = 0o077
"""The hub's processes (the CLI, and every Airflow process it starts) create files 0600 and folders 0700."""
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700
OPEN_TO_OTHERS = 0o077
"""Group and other permission bits: none of them on anything under `$HUB_HOME`."""


def create_folders(path: Path) -> Path:
    """Create `path` and whichever of its parents are missing, each 0700; existing ones are left as they are.

    (`Path.mkdir(parents=True)` gives the parents it creates the umask's mode, 0755 by default.)
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
    return path


def private_folder(path: Path) -> Path:
    """Create `path` (and missing parents) 0700, or close an existing one; returns it.

    `mkdir`'s mode leaves an existing folder alone, hence the chmod.
    """
    create_folders(path)
    make_private(path)
    return path


def make_private(path: Path) -> bool:
    """Take group and other access off one file or folder; True if it had any.

    A symlink is left alone (chmod would change what it points to), and so is another user's file
    (only its owner may change it).
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(status.st_mode) or not status.st_mode & OPEN_TO_OTHERS or status.st_uid != os.geteuid():
        return False
    os.chmod(path, stat.S_IMODE(status.st_mode) & ~OPEN_TO_OTHERS)
    return True


def make_tree_private(root: Path) -> int:
    """`make_private` on `root` and everything under it (symlinks not followed); how many paths changed."""
    changed = int(make_private(root))
    for folder, folders, files in os.walk(root):
        changed += sum(make_private(Path(folder, name)) for name in (*folders, *files))
    return changed


def write_private(path: Path, content: bytes) -> Path:
    """Write a file atomically and owner-only from its first byte (0600, whatever the umask).

    A reader never sees half a file, and there is no moment when another user could open it. A
    missing folder is created 0700; an existing one is left as it is (it may be the user's own).
    """
    create_folders(path.parent)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def open_private_log(path: Path, *, truncate: bool = False) -> BinaryIO:
    """Open a log file for appending (or rewriting), owner-only; one an older version left open is closed."""
    create_folders(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_APPEND)
    handle = os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "wb" if truncate else "ab")
    make_private(path)
    return handle


ENVIRONMENTS = ("development", "production")
KEY_PROVIDERS = ("local", "pkcs11")


def _key_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The key provider's settings from the environment, each refused in one line if it is not a known value."""
    environment = env.get("HUB_ENVIRONMENT") or "development"
    provider = env.get("HUB_KEY_PROVIDER") or "local"
    if environment not in ENVIRONMENTS:
        raise UserError(f"HUB_ENVIRONMENT is {environment!r}; it must be one of: {', '.join(ENVIRONMENTS)}")
    if provider not in KEY_PROVIDERS:
        raise UserError(f"HUB_KEY_PROVIDER is {provider!r}; it must be one of: {', '.join(KEY_PROVIDERS)}")
    module, pin_file = env.get("HUB_PKCS11_MODULE"), env.get("HUB_PKCS11_PIN_FILE")
    return {
        "environment": environment,
        "key_provider": provider,
        "pkcs11_module": Path(module).expanduser().absolute() if module else None,
        "pkcs11_token": env.get("HUB_PKCS11_TOKEN") or None,
        "pkcs11_pin_file": Path(pin_file).expanduser().absolute() if pin_file else None,
    }


@dataclass(frozen=True)
class HubSettings:
    home: Path
    config_dir: Path
    dags_dir: Path
    database_url: str
    audit_witness_copy: Path | None = None
    """A second witness file for the audit trail's checkpoints (`HUB_AUDIT_WITNESS_COPY`), ideally on other storage."""
    environment: str = "development"
    """`HUB_ENVIRONMENT`: `development` (default) or `production`: a missing key is never made (`hub keys init`)."""
    key_provider: str = "local"
    """`HUB_KEY_PROVIDER`: `local` (key files under `keys/`) or `pkcs11` (an HSM; docs/deployment.md, Keys)."""
    pkcs11_module: Path | None = None
    """`HUB_PKCS11_MODULE`: the HSM vendor's PKCS#11 library (e.g. `/usr/lib/softhsm/libsofthsm2.so`)."""
    pkcs11_token: str | None = None
    """`HUB_PKCS11_TOKEN`: the token label holding the hub's keys."""
    pkcs11_pin_file: Path | None = None
    """`HUB_PKCS11_PIN_FILE`: an owner-only file holding the token's user PIN (never a PIN in the environment)."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> HubSettings:
        env = os.environ if environ is None else environ
        home = Path(env.get("HUB_HOME") or DEFAULT_HOME).expanduser().absolute()
        config_dir = Path(env.get("HUB_CONFIG_DIR") or REPO_ROOT / "config").absolute()
        dags_dir = Path(env.get("HUB_DAGS_DIR") or REPO_ROOT / "dags").absolute()
        database_url = env.get("HUB_DATABASE_URL") or f"sqlite:///{home / 'hub.db'}"
        copy = env.get("HUB_AUDIT_WITNESS_COPY")
        return cls(
            home=home,
            config_dir=config_dir,
            dags_dir=dags_dir,
            database_url=database_url,
            audit_witness_copy=Path(copy).expanduser().absolute() if copy else None,
            **_key_settings(env),
        )

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def kek_path(self) -> Path:
        """KEK version 1 with the local key provider; later versions sit beside it (`hub.crypto.local`)."""
        return self.keys_dir / "kek.bin"

    @property
    def epochs_dir(self) -> Path:
        """The local key provider's retention epoch secrets and tombstones."""
        return self.keys_dir / "epochs"

    @property
    def production(self) -> bool:
        """Production mode: no key is ever made on first use (`hub keys init` makes the first one)."""
        return self.environment == "production"

    @property
    def audit_signing_key_path(self) -> Path:
        """The key that signs the audit trail's checkpoints: never in the database (`hub.audit.notary`)."""
        return self.keys_dir / "audit-signing.key"

    @property
    def audit_witness_path(self) -> Path:
        """The append-only file of the audit trail's checkpoints, outside the database (`hub.audit.witness`)."""
        return self.home / "audit" / "witness.log"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def run_dir(self) -> Path:
        """Runtime facts written by whoever started a service (ports, endpoints); gone with a clean slate."""
        return self.home / "run"

    @property
    def sandbox_endpoints_file(self) -> Path:
        return self.run_dir / "sandbox-endpoints.json"

    @property
    def connections_file(self) -> Path:
        """Airflow Connections for the agencies (owner-only JSON), as `hub sandbox up` issues them.

        Airflow reads it as its `LocalFilesystemBackend` secrets backend, and the CLI reads it directly.
        """
        return self.run_dir / "airflow-connections.json"

    @property
    def sandbox_dir(self) -> Path:
        """The default generated population and the sandboxes' development CA."""
        return self.home / "sandbox"

    @property
    def airflow_api_file(self) -> Path:
        return self.run_dir / "airflow-api.json"

    @property
    def deadlines_file(self) -> Path:
        """The council's working calendar, RAG due times and escalation contacts (`hub.deadlines.config`)."""
        return self.config_dir / "deadlines.yaml"

    def ensure_home(self) -> None:
        """Create `$HUB_HOME` (0700) and prove it is writable before anything is stored or triggered.

        A home an older version made (folders 0755, database and logs 0644) is closed on the way,
        once, with a one-line notice on stderr: see `close_home`.
        """
        try:
            if changed := self.close_home():
                sys.stderr.write(
                    f"notice: took group and other access off {changed} files and folders under HUB_HOME "
                    f"{self.home}; the hub keeps them owner-only (files 0600, folders 0700).\n"
                )
            for folder in (self.home, self.keys_dir, self.reports_dir, self.run_dir, self.sandbox_dir):
                private_folder(folder)
            with tempfile.TemporaryFile(dir=self.home):
                pass
        except OSError as exc:
            raise UserError(
                f"HUB_HOME {self.home} is not writable ({exc.strerror or exc}). "
                "Set HUB_HOME to a folder you can write to, e.g. `export HUB_HOME=$PWD/.hub`."
            ) from None

    def close_home(self) -> int:
        """Take group and other access off whatever a folder left open holds; how many paths changed.

        A folder the hub keeps (the home, and each folder of it) that is open to others was made by an
        older version or by hand, so everything under it is made owner-only; a closed folder's contents
        are out of other users' reach already, so a normal start costs a few `stat` calls, not a walk.
        """
        changed = 0
        for folder in (self.home, *self.folders):
            if folder.is_dir() and not folder.is_symlink() and os.stat(folder).st_mode & OPEN_TO_OTHERS:
                changed += make_tree_private(folder)
        return changed

    @property
    def folders(self) -> tuple[Path, ...]:
        """The folders the hub keeps under `$HUB_HOME` (some exist only once a service has run)."""
        airflow = self.airflow_home
        kept = (self.keys_dir, self.reports_dir, self.run_dir, self.sandbox_dir, self.audit_witness_path.parent)
        return (*kept, airflow, airflow / "logs")

    @property
    def callback_endpoint_file(self) -> Path:
        """The hub's callback endpoint as agencies reach it, written by whoever serves it (`hub.runtime.callbacks`)."""
        return self.run_dir / "callback-endpoint.json"

    def callback_base_url(self) -> str | None:
        """Where agencies push replies: `HUB_CALLBACK_URL` (a deployment's gateway), else the running endpoint.

        None when no endpoint runs: agencies set to push their replies are then polled.
        """
        if url := os.environ.get("HUB_CALLBACK_URL"):
            return url
        try:
            document = json.loads(self.callback_endpoint_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        url = document.get("url") if isinstance(document, dict) else None
        return url if isinstance(url, str) and url else None
