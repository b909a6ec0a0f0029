"""Partial history with one slow agency: how soon a practitioner sees something, and what waiting costs Airflow.

Police answers `--slow-seconds` (default 30) after it is asked and asks to be polled every 5 s; the
other agencies answer as `config/sandboxes.yaml` says (the demo's settings). The sample referral is
submitted under a fresh id to a real Airflow (api-server, scheduler, dag-processor, triggerer; SQLite,
LocalExecutor) in a temporary `$HUB_HOME`. From the trigger (the DAG run's `queued_at`):

- The hub's store, polled every 0.2 s: when the first chronology version is stored (partial: it has
  outstanding checks, named), when the final one is (nothing outstanding), and how many are stored.
  Version numbers are read without audit; a version is read (audited) only when a number changes.
- Airflow's own records, sampled every 0.5 s over its REST API: the run's task instances (state, try
  number) and the police pool's slots. While police's reply is awaited its checks should be `deferred`
  on the triggerer, running only for the moment each one polls, and a deferred check holds no slot.

Run with `uv run python bench/bench_partial_history.py [--slow-seconds 30] [--runs 1]` (a minute or two
per run). Prints figures; exits 1 if a check failed, a run did not succeed, or no partial version came.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import requests
from airflow_runs import RUN_TERMINAL, AirflowReader, Check, fresh_referral, outstanding, wall
from rich.console import Console

from hub.checks.airflow_api import DAG_ID, AirflowApi
from hub.checks.submission import submit_referral
from hub.runtime.airflow import running_airflow
from hub.runtime.sandboxes import forget_sandboxes, load_sandbox_settings, record_sandboxes
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import CheckPhase

SLOW_AGENCY = "police"
SLOW_TASK = f"{SLOW_AGENCY}.check"
SLOW_POOL = f"agency_{SLOW_AGENCY}"
ACTOR, PURPOSE = "bench", "benchmark"
HISTORY_POLL_SECONDS = 0.2
AIRFLOW_SAMPLE_SECONDS = 0.5
RETRY_AFTER_SECONDS = 5
TASK_TERMINAL = {"success", "failed", "upstream_failed", "skipped", "removed"}
POOL_FIGURES = ("slots", "running_slots", "queued_slots", "deferred_slots", "occupied_slots")


@dataclass
class Version:
    """A change in the stored history, as the poller saw it."""

    at: float
    versions: dict[str, int]
    outstanding: list[Check]


@dataclass
class Sample:
    """Airflow's records at one moment: the run's task instances and the slow agency's pool."""

    at: float
    run_state: str
    tasks: dict[str, tuple[str, str, int]]
    """"police.check[S1]" -> (task_id, state, try_number)."""
    pool: dict[str, int]

    def slow(self) -> list[str]:
        return [state for task_id, state, _ in self.tasks.values() if task_id == SLOW_TASK]


@dataclass
class RunResult:
    referral_id: str
    run_id: str
    run_state: str = "unknown"
    run_end: float | None = None
    changes: list[Version] = field(default_factory=list)
    versions_stored: dict[str, int] = field(default_factory=dict)
    first_outstanding: list[Check] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    sample_errors: int = 0
    mismatches: list[str] = field(default_factory=list)
    """Airflow's "state mismatch" events: a task instance it failed or retried because of a stale executor report."""
    slow_jobs: int = 0
    """Requests police accepted for a later reply (a check makes one per search, one after another)."""

    @property
    def first(self) -> Version | None:
        return self.changes[0] if self.changes else None

    @property
    def final(self) -> Version | None:
        return next((change for change in self.changes if not change.outstanding), None)


