"""Throughput of referrals through Airflow, LocalExecutor and CeleryExecutor side by side in one run (issue 17).

The agency sandboxes are started once (from `config/sandboxes.yaml`, with police and education
answering synchronously: no injected latency anywhere). Each configuration (executor x worker count)
is its own Airflow on fresh databases (`throughput_stacks.py`); each starts with one warm-up referral,
not counted. Referrals are generated families of the population the sandboxes serve (`hub sandbox
referrals`, seeded, synthetic): submit and slow use the first naming `--people` people, sustained takes
them all in turn. Each goes in under a fresh id through `hub.checks.submission.submit_referral`, as
`hub referral submit` does.

A referral is complete when its DAG run ended `success` and, read once it has, every child of the
referral has a stored chronology with nothing outstanding and no check gave up. Its time is Airflow's
`end_date` of the run (the run ends after the history is stored) minus when the submit call started,
or minus the run's `queued_at`. Times come from Airflow's records, not from when this process noticed.

Figures (the issue's, with its goals):
1. submit: submit -> complete history, median of `--runs`, on the executor's default configuration
   (LocalExecutor parallelism 8, CeleryExecutor 2 workers of 4), referrals one after another. Goal <= 10 s.
2. slow: the same with one agency (`--slow-agency`) answering each request `--slow-seconds` late (the
   sandbox's fault hooks). Overhead = completion - slow-seconds (what the rest adds over one slow
   request; a check that makes k requests one after another adds k x slow-seconds itself, so the
   requests each referral made of every agency are printed too). Goal <= 5 s.
3. sustained: `--referrals` referrals submitted back to back (one after another, as fast as the submit
   path answers) and followed to their end; completed referrals / (last end - first submit), for each
   worker count of `--workers`. Goal >= 0.35/s.
4. assembly: `bench_assembly.measure` for 10,000 entries, assemble + store, CPU time. Goal <= 0.2 s.

And where the time goes, per phase: task instances grouped by task_id (count a referral, median
scheduled->queued, queued->start and running seconds, from Airflow's REST API); the run's own gaps
(queued -> run start -> first task, last task -> run end); CPU seconds used by every Airflow process
(utime + stime over the services' sessions, /proc), less what the idle stack uses; this process's CPU
(the sandboxes run here, in threads); how long `submit_referral` took; and how often the api-server
answered HTTP 5xx (its access log; the client retries those).

Run with `.venv/bin/python bench/bench_throughput.py [--executors local,celery] [--referrals 100] [--runs 5]
[--workers 1,2,4] [--only submit,slow,sustained,assembly]`. The default run takes tens of minutes on 2
cores; progress lines say where it is. Prints figures; exits 1 if any run failed (not for a goal missed).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from airflow_runs import (
    GENERATED_SCALE,
    GENERATED_YEAR,
    REPO_ROOT,
    RUN_TERMINAL,
    AirflowReader,
    between,
    family_of,
    fresh_referral,
    generated_families,
    outstanding,
    session_cpu_seconds,
    task_times,
    wall,
)
from bench_assembly import measure as measure_assembly
from redis import Redis
from rich.console import Console
from throughput_stacks import Configuration, Stack, airflow_stack, redis_index

from hub.agencies import registered_agencies
from hub.checks.submission import submit_referral
from hub.errors import UserError
from hub.runtime.airflow import (
    CELERY_EXECUTOR,
    DEFAULT_CELERY_WORKERS,
    DEFAULT_PARALLELISM,
    DEFAULT_WORKER_CONCURRENCY,
    LOCAL_EXECUTOR,
)
from hub.runtime.sandboxes import load_sandbox_settings
from hub.settings import HubSettings
from hub.store.home import open_store
from sandbox.common.async_replies import AsyncConfig
from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import CheckPhase

ACTOR, PURPOSE = "bench", "benchmark"
EXECUTORS = {"local": LOCAL_EXECUTOR, "celery": CELERY_EXECUTOR}
DEFAULT_WORKERS = {
    LOCAL_EXECUTOR: DEFAULT_PARALLELISM // DEFAULT_WORKER_CONCURRENCY,
    CELERY_EXECUTOR: DEFAULT_CELERY_WORKERS,
}
"""The configuration `hub airflow up` runs (hub.runtime.airflow): `[core] parallelism` 8, as 2 x 4 slots,
or 2 Celery workers of concurrency 4."""
PHASES = ("submit", "slow", "sustained", "assembly")
GOALS = {"submit": 10.0, "slow": 5.0, "sustained": 0.35, "assembly": 0.2}
ASSEMBLY_ENTRIES = 10_000
SINGLE_TIMEOUT = 300.0
"""Seconds one referral may take before the bench gives up on it."""
POLL_SECONDS = 0.5
MANY_POLL_SECONDS = 2.0
FEW_RUNS = 3
IDLE_SECONDS = 10.0
"""How long the idle stack's CPU use is measured before a phase (subtracted from the phase's)."""
HTTP_5XX = re.compile(rb"\[http\.access\][^\n]* status_code=5[0-9][0-9]\b")
"""A 5xx answer in the api-server's access log (Airflow's structlog format): REST and task execution API alike."""
QUIET = Console(quiet=True)


@dataclass
class Referred:
    """One referral: its submit, its run as Airflow recorded it, and whatever kept it from being complete."""

    referral_id: str
    people: int
    children: int
    submit_started: float
    submit_seconds: float
    run_id: str | None = None
    run: dict[str, Any] = field(default_factory=dict)
    instances: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def end(self) -> float | None:
        return wall(self.run.get("end_date"))

    @property
    def from_submit(self) -> float | None:
        return None if self.end is None else self.end - self.submit_started

    @property
    def from_queued(self) -> float | None:
        return between(self.run.get("queued_at"), self.run.get("end_date"))

    @property
    def complete(self) -> bool:
        return self.run.get("state") == "success" and not self.problems


@dataclass
class Phase:
    """Referrals measured together on one configuration, and what the machine spent on them."""

    name: str
    configuration: Configuration
    referred: list[Referred]
    elapsed: float
    """From the first submit's start to the last run's end (or to giving up)."""
    airflow_cpu: float
    idle_cpu_rate: float
    """CPU seconds a second the idle stack used, measured just before."""
    bench_cpu: float
    requests: dict[str, int]
    """Requests each sandbox answered (token requests not counted), over the phase."""
    http_5xx: int

    @property
    def completed(self) -> list[Referred]:
        return [referred for referred in self.referred if referred.complete]

    @property
    def throughput(self) -> float:
        ends = [end for referred in self.completed if (end := referred.end) is not None]
        start = min(referred.submit_started for referred in self.referred)
        return len(ends) / (max(ends) - start) if ends else 0.0

    def requests_a_person(self, agency: str) -> float:
        """Requests the agency's sandbox answered for each person checked: one check's requests, if each check
        asked about one person (the connectors ask one request after another within a check)."""
        people = sum(referred.people for referred in self.referred if referred.run_id is not None)
        return self.requests.get(agency, 0) / max(people, 1)

    @property
    def problems(self) -> list[str]:
        return [f"{referred.referral_id}: {problem}" for referred in self.referred for problem in referred.problems]


def median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def seconds(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def say(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class Workload:
    """The referrals submitted: one family for the one-by-one phases, many for the sustained one."""

    single: dict[str, Any]
    """A generated referral naming `--people` people (submit and slow)."""
    families: tuple[dict[str, Any], ...]
    """Generated referrals about different families, in order of receipt (sustained, taken in turn)."""
    config_dir: Path | None = None
    """A copy of `config/` with every agency's client-side rate limit lifted (`--lift-rate-limits`), or None."""


