"""Airflow's REST API as the submit/wait workflow uses it: where the api-server is, trigger a run, follow it.

The client never imports Airflow, so it works the same against the embedded default that
`hub airflow up` runs and against a deployed Airflow (`HUB_AIRFLOW_URL`).

It copes with an api-server that is busy or restarting:
- Timeouts: a connection must open within 5 s, and an answer may take 30 s.
- Transient failures are retried by urllib3 (`Retry` on requests' `HTTPAdapter`), with exponential
  backoff and jitter: connection refused or reset, timeouts, 429 and 5xx, including the api-server's
  500 "Database error" while SQLite's metadata database is locked. A POST is retried too: a run is
  triggered under a fixed `dag_run_id`, so a retried POST that meets 409 Conflict finds the run
  that an earlier, unanswered attempt created, and counts as triggered.
- A token that has expired or is refused (401) is fetched again, once.
- Airflow restarted elsewhere (a new port, a new password): on a connection failure or a 401 the
  client asks `relocate` (e.g. `AirflowApi.locate` re-reading the runtime file) and carries on there.
What is still failing after that budget becomes `AirflowUnavailable`, one line saying what to do;
`wait` treats it as an outage to sit out rather than the end.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from connectors.sdk.knobs import lowered_seconds
from hub.errors import UserError
from hub.settings import HubSettings

DAG_ID = "mash_referral"
API_USER = "hub"
TERMINAL_STATES = {"success", "failed"}

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_BACKOFF_SECONDS = 0.5
BACKOFF_VARIABLE = "HUB_TEST_AIRFLOW_RETRY_BACKOFF"
"""Tests only: a shorter base pause between retries (`retry_policy`), never longer than the default."""
PATIENCE_SECONDS = 300.0
"""How long `wait` sits out an Airflow that answers nothing before it gives up."""


@dataclass(frozen=True)
class AirflowApi:
    """How to reach an Airflow api-server: written by whoever started it, read by `hub referral submit`."""

    base_url: str
    username: str
    password: str

    def to_json(self) -> str:
        return json.dumps({"base_url": self.base_url, "username": self.username, "password": self.password})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def read(cls, path: Path) -> AirflowApi:
        """The runtime file a local `hub airflow up` wrote once its api-server answered."""
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(recorded["base_url"]), str(recorded["username"]), str(recorded["password"]))
        except (OSError, ValueError, TypeError, KeyError):
            raise UserError(
                "Airflow is not running (or still starting) for this HUB_HOME. Start it with `hub airflow up` "
                "in another terminal (or set HUB_AIRFLOW_URL), then try again."
            ) from None

    @classmethod
    def locate(cls, settings: HubSettings) -> AirflowApi:
        """Environment first (a deployment), then the runtime file a local `hub airflow up` wrote."""
        if url := os.environ.get("HUB_AIRFLOW_URL"):
            username = os.environ.get("HUB_AIRFLOW_USER", API_USER)
            return cls(url, username, os.environ.get("HUB_AIRFLOW_PASSWORD") or _password_from_file(username))
        return cls.read(settings.airflow_api_file)


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


class AirflowUnavailable(UserError):
    """Airflow did not answer, or answered only with transient errors, within the retry budget."""


class _Retry(Retry):
    """urllib3's `Retry`, with a server's Retry-After capped at `backoff_max`: a 429 never stalls for long."""

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def retry_policy(*, backoff_factor: float | None = None, backoff_max: float = 10.0, attempts: int = 6) -> Retry:
    """Transient failures retried with exponential backoff and jitter.

    With the defaults the pauses are 0, 1, 2, 4 and 8 s (at most `backoff_max`), each with up to
    `backoff_factor / 2` s of random jitter, so clients that failed together do not retry together.
    `backoff_factor` defaults to `HUB_TEST_AIRFLOW_RETRY_BACKOFF` when set, else 0.5 s: a test knob, so that
    a test of the CLI as its own process can spend its retry budget in a second instead of 16.

    Connection failures get two retries only: a refused connection usually means Airflow is down or
    has moved, which the client checks for itself (`relocate`) and `wait` sits out.
    """
    if backoff_factor is None:
        backoff_factor = _backoff_from_env()
    return _Retry(
        total=attempts,
        connect=2,
        read=3,
        status=attempts - 1,
        other=2,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        backoff_jitter=backoff_factor / 2,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # POST too: triggering is idempotent (a fixed dag_run_id, 409 = already there)
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def _backoff_from_env() -> float:
    try:
        return lowered_seconds(BACKOFF_VARIABLE, DEFAULT_BACKOFF_SECONDS, zero_allowed=True)
    except ValueError as error:
        raise UserError(f"{error}.") from None


@dataclass
class DagRunStatus:
    state: str
    tasks: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES


class AirflowClient:
    """The few REST calls the hub needs: a JWT, trigger a run with an id, and follow it.

    `relocate` says where Airflow is now (`lambda: AirflowApi.locate(settings)`); without it the
    client stays with `api`. `patience` is how long `wait` sits out an Airflow that does not answer.
    """

    def __init__(
        self,
        api: AirflowApi,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        retry: Retry | None = None,
        relocate: Callable[[], AirflowApi] | None = None,
        patience: float = PATIENCE_SECONDS,
        poll_interval: float = 1.0,
    ) -> None:
        self.api = api
        self.timeout = timeout
        self.relocate = relocate
        self.patience = patience
        self.poll_interval = poll_interval
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry or retry_policy())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._probe = requests.Session()  # one attempt per call, for callers that poll anyway
        self._token: str | None = None

    def _relocated(self) -> bool:
        """Re-read where Airflow is; True if it has moved (the client then uses the new place and a new token)."""
        if self.relocate is None:
            return False
        try:
            found = self.relocate()
        except UserError:
            return False  # no runtime file while Airflow restarts: not moved yet
        if found == self.api:
            return False
        self.api, self._token = found, None
        return True

    def _unavailable(self, what: str) -> AirflowUnavailable:
        return AirflowUnavailable(
            f"Airflow at {self.api.base_url} {what}. Check that `hub airflow up` is running (or HUB_AIRFLOW_URL "
            "is right), then try again."
        )

    def _authorise(self, session: requests.Session) -> str:
        """The JWT, fetched when there is none; refused credentials are looked up again once (a restart)."""
        if self._token is None:
            response = self._fetch_token(session)
            if response.status_code in {401, 403} and self._relocated():
                response = self._fetch_token(session)
            if response.status_code in {401, 403}:
                raise UserError(
                    f"Airflow at {self.api.base_url} refused the hub's credentials for user '{self.api.username}' "
                    f"({response.status_code}). If Airflow was restarted, run the command again; for a deployment, "
                    "check HUB_AIRFLOW_PASSWORD."
                )
            try:
                self._token = str(self._answer(response, "the token request")["access_token"])
            except (KeyError, TypeError):
                raise self._unavailable("answered the token request with something unreadable") from None
        return self._token

    def _fetch_token(self, session: requests.Session) -> requests.Response:
        credentials = {"username": self.api.username, "password": self.api.password}
        return session.post(f"{self.api.base_url}/auth/token", json=credentials, timeout=self.timeout)

    def _request(self, method: str, path: str, *, patient: bool = True, **kwargs: Any) -> requests.Response:
        """An API call within the retry budget, with a token.

        A connection that still fails may mean Airflow moved: look once (`relocate`) and, if it has,
        call there. A 401 (the token expired, or Airflow restarted) fetches a new token, once.
        """
        session = self.session if patient else self._probe
        moved = renewed = False
        while True:
            try:
                headers = {"Authorization": f"Bearer {self._authorise(session)}"}
                url = f"{self.api.base_url}{path}"
                response = session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
            except requests.RequestException:
                if moved or not self._relocated():
                    raise self._unavailable("is not answering") from None
                moved = True
                continue
            if response.status_code == 401 and not renewed:
                renewed = True
                self._token = None
                self._relocated()
                continue
            return response

    def _answer(self, response: requests.Response, what: str) -> Any:
        """The JSON of a good answer; a transient one is `AirflowUnavailable`, anything else a `UserError`."""
        if response.status_code in RETRY_STATUSES:
            raise self._unavailable(f"kept answering {response.status_code} ({_detail(response)}) to {what}")
        if response.status_code >= 400:
            raise UserError(
                f"Airflow at {self.api.base_url} refused {what} ({response.status_code}: {_detail(response)}). "
                "Check HUB_AIRFLOW_URL and the run id, or submit the referral again."
            )
        try:
            return response.json()
        except ValueError:
            raise self._unavailable(f"answered {what} with something unreadable") from None

    def dag_is_ready(self, *, patient: bool = False) -> bool:
        """Whether the api-server answers and has the DAG: one attempt, or with the retry budget if `patient`."""
        try:
            return self._request("GET", f"/api/v2/dags/{DAG_ID}", patient=patient).status_code == 200
        except AirflowUnavailable:
            return False

    def trigger(self, referral_id: str, dag_run_id: str) -> str:
        """Trigger a run under `dag_run_id`; a retry that finds that run already there counts as triggered."""
        body = {"dag_run_id": dag_run_id, "logical_date": None, "conf": {"referral_id": referral_id}}
        try:
            response = self._request("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", json=body)
        except AirflowUnavailable as error:
            raise AirflowUnavailable(str(error)) from None
        if response.status_code == 409:
            return self._already_triggered(referral_id, dag_run_id)
        if response.status_code == 404:
            raise UserError(f"Airflow has no DAG '{DAG_ID}' yet. Wait for the dag-processor to parse it, then retry.")
        if response.status_code in RETRY_STATUSES:
            raise AirflowUnavailable(
                f"Airflow at {self.api.base_url} kept answering {response.status_code} ({_detail(response)}) and did "
                "not trigger the checks."
            )
        answer = self._answer(response, f"the run for {referral_id}")
        return str(answer.get("dag_run_id") or dag_run_id) if isinstance(answer, dict) else dag_run_id

    def _already_triggered(self, referral_id: str, dag_run_id: str) -> str:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{dag_run_id}"
        run = self._answer(self._request("GET", path), f"the request for run {dag_run_id}")
        if (run.get("conf") or {}).get("referral_id") != referral_id:
            raise UserError(f"Airflow already has a run '{dag_run_id}' for another referral. Submit again.")
        return dag_run_id

    def status(self, dag_run_id: str) -> DagRunStatus:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{dag_run_id}"
        run = self._answer(self._request("GET", path), f"the request for run {dag_run_id}")
        tasks = self._answer(
            self._request("GET", f"{path}/taskInstances", params={"limit": 500}),
            f"the request for the tasks of run {dag_run_id}",
        )
        try:
            states = [instance["state"] or "scheduled" for instance in tasks["task_instances"]]
            return DagRunStatus(str(run["state"]), dict(Counter(states)))
        except (KeyError, TypeError):
            raise self._unavailable(f"answered the request for run {dag_run_id} with something unreadable") from None

    def wait(
        self,
        dag_run_id: str,
        timeout: float = 600.0,
        on_progress: Callable[[DagRunStatus], None] | None = None,
        *,
        until: datetime | None = None,
        on_unreachable: Callable[[], None] | None = None,
    ) -> DagRunStatus:
        """Follow the run until it finishes, or until `until` (the referral's due time), else `timeout` seconds.

        While Airflow does not answer (restarting, moved, overloaded) the client keeps trying:
        `on_unreachable` is called once each time Airflow stops answering, and after `patience`
        seconds without an answer the wait ends in one line saying what to do.
        """
        seconds = timeout if until is None else until.timestamp() - time.time()
        deadline = time.monotonic() + seconds
        unanswered_since: float | None = None
        while True:
            try:
                status = self.status(dag_run_id)
            except AirflowUnavailable:
                now = time.monotonic()
                if unanswered_since is None:
                    unanswered_since = now
                    if on_unreachable:
                        on_unreachable()
                if now - unanswered_since > self.patience:
                    raise AirflowUnavailable(
                        f"Airflow at {self.api.base_url} has not answered for {self.patience:.0f} s, so the hub "
                        f"stopped following run {dag_run_id}; the run carries on once Airflow is back. Start it with "
                        "`hub airflow up` if it stopped, then see the history with `hub chronology show`."
                    ) from None
                if now > deadline:
                    raise self._overdue(dag_run_id, timeout, until) from None
                time.sleep(self.poll_interval)
                continue
            unanswered_since = None
            if on_progress:
                on_progress(status)
            if status.finished:
                return status
            if time.monotonic() > deadline:
                raise self._overdue(dag_run_id, timeout, until)
            time.sleep(self.poll_interval)

    @staticmethod
    def _overdue(dag_run_id: str, timeout: float, until: datetime | None) -> UserError:
        if until is None:
            return UserError(f"DAG run {dag_run_id} did not finish within {timeout:.0f} s; see Airflow's logs.")
        return UserError(
            f"DAG run {dag_run_id} had not finished by its due time ({until.isoformat(timespec='minutes')}); it "
            "carries on in Airflow. See Airflow's UI, and the history so far with `hub chronology show`."
        )


def _detail(response: requests.Response) -> str:
    """A short reason from an error answer: Airflow's `detail` if it gave one, else the start of the body."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, dict):  # a database error: {"reason": "Database error", "message": ...}
        detail = detail.get("reason")
    text = detail if isinstance(detail, str) else response.text
    return " ".join(text.split())[:120] or response.reason or "no detail"
