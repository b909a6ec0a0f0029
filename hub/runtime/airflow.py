"""Run Airflow for the hub on the embedded default (SQLite, LocalExecutor) under `$HUB_HOME/airflow`.

Airflow is driven from outside: as processes here, and over its REST API (`hub.checks.airflow_api`).
This module therefore never imports Airflow; a deployment (docker-compose) runs the same services
itself and uses only `hub airflow init` from here.

Preparing Airflow (`prepare_airflow`) migrates its metadata database and creates or updates one
pool per agency (`agency_<id>`, with the registry's `pool.slots`): the scheduler never starts a task
whose pool does not exist, so a run would wait forever. Agencies' credentials reach tasks as Airflow
Connections from the file `hub sandbox up` writes, through Airflow's `LocalFilesystemBackend`.

Recovery from a killed process is Airflow's own: a task whose process died is failed (and retried)
once it has sent no heartbeat for `[scheduler] task_instance_heartbeat_timeout`, which the embedded
default shortens from Airflow's five minutes (`RECOVERY_DEFAULTS`). Stopping kills every process each
service started, including those a killed service left behind (`AirflowServices.stop`).

Nothing listens beyond this machine, and nothing is readable by another local user. Airflow's own
log server binds every interface on a fixed port (8793, 8794 for the triggerer's) shared by every
Airflow on the machine, so the scheduler and triggerer run with `--skip-serve-logs` and the hub
serves Airflow's log-server app itself, as a fifth service, on 127.0.0.1 and a port chosen at start
(`LOG_SERVER_APP`). Airflow processes run with umask 077 and create task logs 0600 in 0700 folders.

The executor is the LocalExecutor unless the environment asks for Airflow's CeleryExecutor
(`ExecutorSettings`): then Airflow's metadata is on PostgreSQL, tasks are queued on Redis, and the
services include `HUB_CELERY_WORKERS` Celery workers (`worker-1`, ...). Each worker is told apart by
a loopback address of its own (127.0.0.2, 127.0.0.3, ...), which Airflow records as the hostname of
every task it runs, and serves its tasks' logs from a log server of its own on that address
(`worker-1-logs`, ...), because the api-server reads a running task's log from its hostname.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from rich.console import Console

from hub.checks.airflow_api import API_USER, AirflowApi, AirflowClient
from hub.errors import UserError
from hub.runtime.callbacks import CallbackEndpoint
from hub.runtime.runfiles import PublishedFile
from hub.runtime.task_preload import write_local_settings
from hub.settings import PRIVATE_UMASK, HubSettings, open_private_log, private_folder, write_private

SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer", "log-server")
LOOPBACK = "127.0.0.1"
LOG_SERVER_APP = "airflow.utils.serve_logs.log_server:get_app"
"""Airflow's log-server app (what `airflow scheduler` serves on every interface), served by the hub on loopback.

