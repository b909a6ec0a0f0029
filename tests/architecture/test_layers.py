"""The import layers in pyproject.toml hold, and each one fails when code crosses it.

The contracts run with import-linter exactly as a developer runs them (`lint-imports`). Each
forbidden import is planted in a copy of the packages, so the checkout itself is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "connectors", "hub", "sandbox")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = [
    contract["name"]
    for contract in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
]


def contract_named(start: str) -> str:
    """The one contract whose name starts so (names are long; the table below gives their opening words)."""
    (name,) = [name for name in CONTRACTS if name.startswith(start)]
    return name


def broken_contracts(output: str) -> list[str]:
    """The contracts lint-imports reported broken (it wraps long names, so read the output as one line)."""
    flat = " ".join(output.split())
    return [name for name in CONTRACTS if f"{name} BROKEN" in flat]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the packages under `root`, with the contracts in `root`'s pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def copy_of_the_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_every_contract_is_kept() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


# (module to plant, its source, the contract that must break)
CROSSINGS = [
    ("schemas/leak.py", "import hub.settings\n", "schemas imports nothing of the project"),
    ("connectors/sdk/leak.py", "import connectors.police\n", "The connector SDK imports only schemas"),
    ("connectors/sdk/leak.py", "from hub.errors import UserError\n", "The connector SDK imports only schemas"),
    (
        "connectors/probation.py",
        "from connectors.housing import HousingConnector\n",
        "An agency's connector imports only the connector SDK and schemas, never another",
    ),
    (
        "connectors/probation.py",
        "from hub.store import HubStore\n",
        "An agency's connector imports only the connector SDK and schemas, never another",
    ),
    (
        "hub/chronology/leak.py",
        "from sandbox.model.truth import TruePerson\n",
        "Only the hub's runtime and CLI, and the contract kit, import the sandboxes",
    ),
    ("hub/store/leak.py", "import airflow.sdk\n", "Nothing outside dags/ imports Airflow"),
    (
        "hub/store/leak.py",
        "from hub.checks.steps import plan_checks\n",
        "The hub's packages in layers: each imports only those below it",
    ),
    ("hub/unplaced/__init__.py", '"""A new room, not yet placed in the layers."""\n', "The hub's packages in layers"),
    (
        "hub/runtime/leak.py",
        "from hub.web.app import create_app\n",
        "The hub's packages in layers: each imports only those below it",
    ),
    (
        "hub/web/leak.py",
        "from sandbox.model.truth import TruePerson\n",
        "Only the hub's runtime and CLI, and the contract kit, import the sandboxes",
    ),
    (
        "sandbox/common/leak.py",
        "from sandbox.health.app import create_app\n",
        "The sandbox in layers: the server over the agencies over the shared model and",
    ),
    (
        "hub/checks/leak.py",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from hub.cli import app\n",
        "The hub's packages in layers: each imports only those below it",
    ),
    (
        "hub/audit/events.py",
        "from hub.audit import AuditEvent\n",
        "No import cycles between modules, a package's __init__ included",
    ),
    (
        "hub/intake/leak.py",
        "import hub.intake.back\n",
        "No import cycles between modules, a package's __init__ included",
    ),
]


@pytest.mark.parametrize(("module", "source", "contract"), CROSSINGS, ids=[c[0] + ":" + c[1][:30] for c in CROSSINGS])
def test_a_forbidden_import_breaks_its_contract(
    copy_of_the_packages: Path, module: str, source: str, contract: str
) -> None:
    planted = [copy_of_the_packages / module]
    planted[0].parent.mkdir(parents=True, exist_ok=True)
    planted[0].write_text(source, encoding="utf-8")
    if module == "hub/intake/leak.py":  # a two-module cycle: leak -> back -> leak
        planted.append(copy_of_the_packages / "hub" / "intake" / "back.py")
        planted[1].write_text("import hub.intake.leak\n", encoding="utf-8")
    if module == "hub/audit/events.py":  # the package re-exports this child, which imports the package
        init = copy_of_the_packages / "hub" / "audit" / "__init__.py"
        original = init.read_text(encoding="utf-8")
        init.write_text(original + "from hub.audit.events import *  # noqa: F403\n", encoding="utf-8")
    try:
        result = lint_imports(copy_of_the_packages)
    finally:
        for path in planted:
            path.unlink()
        if module == "hub/unplaced/__init__.py":
            planted[0].parent.rmdir()
        if module == "hub/audit/events.py":
            init.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout[-3000:]
    broken = broken_contracts(result.stdout)
    assert contract_named(contract) in broken, result.stdout[-3000:]
    assert len(broken) <= 2, broken  # the crossing is reported where it belongs, not everywhere
