"""Staff accounts and sessions for tests: add people in roles, and sign one in, as `hub login` does."""

from __future__ import annotations

import os
from pathlib import Path

from hub.access.credentials import hash_password, new_totp_secret
from hub.access.principal import Principal
from hub.access.roles import load_access_config
from hub.access.sessions import start_session
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