The api-server fetches a running or deferred task's log from `http://<task's hostname>:<port>/log/...`
with a token signed by `[api] secret_key`; the hostname is `loopback_hostname`'s, so it is this server."""
HOSTNAME_VARIABLE = "HUB_AIRFLOW_HOSTNAME"
"""Set by the hub for each Celery worker: the loopback address its tasks are recorded under (`loopback_hostname`)."""
LOCAL_EXECUTOR = "LocalExecutor"
CELERY_EXECUTOR = "CeleryExecutor"
DEFAULT_CELERY_WORKERS = 2
DEFAULT_WORKER_CONCURRENCY = 4
"""Tasks each Celery worker runs at once (`AIRFLOW__CELERY__WORKER_CONCURRENCY` overrides).

An agency's task mostly waits on the agency (its rate limit, its replies) and, with the check code
preloaded (`hub.runtime.task_preload`), costs little CPU to start: more slots than cores keeps the
cores busy. Each slot is a process, about 100 MB of which most is shared with its parent."""
DEFAULT_PARALLELISM = 8
"""Tasks the LocalExecutor runs at once on the embedded default (`[core] parallelism`), for the same reason."""
SECRETS_BACKEND = "airflow.secrets.local_filesystem.LocalFilesystemBackend"
POOLS_FILE = "pools.json"
RECOVERY_DEFAULTS = {
    # A task whose worker died is failed, then retried, after a minute without a heartbeat instead of
    # Airflow's five; the scheduler looks for such tasks every ten seconds. Workers heartbeat every 5 s.
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "10",
    # Tasks a killed scheduler left queued or running are reset after a minute, not five.
    "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "60",
}
"""Settings an explicit `AIRFLOW__...` environment variable overrides (tests shorten them)."""
STOP_GRACE_SECONDS = 20.0
"""How long a service may take to stop after SIGTERM before it is killed."""
ORPHAN_GRACE_SECONDS = 2.0
"""The same for what is left once a service's main process has gone (a killed scheduler's workers ignore SIGTERM)."""
KILL_WAIT_SECONDS = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def loopback_hostname() -> str:
    """Airflow's `[core] hostname_callable` on the embedded default: every Airflow process is on this machine.

    Airflow records it as each task's and job's hostname, and the api-server reads a running task's
    log from the log server at that name: the log server listens on loopback only, so this is loopback.
    A Celery worker's processes have a loopback address of their own (`HOSTNAME_VARIABLE`), so that
    its tasks can be told from another worker's, and their logs are read from its own log server.
    """
    return os.environ.get(HOSTNAME_VARIABLE) or LOOPBACK


def _worker_address(number: int) -> str:
    """Celery worker `number`'s (1, 2, ...) loopback address: 127.0.0.1 is the other services'."""
    return f"127.0.0.{number + 1}"


@dataclass(frozen=True)
class ExecutorSettings:
    """Which Airflow executor runs the checks, and where its metadata and queue live (from the environment).

    - `HUB_AIRFLOW_EXECUTOR`: `LocalExecutor` (the default) or `CeleryExecutor`.
    - `HUB_AIRFLOW_DATABASE_URL`: Airflow's metadata database (a SQLAlchemy URL); by default SQLite
      under `$HUB_HOME/airflow`. The CeleryExecutor needs PostgreSQL: its workers and the scheduler
      write it at once, and the Celery results are kept there too.
    - `HUB_CELERY_BROKER_URL`: the Redis queue for the CeleryExecutor (`redis://host:6379/N`).
    - `HUB_CELERY_WORKERS`: how many Celery workers `hub airflow up` starts on this machine (default 2;
      0 where workers run elsewhere, on other machines started with `airflow celery worker`).
    """

    executor: str = LOCAL_EXECUTOR
    database_url: str | None = None
    broker_url: str | None = None
    workers: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ExecutorSettings:
        """Read and check the settings; a mistake is one line naming the variable (never a URL's password)."""
        env = os.environ if environ is None else environ
        executor = env.get("HUB_AIRFLOW_EXECUTOR") or LOCAL_EXECUTOR
        database_url = env.get("HUB_AIRFLOW_DATABASE_URL") or None
        if executor == LOCAL_EXECUTOR:
            return cls(LOCAL_EXECUTOR, database_url)
        if executor != CELERY_EXECUTOR:
            raise UserError(
                f"HUB_AIRFLOW_EXECUTOR is {executor!r}; it must be {LOCAL_EXECUTOR} (the default) or {CELERY_EXECUTOR}."
            )
        if database_url is None or not database_url.startswith("postgresql"):
            raise UserError(
                "The CeleryExecutor needs Airflow's metadata on PostgreSQL: set HUB_AIRFLOW_DATABASE_URL to a "
                "postgresql:// URL."
            )
        broker_url = env.get("HUB_CELERY_BROKER_URL") or ""
        if not broker_url.startswith(("redis://", "rediss://")):
            raise UserError("The CeleryExecutor needs a Redis queue: set HUB_CELERY_BROKER_URL to a redis:// URL.")
        given = env.get("HUB_CELERY_WORKERS") or str(DEFAULT_CELERY_WORKERS)
        if not given.isdigit() or int(given) > 200:
            raise UserError(f"HUB_CELERY_WORKERS is {given!r}; it must be a whole number from 0 to 200.")
        return cls(CELERY_EXECUTOR, database_url, broker_url, int(given))

    @property
    def celery(self) -> bool:
        return self.executor == CELERY_EXECUTOR

    def worker_services(self) -> tuple[str, ...]:
        """The Celery workers started here, each followed by its log server: `worker-1`, `worker-1-logs`, ..."""
        return tuple(
            name for number in range(1, self.workers + 1) for name in (f"worker-{number}", f"worker-{number}-logs")
        )

    def environment(self, home: Path) -> dict[str, str]:
        """Airflow's executor, metadata database and Celery settings, as environment variables."""
        env = {
            "AIRFLOW__CORE__EXECUTOR": self.executor,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database_url or f"sqlite:///{home / 'airflow.db'}",
        }
        if self.celery:
            assert self.broker_url is not None and self.database_url is not None
            env.update(
                {
                    "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
                    # Task states are Airflow's own (in its database); Celery's results sit beside them.
                    "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.database_url,
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": os.environ.get("AIRFLOW__CELERY__WORKER_CONCURRENCY")
                    or str(DEFAULT_WORKER_CONCURRENCY),
                }
            )
        return env


def log_server_port() -> int:
    """An `AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT` given in the environment, else a free port."""
    given = os.environ.get("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT")
    return int(given) if given else free_port()


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
            "description": f"{agency.name}: checks of {agency.pool.slots} referrals at once at most (agencies.yaml)",
            "include_deferred": False,
        }
        for agency in load_registry(settings).agencies
    }


