"""The audit witness copy (`HUB_AUDIT_WITNESS_COPY`, on other storage) comes back with a restore, and one holding
checkpoints the backup lacks (events after it, now lost) is never overwritten: it is the evidence of the loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.backup import HomeNotEmpty, create_backup, restore_backup
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.backup.populated import SECOND_REFERRAL, WHO
from tests.hub.builders import example_referral


def _quiet(_line: str) -> None:
    pass


def test_the_witness_copy_comes_back_and_a_newer_one_is_kept(tmp_path: Path) -> None:
    copy = tmp_path / "other-storage" / "witness.log"
    source = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home"), "HUB_AUDIT_WITNESS_COPY": str(copy)})
    store = open_store(source)
    store.save_referral(example_referral(), **WHO)
    made = create_backup(source, tmp_path / "backups", progress=_quiet)
    assert made.manifest.witness and made.manifest.witness_copy
    store.save_referral(example_referral().model_copy(update={"referral_id": SECOND_REFERRAL}), **WHO)
    store.close()  # the copy now holds a checkpoint the backup does not: the work after it

    target = HubSettings.from_env({"HUB_HOME": str(tmp_path / "restored"), "HUB_AUDIT_WITNESS_COPY": str(copy)})
    newer = copy.read_bytes()
    with pytest.raises(HomeNotEmpty, match="move it aside and keep it"):
        restore_backup(made.path, target, progress=_quiet)
    assert copy.read_bytes() == newer and not (tmp_path / "restored" / "hub.db").exists()

    copy.rename(copy.with_name("witness.kept.log"))  # as the runbook says: aside, kept for IG
    restored = restore_backup(made.path, target, progress=_quiet)
    assert restored.audit.ok and not restored.witness_copy_skipped
    store = open_store(target)
    assert store.verify_audit_trail().ok  # against the witness and the copy put back
    assert not store.referral_exists(SECOND_REFERRAL)
    store.close()

    elsewhere = HubSettings.from_env({"HUB_HOME": str(tmp_path / "no-copy")})
    assert restore_backup(made.path, elsewhere, progress=_quiet).witness_copy_skipped
