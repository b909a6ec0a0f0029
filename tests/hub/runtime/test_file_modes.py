"""`hub airflow up` listens on loopback only, and what Airflow writes under `$HUB_HOME` is owner-only.

Measured before (issue 12): Airflow's log server listened on all interfaces, on a fixed port (8793)
shared by every hub home on the machine. Here a real `hub airflow up` runs on a fresh home, and every
listening socket of every process it started is read from /proc.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import requests
import yaml

from hub.checks.airflow_api import AirflowApi, AirflowClient
from hub.settings import REPO_ROOT, HubSettings
from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub
from tests.hub.test_file_modes import open_to_others, process_umask

AIRFLOW_LOG_PORTS = (8793, 8794)
"""Airflow's fixed defaults for the worker's and the triggerer's log servers."""
LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    pid: int
    command: str
    address: str
    port: int


def descendants(root: int) -> list[int]:
    """`root` and every live process below it (the services keep `hub airflow up` as their parent)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] not in ("Z", "X"):
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting += parents.get(pid, [])
    return found


def _address(hex_address: str) -> str:
    """/proc/net/tcp's little-endian hex address as text (IPv4, or IPv6 in 32-bit words)."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
    if len(words) == 4:
        return ".".join(str(byte) for byte in words)
    return str(ipaddress.IPv6Address(words))


def listeners(pids: list[int]) -> list[Listener]:
    """Every TCP socket these processes listen on (IPv4 and IPv6), matched to its process by inode."""
    sockets: dict[int, tuple[str, int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
            fields = line.split()
            if fields[3] == LISTEN:
                address, port = fields[1].rsplit(":", 1)
                sockets[int(fields[9])] = (_address(address), int(port, 16))
    found = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            targets = [os.readlink(entry.path) for entry in os.scandir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        for target in targets:
            if (match := re.fullmatch(r"socket:\[(\d+)\]", target)) and int(match[1]) in sockets:
                found.append(Listener(pid, command.strip(), *sockets[int(match[1])]))
    return found


def served_log(port: int, secret: str, relative: str) -> requests.Response:
    """Ask the log server for one log as the api-server does: a token for that file, signed with `[api] secret_key`."""
    now = datetime.now(UTC)
    claims = {
        "filename": relative,
        "aud": "task-instance-logs",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=30),
    }
    token = jwt.encode(claims, secret, algorithm="HS512")
    return requests.get(f"http://127.0.0.1:{port}/log/{relative}", headers={"Authorization": token}, timeout=30)


def scheduler_hostnames(api: AirflowApi) -> set[str]:
    """The hostname each scheduler job recorded: where the api-server looks for a running task's log."""
    credentials = {"username": api.username, "password": api.password}
    token = requests.post(f"{api.base_url}/auth/token", json=credentials, timeout=30).json()["access_token"]
    answer = requests.get(
        f"{api.base_url}/api/v2/jobs",
        params={"job_type": "SchedulerJob"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return {job["hostname"] for job in answer.json()["jobs"]}


@pytest.mark.airflow
def test_hub_airflow_up_listens_on_loopback_only_keeps_airflows_files_owner_only_and_runs_once_per_home(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    for name in [name for name in environment if name.startswith(("AIRFLOW", "HUB_AIRFLOW", "HUB_CALLBACK"))]:
        environment.pop(name)
    up = subprocess.Popen(
        [HUB, "airflow", "up"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        umask=0o022,
    )
    try:
        assert up.stdout is not None
        announced = ""
        # Read as one line: rich wraps at COLUMNS, and where depends on the length of this test's tmp_path.
        while "Press Ctrl-C to stop" not in " ".join(announced.split()) and (line := up.stdout.readline()):
            announced += line
        assert "Press Ctrl-C to stop" in " ".join(announced.split()), announced
        ours = descendants(up.pid)
        listening = listeners(ours)

        assert {listener.address for listener in listening} == {"127.0.0.1"}, listening
        log_servers = [listener for listener in listening if "serve_logs" in listener.command]
        assert len(log_servers) == 1, listening  # one, for the worker's and the triggerer's logs alike
        assert log_servers[0].port not in AIRFLOW_LOG_PORTS
        assert not [listener for listener in listening if listener.port in AIRFLOW_LOG_PORTS]
        api = AirflowApi.locate(settings)
        assert any(listener.port == int(api.base_url.rsplit(":", 1)[1]) for listener in listening)

        secret = (settings.airflow_home / "secret.key").read_text(encoding="utf-8").strip()
        # A finished log (the scheduler's own grows while it is served, and a growing file can end short).
        finished = settings.airflow_home / "logs" / "finished-task.log"
        finished.write_text("a finished task's log\n", encoding="utf-8")
        finished.chmod(0o600)  # written by this test, whose umask is not the hub's
        served = served_log(log_servers[0].port, secret, finished.name)
        assert served.status_code == 200 and served.text == "a finished task's log\n"
        assert served_log(log_servers[0].port, "not-the-secret" * 8, finished.name).status_code == 403
        assert scheduler_hostnames(api) == {"127.0.0.1"}

        umasks = {pid: process_umask(pid) for pid in ours}
        alive = {pid: umask for pid, umask in umasks.items() if umask is not None}  # not those exited meanwhile
        assert alive and alive == dict.fromkeys(alive, 0o077)
        assert (settings.airflow_home / "airflow.db").exists() and any((settings.airflow_home / "logs").rglob("*.log"))
        assert open_to_others(home) == []

        # A second `hub airflow up` on the same home refuses in one line and leaves the first serving, its
        # published address and passwords untouched (one Airflow start serves both questions: suite time).
        published = digest(settings.airflow_api_file)
        passwords = digest(settings.airflow_home / "passwords.json")
        second = run_hub("airflow", "up", home=home)
        assert_clean_refusal(second, "Airflow is already running for this HUB_HOME", api.base_url, "hub airflow up")
        assert digest(settings.airflow_api_file) == published
        assert digest(settings.airflow_home / "passwords.json") == passwords
        assert up.poll() is None and AirflowClient(api).dag_is_ready(patient=True)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(timeout=90)
        except subprocess.TimeoutExpired:
            up.kill()
    assert up.returncode == 0
    assert not settings.airflow_api_file.exists()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_compose_never_publishes_airflows_log_servers_on_the_host() -> None:
    """In compose each service is a container of its own: the api-server reaches the scheduler's and the
    triggerer's log servers over the compose network, so they listen there, but no host port maps to them."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    published = {name: service.get("ports", []) for name, service in compose["services"].items()}
    assert published["airflow-scheduler"] == [] and published["airflow-triggerer"] == []
    for name, ports in published.items():
        for mapping in ports:
            container_ports = str(mapping).rsplit(":", 1)[-1]
            low, _, high = container_ports.partition("-")
            assert not any(int(low) <= port <= int(high or low) for port in AIRFLOW_LOG_PORTS), (name, mapping)
    environment = compose["services"]["airflow-scheduler"]["environment"]
    assert environment["AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FILE_PERMISSIONS"] == "0o600"
    assert environment["AIRFLOW__LOGGING__FILE_TASK_HANDLER_NEW_FOLDER_PERMISSIONS"] == "0o700"