def write_pools_file(settings: HubSettings, pools: Mapping[str, Any]) -> Path:
    return write_private(settings.airflow_home / POOLS_FILE, json.dumps(pools, indent=2).encode("utf-8"))


def airflow_command(*args: str) -> list[str]:
    """`airflow ...` from this interpreter's environment (the `airflow` on PATH may be another one)."""
    return [sys.executable, "-m", "airflow", *args]


def prepare_airflow(
    settings: HubSettings, env: Mapping[str, str], log_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """Migrate Airflow's metadata database, then create or update every agency's pool; returns the pools.

    Both are Airflow's own commands (`airflow db migrate`, then `airflow pools import`), run one after
    the other in one Airflow process (`_run_airflow`): starting Airflow costs more than either does, and
    every `hub airflow up`, `hub demo` and `hub airflow init` pays it (measured on 2 cores, `hub airflow
    init` took 7.2 s of CPU as two Airflow processes, 4.5 s as one; the migration itself, even of a new
    database, is under half a second of that). Output goes to `log_dir` when given (the embedded
    default), else to this process's own output (a deployment's init container, whose output is its log).
    """
    pools = agency_pools(settings)  # a registry mistake is refused before Airflow is touched
    if not env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"):  # given: Airflow uses it, not asyncpg
        _refuse_without_async_driver(env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ""))
    pools_file = write_pools_file(settings, pools)
    _run_airflow(
        {
            "Airflow's database migration": ["db", "migrate"],
            "Creating the agencies' pools": ["pools", "import", str(pools_file)],
        },
        env,
        log_dir,
        step="prepare",
    )
    return pools


def _refuse_without_async_driver(database_url: str) -> None:
    """Airflow 3 opens its metadata database with an async driver too: for PostgreSQL, asyncpg unless
    `[database] sql_alchemy_conn_async` names another.

    Without it every Airflow process fails as it starts, with a traceback; this says so in one line first.
    """
    if database_url.startswith("postgresql") and importlib.util.find_spec("asyncpg") is None:
        raise UserError("Airflow's metadata on PostgreSQL needs the asyncpg driver: install it (pip install asyncpg).")


