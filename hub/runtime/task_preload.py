"""Load the hub's check code once in the Airflow processes that start tasks, so each task inherits it.

Airflow 3 runs every task in a process forked from the one that took it: a LocalExecutor worker
(itself forked from the scheduler) or a Celery worker's pool process (forked from the worker). A
forked process shares what its parent had already imported, so a module the parent loaded costs the
task nothing. Without this, each task imported `hub.checks.steps` and everything beneath it (the
store, SQLAlchemy, pydantic models, the connectors, the deadline calendar): about a second of CPU on
2 cores before any check began, six times a referral (docs/deployment.md, "Throughput").

Airflow imports `airflow_local_settings` from `$AIRFLOW_HOME/config` in every one of its processes
as it starts (its documented hook for cluster policies and settings). `LOCAL_SETTINGS` is that file's
text: it calls `preload_for_tasks`, which does the imports only in a scheduler or Celery worker (the
api-server, dag-processor and triggerer never run a task). `hub airflow init`, `hub airflow up` and
`hub demo` write it (`write_local_settings`); with the Airflow Helm chart, the `airflowLocalSettings`
value holds the same text (deploy/kubernetes/airflow-values.yaml). It imports code only: no database
is opened and no setting is read, so a fork never inherits a connection or a secret.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from hub.settings import write_private

LOCAL_SETTINGS_FILE = "airflow_local_settings.py"
PRELOADED = (
    "hub.checks.steps",
    "hub.agencies",
    "connectors.health",
    "connectors.police",
    "connectors.education",
    "connectors.housing",
    "hub.chronology.assembly",
)
"""What a check or assembly task imports; a registry's other connectors load in the task as before."""
LOCAL_SETTINGS = '''"""Airflow local settings written by MASH Hub (hub.runtime.task_preload): preload the checks' code.

Airflow imports this module in each of its processes; only schedulers and Celery workers, which
start tasks, import the hub's check code here, so that every task they fork inherits it.
"""

from hub.runtime.task_preload import preload_for_tasks

__all__: list[str] = []  # no cluster policy or settings override: Airflow copies public names

preload_for_tasks()
'''
"""The text of `$AIRFLOW_HOME/config/airflow_local_settings.py` (and of the chart's `airflowLocalSettings`)."""

log = logging.getLogger(__name__)


def starts_tasks(argv: Sequence[str]) -> bool:
    """Whether an Airflow command line is a process that forks tasks: `airflow scheduler` or `airflow celery worker`."""
    words = [word for word in argv[1:] if not word.startswith("-")]
    return words[:1] == ["scheduler"] or words[:2] == ["celery", "worker"]


def preload_for_tasks(argv: Sequence[str] | None = None) -> list[str]:
    """Import `PRELOADED` in a process that starts tasks; returns what was imported (nothing elsewhere).

    A module that fails to import is skipped with a warning naming it: the task will import it itself
    and report the failure where it belongs, in that task's log, rather than stop the scheduler here.
    """
    if not starts_tasks(sys.argv if argv is None else argv):
        return []
    loaded = []
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - see docstring; the type alone is logged
            log.warning("MASH Hub: could not preload %s for tasks (%s)", name, type(error).__name__)
        else:
            loaded.append(name)
    return loaded


def write_local_settings(airflow_home: Path) -> Path:
    """Write `$AIRFLOW_HOME/config/airflow_local_settings.py` (readable by this user alone)."""
    return write_private(airflow_home / "config" / LOCAL_SETTINGS_FILE, LOCAL_SETTINGS.encode("utf-8"))
