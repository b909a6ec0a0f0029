"""What a benchmark reads from a running Airflow and the hub: runs, task instances, times, and CPU from /proc.

Shared by `bench_partial_history.py` and `bench_throughput.py`. Everything here reads; nothing changes
Airflow's state. Task instances are read generically (any `task_id`, mapped or not), so a benchmark
keeps working while the DAG's shape changes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from hub.checks.airflow_api import DAG_ID, AirflowApi
from hub.errors import UserError
from hub.intake.reader import read_referral
from hub.intake.validation import check_referral_bytes
from hub.settings import HubSettings
from schemas import Chronology, Referral

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"
RUN_TERMINAL = frozenset({"success", "failed"})
PAGE = 100
"""Airflow's REST API returns at most 100 items a page unless configured otherwise."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class AirflowReader:
    """Read-only REST calls as the hub's API user: a JWT from `/auth/token` (as `AirflowClient`), renewed on a 401.

    No retries: a benchmark wants to see a refusal, and its callers poll anyway.
    """

    def __init__(self, api: AirflowApi) -> None:
        self.api = api
        self.session = requests.Session()
        self._token: str | None = None

    def get(self, path: str, **params: Any) -> Any:
        for _ in range(2):
            if self._token is None:
                credentials = {"username": self.api.username, "password": self.api.password}
                answer = self.session.post(f"{self.api.base_url}/auth/token", json=credentials, timeout=30)
                answer.raise_for_status()
                self._token = str(answer.json()["access_token"])
            headers = {"Authorization": f"Bearer {self._token}"}
            response = self.session.get(f"{self.api.base_url}{path}", headers=headers, params=params, timeout=30)
            if response.status_code == 401:
                self._token = None
                continue
            response.raise_for_status()
            return response.json()
        raise RuntimeError(f"Airflow refused a fresh token for {path}")

    def run(self, run_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
        return answer

    def runs(self) -> list[dict[str, Any]]:
        """Every run of the referral DAG, page by page."""
        return self._pages(f"/api/v2/dags/{DAG_ID}/dagRuns", "dag_runs")

    def unfinished_runs(self) -> int:
        """How many runs of the referral DAG are queued or running: one small request."""
        answer = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns", state=["queued", "running"], limit=1)
        return int(answer["total_entries"])

    def task_instances(self, run_id: str) -> list[dict[str, Any]]:
        """A run's task instances, of whatever task ids the DAG has now."""
        return self._pages(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", "task_instances")

    def _pages(self, path: str, key: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.get(path, limit=PAGE, offset=len(found))
            found.extend(page[key])
            if not page[key] or len(found) >= int(page.get("total_entries") or 0):
                return found


def wall(stamp: str | None) -> float | None:
    """An Airflow timestamp (ISO 8601) as Unix seconds, or None."""
    return None if not stamp else datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def between(start: str | None, end: str | None) -> float | None:
    """Seconds from one Airflow timestamp to another, or None if either is missing."""
    first, last = wall(start), wall(end)
    return None if first is None or last is None else last - first


def fresh_referral(settings: HubSettings, tag: str, template: dict[str, Any] | None = None) -> tuple[Path, Referral]:
    """A referral under a new id, received now, written where `hub referral submit` would read it.

    `template` is a referral document (a generated family, `generated_families`); the sample referral
    (synthetic) when None. Received now, so its checks are not already overdue (housekeeping would
    escalate them while the benchmark runs).
    """
    referral = json.loads(REFERRAL.read_text(encoding="utf-8")) if template is None else dict(template)
    referral["referral_id"] = f"REF-BENCH-{tag}-{time.time_ns() // 1_000_000}"
    referral["received_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    file = settings.home / "referrals" / f"{referral['referral_id']}.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(referral), encoding="utf-8")
    return file, read_referral(file)


GENERATED_YEAR, GENERATED_SCALE = "2025", "20"
"""`hub sandbox referrals --year 2025 --scale 20`: about 430 referrals, from 1 to 8 people each."""


def generated_families(home: Path) -> list[dict[str, Any]]:
    """Referrals about the default population's families (the one the sandboxes serve), in order of receipt.

    Written by `hub sandbox referrals` (seeded: the same families every run), as an operator would; every
    person in them is synthetic, and the sandboxes hold their records, so checks find what they would
    for a real family: some records, some none. Referrals a check cannot be made for (a person with no
    birth date) or that intake would refuse if received now (a child now 18) are left out.
    """
    out = home / "generated-referrals"
    if not out.exists():
        command = [str(Path(sys.executable).with_name("hub")), "sandbox", "referrals", "--year", GENERATED_YEAR]
        command += ["--scale", GENERATED_SCALE, "--out", str(out)]
        subprocess.run(command, env={**os.environ, "HUB_HOME": str(home)}, check=True, capture_output=True)
    families = []
    for path in sorted(out.glob("*.json")):
        family = json.loads(path.read_text(encoding="utf-8"))
        if not all(subject["person"].get("birth_date") for subject in family["subjects"]):
            continue  # a referral without a birth date is checked truthfully, as failed: not a complete history
        family["received_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        try:  # received now rather than in 2025, a child may have turned 18: intake would refuse that referral
            check_referral_bytes(json.dumps(family).encode("utf-8"), source=path.name)
        except UserError:
            continue
        families.append(family)
    return families


def family_of(families: list[dict[str, Any]], people: int) -> dict[str, Any]:
    """The first generated referral naming exactly `people` people."""
    for family in families:
        if len(family["subjects"]) == people:
            return family
    raise ValueError(f"no generated referral names {people} people")


Check = tuple[str, str, str]
"""(agency, subject id, state) of a check without a final answer."""


def outstanding(chronologies: Iterable[Chronology | None]) -> list[Check]:
    """Every check without a final answer, once (each child's chronology lists every check of the referral)."""
    return sorted(
        {
            (check.agency, check.subject_id, check.state.value if check.state else "?")
            for chronology in chronologies
            if chronology is not None
            for check in chronology.outstanding
        }
    )


@dataclass(frozen=True)
class TaskTimes:
    """One task id's instances over some runs: how many, and where their time went (seconds; medians)."""

    task_id: str
    count: int
    scheduled_to_queued: float | None
    queued_to_start: float | None
    running: float | None
    running_total: float
    tries_over_one: int


def task_times(instances: Iterable[dict[str, Any]]) -> list[TaskTimes]:
    """Task instances grouped by `task_id`, in order of their first start (REST fields `scheduled_when`,
    `queued_when`, `start_date`, `end_date`). A deferred task's start-to-end includes its time deferred."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for instance in instances:
        grouped[str(instance["task_id"])].append(instance)

    def median(values: Iterable[float | None]) -> float | None:
        known = [value for value in values if value is not None]
        return statistics.median(known) if known else None

    def first_start(items: list[dict[str, Any]]) -> float:
        return min((wall(item.get("start_date")) or float("inf") for item in items), default=float("inf"))

    found = []
    for task_id, items in sorted(grouped.items(), key=lambda pair: first_start(pair[1])):
        running = [between(item.get("start_date"), item.get("end_date")) for item in items]
        found.append(
            TaskTimes(
                task_id,
                len(items),
                median(between(item.get("scheduled_when"), item.get("queued_when")) for item in items),
                median(between(item.get("queued_when"), item.get("start_date")) for item in items),
                median(running),
                sum(value for value in running if value is not None),
                sum(int(item.get("try_number") or 0) > 1 for item in items),
            )
        )
    return found


def session_cpu_seconds(sessions: Collection[int]) -> float:
    """CPU seconds (user + system) used so far by every live process in these sessions and the children they reaped.

    Sums utime, stime, cutime and cstime from /proc/PID/stat: a task process that has ended counts in
    its parent's cutime/cstime once reaped. Time of a process that ended after its parent left the
    session (reparented outside it) is lost, so this is a lower bound.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # it ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets
        if int(fields[3]) in sessions:
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / CLOCK_TICKS