def _run_airflow(commands: Mapping[str, list[str]], env: Mapping[str, str], log_dir: Path | None, *, step: str) -> None:
    """Run Airflow CLI commands in order, in one process, as `airflow <command>` runs each; stop at the first failure.

    Each command goes through Airflow's own entry point (`airflow.__main__.main`), so it is the same
    command with the same configuration as on the command line, without paying Airflow's start-up once
    per command. The program is given to `python -c`: no module of the hub imports Airflow. A command
    that fails ends the process with status 100 plus its index, so the error names it; any other
    failure (Airflow failing to import, say) is named as the whole step's. `commands` maps what each
    does, in words, to its arguments; `step` names the log file under `log_dir`.
    """
    first_failed_step = 100
    program = (
        "import json, sys, traceback\n"
        "from airflow.__main__ import main\n"
        "for index, arguments in enumerate(json.loads(sys.argv[1])):\n"
        "    sys.argv = ['airflow', *arguments]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as stop:\n"
        "        if stop.code in (None, 0):\n"
        "            continue\n"
        "        print(stop.code if isinstance(stop.code, str) else f'exit status {stop.code}', file=sys.stderr)\n"
        f"        sys.exit({first_failed_step} + index)\n"
        "    except BaseException:\n"
        "        traceback.print_exc()\n"
        f"        sys.exit({first_failed_step} + index)\n"
    )
    argv = [sys.executable, "-c", program, json.dumps(list(commands.values()))]
    if log_dir is None:
        result = subprocess.run(argv, env=env, umask=PRIVATE_UMASK)
        where = "its output above"
    else:
        with open_private_log(log_dir / f"{step}.log", truncate=True) as log_file:
            result = subprocess.run(argv, env=env, stdout=log_file, stderr=log_file, umask=PRIVATE_UMASK)
        where = str(log_dir / f"{step}.log")
    if result.returncode != 0:
        names = list(commands)
        failed = result.returncode - first_failed_step
        what = names[failed] if 0 <= failed < len(names) else f"Preparing Airflow ({', '.join(names)})"
        raise UserError(f"{what} failed; see {where}.")


def airflow_environment(
    settings: HubSettings, api: AirflowApi, log_port: int, executor: ExecutorSettings | None = None
) -> dict[str, str]:
    """Airflow's configuration for the embedded default, as environment variables.

    `log_port` is where the hub's log server listens (`LOG_SERVER_APP`): the worker's and the
    triggerer's logs are served there, both from Airflow's one log folder. `executor` is
    `ExecutorSettings.from_env()` unless given.
    """
    home = settings.airflow_home
    port = api.base_url.rsplit(":", 1)[-1].rstrip("/")
    secret_file = home / "secret.key"
    if not secret_file.exists():
        write_private(secret_file, secrets.token_urlsafe(48).encode("utf-8"))
    secret = secret_file.read_text(encoding="utf-8").strip()
    env = dict(os.environ)
    env.update(
        {
            "HUB_HOME": str(settings.home),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM") or str(DEFAULT_PARALLELISM),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            **(executor or ExecutorSettings.from_env()).environment(home),
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": port,
            "AIRFLOW__API__BASE_URL": api.base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__SECRET_KEY": secret,
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{api.username}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(log_port),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.{loopback_hostname.__name__}",
            # Airflow's defaults (0o775, 0o664) are for impersonation; the hub's logs are its user's alone.
            "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS": "0o700",
            "AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS": "0o600",
            **secrets_backend_environment(settings.connections_file),
        }
    )
    for name, value in RECOVERY_DEFAULTS.items():
        env[name] = os.environ.get(name) or value
    return env


