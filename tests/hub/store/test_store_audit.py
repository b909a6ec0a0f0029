"""The audit trail: every access is recorded in its own transaction (proving the trail: tests/hub/audit/)."""

from __future__ import annotations

import pytest

from hub.audit import DEFAULT_LAWFUL_BASIS, AuditEvent
from hub.chronology.assembly import assemble
from hub.store import HubStore
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies, reply

WHO = {"actor": "alice", "purpose": "MASH checks"}


def _actions(store: HubStore) -> list[tuple[str, str]]:
    return [(e.action, e.object_id) for e in store.audit_trail()]


def test_every_read_and_write_adds_one_event(store: HubStore) -> None:
    referral = example_referral()
    store.save_referral(referral, **WHO)
    store.load_referral(REFERRAL_ID, **WHO)
    store.save_reply(reply("police", "S1"), actor="pipeline")
    store.load_replies(REFERRAL_ID, **WHO)
    [s1, s2] = assemble(referral, [reply("police", "S1")], assembled_at=ASSEMBLED_AT)
    store.save_chronology(s1, actor="pipeline")
    store.save_chronology(s2, actor="pipeline")
    store.latest_chronologies(REFERRAL_ID, **WHO)
    assert store.referral_exists(REFERRAL_ID)  # Metadata only: not audited.

    assert _actions(store) == [
        ("referral.create", REFERRAL_ID),
        ("referral.read", REFERRAL_ID),
        ("reply.write", f"{REFERRAL_ID}/police/S1"),
        ("replies.read", REFERRAL_ID),
        ("chronology.write", f"{REFERRAL_ID}/S1/v1"),
        ("chronology.write", f"{REFERRAL_ID}/S2/v1"),
        ("chronology.read", f"{REFERRAL_ID}/S1/v1"),
        ("chronology.read", f"{REFERRAL_ID}/S2/v1"),
    ]
    events = store.audit_trail()
    assert [e.seq for e in events] == list(range(1, 9))
    assert all(e.lawful_basis == DEFAULT_LAWFUL_BASIS and e.referral_id == REFERRAL_ID for e in events)
    assert {e.actor for e in events} == {"alice", "pipeline"}
    assert [e.object_type for e in events[:4]] == ["referral", "referral", "agency_reply", "agency_replies"]
    assert [e.action for e in store.audit_trail(actor="alice", action="referral.read")] == ["referral.read"]
    assert store.audit_trail(referral_id="REF-OTHER") == []


def test_a_reply_is_audited_under_its_agencys_lawful_basis_with_its_recording_kept(store: HubStore) -> None:
    from connectors.sdk.recording import Exchange, Recording

    store.save_referral(example_referral(), **WHO)
    answer = reply("police", "S1")
    recording = Recording(
        agency="police",
        connector="connectors.police:PoliceConnector",
        requested_at=answer.requested_at,
        exchanges=[Exchange(method="POST", path="/nominals/search", request_body=b"{}", status=200, body=b"[]")],
    )
    basis = "DPA 2018 Sch 8 para 4"
    store.save_reply(answer, actor="pipeline", recording=recording, lawful_basis=basis)
    store.save_reply(answer, actor="pipeline")  # re-saved without one: the recording stays
    assert [event.lawful_basis for event in store.audit_trail(action="reply.write")] == [basis, DEFAULT_LAWFUL_BASIS]
    assert store.load_recording(REFERRAL_ID, "police", "S1", **WHO) == recording
    assert store.load_recording(REFERRAL_ID, "health", "S1", **WHO) is None
    assert store.recorded_checks("police") == [(REFERRAL_ID, "S1")]
    assert _actions(store)[-2:] == [
        ("recording.read", f"{REFERRAL_ID}/police/S1"),
        ("recording.read", f"{REFERRAL_ID}/health/S1"),
    ]


def test_audit_events_hold_no_personal_data(store: HubStore) -> None:
    store.save_referral(example_referral(), **WHO)
    for answer in household_replies():
        store.save_reply(answer, actor="pipeline")
    store.load_replies(REFERRAL_ID, **WHO)
    text_of_events = repr(store.audit_trail())
    for fragment in ["Okafor", "Amara", "9990001014", "2015-03-14"]:
        assert fragment not in text_of_events


def test_failed_audit_write_fails_the_access(store: HubStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> AuditEvent:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("hub.store.audit_log.append", broken)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        store.save_referral(example_referral(), **WHO)
    assert not store.referral_exists(REFERRAL_ID)  # Rolled back with the audit event.


def test_database_refusing_audit_rows_fails_the_access(store: HubStore) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("uses a SQLite trigger to make the audit table refuse writes")
    store.save_referral(example_referral(), **WHO)
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(Exception, match="refused"):
        store.load_referral(REFERRAL_ID, **WHO)
    with pytest.raises(Exception, match="refused"):
        store.save_reply(reply("police", "S1"), actor="pipeline")
    assert len(store.audit_trail()) == 1
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM agency_replies").scalar_one() == 0


def test_access_needs_an_actor_and_a_purpose(store: HubStore) -> None:
    with pytest.raises(ValueError, match="actor and a purpose"):
        store.save_referral(example_referral(), actor="", purpose="MASH checks")
    with pytest.raises(ValueError, match="actor and a purpose"):
        store.load_referral(REFERRAL_ID, actor="alice", purpose=" ")


def test_every_transaction_that_audits_signs_one_checkpoint_and_verifies(store: HubStore) -> None:
    assert store.verify_audit_trail().ok
    store.save_referral(example_referral(), **WHO)
    for _ in range(3):
        store.load_referral(REFERRAL_ID, **WHO)
    assert not store.referral_exists("REF-OTHER")  # Not audited: no event, no checkpoint.
    result = store.verify_audit_trail()
    assert (result.ok, result.events_checked) == (True, 4)
    with store.engine.connect() as connection:
        sizes = connection.exec_driver_sql("SELECT tree_size FROM audit_checkpoints ORDER BY tree_size").scalars()
        assert list(sizes) == [1, 2, 3, 4]


def test_on_every_backend_an_edit_is_caught_and_a_rolled_back_chronology_is_not_shown(store: HubStore) -> None:
    from sqlalchemy import text

    from hub.store.errors import RecordTampered

    referral = example_referral()
    store.save_referral(referral, **WHO)
    for version, replies in enumerate(([reply("police", "S1")], household_replies()), start=1):
        for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT):
            assert store.save_chronology(chronology, actor="pipeline") == version
    assert store.verify_audit_trail().ok
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM chronology_versions WHERE child_subject_id = 'S1' AND version = 2"))
    with pytest.raises(RecordTampered, match=r"S1/v2 was deleted"):
        store.latest_chronologies(REFERRAL_ID, **WHO)
    result = store.verify_audit_trail()
    assert not result.ok and f"{REFERRAL_ID}/S1/v2 was deleted" in result.message
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET purpose = 'nothing to see' WHERE seq = 2"))
    assert store.verify_audit_trail().first_bad_seq == 2
