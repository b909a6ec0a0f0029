"""The hub's check code loaded once in the Airflow processes that fork tasks (`hub.runtime.task_preload`).

Measured before: every check and assembly task imported the hub itself, about a second of CPU each on
2 cores, six times a referral. Airflow runs `$AIRFLOW_HOME/config/airflow_local_settings.py` in each of
its processes; the file the hub writes preloads the code in schedulers and Celery workers only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hub.runtime.task_preload import LOCAL_SETTINGS, PRELOADED, starts_tasks, write_local_settings
from hub.settings import REPO_ROOT

PROBE = """
import sys
sys.argv = {argv!r}
import airflow.settings  # imports airflow_local_settings from $AIRFLOW_HOME/config, as every Airflow process does
print("loaded:" + ",".join(sorted(name for name in {modules!r} if name in sys.modules)))
"""


@pytest.mark.parametrize(
    ("argv", "forks_tasks"),
    [
        (["airflow", "scheduler", "--skip-serve-logs"], True),
        (["airflow", "celery", "worker", "--celery-hostname", "w1"], True),
        (["airflow", "api-server"], False),
        (["airflow", "dag-processor"], False),
        (["airflow", "triggerer", "--skip-serve-logs"], False),
        (["airflow", "db", "migrate"], False),
        (["airflow", "celery", "flower"], False),
        (["airflow"], False),
    ],
)
def test_only_schedulers_and_celery_workers_start_tasks(argv: list[str], forks_tasks: bool) -> None:
    assert starts_tasks(argv) is forks_tasks


@pytest.mark.parametrize(("command", "preloaded"), [("scheduler", True), ("api-server", False)])
def test_airflow_runs_the_written_local_settings_and_preloads_only_where_tasks_are_forked(
    tmp_path: Path, command: str, preloaded: bool
) -> None:
    """A fresh interpreter, as Airflow starts one: `import airflow` runs the file the hub wrote."""
    written = write_local_settings(tmp_path / "airflow")
    assert written == tmp_path / "airflow" / "config" / "airflow_local_settings.py"
    assert written.stat().st_mode & 0o777 == 0o600
    probe = PROBE.format(argv=["airflow", command], modules=list(PRELOADED))
    env = {"AIRFLOW_HOME": str(tmp_path / "airflow"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-2000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("loaded:")]
    loaded = set(filter(None, line.removeprefix("loaded:").split(",")))
    assert loaded == (set(PRELOADED) if preloaded else set())


def test_the_helm_values_carry_the_same_local_settings() -> None:
    values = yaml.safe_load((REPO_ROOT / "deploy" / "kubernetes" / "airflow-values.yaml").read_text())
    assert values["airflowLocalSettings"] == LOCAL_SETTINGS
