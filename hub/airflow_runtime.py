"""Run Airflow for the hub on the embedded default (SQLite, LocalExecutor) under `$HUB_HOME/airflow`.

Airflow is driven from outside: as processes and over its REST API. This module therefore never
imports Airflow, and the same client works against a deployed Airflow (docker-compose).

Preparing Airflow (`prepare_airflow`) migrates its metadata database and creates or updates one
pool per agency (`agency_<id>`, with the registry's `pool.slots`): the scheduler never starts a task
whose pool does not exist, so a run would wait forever. Agencies' credentials reach tasks as Airflow
Connections from the file `hub sandbox up` writes, through Airflow's `LocalFilesystemBackend`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from hub.errors import UserError
from hub.settings import HubSettings

DAG_ID = "mash_referral"
API_USER = "hub"
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
TERMINAL_STATES = {"success", "failed"}
SECRETS_BACKEND = "airflow.secrets.local_filesystem.LocalFilesystemBackend"
POOLS_FILE = "pools.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class AirflowApi:
    """How to reach an Airflow api-server: written by whoever started it, read by `hub referral submit`."""

    base_url: str
    username: str
    password: str

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def locate(cls, settings: HubSettings) -> AirflowApi:
        """Environment first (a deployment), then the runtime file a local `hub airflow up` wrote."""
        if url := os.environ.get("HUB_AIRFLOW_URL"):
            username = os.environ.get("HUB_AIRFLOW_USER", API_USER)
            return cls(url, username, os.environ.get("HUB_AIRFLOW_PASSWORD") or _password_from_file(username))
        try:
            return cls(**json.loads(settings.airflow_api_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            raise UserError(
                "Airflow is not running for this HUB_HOME. Start it with `hub airflow up` in another terminal "
                "(or set HUB_AIRFLOW_URL), then try again."
            ) from None


def _password_from_file(username: str) -> str:
    """A deployment shares Airflow's simple-auth passwords file; HUB_AIRFLOW_PASSWORD_FILE points at it."""
    path = os.environ.get("HUB_AIRFLOW_PASSWORD_FILE")
    if not path:
        raise UserError(
            "HUB_AIRFLOW_URL is set but no credentials: set HUB_AIRFLOW_PASSWORD or HUB_AIRFLOW_PASSWORD_FILE."
        )
    try:
        password: str = json.loads(Path(path).read_text(encoding="utf-8"))[username]
    except (OSError, ValueError, KeyError):
        raise UserError(f"Cannot read a password for '{username}' from {path} (HUB_AIRFLOW_PASSWORD_FILE).") from None
    return password


def secrets_backend_environment(connections_file: Path) -> dict[str, str]:
    """Airflow's first secrets backend: Connections in a JSON file (`HubSettings.connections_file`).

    The backend reads the file on every lookup, so sandboxes started after Airflow are seen at once;
    while the file does not exist, Airflow finds no Connection there and tries its next backend.
    Tasks read it themselves (the worker's chain starts with the configured backend), so every
    Airflow process needs this setting and read access to the file.
    """
    return {
        "AIRFLOW__SECRETS__BACKEND": SECRETS_BACKEND,
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps({"connections_file_path": str(connections_file)}),
    }


def agency_pools(settings: HubSettings) -> dict[str, dict[str, Any]]:
    """One Airflow pool per registered agency, in the JSON form `airflow pools import` reads."""
    from hub.agencies import load_registry

    return {
        agency.pool_name: {
            "slots": agency.pool.slots,
            "description": f"{agency.name}: at most {agency.pool.slots} checks at once (config/agencies.yaml)",
            "include_deferred": False,
        }
        for agency in load_registry(settings).agencies
    }


def write_pools_file(settings: HubSettings, pools: Mapping[str, Any]) -> Path:
    path = settings.airflow_home / POOLS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pools, indent=2), encoding="utf-8")
    return path


def airflow_command(*args: str) -> list[str]:
    """`airflow ...` from this interpreter's environment (the `airflow` on PATH may be another one)."""
    return [sys.executable, "-m", "airflow", *args]


