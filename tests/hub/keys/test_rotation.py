"""Rotation: every data key rewrapped under a new KEK version in audited batches, resumable, and a `kill -9` of
the real `hub keys rotate` at random points loses nothing; retirement waits for it; the status says where it is."""

from __future__ import annotations

import math
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hub.crypto import KeyRetired, Keyring, LocalKeyProvider
from hub.keys import key_status, rotate
from hub.keys.status import status_lines
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.store.key_records import RetireRefused, RotationStart
from hub.store.keys import stored_key
from hub.store.tables import DataKey
from tests.hub.cli.test_bad_input import HUB, assert_clean_refusal, run_hub
from tests.hub.keys.population import assert_everything_reads, populate

_START = re.compile(r"(Made|Resuming the rotation to) KEK version (\d+); (\d+) data keys to rewrap")


def test_rotation_rewraps_every_key_in_audited_batches_and_retirement_waits_for_it(
    store: HubStore, key_provider: LocalKeyProvider
) -> None:
    probes = populate(store, keys=120)
    old_key = next(iter(store.key_counts().per_version))
    start = store.begin_rotation()
    assert start == RotationStart(version=2, created=True, remaining=125)
    assert key_provider.versions() == [1, 2]
    with pytest.raises(RetireRefused, match="125 data keys are still wrapped by KEK versions below 2"):
        store.retire_versions()

    half = store.rewrap_batch(2, batch_size=50)  # One batch, then the process "stops".
    status = key_status(store, HubSettings.from_env({"HUB_HOME": str(key_provider.path.parent.parent)}))
    assert status.rotation == "unfinished: 50 of 125 data keys under version 2; run `hub keys rotate` to carry on"
    assert "  version 1                       75" in status_lines(status)
    assert half == 50 and assert_everything_reads(store, probes) == {1: 75, 2: 50}

    seen: list[tuple[int, int]] = []
    resumed = rotate(store, batch_size=50, progress=lambda done, total: seen.append((done, total)))
    assert (resumed.version, resumed.created, resumed.rewrapped, resumed.batches) == (2, False, 75, 2)
    assert seen == [(50, 75), (75, 75)]
    assert assert_everything_reads(store, probes) == {2: 125}
    assert old_key == 1

    events = [(event.actor, event.object_id, event.purpose) for event in store.audit_trail(action="keys.rotate")]
    assert events == [
        ("service:keys", "kek:v2", "key rotation: KEK version 2 made"),
        ("service:keys", "kek:v2", "key rotation: 50 data keys rewrapped under KEK version 2"),
        ("service:keys", "kek:v2", "key rotation: 50 data keys rewrapped under KEK version 2"),
        ("service:keys", "kek:v2", "key rotation: 25 data keys rewrapped under KEK version 2"),
    ]
    assert store.retire_versions() == (1, 2)
    assert key_provider.min_decryption_version() == 2
    assert [event.purpose for event in store.audit_trail(action="keys.retire")] == [
        "key retirement: minimum decryption version 1 to 2"
    ]
    assert store.verify_audit_trail().ok

    nxt = rotate(store)
    assert (nxt.version, nxt.created, nxt.rewrapped) == (3, True, 125)
    assert assert_everything_reads(store, probes) == {3: 125}


def test_a_retired_version_no_longer_decrypts_an_old_copy_until_lowered(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "keys" / "kek.bin")
    store = HubStore(f"sqlite:///{tmp_path / 'hub.db'}", provider)
    store.create_schema()
    populate(store, keys=4)
    with store.engine.connect() as connection:
        old_rows = [stored_key(row) for row in connection.execute(DataKey.__table__.select())]  # type: ignore[arg-type]
    rotate(store)
    store.retire_versions()
    with pytest.raises(KeyRetired, match="retire --min-version 1"):
        Keyring(provider).unwrap(old_rows[0])  # A row from a backup made before the rotation.
    assert store.retire_versions(1) == (2, 1)  # To read that backup.
    assert Keyring(LocalKeyProvider(provider.path)).unwrap(old_rows[0])
    store.close()


def _rotate_process(home: Path, database_url: str | None) -> subprocess.Popen[str]:
    environment = {**os.environ, "HUB_HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    if database_url:
        environment["HUB_DATABASE_URL"] = database_url
    return subprocess.Popen(
        [HUB, "keys", "rotate", "--batch-size", "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def _kill_at_a_random_point(process: subprocess.Popen[str], chance: random.Random, *, early: bool) -> str:
    """Kill -9 the rotation: `early`, at a random moment of its start-up (version creation included); otherwise
    after a random number of its committed batches (it prints one line per batch), plus a few milliseconds."""
    assert process.stdout is not None
    if early:
        time.sleep(chance.uniform(0.0, 1.8))
        os.kill(process.pid, signal.SIGKILL)
        return "early"
    started = _START.search(process.stdout.readline())
    if started is None:  # It finished or failed before starting: nothing to kill.
        return "no start"
    batches = math.ceil(int(started.group(3)) / 100)
    for _ in range(chance.randrange(0, max(batches, 1))):
        process.stdout.readline()
    time.sleep(chance.uniform(0.0, 0.03))
    os.kill(process.pid, signal.SIGKILL)
    return f"after batch of {batches}"


@pytest.mark.parametrize("kills", [10])
def test_kill_9_at_random_points_loses_nothing(
    database_url: str, hub_home: Path, monkeypatch: pytest.MonkeyPatch, kills: int
) -> None:
    postgresql = database_url.startswith("postgresql")
    if postgresql:
        monkeypatch.setenv("HUB_DATABASE_URL", database_url)
        kills = 3
    store = open_store(HubSettings.from_env())
    probes = populate(store, keys=3000)
    seed = random.randrange(1 << 32)
    chance = random.Random(seed)
    unfinished = 0
    for attempt in range(kills):
        process = _rotate_process(hub_home, database_url if postgresql else None)
        where = _kill_at_a_random_point(process, chance, early=attempt % 4 == 0)
        process.wait(timeout=120)
        per_version = assert_everything_reads(store, probes)  # After every kill: every key still opens.
        unfinished += len(per_version) > 1
        assert process.returncode in (-signal.SIGKILL, 0), (seed, where, process.stderr and process.stderr.read())
    assert unfinished >= kills // 2, f"too few kills landed mid-rotation (seed {seed})"

    finished = _rotate_process(hub_home, database_url if postgresql else None)
    output, errors = finished.communicate(timeout=120)
    assert finished.returncode == 0, errors
    assert "Rotation complete: every data key is under KEK version" in output
    current = store.key_provider.current_version()
    assert assert_everything_reads(store, probes) == {current: 3005}, f"seed {seed}"
    verification = store.verify_audit_trail()
    assert verification.ok, verification.message
    store.close()


def test_retire_refuses_in_one_line_during_an_unfinished_rotation(hub_home: Path) -> None:
    store = open_store(HubSettings.from_env())
    populate(store, keys=10)
    store.begin_rotation()
    store.close()
    refused = run_hub("keys", "retire", home=hub_home)
    assert_clean_refusal(refused, "15 data keys are still wrapped by KEK versions below 2", "run `hub keys rotate`")