def submit(stack: Stack, tag: str, template: dict[str, Any]) -> Referred:
    """Submit a fresh copy of a referral as `hub referral submit` does, timing the call."""
    file, referral = fresh_referral(stack.settings, tag, template)
    started, clock = time.time(), time.perf_counter()
    referred = Referred(referral.referral_id, len(referral.subjects), len(referral.children), started, 0.0)
    try:
        _, referred.run_id, _ = submit_referral(
            stack.settings, file, actor=ACTOR, console=QUIET, api=stack.services.api
        )
    except (UserError, requests.RequestException) as error:  # AirflowUnavailable is a UserError
        referred.problems.append(f"submit failed: {type(error).__name__}: {error}")
    referred.submit_seconds = time.perf_counter() - clock
    return referred


def follow(
    reader: AirflowReader, referred: list[Referred], timeout: float, on_end: Callable[[int], None] | None = None
) -> None:
    """Poll Airflow until every submitted run has ended, then keep each run's record (state and times).

    A few runs are read one by one every `POLL_SECONDS`. Many are followed by one small request every
    `MANY_POLL_SECONDS` (how many runs are unfinished), so that following them costs the api-server
    little; they are read once that count reaches nought, or the time is up. `on_end(n)` is called for
    n = 1, 2, ... as runs end. This stack holds no runs but the bench's, so the count is theirs.
    """
    pending = {item.run_id: item for item in referred if item.run_id is not None}
    runs_followed, deadline, ended = len(pending), time.monotonic() + timeout, 0

    def count_to(total: int) -> None:
        nonlocal ended
        while on_end is not None and ended < total:
            ended += 1
            on_end(ended)

    while pending and time.monotonic() < deadline:
        try:
            if len(pending) > FEW_RUNS and (left := reader.unfinished_runs()) > 0:
                count_to(runs_followed - left)
                time.sleep(MANY_POLL_SECONDS)
                continue
            runs = [reader.run(run_id) for run_id in pending] if len(pending) <= FEW_RUNS else reader.runs()
        except (requests.RequestException, RuntimeError):
            runs = []  # the api-server is busy: ask again
        for run in runs:
            if run["state"] in RUN_TERMINAL and (item := pending.pop(run["dag_run_id"], None)) is not None:
                item.run = run
        count_to(runs_followed - len(pending))
        if pending:
            time.sleep(POLL_SECONDS)
    for item in pending.values():
        item.problems.append(f"its run had not ended after {timeout:.0f} s")


