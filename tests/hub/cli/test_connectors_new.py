"""`hub connectors new`: a freshly scaffolded connector passes the contract kit unchanged, in a copy of the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hub.cli.test_bad_input import assert_clean_refusal, run_hub

COPIED = ("connectors", "schemas", "sandbox", "hub", "dags", "config", "tests", "pyproject.toml")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the hub's source, to scaffold into without touching the real one."""
    root = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
    for name in COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    for generated in root.glob("tests/**/*probation*"):
        pytest.fail(f"the copied tests already hold {generated}")
    return root


def run_in(checkout: Path, *command: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(checkout), "HUB_CONFIG_DIR": str(checkout / "config")}
    environment.pop("HUB_HOME", None)
    return subprocess.run(
        [sys.executable, *command], cwd=checkout, capture_output=True, text=True, env=environment, timeout=600
    )


def test_a_scaffolded_connector_passes_the_contract_kit_unchanged(checkout: Path) -> None:
    hub = ("-c", "from hub.cli import main; main()")
    created = run_in(checkout, *hub, "connectors", "new", "probation", "--title", "Probation", "--root", str(checkout))
    assert created.returncode == 0, created.stdout + created.stderr
    generated = [
        checkout / "connectors" / "probation.py",
        checkout / "tests" / "contract" / "agencies" / "probation.py",
        checkout / "tests" / "connectors" / "test_probation_connector.py",
    ]
    assert all(path.is_file() for path in generated)
    assert "connectors.probation:ProbationConnector" in (checkout / "config" / "agencies.yaml").read_text()

    suites = ("tests/contract", "tests/connectors/test_probation_connector.py")
    tests = run_in(checkout, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites, "-k", "probation")
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout

    paths = [str(path) for path in generated]
    lint = run_in(checkout, "-m", "ruff", "check", "--no-cache", *paths)
    assert lint.returncode == 0, lint.stdout
    formatted = run_in(checkout, "-m", "ruff", "format", "--check", "--no-cache", *paths)
    assert formatted.returncode == 0, formatted.stdout
    typed = run_in(checkout, "-m", "mypy", "--no-incremental", "--explicit-package-bases", str(generated[0]))
    assert typed.returncode == 0, typed.stdout
    layers = run_in(
        checkout, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()", "--no-cache"
    )
    assert layers.returncode == 0, layers.stdout[-3000:]  # the new agency is held to the agencies' import rule too


def test_new_refuses_a_bad_name_or_a_clash_and_writes_nothing(hub_home: Path, checkout: Path) -> None:
    before = sorted(path for path in checkout.rglob("*") if "__pycache__" not in path.parts)
    for name, root, refusal in [
        ("Police-West", checkout, "cannot be an agency id"),
        ("health", checkout, "already registered"),
        ("probation2", checkout / "nowhere", "does not exist"),
    ]:
        assert_clean_refusal(run_hub("connectors", "new", name, "--root", str(root), home=hub_home), refusal)
    after = sorted(path for path in checkout.rglob("*") if "__pycache__" not in path.parts)
    assert after == before
