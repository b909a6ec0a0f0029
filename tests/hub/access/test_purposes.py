"""The reader says why they read a history, from the council's list, and the trail records it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.builders import REFERRAL_ID, example_referral
from tests.staff import signed_in_home


def test_the_chosen_purpose_is_recorded_with_every_read_and_an_unknown_one_refused(hub_home: Path) -> None:
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), actor="service:pipeline", purpose="mash_checks")
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    runner = CliRunner()

    unknown = runner.invoke(app, ["chronology", "show", REFERRAL_ID, "--purpose", "curiosity"])
    assert isinstance(unknown.exception, UserError)
    assert "'curiosity' is not a purpose" in str(unknown.exception) and "strategy_discussion" in str(unknown.exception)
    assert not store.audit_trail(action="chronology.read") and not [
        event for event in store.audit_trail(action="referral.read") if event.actor.startswith("user:")
    ]

    chosen = runner.invoke(app, ["chronology", "show", REFERRAL_ID, "--purpose", "strategy_discussion"])
    assert chosen.exit_code == 0, chosen.output
    default = runner.invoke(app, ["chronology", "show", REFERRAL_ID])
    assert default.exit_code == 0, default.output
    reads = [
        (event.purpose, event.basis)
        for event in store.audit_trail(action="referral.read")
        if event.actor == "user:test.practitioner"
    ]
    assert reads == [("strategy_discussion", "allocated"), ("mash_enquiry", "allocated")]
