"""Airflow's REST API as the submit/wait workflow uses it: where the api-server is, trigger a run, follow it.

The client never imports Airflow, so it works the same against the embedded default that
`hub airflow up` runs and against a deployed Airflow (`HUB_AIRFLOW_URL`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from hub.errors import UserError
from hub.settings import HubSettings

DAG_ID = "mash_referral"
API_USER = "hub"
TERMINAL_STATES = {"success", "failed"}


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
