"""`hub airflow init` (compose's init service) against a real Airflow: migrated, one pool per agency.

The scheduler never starts a task whose pool does not exist, so a missing pool would leave every
check of that agency waiting forever; these pools must follow `config/agencies.yaml`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.airflow
HUB = str(Path(sys.executable).parent / "hub")


def _init(home: Path, config_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("AIRFLOW", "HUB_"))}
    environment.update(
        {
            "HUB_HOME": str(home),
            "HUB_CONFIG_DIR": str(config_dir),
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow' / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "COLUMNS": "200",
        }
    )
    return subprocess.run([HUB, "airflow", "init"], capture_output=True, text=True, env=environment, timeout=300)


def _pools(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "airflow" / "airflow.db") as database:
        return dict(database.execute("SELECT pool, slots FROM slot_pool WHERE pool LIKE 'agency_%'").fetchall())


def _write_registry(config_dir: Path, agencies: list[dict[str, object]]) -> None:
    (config_dir / "agencies.yaml").write_text(yaml.safe_dump({"agencies": agencies}, sort_keys=False))


def test_init_creates_each_agencys_pool_and_follows_registry_changes(tmp_path: Path, config_copy: Path) -> None:
    home, config_dir = tmp_path / "hub-home", config_copy
    agencies = yaml.safe_load((config_dir / "agencies.yaml").read_text())["agencies"]

    first = _init(home, config_dir)

    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert _pools(home) == {f"agency_{entry['id']}": entry.get("pool", {}).get("slots", 4) for entry in agencies}
    assert "agency_housing (2 slots)" in " ".join(first.stdout.split())

    police = next(entry for entry in agencies if entry["id"] == "police")
    west = {**police, "id": "police_west", "name": "Police (West force)", "pool": {"slots": 3}}
    police["pool"] = {"slots": 6}
    _write_registry(config_dir, [*agencies, west])

    again = _init(home, config_dir)

    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    pools = _pools(home)
    assert (pools["agency_police"], pools["agency_police_west"]) == (6, 3)


def test_init_refuses_a_broken_registry_in_one_line_before_touching_airflow(tmp_path: Path) -> None:
    home, config_dir = tmp_path / "hub-home", tmp_path / "config"
    config_dir.mkdir()
    _write_registry(config_dir, [{"id": "health", "name": "Health", "pool": {"slots": 0}}])

    result = _init(home, config_dir)

    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "agencies.yaml" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one message (rich may wrap it), no traceback
    assert not (home / "airflow" / "airflow.db").exists()


def test_init_names_the_airflow_command_that_failed_in_one_line(tmp_path: Path, config_copy: Path) -> None:
    """Migrating and importing the pools run in one Airflow process; a failure still says which of them failed.

    A deployment's init container shows Airflow's own output (its traceback here) above the hub's one line.
    """
    home = tmp_path / "hub-home"
    (home / "airflow").mkdir(parents=True)
    (home / "airflow" / "airflow.db").write_bytes(b"not a SQLite database, " * 8)

    result = _init(home, config_copy)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "error: Airflow's database migration failed; see its output above."
    assert "file is not a database" in result.stderr
    assert "Uploaded" not in result.stdout  # the pools were never imported
