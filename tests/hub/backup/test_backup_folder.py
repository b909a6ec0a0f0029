"""The folder backups are written in: one backup at a time, and what a killed one left is cleared by the next."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.backup import BackupError, create_backup
from hub.backup.archive import ArchiveWriter
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.backup.populated import WHO
from tests.hub.builders import example_referral


def test_one_backup_at_a_time_and_a_killed_ones_leftovers_go(tmp_path: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    store = open_store(settings)
    store.save_referral(example_referral(), **WHO)
    store.close()
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    staging = folder / ".mash-hub-backup-20261206T020000Z.k3y5"  # a backup killed part-way: key files inside
    (staging / "keys").mkdir(parents=True)
    (staging / "keys" / "kek.bin").write_bytes(b"\0" * 32)
    (folder / "mash-hub-backup-20261206T020000Z.tar.partial").write_bytes(b"half an archive")

    made = create_backup(settings, folder, progress=lambda _line: None)
    assert sorted(path.name for path in folder.iterdir()) == [".backup.lock", made.path.name]

    with ArchiveWriter(folder, "mash-hub-backup-20261206T030000Z"), pytest.raises(BackupError, match="let it finish"):
        create_backup(settings, folder, progress=lambda _line: None)  # while another is being written
    assert sorted(path.name for path in folder.iterdir()) == [".backup.lock", made.path.name]