def check_history(stack: Stack, reader: AirflowReader, referred: list[Referred]) -> None:
    """After the runs: their task instances, and whether each history is complete (read as `ACTOR`, audited)."""
    store = open_store(stack.settings)
    try:
        for item in referred:
            if item.run_id is None or not item.run:
                continue
            item.instances = reader.task_instances(item.run_id)
            if item.run.get("state") != "success":
                item.problems.append(f"the run ended {item.run.get('state')}")
            latest = store.latest_chronologies(item.referral_id, actor=ACTOR, purpose=PURPOSE)
            if len(latest) < item.children:
                item.problems.append(f"{len(latest)} of {item.children} children have a chronology")
            if left := outstanding(latest):
                item.problems.append(f"{len(left)} checks outstanding in the final history")
            item.problems.extend(
                f"check gave up: {check.agency}/{check.subject_id} ({check.reason})"
                for check in store.check_progress(item.referral_id)
                if check.phase is CheckPhase.GAVE_UP
            )
    finally:
        store.close()


def sandbox_requests(stack: Stack) -> dict[str, int]:
    return {agency: stack.cluster.agency(agency).faults.counters["requests"] for agency in stack.cluster.endpoints}


def http_5xx(stack: Stack) -> int:
    try:
        return len(HTTP_5XX.findall(stack.api_server_log.read_bytes()))
    except OSError:
        return 0


def bench_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def idle_cpu_rate(stack: Stack) -> float:
    """CPU seconds a second the stack uses with nothing to do (scheduler loops, heartbeats, DAG parsing)."""
    before = session_cpu_seconds(stack.services.sessions)
    time.sleep(IDLE_SECONDS)
    return (session_cpu_seconds(stack.services.sessions) - before) / IDLE_SECONDS


