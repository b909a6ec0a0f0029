"""The core never imports Airflow: checked statically over every module, and at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ("hub", "connectors", "schemas", "sandbox")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_modules_never_import_airflow(package: str) -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if any(name == "airflow" or name.startswith("airflow.") for name in _imported_modules(path))
    ]
    assert offenders == []


def test_importing_the_core_loads_no_airflow() -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        f"for package in {CORE_PACKAGES!r}:\n"
        "    module = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(module.__path__, package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "loaded = sorted(name for name in sys.modules if name == 'airflow' or name.startswith('airflow.'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
