"""Staff accounts and sessions for tests: add people in roles, and sign one in, as `hub login` does."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from hub.access.credentials import hash_password, new_totp_secret
from hub.access.principal import Principal
from hub.access.roles import load_access_config
from hub.access.sessions import start_session
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store

PASSWORD = "correct horse battery staple"


def add_staff(store: HubStore, username: str, role: str, *, totp: bool = False) -> str | None:
    """Add an account (password `PASSWORD`); its TOTP secret if `totp`."""
    secret = new_totp_secret() if totp else None
    store.add_staff_user(
        username,
        role=role,
        display_name=username.replace(".", " ").title(),
        password_hash=hash_password(PASSWORD),
        totp_secret=secret,
        actor="service:test-setup",
        purpose="test accounts",
    )
    return secret


def add_staff_accounts(store: HubStore, accounts: Mapping[str, str]) -> None:
    """Add several accounts (username -> role, password `PASSWORD`), hashing the password once: argon2 is slow."""
    password_hash = hash_password(PASSWORD)
    for username, role in accounts.items():
        store.add_staff_user(
            username,
            role=role,
            display_name=username.replace(".", " ").title(),
            password_hash=password_hash,
            totp_secret=None,
            actor="service:test-setup",
            purpose="test accounts",
        )


def sign_in_as(settings: HubSettings, store: HubStore, username: str) -> Principal:
    """Start a session for `username` in `settings.home`, as a successful `hub login` would."""
    user = store.staff_user(username)
    assert user is not None, f"no account {username}"
    config = load_access_config(settings)
    principal = Principal(username, user.role, "password", config.role(user.role).restricted_agencies)
    start_session(settings, store, config, principal)
    return principal


def signed_in_home(
    home: Path, username: str = "test.practitioner", role: str = "practitioner", *, allocated: tuple[str, ...] = ()
) -> Principal:
    """A person in `role` signed in at `home` (a `$HUB_HOME`), allocated to the given (stored) referrals."""
    settings = HubSettings.from_env({**os.environ, "HUB_HOME": str(home)})
    store = open_store(settings)
    try:
        if store.staff_user(username) is None:
            add_staff(store, username, role)
        for referral_id in allocated:
            store.allocate(referral_id, username, actor="service:test-setup", purpose="test allocation")
        return sign_in_as(settings, store, username)
    finally:
        store.close()


def hub_command(*args: str, stdin: str | None = None, **env: str) -> Result:
    """`hub ARGS` run in this process (typer's CliRunner, the real app), 200 columns wide unless `COLUMNS` says."""
    from hub.cli import app
    from hub.cli.common import console

    environment = {"COLUMNS": "200", **env}
    # The console was made when `hub.cli` was imported, under whatever terminal the test run had then (a
    # parallel worker has none): give it this command's width, as a new process would take it.
    width = console._width
    console.width = int(environment["COLUMNS"])
    try:
        return CliRunner().invoke(app, list(args), input=stdin, env=environment)
    finally:
        console._width = width


def refusal(result: Result) -> str:
    """The one-line message of a command refused with a `UserError` (an `AccessRefused` is one)."""
    assert isinstance(result.exception, UserError), (result.output, result.exception)
    assert result.exit_code != 0
    message = str(result.exception)
    assert "\n" not in message, message
    return message


def success(result: Result) -> str:
    """What a command that succeeded printed, its whitespace (and rich's wrapping) folded to single spaces."""
    assert result.exit_code == 0 and result.exception is None, (result.output, result.exception)
    return " ".join(result.output.split())
