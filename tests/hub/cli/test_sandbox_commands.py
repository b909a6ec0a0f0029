"""`hub sandbox generate` through the real CLI: figures on success, one clear line for impossible settings."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub
from tests.hub_here import run_hub_here


def test_generate_writes_a_population_and_reports_the_noise_it_produced(tmp_path: Path) -> None:
    out = tmp_path / "population"
    result = run_hub_here("sandbox", "generate", "--people", "3000", "--seed", "5", "--out", str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3,000 people in" in result.stdout and "noise produced (configured)" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["people"], manifest["seed"]) == (3000, 5)
    assert f"hub sandbox up --data {out}" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--people", "1000001"], "people: must be at most 1,000,000"),
        (["--people", "3"], "people: must be at least 4"),
        (["--people", "10", "--seed", "-1"], "seed: must be 0 or more"),
    ],
)
def test_generate_refuses_impossible_settings(tmp_path: Path, options: list[str], expected: str) -> None:
    out = tmp_path / "population"
    result = run_hub_here("sandbox", "generate", *options, "--out", str(out), home=tmp_path)
    assert_clean_refusal(result, expected)
    assert not out.exists()


def test_generate_refuses_a_bad_noise_file(tmp_path: Path) -> None:
    noise = tmp_path / "noise.yaml"
    noise.write_text("police:\n  typo: 1.5\nhealth:\n  tpyo: 0.1\n", encoding="utf-8")
    result = run_hub_here(
        "sandbox", "generate", "--people", "10", "--noise", str(noise), "--out", str(tmp_path / "p"), home=tmp_path
    )
    assert_clean_refusal(result, "noise.police.typo: must be at most 1")


def test_generate_will_not_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "population"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    result = run_hub_here("sandbox", "generate", "--people", "10", "--out", str(out), home=tmp_path)
    assert_clean_refusal(result, "is not empty", "--force")
    assert (out / "keep.txt").read_text(encoding="utf-8") == "precious"


def test_up_refuses_a_folder_without_a_population(tmp_path: Path) -> None:
    result = run_hub("sandbox", "up", "--data", str(tmp_path), home=tmp_path / "home")
    assert_clean_refusal(result, "holds no sandbox population", "hub sandbox generate")


def test_up_refuses_a_bad_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "sandboxes.yaml"
    config.write_text("police:\n  auth: mutual_tls\n  tls: server\n", encoding="utf-8")
    result = run_hub("sandbox", "up", "--config", str(config), home=tmp_path / "home")
    assert_clean_refusal(result, "police", "mutual_tls needs tls: mutual")


def _free_base_port() -> int:
    """A base port with the three above it free too (checked by binding each).

    The search starts at a random place, so tests running at once on other processes (pytest-xdist) do not
    all find the same free ports and race to bind them.
    """
    bases = list(range(20000, 60000, 97))
    start = random.randrange(len(bases))
    for base in bases[start:] + bases[:start]:
        sockets = []
        try:
            for port in range(base, base + 4):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
    raise RuntimeError("no four consecutive free ports")


def test_up_serves_the_four_sandboxes_with_one_command_and_cleans_up(tmp_path: Path) -> None:
    population, home = tmp_path / "population", tmp_path / "home"
    assert run_hub_here("sandbox", "generate", "--people", "200", "--out", str(population), home=home).returncode == 0
    base = _free_base_port()
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    command = [HUB, "sandbox", "up", "--data", str(population), "--base-port", str(base)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert process.stdout is not None
        announced = ""
        while "Press Ctrl-C to stop" not in announced and (line := process.stdout.readline()):
            announced += line
        assert "police     https://" in announced and "answers later on request" in announced, announced
        endpoints = json.loads((home / "run" / "sandbox-endpoints.json").read_text(encoding="utf-8"))
        assert endpoints == {
            "health": f"http://127.0.0.1:{base}",
            "police": f"https://127.0.0.1:{base + 1}",
            "education": f"http://127.0.0.1:{base + 2}",
            "housing": f"http://127.0.0.1:{base + 3}",
        }
        credentials = home / "run" / "airflow-connections.json"
        assert credentials.stat().st_mode & 0o777 == 0o600
        connections = json.loads(credentials.read_text(encoding="utf-8"))
        assert sorted(connections) == [f"hub_agency_{agency}" for agency in sorted(endpoints)]
        assert connections["hub_agency_housing"]["extra"]["auth"] == "client_secret"
        assert connections["hub_agency_police"]["host"] == endpoints["police"]
        refused = requests.post(f"{endpoints['housing']}/api/people/search", json={}, timeout=5)
        assert refused.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert not (home / "run" / "sandbox-endpoints.json").exists() and not credentials.exists()