class AirflowServices:
    """The api-server, scheduler, dag-processor, triggerer and log server, started and stopped together.

    The runtime file `$HUB_HOME/run/airflow-api.json` (where the api-server listens, and the
    password) is written once the api-server answers, and removed on stop only while it still holds
    what this instance wrote. A second instance for the same `$HUB_HOME` refuses to prepare or start
    while the first's api-server answers, so it changes neither that file nor the password file.
    """

    def __init__(
        self, settings: HubSettings, port: int | None = None, executor: ExecutorSettings | None = None
    ) -> None:
        self.settings = settings
        home = private_folder(settings.airflow_home)
        self.executor = executor or ExecutorSettings.from_env()
        self.services = SERVICES + self.executor.worker_services()
        self.api = AirflowApi(f"http://{LOOPBACK}:{port or free_port()}", API_USER, secrets.token_urlsafe(24))
        self.log_server_port = log_server_port()
        self.env = airflow_environment(settings, self.api, self.log_server_port, self.executor)
        self.log_dir = home / "logs" / "services"
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._sessions: list[_Session] = []
        """The session of every service process started here, restarted services' earlier ones included."""
        self._log_files: list[BinaryIO] = []
        self._published: PublishedFile | None = None

    def prepare(self) -> None:
        self._refuse_if_running_elsewhere()
        write_local_settings(self.settings.airflow_home)
        prepare_airflow(self.settings, self.env, self.log_dir)

    def start(self) -> None:
        self._refuse_if_running_elsewhere()
        passwords = self.settings.airflow_home / "passwords.json"  # read by the api-server at every login
        write_private(passwords, json.dumps({API_USER: self.api.password}).encode("utf-8"))
        for service in self.services:
            self._launch(service)

    def _launch(self, service: str) -> None:
        """Start one service in a session of its own, so that `stop` can find every process it starts."""
        log_file = open_private_log(self.log_dir / f"{service}.log")  # lives as long as the process
        self._log_files.append(log_file)
        process = subprocess.Popen(
            self.command(service),
            env=self.environment(service),
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            umask=PRIVATE_UMASK,
        )
        self._processes[service] = process
        self._sessions.append(_Session(service, process, _start_time(process.pid)))

    def environment(self, service: str) -> dict[str, str]:
        """A service's environment: a Celery worker's (and its log server's) names the worker's own address."""
        if service.startswith("worker-"):
            number = int(service.split("-")[1])
            return {**self.env, HOSTNAME_VARIABLE: _worker_address(number)}
        return self.env

    def executor_summary(self) -> str:
        """A sentence naming the Celery workers started here (with a space after it), or nothing."""
        if not self.executor.celery:
            return ""
        workers = ", ".join(f"worker-{n} at {_worker_address(n)}" for n in range(1, self.executor.workers + 1))
        return f"CeleryExecutor with {self.executor.workers} workers here ({workers or 'none'}). "

    def worker_address(self, number: int) -> str:
        """Where Celery worker `number` (from 1) is: the hostname of the task instances it runs."""
        if not 1 <= number <= self.executor.workers:
            raise ValueError(f"there is no Celery worker {number}; {self.executor.workers} were configured")
        return _worker_address(number)

    def command(self, service: str) -> list[str]:
        """How one service is started: Airflow's own log servers are skipped for the hub's, on loopback."""
        if service == "log-server" or service.endswith("-logs"):
            # No access log: a log's path names the run, and a run names its referral.
            host = self.environment(service).get(HOSTNAME_VARIABLE, LOOPBACK)
            options = ["--factory", "--host", host, "--port", str(self.log_server_port), "--no-access-log"]
            return [sys.executable, "-m", "uvicorn", LOG_SERVER_APP, *options]
        if service in ("scheduler", "triggerer"):
            return airflow_command(service, "--skip-serve-logs")
        if service.startswith("worker-"):
            number = service.split("-")[1]
            name = f"worker-{number}@{_worker_address(int(number))}"
            return airflow_command("celery", "worker", "--celery-hostname", name, "--skip-serve-logs")
        return airflow_command(service)

    def start_service(self, service: str) -> None:
        """Start one service again after it stopped or was killed (what a supervisor such as systemd does).

        Whatever its earlier process left running (a killed scheduler's workers, say) is still stopped
        with the rest by `stop`.
        """
        if service not in self.services:
            raise ValueError(f"unknown Airflow service {service!r}; expected one of {', '.join(self.services)}")
        current = self._processes.get(service)
        if current is not None and current.poll() is None:
            try:  # a process just killed takes a moment to exit and be reaped
                current.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise UserError(f"Airflow {service} is still running (pid {current.pid}); stop it first.") from None
        self._launch(service)

    @property
    def pids(self) -> dict[str, int]:
        """The main process of each service, as last started."""
        return {service: process.pid for service, process in self._processes.items()}

    @property
    def sessions(self) -> list[int]:
        """The session id (its first process's pid) of every service process started here, in order."""
        return [session.process.pid for session in self._sessions]

    def leftovers(self) -> list[int]:
        """Live processes in any session this instance started: none once `stop` has returned."""
        table = _sessions_now()
        return sorted(pid for session in self._sessions for pid in session.members(table))

    def _refuse_if_running_elsewhere(self) -> None:
        """Refuse while the runtime file names an api-server that is not ours and accepts connections."""
        path = self.settings.airflow_api_file
        if self._published is not None and self._published.is_ours():
            return
        try:
            recorded = AirflowApi.read(path)
        except UserError:
            return  # no file, or not one we can read: nothing is running that we could break
        if _accepts_connections(recorded.base_url):
            raise UserError(
                f"Airflow is already running for this HUB_HOME at {recorded.base_url}. Use it, or stop it "
                f"(Ctrl-C where `hub airflow up` runs) first; if nothing of yours is running, delete {path}."
            )

    def _publish(self) -> None:
        """Tell `hub referral submit` where the api-server answers; this instance alone removes the file."""
        self._published = PublishedFile.write(self.settings.airflow_api_file, self.api.to_json().encode("utf-8"))

    def wait_until_ready(self, timeout: float = 180.0, on_wait: Callable[[float], None] | None = None) -> None:
        client = AirflowClient(self.api)
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while time.monotonic() < deadline:
            self._raise_if_exited()
            if client.dag_is_ready():
                self._publish()
                return
            if on_wait:
                on_wait(time.monotonic() - started)
            time.sleep(1)
        raise UserError(f"Airflow did not become ready within {timeout:.0f} s; see the logs in {self.log_dir}.")

    def _raise_if_exited(self) -> None:
        for service, process in self._processes.items():
            if process.poll() is not None:
                raise UserError(f"Airflow {service} stopped unexpectedly; see {self.log_dir / (service + '.log')}.")

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every service and everything it started; raise if any process survives SIGKILL.

        Each service runs in a session of its own, and everything it starts stays in that session
        (a task's process gets a process group of its own, not a session), so the session finds
        them all, including what a killed service left behind: a killed scheduler's LocalExecutor
        workers ignore SIGTERM. The api-server stops
        last, because running tasks report their end through it while the scheduler winds down.
        """
        _stop_sessions([session for session in self._sessions if session.service != "api-server"], grace)
        _stop_sessions([session for session in self._sessions if session.service == "api-server"], grace)
        survivors = self.leftovers()
        self._processes.clear()
        for log_file in self._log_files:
            log_file.close()
        self._log_files.clear()
        if self._published is not None:
            self._published.remove()  # only while it holds what this instance wrote
            self._published = None
        if survivors:
            pids = ",".join(str(pid) for pid in survivors)
            raise UserError(f"Airflow processes {pids} did not stop on SIGKILL: see `ps -o pid,stat,cmd -p {pids}`.")


@dataclass(frozen=True)
class _Session:
    """A service process started in a session of its own, and everything it started there.

    A session's id is its first process's pid. Once every process of the session has gone the kernel
    may give that number to a new process, which may start a session of its own; the first process's
    start time (`_start_time`) tells the two apart, so a stop never signals a stranger.
    """

    service: str
    process: subprocess.Popen[bytes]
    started: int | None

    def recycled(self) -> bool:
        """Whether the session's id now belongs to another process (so this session has nothing left)."""
        now = _start_time(self.process.pid)
        return self.started is not None and now is not None and now != self.started

    def members(self, table: Mapping[int, list[int]] | None = None) -> list[int]:
        """Live processes of this session (zombies excepted); `table` is a `_sessions_now()` already read."""
        if self.recycled():
            return []
        return list((table if table is not None else _sessions_now()).get(self.process.pid, []))

    def alive(self, table: Mapping[int, list[int]] | None = None) -> bool:
        """Reap the service's main process if it has exited; whether anything of the session still runs."""
        return self.process.poll() is None or bool(self.members(table))

    def signal(self, signum: int, *, every_member: bool) -> None:
        """Signal the process group the session started with, and with `every_member` each of its processes."""
        if self.recycled():
            return
        targets = self.members() if every_member else []
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)
        for pid in targets:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)


