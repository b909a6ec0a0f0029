"""`hub chronology diff`: what changed between two stored versions, read from a real store, every read audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import CheckResult, CheckState, Chronology, EntryCategory, Involvement, Referral, ReplyStatus
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, ROLE, entry
from tests.hub.cli.test_bad_input import assert_clean_refusal
from tests.hub_here import run_hub_here
from tests.staff import signed_in_home

HOSTILE = "[link=file:///etc/passwd]x[/link]\x1b[31m"
SHOWN = "[link=file:///etc/passwd]x[/link]\ufffd[31m"
"""The hostile name as the terminal must show it: the markup as text, the escape character replaced."""
ACTOR = "user:test.practitioner"


def _check(agency: str, subject_id: str, state: CheckState, **fields: object) -> CheckResult:
    status = {
        CheckState.RECORDS_FOUND: ReplyStatus.FOUND,
        CheckState.NO_RECORD: ReplyStatus.NO_RECORD,
        CheckState.FAILED: ReplyStatus.FAILED,
    }.get(state, ReplyStatus.PENDING)
    return CheckResult.model_validate(
        {"agency": agency, "subject_id": subject_id, "status": status, "state": state, **fields}
    )


def _amara(version: int, summary: str, *record_ids: str, people: tuple[Involvement, ...] = ()) -> Chronology:
    first = version == 1
    occurrence = entry("police", "OCC-1", "2026-11-01", [("P-1", ROLE.CHILD_PRESENT)], summary=summary)
    if people:
        occurrence = occurrence.model_copy(update={"people": list(people)})
    extra = {
        "OCC-2": entry("police", "OCC-2", "2025-06-01", [("P-1", ROLE.VICTIM)], summary="Earlier incident."),
        "AE-1": entry(
            "health",
            "AE-1",
            "2025-12-05",
            [("H-1", ROLE.PATIENT)],
            category=EntryCategory.EMERGENCY_ATTENDANCE,
            summary=f"A&E attendance {HOSTILE}",
        ),
    }
    return Chronology(
        referral_id=REFERRAL_ID,
        child_subject_id="S1",
        version=version,
        assembled_at=ASSEMBLED_AT + timedelta(hours=version),
        entries=[occurrence, *(extra[record_id] for record_id in record_ids)],
        checks=[
            _check(
                "police", "S1", CheckState.AWAITING_REPLY if first else CheckState.RECORDS_FOUND, linked_candidates=1
            ),
            _check("health", "S1", CheckState.NO_RECORD if first else CheckState.RECORDS_FOUND, linked_candidates=1),
            _check(
                "housing",
                "S3",
                CheckState.FAILED_RETRYING if first else CheckState.FAILED,
                reason="http_503",
                attempts=2 if first else 4,
            ),
        ],
    )


@pytest.fixture
def two_versions(hub_home: Path) -> Path:
    """The sample referral with a hostile name for the subject child; S1 has versions 1 and 2, S2 one version."""
    raw = json.loads(SAMPLE_REFERRAL.read_text())
    raw["subjects"][0]["person"]["name"]["given_names"] = [HOSTILE, "Amara"]
    referral = Referral.model_validate(raw)
    store = open_store(HubSettings.from_env())
    try:
        store.save_referral(referral, actor="cli:intake-officer", purpose="referral_intake")
        assert store.save_chronology(_amara(1, "Police attended.", "OCC-2"), actor="pipeline") == 1
        linked = (Involvement(agency_person_id="P-1", role=ROLE.CHILD_PRESENT, subject_id="S1"),)
        later = _amara(2, "Police attended; children present.", "AE-1", people=linked)
        assert store.save_chronology(later, actor="pipeline") == 2
        tyler = Chronology(
            referral_id=REFERRAL_ID, child_subject_id="S2", version=1, assembled_at=ASSEMBLED_AT, entries=[], checks=[]
        )
        assert store.save_chronology(tyler, actor="pipeline") == 1
    finally:
        store.close()
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    return hub_home


def _reads(home: Path) -> list[tuple[str, str, str, str]]:
    store = open_store(HubSettings.from_env())
    try:
        return [
            (event.actor, event.action, event.object_id, event.purpose)
            for event in store.audit_trail(referral_id=REFERRAL_ID)
            if event.action in ("referral.read", "chronology.read")
        ]
    finally:
        store.close()


def test_diff_shows_entries_and_check_states_that_changed(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", REFERRAL_ID, home=two_versions)
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]

    assert f"{SHOWN} Amara Okafor-Reid (S1): version 1 → version 2" in lines
    assert any(line.startswith("from version 1, assembled") and "partial (2 checks" in line for line in lines)
    assert any(line.startswith("to   version 2, assembled") and line.endswith("not partial") for line in lines)
    assert "Entries: 1 added, 1 removed, 1 changed" in lines
    assert f"+ 05 Dec 2025  emergency attendance  health AE-1: A&E attendance {SHOWN}" in lines
    assert "- 01 Jun 2025  police occurrence  police OCC-2: Earlier incident." in lines
    assert any(line.startswith("~ 01 Nov 2026  police occurrence  police OCC-1") for line in lines)
    assert any("(changed: summary, people)" in line for line in lines)
    assert "summary: Police attended. → Police attended; children present." in lines
    assert f"people: police P-1, not linked (child present) → {SHOWN} Amara Okafor-Reid (child present)" in lines
    assert "Check states: 3 changed" in lines
    assert f"police, {SHOWN} Amara Okafor-Reid: awaiting reply → records found" in lines
    assert f"health, {SHOWN} Amara Okafor-Reid: no record → records found" in lines
    assert any(
        line.startswith("housing, Grace Okafor: failed, retrying → failed") and "attempts: 2 → 4" in line
        for line in lines
    )
    assert "Tyler Okafor-Reid (S2): only one version (version 1): nothing to compare" in lines
    assert "\x1b" not in result.stdout and result.stderr == ""


def test_diff_reads_are_audited_with_the_practitioners_purpose(two_versions: Path) -> None:
    before = _reads(two_versions)
    assert run_hub_here("chronology", "diff", REFERRAL_ID, home=two_versions).returncode == 0
    new = _reads(two_versions)[len(before) :]
    assert sorted(new) == sorted(
        [
            (ACTOR, "referral.read", REFERRAL_ID, "mash_enquiry"),
            (ACTOR, "chronology.read", f"{REFERRAL_ID}/S1/v1", "mash_enquiry"),
            (ACTOR, "chronology.read", f"{REFERRAL_ID}/S1/v2", "mash_enquiry"),
            (ACTOR, "chronology.read", f"{REFERRAL_ID}/S2/v1", "mash_enquiry"),
        ]
    )


def test_diff_as_json_is_one_document(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", REFERRAL_ID, "--json", home=two_versions)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    document = json.loads(result.stdout)

    assert document["referral_id"] == REFERRAL_ID
    assert document["people"]["S1"] == f"{HOSTILE} Amara Okafor-Reid"  # exact in JSON, escaped as \u001b
    amara, tyler = document["children"]
    assert (amara["subject_id"], amara["status"], amara["versions"]) == ("S1", "compared", [1, 2])
    diff = amara["diff"]
    assert (diff["from"]["version"], diff["from"]["partial"], diff["to"]["version"], diff["to"]["partial"]) == (
        1,
        True,
        2,
        False,
    )
    assert diff["from"]["outstanding"] == [
        {"agency": "housing", "subject_id": "S3"},
        {"agency": "police", "subject_id": "S1"},
    ]
    assert [item["source"]["record_id"] for item in diff["entries"]["added"]] == ["AE-1"]
    assert [item["source"]["record_id"] for item in diff["entries"]["removed"]] == ["OCC-2"]
    assert [(item["record_id"], item["fields"]) for item in diff["entries"]["changed"]] == [
        ("OCC-1", ["summary", "people"])
    ]
    states = {(item["agency"], item["subject_id"]): (item["before"], item["after"]) for item in diff["checks"]}
    assert states["police", "S1"] == (
        {"state": "awaiting_reply", "reason": None, "attempts": 0},
        {"state": "records_found", "reason": None, "attempts": 0},
    )
    assert states["housing", "S3"][1] == {"state": "failed", "reason": "http_503", "attempts": 4}
    assert (tyler["status"], tyler["diff"], tyler["only_version"]["version"]) == ("one_version", None, 1)


def test_explicit_versions_compare_the_same_pair(two_versions: Path) -> None:
    default = run_hub_here("chronology", "diff", REFERRAL_ID, "--json", home=two_versions)
    explicit = run_hub_here("chronology", "diff", REFERRAL_ID, "--from", "1", "--to", "2", "--json", home=two_versions)
    assert json.loads(default.stdout)["children"][0] == json.loads(explicit.stdout)["children"][0]
    tyler = json.loads(explicit.stdout)["children"][1]
    assert tyler["status"] == "version_missing"
    assert tyler["note"] == "version 2 does not exist for this child (it has version 1 only)"


def test_a_version_no_child_has_is_one_line_naming_the_versions_that_exist(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", REFERRAL_ID, "--to", "3", home=two_versions)
    output = assert_clean_refusal(
        result,
        f"Referral '{REFERRAL_ID}' has no chronology version 3 (--to): S1 has versions 1 and 2; S2 has version 1 only.",
    )
    assert "Amara" not in output  # error lines name ids, never people


def test_a_backwards_range_is_refused(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", REFERRAL_ID, "--from", "2", "--to", "1", home=two_versions)
    assert_clean_refusal(result, "--from must be an earlier version than --to (got --from 2 --to 1).")


def test_an_unknown_referral_is_refused(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", "REF-DOES-NOT-EXIST", home=two_versions)
    assert_clean_refusal(result, "No referral with id 'REF-DOES-NOT-EXIST'")


def test_version_zero_is_a_usage_error(two_versions: Path) -> None:
    result = run_hub_here("chronology", "diff", REFERRAL_ID, "--from", "0", home=two_versions)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
