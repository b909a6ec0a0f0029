"""Administrators disable leavers and change roles: the person's session ends at once, and the last admin stays."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.staff import add_staff, sign_in_as, signed_in_home


def test_a_disabled_account_is_signed_out_and_the_last_administrator_cannot_be_removed(hub_home: Path) -> None:
    settings = HubSettings.from_env()
    store = open_store(settings)
    add_staff(store, "sam.leaver", "practitioner")
    runner = CliRunner()

    sign_in_as(settings, store, "sam.leaver")
    assert runner.invoke(app, ["referral", "list"]).exit_code == 0

    signed_in_home(hub_home, "ada.admin", "administrator")
    assert runner.invoke(app, ["users", "disable", "sam.leaver"]).exit_code == 0
    last = runner.invoke(app, ["users", "disable", "ada.admin"])
    assert isinstance(last.exception, UserError) and "only active administrator" in str(last.exception)
    demoted = runner.invoke(app, ["users", "role", "ada.admin", "--role", "practitioner"])
    assert isinstance(demoted.exception, UserError)
    unknown = runner.invoke(app, ["users", "role", "sam.leaver", "--role", "superuser"])
    assert isinstance(unknown.exception, UserError) and "There is no role 'superuser'" in str(unknown.exception)

    sign_in_as(settings, store, "sam.leaver")  # a session started before the change...
    store.change_staff_user("sam.leaver", active=False, actor="user:ada.admin", purpose="test")
    gone = runner.invoke(app, ["referral", "list"])  # ...ends at the next command
    assert isinstance(gone.exception, UserError) and "Your session has ended" in str(gone.exception)
    changes = [(event.actor, event.object_id) for event in store.audit_trail(action="user.change")]
    assert changes[0] == ("user:ada.admin", "sam.leaver")