def _sessions_now() -> dict[int, list[int]]:
    """Every live process (zombies excepted) by session id, from /proc; empty where there is no /proc."""
    sessions: dict[int, list[int]] = {}
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return sessions
    for entry in entries:
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None and stat[0] not in ("Z", "X"):
            sessions.setdefault(int(stat[3]), []).append(int(entry.name))
    return sessions


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from the state on (state ppid pgrp session ... starttime ...), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # gone, or no /proc
    return stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets


def _start_time(pid: int) -> int | None:
    """When the process started, in clock ticks after boot (with its pid, it names one process)."""
    stat = _stat(pid)
    return int(stat[19]) if stat is not None else None


def _stop_sessions(sessions: list[_Session], grace: float) -> None:
    """SIGTERM to each service's process group; after `grace` seconds, SIGKILL to whatever is left in its session.

    Once a service's main process has gone (before the stop, or during it), what is left of its session
    has nothing to finish for: it gets every signal directly, and a few seconds only.
    """
    started = time.monotonic()
    deadlines = {id(session): started + grace for session in sessions}
    orphaned: set[int] = set()
    killed: set[int] = set()
    for session in sessions:
        session.signal(signal.SIGTERM, every_member=False)
    waiting = sessions
    while True:
        table = _sessions_now()
        if not (waiting := [session for session in waiting if session.alive(table)]):
            return
        now = time.monotonic()
        for session in waiting:
            if id(session) not in orphaned and session.process.poll() is not None:
                orphaned.add(id(session))
                session.signal(signal.SIGTERM, every_member=True)
                deadlines[id(session)] = min(deadlines[id(session)], now + ORPHAN_GRACE_SECONDS)
        for session in [session for session in waiting if now > deadlines[id(session)]]:
            if id(session) in killed:
                waiting.remove(session)  # survived SIGKILL: `stop` reports it
                continue
            session.signal(signal.SIGKILL, every_member=True)
            killed.add(id(session))
            deadlines[id(session)] = now + KILL_WAIT_SECONDS
        time.sleep(0.1)


