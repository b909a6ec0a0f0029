"""Assessments kept with their referral, on every backend: sealed, audited and bound to the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub.quality.checklist import CHECKLIST_FILE, read_checklist
from hub.quality.records import record_assessment, referrer_report, stored_assessment
from hub.store import HubStore, UnknownReferral
from hub.store.errors import RecordTampered
from hub.store.quality_tables import ReferralQualityRow
from tests.hub.quality.referrals import good_referral, referral
from tests.markers import sample_family_markers

CHECKLIST = read_checklist(Path(__file__).resolve().parents[3] / "config" / CHECKLIST_FILE)
WHO = {"actor": "user:test.practitioner", "purpose": "referral_intake"}


def test_an_assessment_round_trips_and_every_access_is_audited(store: HubStore) -> None:
    made = referral()
    store.save_referral(made, **WHO)
    kept = record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    assert stored_assessment(store, made.referral_id, actor=WHO["actor"]) == kept
    actions = [(event.action, event.object_id) for event in store.audit_trail(referral_id=made.referral_id)]
    assert ("quality.write", made.referral_id) in actions and ("quality.read", made.referral_id) in actions
    write = store.audit_trail(action="quality.write")[0]
    assert write.record_digest  # bound to the log like the referral itself
    assert store.verify_audit_trail().ok


def test_assessing_again_replaces_and_a_referral_never_stored_is_refused(store: HubStore) -> None:
    made = referral()
    with pytest.raises(UnknownReferral):
        record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    store.save_referral(made, **WHO)
    record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    assert len(store.quality_summaries(**WHO)) == 1
    assert stored_assessment(store, "REF-NEVER-ASSESSED", actor=WHO["actor"]) is None


def test_plain_columns_hold_nothing_of_the_child(store: HubStore) -> None:
    made = referral()
    store.save_referral(made, **WHO)
    record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    with store.engine.connect() as connection:
        row = connection.execute(select(ReferralQualityRow)).one()
    plain = " ".join(str(value) for key, value in row._mapping.items() if key != "ciphertext")
    assert [marker for marker in sample_family_markers() if marker in plain] == []
    assert [marker for marker in sample_family_markers() if marker.encode() in row.ciphertext] == []
    assert row.score == 20 and row.referrer_kind == "police"


def test_a_changed_row_is_found_on_reading_and_by_verification(store: HubStore) -> None:
    made = referral()
    store.save_referral(made, **WHO)
    record_assessment(store, made, CHECKLIST, actor=WHO["actor"])
    with store.engine.begin() as connection:
        connection.execute(update(ReferralQualityRow).values(score=100, gap_ids=""))
    with pytest.raises(RecordTampered):
        stored_assessment(store, made.referral_id, actor=WHO["actor"])
    verification = store.verify_audit_trail()
    assert not verification.ok and "quality assessment" in verification.message
    with store.engine.begin() as connection:
        connection.execute(ReferralQualityRow.__table__.delete())
    with pytest.raises(RecordTampered, match="was deleted"):
        stored_assessment(store, made.referral_id, actor=WHO["actor"])


def test_the_report_per_referrer_in_a_period(store: HubStore) -> None:
    received = [datetime(2026, month, 10, 9, 0, tzinfo=UTC) for month in (9, 10, 11)]
    made = [
        referral(referral_id="REF-A", received_at=received[0].isoformat()),
        good_referral().model_copy(update={"referral_id": "REF-B", "received_at": received[1]}),
        referral(
            referral_id="REF-C",
            received_at=received[2].isoformat(),
            referrer={"kind": "family", "organisation": "Aunt, Mrs Okafor-Reid"},
        ),
    ]
    for each in made:
        store.save_referral(each, **WHO)
        record_assessment(store, each, CHECKLIST, actor=WHO["actor"])
    everything = referrer_report(store, actor="user:test.manager")
    assert [(row.referrer_kind, row.organisation, row.referrals, row.mean_score) for row in everything] == [
        ("family", "(private individuals, not named)", 1, 20.0),
        ("police", "Northbridge Police Public Protection Unit", 2, 60.0),
    ]
    police = everything[1]
    assert police.common_gaps[0][1] == 1 and len(police.common_gaps) == 3
    autumn = referrer_report(
        store, actor="user:test.manager", received_from=date(2026, 10, 1), received_to=date(2026, 10, 10)
    )
    assert [(row.referrals, row.mean_score) for row in autumn] == [(1, 100.0)]
    assert store.audit_trail(action="quality.report")[-1].referral_id is None


def test_on_intake_the_assessment_is_kept_and_a_broken_checklist_never_holds_up_the_referral(
    store: HubStore, tmp_path: Path
) -> None:
    from hub.quality.records import assess_on_intake
    from hub.settings import HubSettings

    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home")})
    made = referral()
    store.save_referral(made, **WHO)
    line = assess_on_intake(settings, store, made, actor=WHO["actor"])
    assert line == (
        "Referral quality: 20 out of 100, 8 gaps against the checklist. "
        "The note for the referrer: hub referral feedback REF-2026-000417"
    )
    broken = tmp_path / "config"
    broken.mkdir()
    (broken / CHECKLIST_FILE).write_text("version: '1'\nitems: {}\n", encoding="utf-8")
    other = good_referral()
    store.save_referral(other, **WHO)
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home"), "HUB_CONFIG_DIR": str(broken)})
    line = assess_on_intake(settings, store, other, actor=WHO["actor"])
    assert line.startswith("Referral quality was not assessed: ") and "field 'levels'" in line
    assert store.referral_exists(other.referral_id)
    assert stored_assessment(store, other.referral_id, actor=WHO["actor"]) is None
