"""Probing a running Airflow from an end-to-end test: wait for a condition, read a run's task instances."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from hub.checks.airflow_api import DAG_ID, AirflowApi

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.1) -> T:
    """`probe()`'s first truthy answer, asked every `interval` s; an AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


def task_instances(api: AirflowApi, run_id: str) -> list[dict[str, Any]]:
    """The run's task instances from Airflow's REST API (ids, states, tries, hostnames)."""
    token = requests.post(
        f"{api.base_url}/auth/token", json={"username": api.username, "password": api.password}, timeout=30
    ).json()["access_token"]
    answer = requests.get(
        f"{api.base_url}/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    instances: list[dict[str, Any]] = answer.json()["task_instances"]
    return instances
