"""Choosing Airflow's executor from the environment: the LocalExecutor unless the CeleryExecutor is asked for in full.

No Airflow runs here: these are the settings `hub airflow up` turns into Airflow's configuration and
services (the CeleryExecutor running for real is tests/e2e/test_celery.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.checks.airflow_api import API_USER, AirflowApi
from hub.errors import UserError
from hub.runtime.airflow import AirflowServices, ExecutorSettings, airflow_environment, loopback_hostname
from hub.settings import HubSettings

CELERY = {
    "HUB_AIRFLOW_EXECUTOR": "CeleryExecutor",
    "HUB_AIRFLOW_DATABASE_URL": "postgresql+psycopg2://airflow:s3cret-pw@db.internal:5432/airflow",
    "HUB_CELERY_BROKER_URL": "redis://:s3cret-pw@redis.internal:6379/3",
}


def test_the_default_is_the_local_executor_on_sqlite_unchanged(hub_home: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(hub_home)})
    api = AirflowApi("http://127.0.0.1:8080", API_USER, "pw")
    env = airflow_environment(settings, api, 8793, ExecutorSettings.from_env({}))
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{settings.airflow_home / 'airflow.db'}"
    assert not [name for name in env if name.startswith("AIRFLOW__CELERY__")]
    assert ExecutorSettings.from_env({}).worker_services() == ()


def test_the_celery_executor_sets_airflows_queue_results_and_workers(hub_home: Path) -> None:
    executor = ExecutorSettings.from_env({**CELERY, "HUB_CELERY_WORKERS": "3"})
    env = executor.environment(hub_home)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == CELERY["HUB_AIRFLOW_DATABASE_URL"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == CELERY["HUB_CELERY_BROKER_URL"]
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + CELERY["HUB_AIRFLOW_DATABASE_URL"]
    assert executor.worker_services() == tuple(name for n in (1, 2, 3) for name in (f"worker-{n}", f"worker-{n}-logs"))


def test_each_celery_worker_and_its_log_server_have_a_loopback_address_of_their_own(
    hub_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CELERY.items():
        monkeypatch.setenv(name, value)
    services = AirflowServices(HubSettings.from_env())
    assert services.command("worker-2")[-5:] == [
        "celery",
        "worker",
        "--celery-hostname",
        "worker-2@127.0.0.3",
        "--skip-serve-logs",
    ]
    logs = services.command("worker-2-logs")
    assert logs[logs.index("--host") + 1] == "127.0.0.3" == services.worker_address(2)
    assert services.command("log-server")[services.command("log-server").index("--host") + 1] == "127.0.0.1"
    monkeypatch.setenv("HUB_AIRFLOW_HOSTNAME", services.environment("worker-2")["HUB_AIRFLOW_HOSTNAME"])
    assert loopback_hostname() == "127.0.0.3"  # what Airflow records as the hostname of worker 2's tasks
    assert "HUB_AIRFLOW_HOSTNAME" not in services.environment("scheduler")
    assert services.executor_summary() == (
        "CeleryExecutor with 2 workers here (worker-1 at 127.0.0.2, worker-2 at 127.0.0.3). "
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"HUB_AIRFLOW_EXECUTOR": "KubernetesExecutor"}, "HUB_AIRFLOW_EXECUTOR is 'KubernetesExecutor'"),
        ({"HUB_AIRFLOW_DATABASE_URL": ""}, "needs Airflow's metadata on PostgreSQL"),
        ({"HUB_AIRFLOW_DATABASE_URL": "sqlite:////tmp/airflow.db"}, "needs Airflow's metadata on PostgreSQL"),
        ({"HUB_CELERY_BROKER_URL": "amqp://guest:s3cret-pw@mq/"}, "set HUB_CELERY_BROKER_URL to a redis:// URL"),
        ({"HUB_CELERY_WORKERS": "two"}, "HUB_CELERY_WORKERS is 'two'"),
    ],
)
def test_an_incomplete_celery_setting_is_one_line_that_never_shows_a_password(
    change: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError) as refused:
        ExecutorSettings.from_env({**CELERY, **change})
    assert message in str(refused.value)
    assert "s3cret" not in str(refused.value) and "\n" not in str(refused.value)
