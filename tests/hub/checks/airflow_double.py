"""A stand-in for Airflow's api-server: a real HTTP server on 127.0.0.1 that answers the REST calls the
hub makes (`/auth/token`, the DAG, trigger a run, the run and its task instances) and misbehaves on cue.

Faults are scripted per call, one per request, in order (`FakeAirflow.script`):
- `"500"`: the api-server's 500 "Database error" (SQLite metadata locked); nothing is done.
- `"429"`: too many requests, with `Retry-After: 0`; nothing is done.
- `"hang"`: no answer until the client gives up (the connection is then closed); nothing is done.
- `"drop"`: the connection is closed without an answer; nothing is done.
- `"reset"`: the connection is reset (TCP RST) without an answer; nothing is done.
- `"done-then-drop"`, `"done-then-hang"`: the request takes effect, then the connection is closed at
  once or after a hang: the answer is lost.
- `"401"`: the token has expired: every token issued so far is forgotten and the call answers 401.
An Airflow restart is a new `FakeAirflow` on another port with another password, sharing `runs`
(the metadata database outlives the api-server).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from hub.checks.airflow_api import API_USER, DAG_ID, AirflowApi

RUNS = f"/api/v2/dags/{DAG_ID}/dagRuns"
DATABASE_ERROR = {
    "reason": "Database error",
    "statement": "hidden",
    "orig_error": "hidden",
    "message": "Serious error when handling your request. Check logs for more details",
}


@dataclass
class Run:
    conf: dict[str, Any]
    polls: int = 0


@dataclass
class Runs:
    """Airflow's metadata database as far as the double needs it: runs, and how often each was asked about."""

    finish_after: int = 3
    final_state: str = "success"
    runs: dict[str, Run] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, run: Run) -> str:
        if run.polls >= self.finish_after:
            return self.final_state
        return "queued" if run.polls <= 1 else "running"

    def polls(self, run_id: str) -> int:
        with self.lock:
            return self.runs[run_id].polls if run_id in self.runs else 0


class FakeAirflow:
    def __init__(self, runs: Runs | None = None, *, password: str | None = None, hang_seconds: float = 5.0) -> None:
        self.runs = runs or Runs()
        self.password = password or uuid.uuid4().hex
        self.hang_seconds = hang_seconds
        self.script: dict[str, deque[str]] = defaultdict(deque)
        self.calls: list[tuple[str, str | None]] = []  # (call, fault) in the order they arrived
        self.tokens: set[str] = set()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def api(self) -> AirflowApi:
        return AirflowApi(f"http://127.0.0.1:{self._server.server_address[1]}", API_USER, self.password)

    def fail(self, call: str, *faults: str) -> None:
        """Misbehave on the next requests of one call: "token", "dag", "trigger", "run" or "tasks"."""
        self.script[call].extend(faults)

    def count(self, call: str, fault: str | None = "any") -> int:
        return sum(1 for name, seen in self.calls if name == call and (fault == "any" or seen == fault))

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop as a process would: the listening socket and every open connection closed at once."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):  # already closed by its client
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        airflow = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                airflow._connections.add(self.connection)

            def finish(self) -> None:
                airflow._connections.discard(self.connection)
                super().finish()

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                call, run_id = _route(self.command, self.path)
                fault = airflow.script[call].popleft() if airflow.script[call] else None
                airflow.calls.append((call, fault))
                if fault in {"hang", "drop", "reset"}:
                    if fault == "hang":
                        airflow._stopping.wait(airflow.hang_seconds)
                    self._abort(reset=fault == "reset")
                    return
                if fault == "500":
                    self._send(500, {"detail": DATABASE_ERROR})
                    return
                if fault == "429":
                    self._send(429, {"detail": "Too many requests"}, {"Retry-After": "0"})
                    return
                if fault == "401":
                    airflow.tokens.clear()
                if call == "token":
                    status, answer = airflow._token(body)
                elif self.headers.get("Authorization", "").removeprefix("Bearer ") not in airflow.tokens:
                    status, answer = 401, {"detail": "Invalid JWT token"}
                else:
                    status, answer = airflow._answer(call, run_id, body)
                if fault in {"done-then-drop", "done-then-hang"}:
                    if fault == "done-then-hang":
                        airflow._stopping.wait(airflow.hang_seconds)
                    self._abort(reset=False)
                    return
                self._send(status, answer)

            def _send(self, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _abort(self, *, reset: bool) -> None:
                if reset:  # close with SO_LINGER 0: the client sees "connection reset by peer"
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

        return Handler

    def _token(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or (body.get("username"), body.get("password")) != (API_USER, self.password):
            return 401, {"detail": "Invalid credentials"}
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return 201, {"access_token": token}

    def _answer(self, call: str, run_id: str | None, body: Any) -> tuple[int, Any]:
        runs = self.runs
        with runs.lock:
            if call == "dag":
                return 200, {"dag_id": DAG_ID, "is_paused": False}
            if call == "trigger":
                if body["dag_run_id"] in runs.runs:
                    return 409, {"detail": {**DATABASE_ERROR, "reason": "Unique constraint violation"}}
                runs.runs[body["dag_run_id"]] = Run(conf=body["conf"])
                return 200, {"dag_run_id": body["dag_run_id"], "state": "queued", "conf": body["conf"]}
            run = runs.runs.get(run_id or "")
            if run is None:
                return 404, {"detail": f"The DagRun with dag_id: `{DAG_ID}` and run_id: `{run_id}` was not found"}
            if call == "run":
                run.polls += 1
                return 200, {"dag_run_id": run_id, "state": runs.state(run), "conf": run.conf}
            state = runs.state(run)
            task_state = {"queued": None, "running": "running"}.get(state, state)
            return 200, {"task_instances": [{"task_id": "plan", "state": task_state}], "total_entries": 1}


def _route(method: str, path: str) -> tuple[str, str | None]:
    path = path.split("?", 1)[0]
    if method == "POST" and path == "/auth/token":
        return "token", None
    if method == "GET" and path == f"/api/v2/dags/{DAG_ID}":
        return "dag", None
    if method == "POST" and path == RUNS:
        return "trigger", None
    if method == "GET" and path.startswith(f"{RUNS}/"):
        parts = path.removeprefix(f"{RUNS}/").split("/")
        return ("tasks" if parts[1:] == ["taskInstances"] else "run"), parts[0]
    return "unknown", None
