"""Everything the hub keeps under `$HUB_HOME` is its user's alone: files 0600, folders 0700.

Measured before (issue 12): `hub.db` was 0644, so another local user copied it and read the referral
ids, RAG ratings, per-agency record counts and the whole audit trail. These tests run real hub code on
a fresh home (the store on SQLite, a report, Airflow's and the runtime's files, the `hub` command as a
process) and walk the whole home afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build
from hub.chronology.report import write_html
from hub.runtime.airflow import AirflowServices, write_pools_file
from hub.runtime.runfiles import PublishedFile
from hub.settings import HubSettings, open_private_log
from hub.store.home import open_store
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.hub.cli.test_bad_input import HUB

WHO = {"actor": "pipeline", "purpose": "MASH checks"}
OPEN_TO_OTHERS = 0o077


def open_to_others(root: Path) -> list[str]:
    """Every file or folder under `root` (itself included) that its group or other users may use."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and mode & OPEN_TO_OTHERS:
            found.append(f"{path.relative_to(root.parent)} {stat.filemode(mode)}")
    return found


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run with a permissive umask, as a library caller (a test, a bench) may: the hub must not rely on it."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_home_after_storing_a_referral_and_writing_a_report_is_owner_only(tmp_path: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    with umask(0o022):
        store = open_store(settings)
        try:
            referral = example_referral()
            store.save_referral(referral, **WHO)
            for answer in household_replies():
                store.save_reply(answer, actor="pipeline")
            for chronology in assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT):
                store.save_chronology(chronology, **WHO)
            chronologies = store.latest_chronologies(REFERRAL_ID, **WHO)
            companions = [settings.home / name for name in ("hub.db-wal", "hub.db-shm")]
            assert all(path.exists() for path in companions)  # what SQLite creates itself, while the store is open
            history = build(referral, chronologies, ["health", "police", "education", "housing"])
            report = write_html(history, settings.reports_dir / f"{REFERRAL_ID}.html")
            assert "Okafor" in report.read_text()
            assert open_to_others(settings.home) == []
        finally:
            store.close()
        services = AirflowServices(settings)  # Airflow's folder and secret key, as `hub airflow up` makes them
        write_pools_file(settings, {"agency_police": {"slots": 2}})
        PublishedFile.write(settings.airflow_api_file, services.api.to_json().encode())
        with open_private_log(services.log_dir / "scheduler.log") as log:
            log.write(b"started\n")
    assert (settings.airflow_home / "secret.key").exists()
    assert open_to_others(settings.home) == []


def test_an_older_home_left_open_is_closed_once_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A home an older version made: folders 0755, the database and its WAL 0644, a report 0644, Airflow's logs."""
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    with umask(0o022):
        store = open_store(settings)
        store.save_referral(example_referral(), **WHO)
        store.close()
        logs = settings.airflow_home / "logs" / "dag_id=checks"
        older = [settings.home / "hub.db", settings.home / "hub.db-wal", settings.reports_dir / "REF-OLD.html"]
        older += [logs / "attempt=1.log", settings.airflow_home / "airflow.db"]
        for path in older:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            path.chmod(0o644)
        for folder in (settings.home, settings.reports_dir, logs):
            folder.chmod(0o755)
        assert len(open_to_others(settings.home)) >= 8

        settings.ensure_home()
        notice = capsys.readouterr().err
        assert open_to_others(settings.home) == []
        assert notice.count("\n") == 1 and "notice: took group and other access off" in notice
        assert str(settings.home) in notice

        store = open_store(settings)  # a normal start: nothing to say
        store.close()
    assert capsys.readouterr().err == ""
    assert open_to_others(settings.home) == []


def test_a_folder_left_open_inside_a_closed_home_is_closed_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The home is 0700, but one of its folders was opened by hand (or made by an older version)."""
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    settings.ensure_home()
    witness = settings.audit_witness_path
    witness.parent.mkdir(mode=0o755)
    witness.parent.chmod(0o755)
    witness.touch(mode=0o644)
    witness.chmod(0o644)

    settings.ensure_home()

    assert open_to_others(settings.home) == []
    assert "took group and other access off 2 files and folders" in capsys.readouterr().err


def test_the_sandboxes_default_population_under_the_home_is_owner_only(tmp_path: Path) -> None:
    """Synthetic people, but under `$HUB_HOME` all the same (the dataset writer publishes its folder 0755)."""
    from rich.console import Console

    from hub.runtime.sandboxes import open_population

    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    settings.ensure_home()
    with umask(0o022):
        dataset = open_population(settings, None, people=200, seed=7, console=Console(quiet=True))
    assert dataset.directory.is_relative_to(settings.sandbox_dir) and any(dataset.directory.iterdir())
    assert open_to_others(settings.home) == []


def test_an_existing_database_file_left_open_is_closed_when_the_store_opens_it(tmp_path: Path) -> None:
    """Also a database outside `$HUB_HOME` (`HUB_DATABASE_URL`), which `ensure_home` never walks."""
    database = tmp_path / "elsewhere" / "hub.db"
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home"), "HUB_DATABASE_URL": f"sqlite:///{database}"})
    with umask(0o022):
        open_store(settings).close()
        database.chmod(0o644)
        store = open_store(settings)
        store.save_referral(example_referral(), **WHO)
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE(database.with_name("hub.db-wal").stat().st_mode) == 0o600
        store.close()


def process_umask(pid: int) -> int | None:
    """The process's umask; None once it has exited (a zombie's status has no umask, a reaped one no status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    found = [line.split()[1] for line in status.splitlines() if line.startswith("Umask:")]
    return int(found[0], 8) if found else None


def test_the_hub_command_runs_with_umask_077_and_closes_an_older_home(tmp_path: Path) -> None:
    """`hub callbacks serve` as a real process: what it creates (database, key, runtime file) is owner-only."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "hub.db").touch(mode=0o644)
    environment = {**os.environ, "HUB_HOME": str(home), "COLUMNS": "200"}
    serving = subprocess.Popen(
        [HUB, "callbacks", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        umask=0o022,
    )
    try:
        endpoint = home / "run" / "callback-endpoint.json"
        deadline = time.monotonic() + 60
        while not endpoint.exists() and serving.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert endpoint.exists(), serving.communicate(timeout=10)
        assert json.loads(endpoint.read_text())["url"].startswith("http://127.0.0.1:")
        assert process_umask(serving.pid) == 0o077
        assert (home / "keys" / "kek.bin").exists() or (home / "hub.db-wal").exists()
        assert open_to_others(home) == []
    finally:
        serving.send_signal(signal.SIGINT)
        _, stderr = serving.communicate(timeout=30)
    assert serving.returncode == 0, stderr
    assert "notice: took group and other access off 2 files and folders" in stderr, stderr
