"""The Airflow stacks `bench_throughput.py` compares: LocalExecutor on SQLite, CeleryExecutor on PostgreSQL and Redis.

Each configuration (executor and worker count) is its own Airflow with a fresh `$HUB_HOME`, a fresh
Airflow metadata database and a fresh hub store, so no configuration inherits another's runs, rows or
queue, and each starts from the same state. The agency sandboxes are started once by the caller and
recorded in each configuration's home.

- LocalExecutor: SQLite for Airflow and the hub under the home (the embedded default); "workers" is
  `[core] parallelism`, the LocalExecutor's worker processes.
- CeleryExecutor: as `tests/e2e/test_celery.py` runs it: Airflow's metadata in a PostgreSQL database
  of its own (created, then dropped), the hub's store in a PostgreSQL schema of its own (the store
  tests' `postgres_schema`, dropped), the Celery queue in a Redis database index no one else uses
  (flushed after each configuration, and only it). "workers" is `HUB_CELERY_WORKERS`, each running
  `worker_concurrency` tasks at once; `[core] parallelism` is raised to workers x concurrency, else the
  hub's default of 4 would leave 4 workers' 8 slots half idle.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from hub.runtime.airflow import CELERY_EXECUTOR, LOCAL_EXECUTOR, AirflowServices, ExecutorSettings
from hub.runtime.sandboxes import forget_sandboxes, record_sandboxes
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.conftest import postgres_database, postgres_schema

if TYPE_CHECKING:
    from sandbox.server import SandboxCluster

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CLAIM_KEY = "hub-bench-claim"


@dataclass(frozen=True)
class Configuration:
    """One executor with a number of workers."""

    executor: str
    """`LOCAL_EXECUTOR` or `CELERY_EXECUTOR`."""
    workers: int
    concurrency: int = 1
    """Tasks each worker runs at once. A Celery worker is a process with that many slots; the LocalExecutor
    has one worker process per slot, so its "workers" here are groups of `concurrency` slots, for the same
    task slots side by side."""

    @property
    def celery(self) -> bool:
        return self.executor == CELERY_EXECUTOR

    @property
    def parallelism(self) -> int:
        """Task instances Airflow runs at once: every slot of every worker."""
        return self.workers * self.concurrency

    @property
    def label(self) -> str:
        return f"{'celery' if self.celery else 'local'}-{self.workers}x{self.concurrency}"

    def describe(self) -> str:
        if self.celery:
            return (
                f"CeleryExecutor, {self.workers} worker(s) x concurrency {self.concurrency} "
                f"(parallelism {self.parallelism})"
            )
        return f"LocalExecutor, parallelism {self.parallelism} ({self.workers} x {self.concurrency} slots)"


@dataclass
class Stack:
    """A running configuration: the hub's settings, Airflow's services, and the sandboxes."""

    configuration: Configuration
    settings: HubSettings
    services: AirflowServices
    cluster: SandboxCluster
    ready_seconds: float

    @property
    def api_server_log(self) -> Path:
        return self.services.log_dir / "api-server.log"


@contextmanager
def redis_index() -> Iterator[redis.Redis]:
    """An empty Redis database index, claimed so another run takes another; flushed afterwards (it alone)."""
    claim = f"hub-bench-{uuid.uuid4().hex}"
    for index in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=index)
        if client.dbsize() == 0 and client.set(CLAIM_KEY, claim, nx=True):
            break
        client.close()
    else:
        raise RuntimeError("no empty Redis database index (1-15) to use for the Celery queue")
    try:
        yield client
    finally:
        client.flushdb()  # this index alone
        client.close()


def broker_url(client: redis.Redis) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{client.connection_pool.connection_kwargs['db']}"


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """These environment variables for the duration (the hub's settings and Airflow's services read them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def airflow_stack(
    configuration: Configuration,
    cluster: SandboxCluster,
    scratch: Path,
    broker: redis.Redis | None = None,
    config_dir: Path | None = None,
) -> Iterator[Stack]:
    """Start the configuration's Airflow (api-server, scheduler, dag-processor, triggerer, log server, and any
    Celery workers) on fresh databases, wait until the DAG is loaded, and stop everything afterwards.

    `config_dir` is the hub's config folder (`HUB_CONFIG_DIR`), when not the repository's."""
    with ExitStack() as stack:
        values = {"HUB_HOME": str(scratch / configuration.label)}
        if config_dir is not None:
            values["HUB_CONFIG_DIR"] = str(config_dir)
        airflow_database: str | None = None
        if configuration.celery:
            assert broker is not None, "the CeleryExecutor needs a Redis index"
            stack.callback(broker.flushdb)  # runs after Airflow has stopped: no message outlives its stack
            airflow_database = stack.enter_context(postgres_database("airflow_bench"))
            values["HUB_DATABASE_URL"] = stack.enter_context(postgres_schema())  # the store's tests' own
        stack.enter_context(environment(values))
        settings = HubSettings.from_env()
        settings.ensure_home()
        open_store(settings).close()  # the hub's schema, made once before any task opens the store
        record_sandboxes(settings, cluster)
        stack.callback(forget_sandboxes, settings)
        if configuration.celery:
            assert broker is not None
            executor = ExecutorSettings(CELERY_EXECUTOR, airflow_database, broker_url(broker), configuration.workers)
        else:
            executor = ExecutorSettings(LOCAL_EXECUTOR)
        services = AirflowServices(settings, executor=executor)
        services.env["AIRFLOW__CORE__PARALLELISM"] = str(configuration.parallelism)
        if configuration.celery:
            services.env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = str(configuration.concurrency)
        started = time.monotonic()
        stack.callback(services.stop)  # whatever started, even if starting failed half-way
        services.prepare()
        services.start()
        services.wait_until_ready()
        yield Stack(configuration, settings, services, cluster, time.monotonic() - started)