class AirflowRecords(AirflowReader):
    """The shared REST reader, plus the police pool's figures and Airflow's "state mismatch" events."""

    def __init__(self, api: AirflowApi) -> None:
        super().__init__(api)
        self.names: dict[tuple[str, int], str] = {}
        """(task_id, map_index) -> "police.check[S1]", as the samples name task instances."""

    def mismatches(self, run_id: str) -> list[str]:
        """Airflow's event log entries for task instances it judged changed behind its back."""
        events = self.get("/api/v2/eventLogs", dag_id=DAG_ID, run_id=run_id, event="state mismatch", limit=100)
        found = []
        for item in events["event_logs"]:
            state = str(item.get("extra") or "").partition("state attribute is ")[2].split(".")[0] or "?"
            name = self.names.get((item["task_id"], item["map_index"]), f"{item['task_id']}[{item['map_index']}]")
            found.append(f"{name} try {item['try_number']} ({state})")
        return sorted(found)

    def sample(self, run_id: str, at: float) -> Sample:
        run = self.run(run_id)
        instances = self.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]
        pools = self.get("/api/v2/pools", limit=100)["pools"]
        pool: dict[str, Any] = next((item for item in pools if item["name"] == SLOW_POOL), {})
        tasks = {}
        for item in instances:
            mapped = item["map_index"] >= 0
            name = (
                f"{item['task_id']}[{item.get('rendered_map_index') or item['map_index']}]"
                if mapped
                else item["task_id"]
            )
            tasks[name] = (str(item["task_id"]), item["state"] or "none", int(item["try_number"]))
            self.names[(item["task_id"], item["map_index"])] = name
        return Sample(at, str(run["state"]), tasks, {key: int(pool.get(key) or 0) for key in POOL_FIGURES})


class HistoryPoller(threading.Thread):
    """Every 0.2 s the version numbers stored per child (unaudited); on a change, the latest versions (audited)."""

    def __init__(self, settings: HubSettings, referral_id: str, subject_ids: list[str]) -> None:
        super().__init__(daemon=True)
        self.settings, self.referral_id, self.subject_ids = settings, referral_id, subject_ids
        self.changes: list[Version] = []  # `at` in Unix seconds
        self.stop = threading.Event()
        self.error: str | None = None

    def poll_once(self, store: HubStore, last: dict[str, int]) -> dict[str, int]:
        at = time.time()
        versions = {
            subject: max(numbers)
            for subject in self.subject_ids
            if (numbers := store.chronology_versions(self.referral_id, subject))
        }
        if versions and versions != last:
            latest = store.latest_chronologies(self.referral_id, actor=ACTOR, purpose=PURPOSE)
            stored = {chronology.child_subject_id: chronology.version for chronology in latest}
            self.changes.append(Version(at, stored, outstanding(list(latest))))
        return versions

    def run(self) -> None:
        store = open_store(self.settings)
        last: dict[str, int] = {}
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                last = self.poll_once(store, last)
                self.stop.wait(max(0.0, HISTORY_POLL_SECONDS - (time.monotonic() - started)))
            self.poll_once(store, last)  # whatever the run's last step stored
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            self.error = f"{type(exc).__name__}: {exc}"


def one_run(settings: HubSettings, api: AirflowApi, number: int, timeout: float) -> RunResult:
    file, referral = fresh_referral(settings, str(number))
    subject_ids = [subject.subject_id for subject in referral.subjects]

    poller = HistoryPoller(settings, referral.referral_id, subject_ids)
    poller.start()
    referral_id, run_id, client = submit_referral(settings, file, actor=ACTOR, console=Console(quiet=True), api=api)
    triggered = time.time()
    records = AirflowRecords(api)
    result = RunResult(referral_id, run_id)
    origin = wall(records.run(run_id).get("queued_at")) or triggered
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            sample = records.sample(run_id, time.time() - origin)
        except (requests.RequestException, RuntimeError, KeyError, TypeError, ValueError):
            result.sample_errors += 1
        else:
            result.samples.append(sample)
            if sample.run_state in RUN_TERMINAL:
                break
        time.sleep(max(0.0, AIRFLOW_SAMPLE_SECONDS - (time.monotonic() - started)))
    poller.stop.set()
    poller.join(timeout=30)
    if poller.error:
        print(f"  the history poller stopped early: {poller.error}")

    result.run_state = client.status(run_id).state  # how the run ended, as the hub's own client reads it
    end = wall(records.run(run_id).get("end_date"))
    result.mismatches = records.mismatches(run_id)
    result.run_end = None if end is None else end - origin
    result.changes = [Version(change.at - origin, change.versions, change.outstanding) for change in poller.changes]
    store = open_store(settings)
    result.versions_stored = {
        subject: len(numbers) for subject in subject_ids if (numbers := store.chronology_versions(referral_id, subject))
    }
    result.first_outstanding = outstanding(
        [store.load_chronology(referral_id, subject, 1, actor=ACTOR, purpose=PURPOSE) for subject in subject_ids]
    )
    result.failed_checks = [
        f"{item.agency}/{item.subject_id}: {item.reason}"
        for item in store.check_progress(referral_id)
        if item.phase is CheckPhase.GAVE_UP
    ]
    return result


