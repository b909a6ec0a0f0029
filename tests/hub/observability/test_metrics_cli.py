"""`hub metrics serve` for real: a process that says where it listens, answers a scrape, and refuses to listen
beyond this machine without a token in one line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

HUB = str(Path(sys.executable).parent / "hub")


def _environment(home: Path, **extra: str) -> dict[str, str]:
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    environment.pop("HUB_METRICS_TOKEN", None)
    environment.pop("HUB_DATABASE_URL", None)
    return {**environment, **extra}


def test_serve_answers_a_scrape_on_loopback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [HUB, "metrics", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path / "home"),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the server is bound (or the process ends)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", first)
        assert found, first + (process.stderr.read() if process.stderr else "")
        with urllib.request.urlopen(found.group(0), timeout=10) as answer:
            body = answer.read().decode()
        assert "# TYPE hub_checks gauge" in body and "hub_metrics_scrape_seconds" in body
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0  # Ctrl-C is a clean stop


def test_serve_beyond_loopback_without_a_token_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [HUB, "metrics", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=_environment(tmp_path / "home"),
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error:") and "HUB_METRICS_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "home").exists()  # refused before anything was opened or created
