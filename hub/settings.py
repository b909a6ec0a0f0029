"""Where the hub keeps its state: everything lives under one folder, `$HUB_HOME`.

Deleting that folder is a clean slate (Airflow home, database, keys, reports, runtime files).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import UserError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = ".hub"


@dataclass(frozen=True)
class HubSettings:
    home: Path
    config_dir: Path
    dags_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> HubSettings:
        env = os.environ if environ is None else environ
        home = Path(env.get("HUB_HOME") or DEFAULT_HOME).expanduser().absolute()
        config_dir = Path(env.get("HUB_CONFIG_DIR") or REPO_ROOT / "config").absolute()
        dags_dir = Path(env.get("HUB_DAGS_DIR") or REPO_ROOT / "dags").absolute()
        database_url = env.get("HUB_DATABASE_URL") or f"sqlite:///{home / 'hub.db'}"
        return cls(home=home, config_dir=config_dir, dags_dir=dags_dir, database_url=database_url)

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def kek_path(self) -> Path:
        return self.keys_dir / "kek.bin"

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
        """Create `$HUB_HOME` and prove it is writable before anything is stored or triggered."""
        try:
            for folder in (self.home, self.keys_dir, self.reports_dir, self.run_dir):
                folder.mkdir(parents=True, exist_ok=True)
            self.keys_dir.chmod(0o700)
            with tempfile.TemporaryFile(dir=self.home):
                pass
        except OSError as exc:
            raise UserError(
                f"HUB_HOME {self.home} is not writable ({exc.strerror or exc}). "
                "Set HUB_HOME to a folder you can write to, e.g. `export HUB_HOME=$PWD/.hub`."
            ) from None

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