def _accepts_connections(base_url: str) -> bool:
    address = urlsplit(base_url)
    try:
        with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=2):
            return True
    except OSError:
        return False


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


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def serve_airflow(settings: HubSettings, console: Console) -> None:
    settings.ensure_home()
    services = AirflowServices(settings)
    console.print(f"Preparing Airflow's database and the agencies' pools under {settings.airflow_home} ...")
    services.prepare()
    services.start()
    callbacks = CallbackEndpoint(settings)
    try:
        services.wait_until_ready()
        callbacks.start()
        console.print(
            f"Airflow is ready at {services.api.base_url} (user '{services.api.username}', password in "
            f"{settings.airflow_home / 'passwords.json'}); agencies' callbacks at {callbacks.url}. "
            f"{services.executor_summary()}Press Ctrl-C to stop."
        )
        _wait_for_interrupt()
    finally:
        callbacks.stop()
        services.stop()


def initialise_airflow(settings: HubSettings, console: Console) -> None:
    """`hub airflow init`: prepare an Airflow configured by the environment (a deployment's init step)."""
    write_local_settings(Path(os.environ.get("AIRFLOW_HOME") or settings.airflow_home))
    pools = prepare_airflow(settings, os.environ)
    slots = ", ".join(f"{name} ({pool['slots']} slots)" for name, pool in pools.items())
    console.print(f"Airflow's database is migrated and the agencies' pools are set: {slots}.")
