"""Recording and signing off the MASH decision in the store, on every backend: immutable rows, audited, sealed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hub.decisions.config import read_decisions_file
from hub.decisions.recording import DecisionProblems, record_decision, sign_off_decision
from hub.settings import REPO_ROOT
from hub.store import HubStore
from hub.store.decision_records import DecisionRefused, DecisionStatus, Verdict
from hub.store.errors import RecordTampered
from tests.hub.builders import REFERRAL_ID, example_referral

CONFIG = read_decisions_file(REPO_ROOT / "config" / "decisions.yaml")
RATIONALE = "Police attended a domestic incident with the child present; DASH high; strategy discussion needed."
PRACTITIONER = "user:sam.patel"
MANAGER = "user:maya.manager"


def _stored(store: HubStore) -> HubStore:
    store.save_referral(example_referral(), actor="service:pipeline", purpose="test")
    return store


def _count(store: HubStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _record(store: HubStore, actor: str = PRACTITIONER, outcome: str = "s47_strategy_discussion") -> int:
    return record_decision(
        store, CONFIG, REFERRAL_ID, outcome=outcome, level="4", rationale=RATIONALE, actor=actor
    ).number


def test_a_decision_is_stored_sealed_audited_and_read_back(store: HubStore) -> None:
    _stored(store)
    assert _record(store) == 1
    with store.engine.connect() as connection:
        sealed = connection.execute(text("SELECT rationale_ciphertext FROM mash_decisions")).scalar_one()
    assert b"DASH" not in bytes(sealed)  # the rationale is sealed, not plain
    [decision] = store.read_decisions(REFERRAL_ID, actor=PRACTITIONER, purpose="mash_enquiry")
    assert (decision.outcome, decision.level, decision.rationale) == ("s47_strategy_discussion", 4, RATIONALE)
    assert decision.status is DecisionStatus.AWAITING_SIGN_OFF
    events = [(e.action, e.object_id, e.actor, e.purpose) for e in store.audit_trail(referral_id=REFERRAL_ID)]
    assert ("decision.record", f"{REFERRAL_ID}/decision/1", PRACTITIONER, "mash_enquiry") in events
    assert ("decision.read", f"{REFERRAL_ID}/decisions", PRACTITIONER, "mash_enquiry") in events
    [written] = store.audit_trail(action="decision.record")
    assert written.record_digest is not None and written.object_type == "mash_decision"


@pytest.mark.parametrize(
    ("outcome", "level", "rationale", "fields"),
    [
        ("", "4", RATIONALE, {"outcome"}),
        ("adoption", "4", RATIONALE, {"outcome"}),
        ("early_help", "", RATIONALE, {"level"}),
        ("early_help", "5", RATIONALE, {"level"}),
        ("early_help", "two", RATIONALE, {"level"}),
        ("early_help", "2", "", {"rationale"}),
        ("early_help", "2", "See notes.", {"rationale"}),
        ("early_help", "2", "x" * 5001, {"rationale"}),
        ("early_help", "2", RATIONALE + "\x1b[2J", {"rationale"}),
        ("", "0", "   ", {"outcome", "level", "rationale"}),
    ],
)
def test_each_bad_decision_is_refused_naming_its_fields_and_nothing_is_stored(
    store: HubStore, outcome: str, level: str, rationale: str, fields: set[str]
) -> None:
    _stored(store)
    events = len(store.audit_trail())
    with pytest.raises(DecisionProblems) as refused:
        record_decision(
            store, CONFIG, REFERRAL_ID, outcome=outcome, level=level, rationale=rationale, actor=PRACTITIONER
        )
    assert set(refused.value.problems) == fields
    lines = str(refused.value).splitlines()
    assert [line.split(":")[0] for line in lines] == list(refused.value.problems)  # one line per field, named
    assert "DASH" not in str(refused.value)  # the rationale is never quoted back
    assert _count(store, "mash_decisions") == 0 and len(store.audit_trail()) == events


def test_sign_off_agree_stands_and_nothing_more_can_be_recorded(store: HubStore) -> None:
    _stored(store)
    _record(store)
    agreed = sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="agree", note="", actor=MANAGER)
    assert agreed.status is DecisionStatus.AGREED and agreed.sign_off is not None
    assert agreed.sign_off.signed_by == MANAGER and agreed.sign_off.note is None
    with pytest.raises(DecisionRefused, match="agreed by a manager"):
        _record(store)
    with pytest.raises(DecisionRefused, match="already signed off"):
        sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="return", note="Think again.", actor=MANAGER)
    assert [e.action for e in store.audit_trail(action="decision.sign_off")] == ["decision.sign_off"]


def test_a_returned_decision_is_recorded_again_and_the_history_is_kept(store: HubStore) -> None:
    _stored(store)
    _record(store, outcome="nfa")
    with pytest.raises(DecisionRefused, match="awaiting a manager's sign-off"):
        _record(store)  # one decision waits at a time
    note = "The school's concerns about bruising are not weighed; consider a strategy discussion."
    sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="return", note=note, actor=MANAGER)
    assert _record(store) == 2
    first, second = store.read_decisions(REFERRAL_ID, actor=MANAGER, purpose="management_oversight")
    assert (first.outcome, first.status, first.sign_off and first.sign_off.note) == (
        "nfa",
        DecisionStatus.RETURNED,
        note,
    )
    assert (second.outcome, second.status) == ("s47_strategy_discussion", DecisionStatus.AWAITING_SIGN_OFF)
    with store.engine.connect() as connection:
        sealed = connection.execute(text("SELECT note_ciphertext FROM mash_decision_sign_offs")).scalar_one()
    assert b"bruising" not in bytes(sealed)
    with pytest.raises(DecisionRefused, match="newest is decision 2"):
        sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="agree", note="", actor=MANAGER)


def test_nobody_signs_off_their_own_decision(store: HubStore) -> None:
    _stored(store)
    _record(store, actor=MANAGER)
    with pytest.raises(DecisionRefused, match="cannot sign off a decision they recorded"):
        sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="agree", note="", actor=MANAGER)
    assert _count(store, "mash_decision_sign_offs") == 0


@pytest.mark.parametrize(
    ("verdict", "note", "fields"),
    [("", "", {"verdict"}), ("return", "", {"note"}), ("return", "  ", {"note"}), ("agree", "y" * 2001, {"note"})],
)
def test_a_bad_sign_off_is_refused_and_nothing_is_stored(
    store: HubStore, verdict: str, note: str, fields: set[str]
) -> None:
    _stored(store)
    _record(store)
    with pytest.raises(DecisionProblems) as refused:
        sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict=verdict, note=note, actor=MANAGER)
    assert set(refused.value.problems) == fields
    assert _count(store, "mash_decision_sign_offs") == 0


def test_an_edited_or_deleted_decision_is_refused_not_shown(store: HubStore) -> None:
    _stored(store)
    _record(store)
    sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="return", note="Weigh the school's view.", actor=MANAGER)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE mash_decisions SET outcome = 'nfa'"))
    with pytest.raises(RecordTampered, match="does not match"):
        store.read_decisions(REFERRAL_ID, actor=MANAGER, purpose="management_oversight")
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE mash_decisions SET outcome = 's47_strategy_discussion'"))
        connection.execute(text("DELETE FROM mash_decision_sign_offs"))
    with pytest.raises(RecordTampered, match="was deleted"):
        store.read_decisions(REFERRAL_ID, actor=MANAGER, purpose="management_oversight")


def test_hub_audit_verify_catches_an_edited_decision_and_a_deleted_sign_off(store: HubStore) -> None:
    """Verification checks every decision row and sign-off against the log, not only the rows a read shows."""
    _stored(store)
    _record(store)
    sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="return", note="Weigh the school's view.", actor=MANAGER)
    assert store.verify_audit_trail().ok
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE mash_decisions SET level = 1"))
    edited = store.verify_audit_trail()
    assert not edited.ok and f"MASH decision {REFERRAL_ID}/decision/1" in " ".join(edited.problems)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE mash_decisions SET level = 4"))
        connection.execute(text("DELETE FROM mash_decision_sign_offs"))
    deleted = store.verify_audit_trail()
    assert not deleted.ok and "MASH decision sign-off" in " ".join(deleted.problems)
    assert RATIONALE not in " ".join(edited.problems + deleted.problems)


def test_the_listing_carries_no_words(store: HubStore) -> None:
    _stored(store)
    _record(store)
    sign_off_decision(store, CONFIG, REFERRAL_ID, 1, verdict="return", note="Weigh the school's view.", actor=MANAGER)
    [decision] = store.decision_listing()
    assert decision.rationale is None and decision.sign_off is not None and decision.sign_off.note is None
    assert decision.sign_off.verdict is Verdict.RETURNED


def test_two_people_deciding_at_once_store_one_decision(store: HubStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _stored(store)

    def attempt(actor: str) -> str:
        try:
            return f"stored {_record(store, actor=actor)}"
        except DecisionRefused:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = sorted(pool.map(attempt, [f"user:worker{n}" for n in range(4)]))
    assert results == ["refused", "refused", "refused", "stored 1"]
    assert _count(store, "mash_decisions") == 1 and len(store.audit_trail(action="decision.record")) == 1
