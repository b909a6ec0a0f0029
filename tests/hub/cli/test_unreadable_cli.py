"""Through the real command line: a record that cannot be read is one line with its class, exit 1 (never the
internal error's 70), the failed read is in the audit trail, and `hub audit verify` names every such record.

One home is built for the module (a referral with a chronology, a practitioner allocated to it, an IG officer);
each test breaks a copy of it as someone with the files alone could, and runs `hub` through its entry
point (`tests.hub_here`).
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from hub.audit import AuditAction
from hub.settings import HubSettings
from hub.store.errors import UnreadableRecord
from hub.store.home import open_store
from hub.store.keys import child_key_id, destroy_epoch, move_to_epoch
from schemas import Chronology, Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID
from tests.hub_here import run_hub_here
from tests.staff import add_staff, signed_in_home

PERSONAL = ("Okafor", "Amara", "9990001014", "2015-03-14", "Larch Close")
PRACTITIONER = "user:test.practitioner"


@pytest.fixture(scope="module")
def base_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("unreadable") / "hub-home"
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    store = open_store(settings)
    try:
        store.save_referral(Referral.model_validate_json(SAMPLE_REFERRAL.read_text()), actor="cli:intake", purpose="p")
        chronology = Chronology(
            referral_id=REFERRAL_ID, child_subject_id="S1", version=1, assembled_at=ASSEMBLED_AT, entries=[], checks=[]
        )
        store.save_chronology(chronology, actor="service:pipeline")
        add_staff(store, "test.ig", "ig_officer")
    finally:
        store.close()
    signed_in_home(home, allocated=(REFERRAL_ID,))
    return home


@pytest.fixture
def home(base_home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "hub-home"
    shutil.copytree(base_home, copy)
    return copy


def database(home: Path, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(home / "hub.db")) as connection, connection:  # No foreign keys, as the CLI's is.
        connection.execute(sql, params)


def flip_byte(home: Path, table: str, column: str, where: str, *params: object) -> None:
    with closing(sqlite3.connect(home / "hub.db")) as connection:
        [(value,)] = connection.execute(f"SELECT {column} FROM {table} WHERE {where}", params).fetchall()
    flipped = bytearray(value)
    flipped[len(flipped) // 2] ^= 0x01
    database(home, f"UPDATE {table} SET {column} = ? WHERE {where}", bytes(flipped), *params)


def failed_reads(home: Path) -> list[tuple[str, str, str]]:
    store = open_store(HubSettings.from_env({"HUB_HOME": str(home)}))
    try:
        return [(e.actor, e.object_id, e.outcome) for e in store.audit_trail(action=AuditAction.RECORD_UNREADABLE)]
    finally:
        store.close()


def one_clean_line(home: Path, *expected: str) -> str:
    result = run_hub_here("chronology", "show", REFERRAL_ID, home=home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "internal error" not in output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for words in expected:
        assert words in result.stderr, result.stderr
    for value in PERSONAL:
        assert value not in output
    return result.stderr


CHRONOLOGY = f"the chronology version 1 of child S1 on referral {REFERRAL_ID} cannot be read"


def test_a_flipped_chronology_byte_reads_as_tampered(home: Path) -> None:
    flip_byte(home, "chronology_versions", "ciphertext", "child_subject_id = 'S1'")
    one_clean_line(home, f"chronology version {REFERRAL_ID}/S1/v1", "(tampered)", "information governance")
    assert failed_reads(home) == [(PRACTITIONER, f"chronology-version:{REFERRAL_ID}/S1/v1", "tampered")]


def test_a_flipped_wrapped_data_key_reads_as_tampered(home: Path) -> None:
    flip_byte(home, "data_keys", "wrapped_key", "key_id = ?", child_key_id(REFERRAL_ID, "S1"))
    one_clean_line(home, f"{CHRONOLOGY} (tampered)", "wrapped data key")
    assert failed_reads(home) == [(PRACTITIONER, f"chronology-version:{REFERRAL_ID}/S1/v1", "tampered")]


def test_a_deleted_data_key_row_reads_as_key_missing(home: Path) -> None:
    database(home, "DELETE FROM data_keys WHERE key_id = ?", child_key_id(REFERRAL_ID, "S1"))
    one_clean_line(home, f"{CHRONOLOGY} (key missing)", "no data key is stored", "docs/deployment.md")
    assert failed_reads(home) == [(PRACTITIONER, f"chronology-version:{REFERRAL_ID}/S1/v1", "key_missing")]


def test_a_deleted_key_file_reads_as_key_missing_and_no_new_key_is_made(home: Path) -> None:
    kek = home / "keys" / "kek.bin"
    kek.unlink()
    one_clean_line(home, f"the referral {REFERRAL_ID} cannot be read (key missing)", "restore the key")
    assert not kek.exists()
    assert failed_reads(home) == [(PRACTITIONER, f"referral:{REFERRAL_ID}", "key_missing")]


def test_verify_names_each_unreadable_record_with_its_class_and_the_failed_reads_since(home: Path) -> None:
    store = open_store(HubSettings.from_env({"HUB_HOME": str(home)}))
    try:
        assert store.verify_records(actor="user:test.ig", purpose="ig_audit_verify").ok  # The last check.
        flip_byte(home, "data_keys", "wrapped_key", "key_id = ?", child_key_id(REFERRAL_ID, "S1"))
        database(home, "DELETE FROM data_keys WHERE key_id = ?", f"referral:{REFERRAL_ID}")
        with pytest.raises(UnreadableRecord):  # A practitioner's failed read since.
            store.load_referral(REFERRAL_ID, actor=PRACTITIONER, purpose="practitioner_view")
    finally:
        store.close()
    signed_in_home(home, "test.ig", "ig_officer")

    result = run_hub_here("audit", "verify", home=home)

    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "Stored records: 6 checked; 6 cannot be read (1 tampered, 5 key missing):" in lines
    assert (
        f"- tampered: {CHRONOLOGY.removesuffix(' cannot be read')}: its wrapped data key fails to unwrap"
        in " ".join(lines)
    )
    assert any(line.startswith(f"- key missing: the referral {REFERRAL_ID}: no data key is stored") for line in lines)
    assert any(line.startswith("Failed reads recorded since the last check (") for line in lines)
    assert any(f"{PRACTITIONER}: referral:{REFERRAL_ID} (key missing)" in line for line in lines)
    assert "1 tampered, 5 key missing" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    for value in PERSONAL:
        assert value not in output


def test_verify_passes_when_the_only_unreadable_records_were_shredded(home: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(home)})
    store = open_store(settings)
    try:
        with store._sessions() as session, session.begin():
            move_to_epoch(session, store._keyring, [child_key_id(REFERRAL_ID, "S1")], "disposal-2040")
        destroy_epoch(store._keyring, "disposal-2040")
    finally:
        store.close()
    signed_in_home(home, "test.ig", "ig_officer")
    result = run_hub_here("audit", "verify", home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert "1 cannot be read (1 key shredded)" in text and "expected, not a fault" in text
    assert failed_reads(home) == []  # Shredded on purpose: not recorded as a failure.
