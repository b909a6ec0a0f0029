"""`hub sandbox up` publishes its runtime files only once it serves, and only it removes them.

Measured (issue 11): a second `hub sandbox up` on busy ports deleted the running sandboxes'
`run/airflow-connections.json` and `run/sandbox-endpoints.json`, and every later check failed with
"No Airflow Connection". These tests run real `hub sandbox up` processes against one `$HUB_HOME`.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub
from tests.hub.cli.test_sandbox_commands import _free_base_port
from tests.hub_here import run_hub_here

RUNTIME_FILES = ("sandbox-endpoints.json", "airflow-connections.json")


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sandbox-runtime") / "population"
    result = run_hub_here(
        "sandbox", "generate", "--people", "200", "--out", str(folder), home=folder.parent / "scratch"
    )
    assert result.returncode == 0, result.stderr
    return folder


class SandboxProcess:
    """One `hub sandbox up` in the background, started and stopped by its PID."""

    def __init__(self, home: Path, population: Path, base_port: int) -> None:
        environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
        command = [HUB, "sandbox", "up", "--data", str(population), "--base-port", str(base_port)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
        )
        assert self.process.stdout is not None
        announced = ""
        while "Press Ctrl-C to stop" not in announced and (line := self.process.stdout.readline()):
            announced += line
        assert "Press Ctrl-C to stop" in announced, announced + self._stderr_if_exited()

    def _stderr_if_exited(self) -> str:
        if self.process.poll() is None:
            return ""
        assert self.process.stderr is not None
        return self.process.stderr.read()

    def stop(self, signum: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def sandbox_up(tmp_path: Path, population: Path) -> Iterator[Callable[[int], SandboxProcess]]:
    """Start `hub sandbox up` for `tmp_path/home` on a base port; whatever the test leaves running is killed."""
    processes: list[SandboxProcess] = []

    def start(base_port: int) -> SandboxProcess:
        processes.append(SandboxProcess(tmp_path / "home", population, base_port))
        return processes[-1]

    yield start
    for sandbox in processes:
        sandbox.kill()


def runtime_files(home: Path) -> dict[str, str]:
    """Each runtime file present, by name, with a digest of its bytes (the files hold credentials)."""
    return {
        name: hashlib.sha256((home / "run" / name).read_bytes()).hexdigest()
        for name in RUNTIME_FILES
        if (home / "run" / name).exists()
    }


def serves(base_port: int) -> bool:
    """The housing sandbox (base port + 3) is up and guarding its API: 401 without credentials."""
    try:
        response = requests.post(f"http://127.0.0.1:{base_port + 3}/api/people/search", json={}, timeout=5)
    except requests.RequestException:
        return False
    return response.status_code == 401


def test_a_second_sandbox_up_on_busy_ports_fails_in_one_line_and_leaves_the_first_intact(
    tmp_path: Path, population: Path, sandbox_up: Callable[[int], SandboxProcess]
) -> None:
    home = tmp_path / "home"
    base = _free_base_port()
    first = sandbox_up(base)
    published = runtime_files(home)
    assert set(published) == set(RUNTIME_FILES)

    second = run_hub("sandbox", "up", "--data", str(population), "--base-port", str(base), home=home)

    assert runtime_files(home) == published, "the failed command touched the running sandboxes' files"
    assert_clean_refusal(
        second, f"port {base} (health) is already in use", "sandboxes may already be running", "--base-port"
    )
    assert first.process.poll() is None and serves(base)

    assert first.stop(signal.SIGTERM) == 0
    assert runtime_files(home) == {}, "the first sandboxes did not remove their own files"
    assert not serves(base)


def test_sandboxes_that_stop_leave_files_another_process_has_since_written(
    tmp_path: Path, sandbox_up: Callable[[int], SandboxProcess]
) -> None:
    """A second `hub sandbox up` on other ports takes over the files; the first stopping leaves them alone."""
    home = tmp_path / "home"
    first_base = _free_base_port()
    first = sandbox_up(first_base)
    second_base = _free_base_port()  # the first's ports are bound now, so these are others
    second = sandbox_up(second_base)
    taken_over = runtime_files(home)
    endpoints = json.loads((home / "run" / "sandbox-endpoints.json").read_text(encoding="utf-8"))
    assert endpoints["housing"] == f"http://127.0.0.1:{second_base + 3}"

    assert first.stop(signal.SIGINT) == 0
    assert runtime_files(home) == taken_over
    assert serves(second_base)

    assert second.stop(signal.SIGINT) == 0
    assert runtime_files(home) == {}