@dataclass
class SlotFigures:
    """What Airflow's records say about police's checks while its reply was awaited."""

    seconds: dict[str, float]
    """Task-instance-seconds police's checks spent in each unfinished state, over the whole run."""
    pool_running_seconds: float = 0.0
    """Slot-seconds the police pool counted as running, over the whole run."""
    wait: tuple[float, float] | None = None
    """From the first sample with a police check deferred to the last."""
    wait_samples: int = 0
    police_running_max: int = 0
    police_running_zero: int = 0
    """Wait samples in which no police check was running."""
    any_running_max: int = 0
    pool_running_max: int = 0
    pool_deferred_max: int = 0
    idle_samples: int = 0
    """Wait samples with a police check deferred and none running or queued: the pool should then hold nothing."""
    idle_running: int = 0
    idle_occupied: int = 0
    deferrals: dict[str, int] = field(default_factory=dict)
    tries: dict[str, int] = field(default_factory=dict)


def slot_figures(samples: list[Sample]) -> SlotFigures:
    seconds: dict[str, float] = defaultdict(float)
    slot_seconds = 0.0
    for current, following in pairwise(samples):
        for task_id, state, _ in current.tasks.values():
            if task_id == SLOW_TASK and state not in TASK_TERMINAL:
                seconds[state] += following.at - current.at
        slot_seconds += current.pool["running_slots"] * (following.at - current.at)
    deferred_at = [sample.at for sample in samples if "deferred" in sample.slow()]
    figures = SlotFigures(dict(seconds), slot_seconds, (deferred_at[0], deferred_at[-1]) if deferred_at else None)
    previous: dict[str, str] = {}
    for sample in samples:
        for name, (task_id, state, _) in sample.tasks.items():
            if task_id == SLOW_TASK:
                if state == "deferred" and previous.get(name) != "deferred":
                    figures.deferrals[name] = figures.deferrals.get(name, 0) + 1
                previous[name] = state
        if figures.wait is None or not figures.wait[0] <= sample.at <= figures.wait[1]:
            continue
        slow, pool = sample.slow(), sample.pool
        running = slow.count("running")
        figures.wait_samples += 1
        figures.police_running_max = max(figures.police_running_max, running)
        figures.police_running_zero += running == 0
        figures.any_running_max = max(
            figures.any_running_max, sum(state == "running" for _, state, _ in sample.tasks.values())
        )
        figures.pool_running_max = max(figures.pool_running_max, pool["running_slots"])
        figures.pool_deferred_max = max(figures.pool_deferred_max, pool["deferred_slots"])
        if "deferred" in slow and not {"running", "queued"} & set(slow):
            figures.idle_samples += 1
            figures.idle_running = max(figures.idle_running, pool["running_slots"])
            figures.idle_occupied = max(figures.idle_occupied, pool["occupied_slots"])
    if samples:
        figures.tries = {name: try_number for name, (_, _, try_number) in sorted(samples[-1].tasks.items())}
    return figures


def described(checks: list[Check]) -> str:
    counted = Counter((agency, state) for agency, _, state in checks)
    return ", ".join(f"{agency} x{count} ({state})" for (agency, state), count in sorted(counted.items())) or "none"


