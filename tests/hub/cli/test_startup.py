"""Imports follow use: help texts and the DAG file load none of the work behind them.

How long start-up takes is measured by bench/bench_startup.py; these tests pin down what makes it
short, which does not depend on the machine: the modules that get imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("sandbox", "schemas", "sqlalchemy", "requests", "jinja2", "fhir", "airflow", "cryptography", "lxml")
"""Packages behind the commands: none of them is needed to say what the commands are (pydantic is typer's own)."""
WORK = ("hub.checks", "hub.chronology", "hub.linkage", "hub.store", "hub.runtime", "hub.crypto", "hub.audit")
LOADED = "import json, sys\nprint(json.dumps(sorted(sys.modules)))"


def modules_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{LOADED}"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("argv", [["--help"], ["connectors", "--help"], ["sandbox", "up", "--help"], ["linkage"]])
def test_help_loads_none_of_the_work_behind_the_commands(argv: list[str]) -> None:
    show_help = f"import sys\nsys.argv = ['hub', *{argv!r}]\nfrom hub.cli import app\n"
    loaded = modules_after(show_help + "try:\n    app()\nexcept SystemExit:\n    pass")
    assert "hub.cli.referral" in loaded  # the whole command tree was built
    heavy = [name for name in loaded if name.split(".")[0] in HEAVY or name.startswith(WORK)]
    agencies = [name for name in loaded if name.startswith("connectors.") and name != "connectors.scaffold"]
    assert heavy == [] and agencies == []


def test_parsing_the_dag_file_loads_no_connector_and_no_step(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HUB_HOME": str(tmp_path / "home"),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    loaded = modules_after(f"import runpy\nrunpy.run_path({str(REPO_ROOT / 'dags' / 'mash_referral.py')!r})", env)
    assert "airflow.sdk" in loaded and "connectors.sdk.registry" in loaded  # parsed, registry read
    project = [name for name in loaded if name.split(".")[0] in ("hub", "connectors", "sandbox")]
    # The Deadline Alert's callback is named by path, and Airflow imports that module to check it: it is
    # a stdlib-only module whose work is imported inside the callback.
    light = {"hub.checks", "hub.checks.deadline_alert"}
    assert [
        name for name in project if (name.startswith(WORK) and name not in light) or name.startswith("sandbox")
    ] == []
    assert [name for name in project if name.startswith("connectors.") and ".sdk" not in name] == []
    assert "connectors.sdk.base" not in loaded and "fhir.resources" not in loaded