@contextmanager
def measured(stack: Stack, name: str, sink: list[Phase]) -> Iterator[list[Referred]]:
    """Measure what happens inside: yields the list the phase's referrals go into; appends the `Phase` after."""
    idle = idle_cpu_rate(stack)
    referred: list[Referred] = []
    requests_before, errors_before = sandbox_requests(stack), http_5xx(stack)
    cpu_before, bench_before, started = session_cpu_seconds(stack.services.sessions), bench_cpu(), time.time()
    yield referred
    ends = [end for item in referred if (end := item.end) is not None]
    cpu = session_cpu_seconds(stack.services.sessions) - cpu_before
    requests_after = sandbox_requests(stack)
    sink.append(
        Phase(
            name,
            stack.configuration,
            referred,
            (max(ends) if ends else time.time()) - started,
            cpu,
            idle,
            bench_cpu() - bench_before,
            {agency: requests_after[agency] - requests_before.get(agency, 0) for agency in requests_after},
            http_5xx(stack) - errors_before,
        )
    )


def one_by_one(
    stack: Stack, reader: AirflowReader, name: str, runs: int, template: dict[str, Any], sink: list[Phase]
) -> None:
    with measured(stack, name, sink) as referred:
        for number in range(1, runs + 1):
            item = submit(stack, f"{stack.configuration.label}-{name}-{number}", template)
            referred.append(item)
            follow(reader, [item], SINGLE_TIMEOUT)
            say(f"    {name} {number}/{runs}: {seconds(item.from_submit)} from submit, run {item.run.get('state')}")
    check_history(stack, reader, referred)


@contextmanager
def slow_agency(stack: Stack, agency: str, delay: float) -> Iterator[None]:
    """Every request to the agency's sandbox (token requests aside) answered `delay` seconds late."""
    faults = stack.cluster.agency(agency).faults
    faults.set_config({"latency": {"distribution": "fixed", "fixed_ms": delay * 1000}})
    try:
        yield
    finally:
        faults.set_config({})


