"""`hub referral check`, `feedback` and `quality`: what each prints, who may run them, and what is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hub.quality.checklist import load_checklist
from hub.quality.records import record_assessment
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.builders import EXAMPLE_REFERRAL
from tests.hub.quality.referrals import good_referral, referral
from tests.staff import hub_command, refusal, signed_in_home, success


def _settings(home: Path) -> HubSettings:
    return HubSettings.from_env({**os.environ, "HUB_HOME": str(home)})


def test_check_shows_the_assessment_and_stores_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shown = success(hub_command("referral", "check", str(EXAMPLE_REFERRAL), HUB_HOME=str(home)))
    assert "Referral REF-2026-000417 is valid. Nothing has been stored." in shown
    assert "Quality: 20 out of 100" in shown
    assert "Level of need stated by the referrer: not stated (this referral format has no field for it)" in shown
    assert "✗ Consent: It did not say whether the parents or carers know about the referral" in shown
    assert "✓ NHS numbers" in shown and "a practitioner reads every referral and decides" in shown.lower()
    assert not (home / "hub.db").exists()


def test_check_json_for_scripts(tmp_path: Path) -> None:
    result = hub_command("referral", "check", str(EXAMPLE_REFERRAL), "--json", HUB_HOME=str(tmp_path))
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["valid"] is True and document["stored"] is False and document["score"] == 20
    assert next(finding["id"] for finding in document["findings"] if not finding["met"]) == "what_happened"


def test_check_refuses_a_bad_file_with_the_intake_checks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"referral_id": "REF-1"}', encoding="utf-8")
    result = hub_command("referral", "check", str(bad), HUB_HOME=str(tmp_path))
    assert result.exit_code != 0
    assert "not a valid referral" in str(result.exception) and "narrative" in str(result.exception)


def test_check_with_a_broken_checklist_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "referral_quality.yaml").write_text("version: '1'\nlevels: {}\nitems: []\n", encoding="utf-8")
    result = hub_command("referral", "check", str(EXAMPLE_REFERRAL), HUB_HOME=str(tmp_path), HUB_CONFIG_DIR=str(config))
    assert "field 'levels'" in refusal(result)


@pytest.fixture
def assessed_home(tmp_path: Path) -> Path:
    """A home with the sample referral and a good one stored and assessed."""
    home = tmp_path / "home"
    settings = _settings(home)
    settings.ensure_home()
    store = open_store(settings)
    try:
        for made in (referral(), good_referral()):
            store.save_referral(made, actor="service:test-setup", purpose="test referrals")
            record_assessment(store, made, load_checklist(settings), actor="service:test-setup")
    finally:
        store.close()
    return home


def test_feedback_for_the_allocated_practitioner(assessed_home: Path) -> None:
    signed_in_home(assessed_home, allocated=("REF-2026-000417",))
    result = hub_command("referral", "feedback", "REF-2026-000417", HUB_HOME=str(assessed_home))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Feedback on referral REF-2026-000417\n")
    assert "What would have helped us" in result.output and "Amara" not in result.output


def test_feedback_is_refused_to_a_practitioner_not_allocated_and_to_it(assessed_home: Path) -> None:
    signed_in_home(assessed_home)
    message = refusal(hub_command("referral", "feedback", "REF-2026-000417", HUB_HOME=str(assessed_home)))
    assert "allocated" in message
    signed_in_home(assessed_home, "test.ig", "ig_officer")
    refusal(hub_command("referral", "feedback", "REF-2026-000417", HUB_HOME=str(assessed_home)))
    store = open_store(_settings(assessed_home))
    try:
        assert [event.outcome for event in store.audit_trail(action="quality.read")] == ["denied", "denied"]
    finally:
        store.close()


def test_a_manager_reads_any_feedback_and_the_report(assessed_home: Path) -> None:
    signed_in_home(assessed_home, "test.manager", "manager")
    assert "Feedback on referral REF-2026-000900" in success(
        hub_command("referral", "feedback", "REF-2026-000900", HUB_HOME=str(assessed_home))
    )
    shown = success(hub_command("referral", "quality", HUB_HOME=str(assessed_home)))
    assert "Northbridge Police Public Protection Unit" in shown and "60.0" in shown
    assert "The child's voice (1)" in shown
    csv_out = hub_command("referral", "quality", "--csv", "--from", "2026-11-01", HUB_HOME=str(assessed_home)).output
    assert csv_out.splitlines()[0] == "referrer_type,organisation,referrals,mean_score,common_gaps"
    assert csv_out.splitlines()[1].startswith("police,Northbridge Police Public Protection Unit,2,60.0,")
    empty = success(hub_command("referral", "quality", "--to", "2020-01-01", HUB_HOME=str(assessed_home)))
    assert "No assessed referrals" in empty
    assert "--to must be" in refusal(
        hub_command("referral", "quality", "--from", "2026-02-01", "--to", "2026-01-01", HUB_HOME=str(assessed_home))
    )


def test_the_report_is_refused_to_a_practitioner_and_allowed_to_ig(assessed_home: Path) -> None:
    signed_in_home(assessed_home)
    refusal(hub_command("referral", "quality", HUB_HOME=str(assessed_home)))
    signed_in_home(assessed_home, "test.ig", "ig_officer")
    assert "Referral quality by referrer" in success(hub_command("referral", "quality", HUB_HOME=str(assessed_home)))


def test_feedback_for_an_unknown_referral_is_one_line(assessed_home: Path) -> None:
    signed_in_home(assessed_home, "test.manager", "manager")
    assert "No referral REF-NONE is stored" in refusal(
        hub_command("referral", "feedback", "REF-NONE", HUB_HOME=str(assessed_home))
    )