def seconds_text(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def report(number: int, result: RunResult, figures: SlotFigures, parallelism: str) -> None:
    first, final = result.first, result.final
    print(f"\nRun {number}: referral {result.referral_id}, Airflow run {result.run_id}")
    print("  Family history, from the trigger (the DAG run's queued_at):")
    print(f"    first stored version                 {seconds_text(first.at if first else None):>9}")
    print(f"    final version (nothing outstanding)  {seconds_text(final.at if final else None):>9}")
    print(f"    run ended ({result.run_state})".ljust(41) + f"{seconds_text(result.run_end):>9}")
    stored = ", ".join(f"{child}: {count}" for child, count in result.versions_stored.items()) or "none"
    print(f"    versions stored per child: {stored}")
    print(f"    outstanding in version 1: {described(result.first_outstanding)}")
    print(f"    police searches answered later (sandbox jobs): {result.slow_jobs}")
    print("  Each change the poller saw (latest version per child; checks outstanding):")
    for change in result.changes:
        latest = ", ".join(f"{child} v{version}" for child, version in sorted(change.versions.items()))
        print(f"    {change.at:6.1f} s  {latest:<14} {described(change.outstanding)}")
    print(
        f"  Airflow's records: {len(result.samples)} samples, one every {AIRFLOW_SAMPLE_SECONDS} s "
        f"({result.sample_errors} failed); LocalExecutor parallelism {parallelism}"
    )
    states = ", ".join(f"{state} {seconds:.1f} s" for state, seconds in sorted(figures.seconds.items()))
    print(f"    {SLOW_TASK} task-instance-seconds by state: {states}")
    print(
        f"    {SLOW_POOL} running slot-seconds: {figures.pool_running_seconds:.1f} s "
        f"(police checks running {figures.seconds.get('running', 0):.1f} s, deferred "
        f"{figures.seconds.get('deferred', 0):.1f} s: a deferred check holding its slot would add to the first)"
    )
    if figures.wait is None:
        print(f"    no {SLOW_TASK} task instance was ever seen deferred")
    else:
        start, end = figures.wait
        lines = [
            ("police checks running at once, at most", f"{figures.police_running_max}"),
            ("samples with no police check running", f"{figures.police_running_zero} of {figures.wait_samples}"),
            ("task instances of any kind running, at most", f"{figures.any_running_max} (parallelism {parallelism})"),
            (f"{SLOW_POOL} running slots, at most", f"{figures.pool_running_max}"),
            (f"{SLOW_POOL} deferred slots, at most", f"{figures.pool_deferred_max} (not counted as occupied)"),
            ("samples with police deferred, none running/queued", f"{figures.idle_samples}"),
            (
                f"  then {SLOW_POOL} running / occupied slots",
                f"{figures.idle_running} / {figures.idle_occupied} (expected 0 / 0)",
            ),
        ]
        print(f"    While police's reply was awaited (a police check deferred, {start:.1f} s to {end:.1f} s):")
        for label, value in lines:
            print(f"      {label:<48} {value}")
    deferrals = ", ".join(f"{name} {count}" for name, count in sorted(figures.deferrals.items())) or "none"
    print(f"    deferrals seen: {deferrals}")
    print(f"    try_number: {', '.join(f'{name} {tries}' for name, tries in figures.tries.items())}")
    retried = [name for name, tries in figures.tries.items() if tries > 1]
    print(f"    retries burned: {', '.join(retried) if retried else 'none'}")
    print(f"    Airflow's 'state mismatch' events: {', '.join(result.mismatches) or 'none'}")
    if result.failed_checks:
        print(f"  FAILED checks: {'; '.join(result.failed_checks)}")


def summary(results: list[tuple[RunResult, SlotFigures]], slow_seconds: float) -> int:
    print(f"\nSummary (police {slow_seconds:g} s slow; times from the trigger)")
    header = (
        "run",
        "first partial",
        "final",
        "run end",
        "versions",
        "outstanding in v1",
        "police deferred/running",
        "max police running",
        "pool running/occupied, none running",
        "max try",
    )
    rows = [
        (
            str(number),
            seconds_text(result.first.at if result.first else None),
            seconds_text(result.final.at if result.final else None),
            seconds_text(result.run_end),
            str(max(result.versions_stored.values(), default=0)),
            ",".join(sorted({agency for agency, _, _ in result.first_outstanding})) or "none",
            f"{figures.seconds.get('deferred', 0):.0f} s / {figures.seconds.get('running', 0):.0f} s",
            str(figures.police_running_max),
            f"{figures.idle_running}/{figures.idle_occupied} ({figures.idle_samples} samples)",
            str(max(figures.tries.values(), default=0)),
        )
        for number, (result, figures) in enumerate(results, start=1)
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    firsts = [result.first.at for result, _ in results if result.first]
    finals = [result.final.at for result, _ in results if result.final]
    if len(results) > 1 and firsts and finals:
        print(f"  median: first partial {statistics.median(firsts):.1f} s, final {statistics.median(finals):.1f} s")
    problems = []
    for number, (result, _) in enumerate(results, start=1):
        if result.first is None or not result.first_outstanding:
            problems.append(f"run {number}: no partial version was stored before the final one")
        if result.failed_checks:
            problems.append(f"run {number}: checks failed ({'; '.join(result.failed_checks)})")
        if result.run_state != "success":
            problems.append(f"run {number}: the DAG run ended {result.run_state}")
    for number, (_, figures) in enumerate(results, start=1):
        retried = sorted(name for name, tries in figures.tries.items() if tries > 1)
        if retried:
            print(f"WARNING: run {number}: retries burned by {', '.join(retried)} (see 'state mismatch' above)")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-seconds", type=float, default=30.0, help="How long police takes to reply.")
    parser.add_argument("--runs", type=int, default=1, help="Referrals to submit, one after another.")
    parser.add_argument(
        "--home", type=Path, help="Keep HUB_HOME (Airflow's logs and database) here, not in a temp dir."
    )
    args = parser.parse_args()
    for name in [name for name in os.environ if name.startswith(("AIRFLOW", "HUB_"))]:
        os.environ.pop(name)  # the embedded default only: no outside Airflow, database or agency endpoints

    from sandbox.common.async_replies import AsyncConfig
    from sandbox.server import SandboxCluster

    print(f"Load before: {Path('/proc/loadavg').read_text().strip()} ({os.cpu_count()} CPUs)")
    results: list[tuple[RunResult, SlotFigures]] = []
    with tempfile.TemporaryDirectory(prefix="bench-partial-") as scratch:
        os.environ["HUB_HOME"] = str(args.home or scratch)
        settings = HubSettings.from_env()
        settings.ensure_home()
        defaults = load_sandbox_settings(settings, None)
        slow = AsyncConfig(delay_seconds=args.slow_seconds, retry_after_seconds=RETRY_AFTER_SECONDS)
        police = defaults.for_agency(SLOW_AGENCY).model_copy(update={"asynchronous": slow})
        sandbox_settings = defaults.model_copy(update={SLOW_AGENCY: police})
        timings = [
            f"{agency} at once"
            if (config := sandbox_settings.for_agency(agency).asynchronous) is None
            else f"{agency} {config.delay_seconds:g} s after asked (poll every {config.retry_after_seconds} s)"
            for agency in ("health", "police", "education", "housing")
        ]
        print(f"Agencies answer: {'; '.join(timings)}")
        with SandboxCluster(settings=sandbox_settings, pki_dir=settings.sandbox_dir / "tls") as cluster:
            record_sandboxes(settings, cluster)
            try:
                started = time.monotonic()
                with running_airflow(settings) as airflow:
                    print(f"Airflow ready in {time.monotonic() - started:.0f} s at {airflow.api.base_url}")
                    parallelism = airflow.env.get("AIRFLOW__CORE__PARALLELISM", "?")
                    replies = cluster.agency(SLOW_AGENCY).replies
                    for number in range(1, args.runs + 1):
                        accepted = replies.counters["accepted"] if replies else 0
                        result = one_run(settings, airflow.api, number, timeout=args.slow_seconds * 10 + 600)
                        result.slow_jobs = (replies.counters["accepted"] if replies else 0) - accepted
                        figures = slot_figures(result.samples)
                        report(number, result, figures, parallelism)
                        results.append((result, figures))
            finally:
                forget_sandboxes(settings)
    print(f"\nLoad after: {Path('/proc/loadavg').read_text().strip()}")
    return summary(results, args.slow_seconds)


if __name__ == "__main__":
    sys.exit(main())
