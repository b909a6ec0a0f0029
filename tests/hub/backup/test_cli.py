"""`hub backup` and `hub restore` as an operator runs them: real processes, one killed with SIGKILL mid-restore.

A refusal's one line (`error: ...`, no traceback) is `hub.cli.main`'s, tested for every command in tests/hub/cli.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from hub.backup import HomeNotEmpty
from hub.cli import app
from hub.store.home import open_store
from tests.hub.backup.conftest import home_settings
from tests.hub.backup.populated import everything, populate
from tests.hub.cli.test_bad_input import HUB, run_hub

KILLED_AT = ("Loading", "Checking that every record")
"""Progress lines a restore prints: while the rows load into the staging copy, and after its trail verified."""


def _killed_at(archive: Path, home: Path, line_start: str) -> None:
    """Start `hub restore`, and kill -9 it the moment it prints a line starting `line_start`."""
    environment = {**os.environ, "HUB_HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    process = subprocess.Popen(
        [HUB, "restore", str(archive)], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith(line_start):
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
        process.stdout.close()
        assert process.stderr is not None
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, f"the restore ended before printing {line_start!r}"


def _nothing_in_place(home: Path) -> bool:
    """No database, no key file and no witness where the home keeps them (staging copies are not the home)."""
    keys = [path for path in (home / "keys").rglob("*") if path.is_file()]
    return not (home / "hub.db").exists() and not keys and not (home / "audit" / "witness.log").exists()


def test_backup_then_restore_killed_part_way_then_finished(tmp_path: Path) -> None:
    source = tmp_path / "home"
    store = open_store(home_settings(source))
    populate(store)
    held = everything(store)
    store.close()

    backed_up = run_hub("backup", "--to", str(tmp_path / "backups"), home=source)
    assert backed_up.returncode == 0, backed_up.stderr
    said = " ".join(backed_up.stdout.split())
    assert "Backup written:" in said and "HOLDS THE KEYS" in said and "SHA-256" in said
    [archive] = (tmp_path / "backups").glob("mash-hub-backup-*.tar")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "Okafor" not in backed_up.stdout + backed_up.stderr

    target = tmp_path / "restored"
    for line_start in KILLED_AT:
        _killed_at(archive, target, line_start)
        assert _nothing_in_place(target)

    restored = run_hub("restore", str(archive), home=target)
    assert restored.returncode == 0, restored.stderr
    said = " ".join(restored.stdout.split())
    assert "leftovers of an earlier restore" in said and "Audit trail intact" in said
    assert "hub retention run" in said
    store = open_store(home_settings(target))
    assert everything(store) == held
    store.close()

    again = CliRunner().invoke(app, ["restore", str(archive)], env={"HUB_HOME": str(target)})  # no third process
    assert isinstance(again.exception, HomeNotEmpty) and "Nothing was changed" in str(again.exception)
    assert len(str(again.exception).splitlines()) == 1
