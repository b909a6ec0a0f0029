"""Start-up figures: what a command and an Airflow task pay before doing any work.

- `hub --help` and a sub-command's help (goal: under 0.3 s): the CLI imports a command's work only
  when that command runs.
- Parsing the DAG file, which the dag-processor does and every task process does again: Airflow's
  own `airflow.sdk`, then what the DAG file adds (only the registry's entries, no connector).
- What each task imports on top of the parsed DAG file to run its step (plan, a check, assemble).

Each figure is the median wall time of fresh interpreters (bytecode compiled, as `uv sync` leaves
it). Run with `uv run python bench/bench_startup.py [--runs N]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HUB = Path(sys.executable).parent / "hub"
DAG_FILE = REPO_ROOT / "dags" / "mash_referral.py"
PROJECT = ("hub", "connectors", "schemas", "sandbox")

PARSE_DAG = f"import runpy; runpy.run_path({str(DAG_FILE)!r})"
TASK_STEPS = {
    "plan": "from hub.checks.steps import plan_checks",
    "check (police)": "from hub.checks.steps import run_check; from hub.agencies import build_connector",
    "assemble": "from hub.checks.steps import assemble_chronologies",
}
COUNT_MODULES = (
    "import sys, json; print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in {project!r})))"
)


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def project_modules(code: str, env: dict[str, str]) -> list[str]:
    probe = f"{code}\n{COUNT_MODULES.format(project=set(PROJECT))}"
    output = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    loaded: list[str] = json.loads(output.stdout.strip().splitlines()[-1])
    return loaded


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Fresh interpreters per figure (the median is shown).")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
        env = {
            **os.environ,
            "HUB_HOME": home,
            "AIRFLOW_HOME": str(Path(home) / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FILE.parent),
        }
        print(f"Start-up, median of {runs} fresh interpreters (goal for `hub --help`: under 0.3 s)")
        bare = median_seconds(python("pass"), env, runs)
        print(f"  {'python -c pass':<44} {bare * 1e3:7.0f} ms")
        for argv in (["--help"], ["connectors", "--help"], ["linkage", "estimate", "--help"]):
            seconds = median_seconds([str(HUB), *argv], env, runs)
            print(f"  {'hub ' + ' '.join(argv):<44} {seconds * 1e3:7.0f} ms")
        help_modules = project_modules("import sys; sys.argv = ['hub', '--help']\nfrom hub.cli import app", env)
        print(f"  {'project modules loaded by the command tree':<44} {len(help_modules):7d}")

        print("Airflow tasks: parsing the DAG file (the dag-processor, and again in every task process)")
        sdk = median_seconds(python("import airflow.sdk"), env, runs)
        dag = median_seconds(python(PARSE_DAG), env, runs)
        print(f"  {'import airflow.sdk alone':<44} {sdk * 1e3:7.0f} ms")
        added = f"(the project adds {(dag - sdk) * 1e3:.0f} ms)"
        print(f"  {'parse dags/mash_referral.py':<44} {dag * 1e3:7.0f} ms  {added}")
        dag_modules = project_modules(PARSE_DAG, env)
        print(f"  {'project modules the DAG file loads':<44} {len(dag_modules):7d}  ({', '.join(dag_modules)})")
        for step, imports in TASK_STEPS.items():
            seconds = median_seconds(python(f"{PARSE_DAG}\n{imports}"), env, runs)
            print(f"  {'+ imports to run ' + step:<44} {(seconds - dag) * 1e3:7.0f} ms on top of the parsed DAG")


if __name__ == "__main__":
    main()
