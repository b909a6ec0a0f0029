"""IG staff read the audit trail and check its integrity from the CLI."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import Referral
from tests.conftest import SAMPLE_REFERRAL
from tests.hub_here import run_hub_here
from tests.staff import signed_in_home


@pytest.fixture
def audited_home(hub_home: Path) -> Path:
    store = open_store(HubSettings.from_env())
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text())
    store.save_referral(referral, actor="cli:intake-officer", purpose="referral_intake")
    store.load_referral(referral.referral_id, actor="cli:social-worker", purpose="practitioner_view")
    store.close()
    signed_in_home(hub_home, "test.ig", "ig_officer")
    return hub_home


def test_audit_show_lists_who_accessed_the_referral(audited_home: Path) -> None:
    result = run_hub_here("audit", "show", "REF-2026-000417", home=audited_home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any("cli:intake-officer" in line and "referral.create" in line for line in lines)
    assert any("cli:social-worker" in line and "referral.read" in line for line in lines)
    store = open_store(HubSettings.from_env())
    [reading] = store.audit_trail(action="audit.read")  # the reading itself is on record
    assert (reading.actor, reading.role, reading.basis) == ("user:test.ig", "ig_officer", "role")


def test_audit_show_is_refused_to_a_practitioner_and_the_refusal_recorded(audited_home: Path) -> None:
    signed_in_home(audited_home, "test.practitioner", "practitioner")
    result = run_hub_here("audit", "show", "REF-2026-000417", home=audited_home)
    assert result.returncode == 1 and "cannot read the audit trail" in " ".join(result.stderr.split())
    store = open_store(HubSettings.from_env())
    [refusal] = [event for event in store.audit_trail() if event.outcome == "denied"]
    assert (refusal.actor, refusal.action, refusal.basis) == ("user:test.practitioner", "audit.read", "none")


def test_audit_verify_passes_then_detects_an_edited_event(audited_home: Path) -> None:
    intact = run_hub_here("audit", "verify", home=audited_home)
    assert intact.returncode == 0 and re.search(r"Audit trail intact: \d+ events checked", intact.stdout)

    with sqlite3.connect(audited_home / "hub.db") as database:
        database.execute("UPDATE audit_events SET actor = 'cli:someone-else' WHERE seq = 2")

    tampered = run_hub_here("audit", "verify", home=audited_home)
    assert tampered.returncode == 1
    assert "NOT intact" in tampered.stderr and "Traceback" not in tampered.stderr