def sustained(
    stack: Stack, reader: AirflowReader, referrals: int, families: tuple[dict[str, Any], ...], sink: list[Phase]
) -> None:
    every = max(1, referrals // 10)
    label = stack.configuration.label
    with measured(stack, "sustained", sink) as referred:
        started = time.time()
        for number in range(1, referrals + 1):
            referred.append(submit(stack, f"{label}-{number}", families[(number - 1) % len(families)]))
            if number % every == 0 or number == referrals:
                say(f"    submitted {number}/{referrals} in {time.time() - started:.0f} s")

        def ended(count: int) -> None:
            if count % every == 0 or count == referrals:
                say(f"    ended {count}/{referrals} at {time.time() - started:.0f} s")

        follow(reader, referred, 600.0 + referrals * 90.0, ended)
    check_history(stack, reader, referred)


@dataclass(frozen=True)
class Options:
    runs: int
    referrals: int
    slow_agency: str
    slow_seconds: float
    phases: frozenset[str]
    workers: tuple[int, ...]
    """Worker counts for the sustained phase."""
    concurrency: int
    """Tasks each Celery worker runs at once."""


@dataclass(frozen=True)
class Plan:
    """One configuration to start, and what it measures."""

    configuration: Configuration
    singles: bool
    """Whether it runs the one-by-one phases (submit, slow): the executor's default configuration does."""
    sustained: bool


def plans(executor: str, options: Options) -> list[Plan]:
    """The executor's configurations, fewest workers first; the default worker count also hosts submit and slow."""
    phases = options.phases
    counts = set(options.workers) if "sustained" in phases else set()
    singles = bool({"submit", "slow"} & phases)
    default = DEFAULT_WORKERS[executor]
    if singles:
        counts.add(default)
    return [
        Plan(
            Configuration(executor, count, options.concurrency),
            singles and count == default,
            "sustained" in phases and count in options.workers,
        )
        for count in sorted(counts)
    ]


def run_plan(
    plan: Plan,
    cluster: SandboxCluster,
    scratch: Path,
    broker: Redis | None,
    options: Options,
    workload: Workload,
    phases: list[Phase],
) -> None:
    """Start the configuration, warm it up with one referral (not counted), run its phases into `phases`, stop it."""
    configuration = plan.configuration
    say(f"\n== {configuration.describe()}: starting Airflow")
    with airflow_stack(configuration, cluster, scratch, broker, workload.config_dir) as stack:
        reader = AirflowReader(stack.services.api)
        say(f"  Airflow ready in {stack.ready_seconds:.0f} s; load {Path('/proc/loadavg').read_text().split()[0]}")
        with measured(stack, "warm-up", phases) as referred:
            referred.append(submit(stack, f"{configuration.label}-warm", workload.single))
            follow(reader, referred, SINGLE_TIMEOUT)
        check_history(stack, reader, referred)
        say(f"  warm-up referral (not counted): {seconds(referred[0].from_submit)} from submit")
        if plan.singles and "submit" in options.phases:
            say(f"  submit: {options.runs} referrals one after another")
            one_by_one(stack, reader, "submit", options.runs, workload.single, phases)
            report(phases[-1])
        if plan.singles and "slow" in options.phases:
            say(f"  slow: {options.slow_agency} {options.slow_seconds:g} s late on every request")
            with slow_agency(stack, options.slow_agency, options.slow_seconds):
                one_by_one(stack, reader, "slow", options.runs, workload.single, phases)
            report(phases[-1])
        if plan.sustained:
            say(f"  sustained: {options.referrals} referrals back to back")
            sustained(stack, reader, options.referrals, workload.families, phases)
            report(phases[-1])


def report(phase: Phase) -> None:
    """Where the time went in one phase."""
    count = len(phase.referred)
    completed = phase.completed
    say(f"  -- {phase.name} on {phase.configuration.describe()}: {len(completed)} of {count} complete")
    if phase.name == "sustained":
        say(
            f"    throughput {phase.throughput:.3f} referrals/s ({len(completed)} in {phase.elapsed:.0f} s "
            f"from the first submit to the last end)"
        )
    finished = [item for item in phase.referred if item.run]
    say(
        f"    submit -> complete: median {seconds(median([item.from_submit for item in completed]))} "
        f"(min {seconds(min((item.from_submit or 0 for item in completed), default=None))}, "
        f"max {seconds(max((item.from_submit or 0 for item in completed), default=None))}); "
        f"from queued_at median {seconds(median([item.from_queued for item in completed]))}"
    )
    submits: list[float | None] = [item.submit_seconds for item in phase.referred]
    slowest = max((item.submit_seconds for item in phase.referred), default=None)
    say(
        f"    submit_referral: median {seconds(median(submits), 2)}, max {seconds(slowest, 2)}; "
        f"api-server HTTP 5xx answers: {phase.http_5xx}"
    )
    gaps = {
        "queued_at -> run start": [between(item.run.get("queued_at"), item.run.get("start_date")) for item in finished],
        "run start -> first task start": [
            between(item.run.get("start_date"), first_stamp(item, "start_date", min)) for item in finished
        ],
        "last task end -> run end": [
            between(first_stamp(item, "end_date", max), item.run.get("end_date")) for item in finished
        ],
    }
    say("    the run's own gaps (median): " + "; ".join(f"{name} {seconds(median(v), 2)}" for name, v in gaps.items()))
    per = max(count, 1)
    idle_share = phase.idle_cpu_rate * phase.elapsed / per
    say(
        f"    Airflow CPU: {phase.airflow_cpu / per:.1f} s a referral (of which idle stack ~{idle_share:.1f} s: "
        f"{phase.idle_cpu_rate:.2f} CPU s/s); this process (sandboxes, submit, polling) "
        f"{phase.bench_cpu / per:.1f} s a referral"
    )
    asked = ", ".join(f"{agency} {total / per:.1f}" for agency, total in sorted(phase.requests.items()))
    people = statistics.mean(item.people for item in phase.referred) if phase.referred else 0.0
    say(f"    requests a referral ({people:.1f} people on average) to each sandbox: {asked}")
    say("    task instances by task_id (a referral; medians in s):")
    columns = ("n", "sched->queued", "queued->start", "running", "run s")
    say(f"      {'task_id':<22} " + " ".join(f"{name:>13}" for name in columns) + " retried")
    for times in task_times(instance for item in finished for instance in item.instances):
        say(
            f"      {times.task_id:<22} {times.count / per:>13.1f} {num(times.scheduled_to_queued):>13} "
            f"{num(times.queued_to_start):>13} {num(times.running):>13} {times.running_total / per:>13.2f} "
            f"{times.tries_over_one:>7}"
        )
    for problem in phase.problems[:10]:
        say(f"    PROBLEM {problem}")
    if len(phase.problems) > 10:
        say(f"    ... and {len(phase.problems) - 10} more problems")


def first_stamp(item: Referred, key: str, pick: Callable[[list[float]], float]) -> str | None:
    """The earliest or latest of a timestamp over the run's task instances, as Airflow writes it."""
    stamped = [(moment, str(instance[key])) for instance in item.instances if (moment := wall(instance.get(key)))]
    if not stamped:
        return None
    chosen = pick([moment for moment, _ in stamped])
    return next(stamp for moment, stamp in stamped if moment == chosen)


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def run_executor(
    executor: str, cluster: SandboxCluster, scratch: Path, options: Options, workload: Workload
) -> tuple[list[Phase], list[str]]:
    """Every configuration of one executor, one after another; a configuration that fails is reported, not fatal."""
    phases: list[Phase] = []
    failures: list[str] = []
    try:
        with redis_index() if executor == CELERY_EXECUTOR else nullcontext(None) as broker:
            for plan in plans(executor, options):
                try:
                    run_plan(plan, cluster, scratch, broker, options, workload, phases)
                except Exception as error:  # noqa: BLE001 - reported with the figures; the bench exits 1
                    failures.append(f"{plan.configuration.describe()}: {type(error).__name__}: {error}")
                    say(f"  FAILED: {failures[-1]}")
    except (RuntimeError, OSError) as error:  # no Redis index, or no Redis
        failures.append(f"{executor}: {error}")
        say(f"  FAILED: {failures[-1]}")
    return phases, failures


def synchronous(sandboxes: SandboxSettings) -> SandboxSettings:
    """The sandboxes' settings with every asynchronous agency answering at once (no 2 s delay, no polling)."""
    return sandboxes.model_copy(
        update={
            agency: sandboxes.for_agency(agency).model_copy(update={"asynchronous": AsyncConfig(mode="sync")})
            for agency in ("health", "police", "education", "housing")
            if sandboxes.for_agency(agency).asynchronous is not None
        }
    )


def lifted_rate_limits(folder: Path) -> Path:
    """A copy of the repository's `config/` in which no agency's client-side rate limit spaces requests out."""
    shutil.copytree(REPO_ROOT / "config", folder)
    registry = folder / "agencies.yaml"
    document = yaml.safe_load(registry.read_text(encoding="utf-8"))
    for entry in document["agencies"]:
        entry["rate_limit"] = {"per_second": 1000, "burst": 1000}
    registry.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return folder


def quota_ceilings(phases: list[Phase], *, lifted: bool) -> list[str]:
    """What each agency's client-side rate limit alone allows, from the requests the sustained referrals made.

    The limit is shared by every worker (it lives in the hub's store), so no number of workers passes it.
    """
    sustained = [phase for phase in phases if phase.name == "sustained" and phase.referred]
    if not sustained:
        return []
    phase = sustained[0]
    lines = [f"agencies' rate limits (config/agencies.yaml){' — lifted in this run' if lifted else ''}:"]
    for agency in registered_agencies(HubSettings.from_env({"HUB_CONFIG_DIR": str(REPO_ROOT / "config")})):
        a_referral = phase.requests.get(agency.id, 0) / len(phase.referred)
        if a_referral:
            limit = agency.rate_limit.per_second
            lines.append(
                f"  {agency.id}: {limit:g} requests/s ÷ {a_referral:.1f} a referral = at most "
                f"{limit / a_referral:.2f} referrals/s"
            )
    return lines


def verdict(value: float, goal: float, *, at_least: bool = False) -> str:
    met = value >= goal if at_least else value <= goal
    return "met" if met else "NOT met"


def table(phases: list[Phase], executors: list[str], options: Options, assembly: tuple[float, float] | None) -> None:
    """figure | goal | one column per executor; a goal is judged met or not, never an exit status."""

    def found(executor: str, name: str, workers: int | None = None) -> Phase | None:
        return next(
            (
                phase
                for phase in phases
                if phase.configuration.executor == executor
                and phase.name == name
                and (workers is None or phase.configuration.workers == workers)
            ),
            None,
        )

    def completion(
        executor: str,
        name: str,
        attribute: str,
        less: Callable[[Phase], float] | None = None,
        goal: float | None = None,
    ) -> str:
        """The phase's median time to complete (`attribute` of each referral), less `less(phase)`, judged on `goal`."""
        phase = found(executor, name)
        if phase is None:
            return "not run"
        value = median([getattr(item, attribute) for item in phase.completed])
        if value is None:
            return "failed"
        value -= less(phase) if less else 0.0
        text = f"{value:.1f} s"
        return text if goal is None else f"{text} {verdict(value, goal)}"

    slow = f"{options.slow_agency} +{options.slow_seconds:g} s a request"

    def chain(phase: Phase) -> float:
        """The slow agency's own chain: the requests it answered a person, each slow-seconds late."""
        return phase.requests_a_person(options.slow_agency) * options.slow_seconds

    rows: list[tuple[str, str, list[str]]] = []
    if "submit" in options.phases:
        rows.append(
            (
                f"submit -> complete history, from submit (median of {options.runs})",
                f"<= {GOALS['submit']:g} s",
                [completion(executor, "submit", "from_submit", goal=GOALS["submit"]) for executor in executors],
            )
        )
        rows.append(
            (
                "  the same, from the run's queued_at",
                "",
                [completion(executor, "submit", "from_queued") for executor in executors],
            )
        )
    if "slow" in options.phases:
        rows.append(
            (
                f"{slow}: submit -> complete",
                "",
                [completion(executor, "slow", "from_submit") for executor in executors],
            )
        )
        rows.append(
            (
                f"  overhead = that - {options.slow_seconds:g} s",
                f"<= {GOALS['slow']:g} s",
                [
                    completion(executor, "slow", "from_submit", lambda _: options.slow_seconds, GOALS["slow"])
                    for executor in executors
                ],
            )
        )
        rows.append(
            (
                f"  over its chain = that - requests a person x {options.slow_seconds:g} s",
                "",
                [completion(executor, "slow", "from_submit", chain) for executor in executors],
            )
        )
    if "sustained" in options.phases:
        for workers in options.workers:
            cells = []
            for executor in executors:
                phase = found(executor, "sustained", workers)
                if phase is None:
                    cells.append("not run")
                    continue
                rate = phase.throughput
                cells.append(f"{rate:.3f}/s {verdict(rate, GOALS['sustained'], at_least=True)}")
            rows.append(
                (
                    f"sustained, {options.referrals} referrals, {workers} worker(s)",
                    f">= {GOALS['sustained']:g}/s",
                    cells,
                )
            )
    if assembly is not None:
        wall_seconds, cpu_seconds = assembly
        text = f"{cpu_seconds:.2f} s CPU ({wall_seconds:.2f} s wall) {verdict(cpu_seconds, GOALS['assembly'])}"
        rows.append(
            (
                f"assemble + store {ASSEMBLY_ENTRIES:,} entries (no Airflow)",
                f"<= {GOALS['assembly']:g} s",
                [text for _ in executors],
            )
        )
    header = ("figure", "goal", *(EXECUTOR_NAMES[executor] for executor in executors))
    lines = [header, *((figure, goal, *cells) for figure, goal, cells in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    say("")
    for line in lines:
        say(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    if "sustained" in options.phases:
        say(
            f"workers: Celery workers running {options.concurrency} tasks each; for the LocalExecutor, groups of "
            f"{options.concurrency} of its one-task worker processes ([core] parallelism = workers x "
            f"{options.concurrency}), so both have the same task slots"
        )


EXECUTOR_NAMES = {LOCAL_EXECUTOR: "LocalExecutor", CELERY_EXECUTOR: "CeleryExecutor"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", default="local,celery", help="local, celery or both (comma-separated)")
    parser.add_argument("--referrals", type=int, default=100, help="referrals in each sustained phase")
    parser.add_argument("--runs", type=int, default=5, help="referrals one after another in submit and slow")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the sustained phase")
    parser.add_argument("--only", default=",".join(PHASES), help=f"phases to run, of {','.join(PHASES)}")
    parser.add_argument("--slow-agency", default="health", help="the agency made slow in the slow phase")
    parser.add_argument("--slow-seconds", type=float, default=3.0, help="its added latency on every request")
    parser.add_argument(
        "--celery-concurrency", type=int, default=DEFAULT_WORKER_CONCURRENCY, help="tasks each Celery worker runs"
    )
    parser.add_argument("--assembly-repeat", type=int, default=5, help="runs of the assembly figure (median)")
    parser.add_argument("--people", type=int, default=6, help="people named by the referral of submit and slow")
    parser.add_argument(
        "--lift-rate-limits",
        action="store_true",
        help="lift every agency's client-side rate limit (the hub's own capacity, not the agencies' quotas)",
    )
    args = parser.parse_args()
    executors = [EXECUTORS[name.strip()] for name in args.executors.split(",") if name.strip()]
    options = Options(
        args.runs,
        args.referrals,
        args.slow_agency,
        args.slow_seconds,
        frozenset(name.strip() for name in args.only.split(",") if name.strip()),
        tuple(sorted({int(count) for count in args.workers.split(",") if count.strip()})),
        args.celery_concurrency,
    )
    if unknown := options.phases - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    for name in [name for name in os.environ if name.startswith(("AIRFLOW", "HUB_"))]:
        os.environ.pop(name)  # the bench's own stacks only: no outside Airflow, database or agency endpoints
    say(f"Load before: {Path('/proc/loadavg').read_text().strip()} ({os.cpu_count()} CPUs; others' work shares them)")

    assembly = None
    if "assembly" in options.phases:
        say(f"\n== assembly: assemble and store a chronology of {ASSEMBLY_ENTRIES:,} entries (bench_assembly)")
        [(_, stages)] = list(measure_assembly((ASSEMBLY_ENTRIES,), args.assembly_repeat))
        wall_ms, cpu_ms = stages["total"]
        assembly = (wall_ms / 1000, cpu_ms / 1000)
        say(f"  {cpu_ms / 1000:.3f} s CPU, {wall_ms / 1000:.3f} s wall (median of {args.assembly_repeat})")

    phases: list[Phase] = []
    failures: list[str] = []
    if options.phases - {"assembly"} and executors:
        with tempfile.TemporaryDirectory(prefix="bench-throughput-") as folder:
            scratch = Path(folder)
            sandboxes = synchronous(load_sandbox_settings(HubSettings.from_env({"HUB_HOME": folder}), None))
            families = generated_families(scratch)
            lifted = lifted_rate_limits(scratch / "config") if args.lift_rate_limits else None
            workload = Workload(family_of(families, args.people), tuple(families), lifted)
            sizes = [len(family["subjects"]) for family in families]
            say(
                f"\nReferrals: submit and slow name {args.people} people; sustained takes {len(families)} generated "
                f"families in turn ({statistics.mean(sizes):.1f} people on average; `hub sandbox referrals "
                f"--year {GENERATED_YEAR} --scale {GENERATED_SCALE}`)"
            )
            say("Agencies answer at once (police and education synchronously), no faults")
            with SandboxCluster(settings=sandboxes, pki_dir=scratch / "tls") as cluster:
                if options.slow_agency not in cluster.endpoints:
                    parser.error(f"--slow-agency: no sandbox {options.slow_agency!r}")
                for executor in executors:
                    found, failed = run_executor(executor, cluster, scratch, options, workload)
                    phases.extend(found)
                    failures.extend(failed)

    table(phases, executors, options, assembly)
    if "sustained" in options.phases:
        for line in quota_ceilings(phases, lifted=args.lift_rate_limits):
            say(line)
    problems = [
        f"{phase.configuration.label} {phase.name}: {problem}" for phase in phases for problem in phase.problems
    ]
    for problem in [*failures, *problems]:
        say(f"PROBLEM: {problem}")
    say(f"Load after: {Path('/proc/loadavg').read_text().strip()}")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
