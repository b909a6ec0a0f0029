"""A database the previous release made (ad40a7b, before migrations) upgrades to head with `hub db upgrade`,
on SQLite and PostgreSQL, and everything in it is still there: every record decrypts, the audit trail
verifies, and the data keys are KEK version 1 in the legacy epoch.

The fixtures were made by that release's own code (tests/fixtures/previous_release/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from hub.audit.notary import AuditFiles
from hub.backup.records import check_records
from hub.cli import app
from hub.crypto import LocalKeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.migrations import OutdatedSchema, SchemaState
from hub.store.migrations.scripts import head, script_directory
from tests.hub.store.migrations.previous_release import REFERRALS, load_previous_release

HUB = str(Path(sys.executable).parent / "hub")
READ = {"actor": "service:upgrade-test", "purpose": "mash_enquiry"}


def hub_db(command: str, home: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """`hub db COMMAND` in a real process, as an operator runs it."""
    environment = {**os.environ, "HUB_HOME": str(home), "HUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run([HUB, "db", command], capture_output=True, text=True, env=environment, timeout=120)


def hub_db_here(command: str, home: Path, database_url: str) -> Result:
    """`hub db COMMAND` through the same CLI in this process (a real process costs seconds; one per test is enough)."""
    result = CliRunner().invoke(app, ["db", command], env={"HUB_HOME": str(home), "HUB_DATABASE_URL": database_url})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def upgraded_settings(home: Path, database_url: str) -> HubSettings:
    return HubSettings.from_env({"HUB_HOME": str(home), "HUB_DATABASE_URL": database_url})


def open_upgraded(settings: HubSettings) -> HubStore:
    return HubStore(
        settings.database_url, LocalKeyProvider(settings.kek_path), audit_files=AuditFiles.from_settings(settings)
    )


def test_a_previous_release_database_upgrades_and_keeps_every_record(database_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    load_previous_release(database_url, home)
    settings = upgraded_settings(home, database_url)
    store = open_upgraded(settings)
    try:
        with pytest.raises(OutdatedSchema) as refused:  # Opening never migrates by itself.
            store.create_schema()
        assert refused.value.status.state is SchemaState.PREVIOUS_RELEASE

        status = hub_db_here("status", home, database_url)
        assert status.exit_code == 0
        assert "made by the release before migrations" in status.stdout

        upgraded = hub_db("upgrade", home, database_url)
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
        assert "matches the previous release's schema; recorded it as revision 0001" in upgraded.stdout
        later = [script.revision for script in script_directory().walk_revisions() if script.revision != "0001"]
        for revision in later:
            assert f"applied {revision} (" in upgraded.stdout
        assert f"to {head()}." in upgraded.stdout

        again = hub_db_here("upgrade", home, database_url)
        assert again.exit_code == 0 and "nothing to do" in again.stdout, again.stdout

        store.create_schema()
        assert store.verify_audit_trail().ok
        first, second = (store.load_referral(referral_id, **READ) for referral_id in REFERRALS)
        assert (first.referral_id, len(first.subjects), second.referral_id) == (REFERRALS[0], 4, REFERRALS[1])
        assert len(store.load_replies(REFERRALS[0], **READ)) == 6
        assert len(store.load_replies(REFERRALS[1], **READ)) == 1
        chronologies = store.latest_chronologies(REFERRALS[0], **READ)
        assert [chronology.child_subject_id for chronology in chronologies] == ["S1", "S2"]
        assert any(entry.source.record_id == "OCC-1" for entry in chronologies[0].entries)
        [decision] = store.read_decisions(REFERRALS[0], **READ)
        assert (
            decision.outcome,
            decision.rationale,
            decision.sign_off and decision.sign_off.note,
            decision.status.value,
        ) == (
            "s47_strategy_discussion",
            "Domestic incident with children present; strategy discussion today.",
            "Agreed.",
            "agreed",
        )
        assert store.totp_secret("sam.practitioner") == "JBSWY3DPEHPK3PXP"
        assert [user.username for user in store.staff_users()] == ["mo.manager", "sam.practitioner"]
        # The person index: the second referral's child is found, decrypted, through the first's.
        found = store.prior_involvement(first.subjects[0].person, excluding=REFERRALS[0], **READ)
        assert {(subject.referral_id, subject.subject_id) for subject in found} >= {(REFERRALS[1], "S1")}
        keys = check_records(store, settings, lambda _line: None)  # every data key unwraps, none shredded
        assert (keys.keys, keys.shredded, keys.problems) == (7, [], [])
        assert store.verify_audit_trail().ok  # The reads above were audited on top of the old trail.

        with store.engine.connect() as connection:  # 0002: the previous release's keys are KEK version 1, legacy epoch
            versions = connection.execute(text("SELECT kek_version, epoch FROM data_keys")).all()
        assert len(versions) == 7 and set(versions) == {(1, None)}
    finally:
        store.close()
