"""`hub decision record|sign-off|show` as staff use them: rationale from stdin, refusals audited, the clock shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.builders import REFERRAL_ID, example_referral
from tests.staff import add_staff, hub_command, refusal, sign_in_as, success

RATIONALE = "Police attended a domestic incident with the child present; DASH high; strategy discussion needed."


@pytest.fixture
def team(hub_home: Path) -> HubStore:
    """The example referral, allocated to a practitioner; a second practitioner and two managers."""
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), actor="service:pipeline", purpose="test")
    for username, role in (
        ("sam.patel", "practitioner"),
        ("other.worker", "practitioner"),
        ("maya.manager", "manager"),
        ("lee.manager", "manager"),
    ):
        add_staff(store, username, role)
    store.allocate(REFERRAL_ID, "sam.patel", actor="service:test-setup", purpose="test allocation")
    return store


def as_user(store: HubStore, username: str) -> None:
    sign_in_as(HubSettings.from_env(), store, username)


def _record(*extra: str, stdin: str | None = RATIONALE) -> list[str]:
    return ["decision", "record", REFERRAL_ID, "--outcome", "s47_strategy_discussion", "--level", "4", *extra]


def test_record_from_stdin_sign_off_and_show(team: HubStore) -> None:
    as_user(team, "sam.patel")
    said = success(hub_command(*_record("--rationale-file", "-"), stdin=RATIONALE))
    assert "Decision 1 on referral REF-2026-000417 recorded: Strategy discussion (Children Act 1989 s47)" in said
    as_user(team, "maya.manager")  # not allocated: a manager signs off on the role alone
    assert "Decision 1 on referral REF-2026-000417 agreed." in success(
        hub_command("decision", "sign-off", REFERRAL_ID, "--agree")
    )
    shown = success(hub_command("decision", "show", REFERRAL_ID))
    assert "rationale: " + RATIONALE in shown
    assert "agreed by user:maya.manager" in shown and "(target 1 working day)" in shown
    [signed] = team.audit_trail(action="decision.sign_off")
    assert (signed.actor, signed.role, signed.basis, signed.purpose) == (
        "user:maya.manager",
        "manager",
        "role",
        "management_oversight",
    )


def test_bad_input_names_every_field_and_stores_nothing(team: HubStore) -> None:
    as_user(team, "sam.patel")
    result = hub_command("decision", "record", REFERRAL_ID, "--outcome", "adopt", "--level", "9", "--rationale", "ok")
    assert result.exit_code != 0
    message = str(result.exception)
    assert [line.split(":")[0] for line in message.splitlines()] == ["outcome", "level", "rationale"]
    with team.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM mash_decisions")).scalar_one() == 0
    both = hub_command(*_record("--rationale", RATIONALE, "--rationale-file", "-"), stdin=RATIONALE)
    assert "not both" in refusal(both)
    missing = hub_command(*_record("--rationale-file", "/nonexistent/rationale.txt"))
    assert "cannot read --rationale-file" in refusal(missing)


def test_not_allocated_and_wrong_roles_are_refused_and_audited(team: HubStore) -> None:
    as_user(team, "other.worker")
    assert "not allocated" in refusal(hub_command(*_record("--rationale", RATIONALE)))
    assert "cannot sign off MASH decisions" in refusal(hub_command("decision", "sign-off", REFERRAL_ID, "--agree"))
    denied = [(e.action, e.outcome) for e in team.audit_trail(actor="user:other.worker")]
    assert ("decision.record", "denied") in denied and ("decision.sign_off", "denied") in denied


def test_a_manager_cannot_sign_off_their_own_and_a_returned_one_is_recorded_again(team: HubStore) -> None:
    team.allocate(REFERRAL_ID, "maya.manager", actor="service:test-setup", purpose="test allocation")
    as_user(team, "maya.manager")
    success(hub_command(*_record("--rationale", RATIONALE)))
    assert "cannot sign off a decision they recorded" in refusal(
        hub_command("decision", "sign-off", REFERRAL_ID, "--agree")
    )
    [own] = [e for e in team.audit_trail(action="decision.sign_off") if e.outcome == "denied"]
    assert own.actor == "user:maya.manager"
    as_user(team, "lee.manager")
    assert "verdict" in refusal(hub_command("decision", "sign-off", REFERRAL_ID, "--agree", "--return"))
    returned = hub_command(
        "decision", "sign-off", REFERRAL_ID, "--return", "--note-file", "-", stdin="Weigh the school."
    )
    assert "returned to be recorded again" in success(returned)
    as_user(team, "maya.manager")
    assert "Decision 2" in success(hub_command(*_record("--rationale", RATIONALE)))
    shown = success(hub_command("decision", "show", REFERRAL_ID))
    assert "Decision 1" in shown and "returned by user:lee.manager" in shown and "Weigh the school." in shown