def prepare_airflow(
    settings: HubSettings, env: Mapping[str, str], log_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Migrate Airflow's metadata database, then create or update every agency's pool; returns the pools.

    Output goes to `log_dir` when given (the embedded default), else to this process's own output
    (a deployment's init container, whose output is its log).
    """
    pools = agency_pools(settings)  # a registry mistake is refused before Airflow is touched
    _run_airflow(["db", "migrate"], env, log_dir, step="db-migrate", what="Airflow's database migration")
    pools_file = write_pools_file(settings, pools)
    _run_airflow(["pools", "import", str(pools_file)], env, log_dir, step="pools", what="Creating the agencies' pools")
    return pools


def _run_airflow(args: list[str], env: Mapping[str, str], log_dir: Path | None, *, step: str, what: str) -> None:
    if log_dir is None:
        result = subprocess.run(airflow_command(*args), env=env)
        where = "its output above"
    else:
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / f"{step}.log", "wb") as log_file:
            result = subprocess.run(airflow_command(*args), env=env, stdout=log_file, stderr=log_file)
        where = str(log_dir / f"{step}.log")
    if result.returncode != 0:
        raise UserError(f"{what} failed; see {where}.")


def airflow_environment(settings: HubSettings, api: AirflowApi) -> dict[str, str]:
    """Airflow's configuration for the embedded default, as environment variables."""
    home = settings.airflow_home
    port = api.base_url.rsplit(":", 1)[-1].rstrip("/")
    secret_file = home / "secret.key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        secret_file.chmod(0o600)
    secret = secret_file.read_text(encoding="utf-8").strip()
    env = dict(os.environ)
    env.update(
        {
            "HUB_HOME": str(settings.home),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": port,
            "AIRFLOW__API__BASE_URL": api.base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secret,
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{api.username}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **secrets_backend_environment(settings.connections_file),
        }
    )
    return env


class AirflowServices:
    """The api-server, scheduler, dag-processor and triggerer, started and stopped together."""

    def __init__(self, settings: HubSettings, port: int | None = None) -> None:
        self.settings = settings
        home = settings.airflow_home
        home.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        self.api = AirflowApi(f"http://127.0.0.1:{port or free_port()}", API_USER, password)
        (home / "passwords.json").write_text(json.dumps({API_USER: password}), encoding="utf-8")
        (home / "passwords.json").chmod(0o600)
        self.env = airflow_environment(settings, self.api)
        self.log_dir = home / "logs" / "services"
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def prepare(self) -> None:
        prepare_airflow(self.settings, self.env, self.log_dir)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            log_file = open(self.log_dir / f"{service}.log", "ab")  # noqa: SIM115 - lives as long as the process
            self._processes[service] = subprocess.Popen(
                airflow_command(service), env=self.env, stdout=log_file, stderr=log_file, start_new_session=True
            )
        self.api.save(self.settings.airflow_api_file)

    def wait_until_ready(self, timeout: float = 180.0, on_wait: Callable[[float], None] | None = None) -> None:
        client = AirflowClient(self.api)
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while time.monotonic() < deadline:
            self._raise_if_exited()
            if client.dag_is_ready():
                return
            if on_wait:
                on_wait(time.monotonic() - started)
            time.sleep(1)
        raise UserError(f"Airflow did not become ready within {timeout:.0f} s; see the logs in {self.log_dir}.")

    def _raise_if_exited(self) -> None:
        for service, process in self._processes.items():
            if process.poll() is not None:
                raise UserError(f"Airflow {service} stopped unexpectedly; see {self.log_dir / (service + '.log')}.")

    def stop(self) -> None:
        for process in self._processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self._processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._processes.clear()
        self.settings.airflow_api_file.unlink(missing_ok=True)


@contextmanager
def running_airflow(settings: HubSettings, on_wait: Callable[[float], None] | None = None) -> Iterator[AirflowServices]:
    services = AirflowServices(settings)
    services.prepare()
    services.start()
    try:
        services.wait_until_ready(on_wait=on_wait)
        yield services
    finally:
        services.stop()


@dataclass
class DagRunStatus:
    state: str
    tasks: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES


class AirflowClient:
    """The few REST calls the hub needs: a JWT, trigger a run with an id, and follow it."""

    def __init__(self, api: AirflowApi, timeout: float = 10.0) -> None:
        self.api = api
        self.timeout = timeout
        self.session = requests.Session()
        self._token: str | None = None

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self._token is None:
            response = self.session.post(
                f"{self.api.base_url}/auth/token",
                json={"username": self.api.username, "password": self.api.password},
                timeout=self.timeout,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
            self.session.headers["Authorization"] = f"Bearer {self._token}"
        return self.session.request(method, f"{self.api.base_url}{path}", timeout=self.timeout, **kwargs)

    def dag_is_ready(self) -> bool:
        try:
            return self._request("GET", f"/api/v2/dags/{DAG_ID}").status_code == 200
        except requests.RequestException:
            self._token = None
            return False

    def trigger(self, referral_id: str, dag_run_id: str) -> str:
        try:
            response = self._request(
                "POST",
                f"/api/v2/dags/{DAG_ID}/dagRuns",
                json={"dag_run_id": dag_run_id, "logical_date": None, "conf": {"referral_id": referral_id}},
            )
        except requests.RequestException:
            raise UserError(
                f"Cannot reach Airflow at {self.api.base_url}. Start it with `hub airflow up`, then try again."
            ) from None
        if response.status_code == 404:
            raise UserError(f"Airflow has no DAG '{DAG_ID}' yet. Wait for the dag-processor to parse it, then retry.")
        if response.status_code >= 400:
            raise UserError(f"Airflow refused the run ({response.status_code}): {response.text[:200]}")
        run_id: str = response.json()["dag_run_id"]
        return run_id

    def status(self, dag_run_id: str) -> DagRunStatus:
        run = self._request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{dag_run_id}")
        run.raise_for_status()
        tasks = self._request("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{dag_run_id}/taskInstances", params={"limit": 500})
        tasks.raise_for_status()
        counts: dict[str, int] = {}
        for instance in tasks.json()["task_instances"]:
            state = instance["state"] or "scheduled"
            counts[state] = counts.get(state, 0) + 1
        return DagRunStatus(run.json()["state"], counts)

    def wait(
        self, dag_run_id: str, timeout: float = 600.0, on_progress: Callable[[DagRunStatus], None] | None = None
    ) -> DagRunStatus:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(dag_run_id)
            if on_progress:
                on_progress(status)
            if status.finished:
                return status
            if time.monotonic() > deadline:
                raise UserError(f"DAG run {dag_run_id} did not finish within {timeout:.0f} s; see Airflow's logs.")
            time.sleep(1)
