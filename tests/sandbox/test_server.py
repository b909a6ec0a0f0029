"""Starting and stopping the sandboxes: in-process clusters and the blocking `serve_forever`."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

from sandbox.server import SandboxCluster

SERVE_SCRIPT = """
import json, sys
from sandbox.server import SandboxCluster, serve_forever
serve_forever(SandboxCluster(seed=1), on_ready=lambda cluster: print(json.dumps(cluster.endpoints), flush=True))
print("stopped", flush=True)
"""


def _accepts(url: str) -> bool:
    host, port = url.split("://")[1].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def test_stop_closes_every_port() -> None:
    cluster = SandboxCluster().start()
    endpoints = dict(cluster.endpoints)
    assert all(_accepts(url) for url in endpoints.values())
    cluster.stop()
    assert not any(_accepts(url) for url in endpoints.values())


def test_serve_forever_stops_cleanly_on_sigterm() -> None:
    process = subprocess.Popen([sys.executable, "-c", SERVE_SCRIPT], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        endpoints = json.loads(process.stdout.readline())
        assert set(endpoints) == {"health", "police", "education", "housing"}
        assert all(_accepts(url) for url in endpoints.values())
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.returncode == 0
        assert process.stdout.read().strip() == "stopped"
    finally:
        if process.poll() is None:
            process.kill()
