"""Processes and ports on this machine, read from /proc: what a crash test kills, and proof nothing is left.

A process is remembered with its start time (field 22 of /proc/PID/stat), so a PID the kernel has
since given to another process never counts as "still alive". Only processes in the sessions of the
Airflow services a test started are ever chosen to be killed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"
"""A listening socket's state in /proc/net/tcp."""


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    session: int
    state: str
    started: int
    """Clock ticks after boot: with the PID, names one process for its whole life."""
    command: str

    def alive(self) -> bool:
        """Still running (a zombie is not), and the same process, not a new one with its PID."""
        now = read_process(self.pid)
        return now is not None and now.started == self.started and now.state not in ("Z", "X")


def read_process(pid: int) -> Process | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # comm may hold spaces and brackets
    return Process(pid, int(fields[1]), int(fields[3]), fields[0], int(fields[19]), command)


def processes() -> list[Process]:
    found = (read_process(int(entry.name)) for entry in os.scandir("/proc") if entry.name.isdigit())
    return [process for process in found if process is not None and process.state not in ("Z", "X")]


def in_sessions(sessions: Collection[int]) -> list[Process]:
    """Live processes in these sessions: everything the Airflow services started there, orphans included."""
    return [process for process in processes() if process.session in sessions]


def running(sessions: Collection[int], marker: str) -> list[Process]:
    """Processes of those sessions whose command line holds `marker` (a task instance's id, say).

    Airflow 3 names both processes of a running task after the task instance's id: the LocalExecutor
    worker that supervises it (`airflow worker -- LocalExecutor: <id>`) and the task process it forks
    (`airflow worker -- <id>`).
    """
    return [process for process in in_sessions(sessions) if marker in process.command]


def has_open(process: Process, path: Path) -> bool:
    """Whether the process has the file open (SQLite keeps its database open while it waits for a lock)."""
    try:
        descriptors = list(os.scandir(f"/proc/{process.pid}/fd"))
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            if os.readlink(descriptor.path) == str(path):
                return True
        except OSError:
            continue
    return False


def kill9(targets: Iterable[Process]) -> list[Process]:
    """SIGKILL each process that is still the one remembered; returns those signalled."""
    killed = []
    for process in targets:
        if process.alive():
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed.append(process)
    return killed


def listening(port: int) -> bool:
    """Whether any socket on this machine listens on TCP `port` (IPv4 or IPv6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False
