"""`hub login --oidc`: the hub's account record for a person the council's identity provider vouched for.

`principal_for` is exercised directly with synthetic identities; then `hub login --oidc` runs end to end
against the real OpenID provider of `test_oidc.py` (oidc-provider-mock on loopback), the browser played
by that module's form-submitting `Browser`.
"""

from __future__ import annotations

import io
import sqlite3
import webbrowser
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from hub.access.oidc import OidcIdentity
from hub.access.oidc_login import principal_for
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import current_principal, start_session
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.access.test_oidc import CLIENT_ID, PAT, ROLE_MAP, Browser, Provider
from tests.hub.access.test_oidc import provider as provider  # the module's provider fixture, shared
from tests.staff import PASSWORD, add_staff, hub_command, success

USERNAME = "robin.example@council.example"


def identity(
    *roles: str, name: str = "Robin Example", username: str = USERNAME, subject: str = "staff-0101"
) -> OidcIdentity:
    return OidcIdentity(
        issuer="https://login.council.example",
        subject=subject,
        username=username,
        display_name=name,
        roles=frozenset(roles),
        claims_roles=frozenset(roles),
    )


@pytest.fixture
def config(settings: HubSettings) -> AccessConfig:
    return load_access_config(settings)


def console() -> tuple[Console, io.StringIO]:
    printed = io.StringIO()
    return Console(file=printed, width=200), printed


def test_several_mapped_roles_give_the_one_listed_first_in_roles_yaml(store: HubStore, config: AccessConfig) -> None:
    assert list(config.roles).index("manager") < list(config.roles).index("ig_officer")
    terminal, printed = console()
    principal = principal_for(store, config, identity("ig_officer", "manager"), console=terminal)
    assert (principal.username, principal.role, principal.method) == (USERNAME, "manager", "oidc")
    assert principal.restricted_agencies == frozenset({"police"})
    assert "several hub roles; you are signed in as manager" in printed.getvalue()

    terminal, printed = console()
    assert principal_for(store, config, identity("practitioner"), console=terminal).role == "practitioner"
    assert "several" not in printed.getvalue()


def test_the_account_is_recorded_and_a_changed_role_is_audited_and_ends_the_session(
    settings: HubSettings, store: HubStore, config: AccessConfig
) -> None:
    terminal, _ = console()
    first = principal_for(store, config, identity("practitioner"), console=terminal)
    account = store.staff_user(USERNAME)
    assert account is not None
    assert (account.role, account.display_name, account.password_hash, account.active) == (
        "practitioner",
        "Robin Example",
        None,  # signs in only through the provider
        True,
    )
    (added,) = store.audit_trail(action="user.add")
    assert (added.actor, added.object_id, added.outcome) == (f"user:{USERNAME}", USERNAME, "success")
    start_session(settings, store, config, first)

    principal_for(store, config, identity("practitioner"), console=terminal)  # nothing changed: nothing recorded
    assert store.audit_trail(action="user.change") == []

    principal_for(store, config, identity("manager"), console=terminal)
    account = store.staff_user(USERNAME)
    assert account is not None and account.role == "manager"
    (changed,) = store.audit_trail(action="user.change")
    assert (changed.actor, changed.object_id) == (f"user:{USERNAME}", USERNAME)
    assert len(store.audit_trail(action="user.add")) == 1
    with pytest.raises(UserError, match=r"session has ended \(your account or role has changed\)"):
        current_principal(settings, store, config)


def test_a_name_held_by_a_local_password_account_is_refused(store: HubStore, config: AccessConfig) -> None:
    add_staff(store, "sam.patel", "practitioner")
    before = store.staff_user("sam.patel")
    terminal, _ = console()
    with pytest.raises(UserError, match=r"already has an account called sam\.patel that is not yours") as error:
        principal_for(store, config, identity("manager", username="sam.patel"), console=terminal)
    assert "\n" not in str(error.value)
    assert store.staff_user("sam.patel") == before  # not taken over: same role, same password
    assert store.audit_trail(action="user.change") == []


def test_the_account_follows_the_providers_subject_not_the_username(store: HubStore, config: AccessConfig) -> None:
    terminal, _ = console()
    first = principal_for(store, config, identity("practitioner"), console=terminal)
    renamed = principal_for(store, config, identity("practitioner", username="robin.married"), console=terminal)
    assert renamed.username == first.username == USERNAME  # a renamed person keeps their account and trail
    with pytest.raises(UserError, match="not yours"):  # the old name reassigned to someone else: not inherited
        principal_for(store, config, identity("manager", subject="staff-0202"), console=terminal)
    assert store.staff_user("robin.married") is None


def test_a_disabled_account_is_refused(settings: HubSettings, store: HubStore, config: AccessConfig) -> None:
    terminal, _ = console()
    principal_for(store, config, identity("practitioner"), console=terminal)
    with closing(sqlite3.connect(settings.home / "hub.db")) as database, database:
        database.execute("UPDATE staff_users SET active = 0 WHERE username = ?", (USERNAME,))
    with pytest.raises(UserError, match="Your hub account is disabled"):
        principal_for(store, config, identity("manager"), console=terminal)
    account = store.staff_user(USERNAME)
    assert account is not None and (account.role, account.active) == ("practitioner", False)


def test_hub_login_oidc_signs_in_through_the_provider(
    settings: HubSettings, config_copy: Path, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["oidc"] = {"issuer": provider.issuer, "client_id": CLIENT_ID, "role_map": ROLE_MAP}
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))
    provider.add_user("staff-0201", {**PAT, "roles": ["MASH.Manager", "MASH.Practitioner"]})
    browser = Browser("staff-0201")
    monkeypatch.setattr(webbrowser, "open", browser.open_url)

    output = success(hub_command("login", "--oidc"))
    assert "several hub roles; you are signed in as practitioner" in output  # practitioner comes first
    assert f"Signed in as {PAT['preferred_username']} (practitioner)" in output
    assert len(browser.opened) == 1

    store = open_store(settings)
    try:
        principal = current_principal(settings, store, load_access_config(settings))
        assert (principal.username, principal.role, principal.method) == (
            PAT["preferred_username"],
            "practitioner",
            "oidc",
        )
        account = store.staff_user(PAT["preferred_username"])
        assert account is not None and account.password_hash is None and account.display_name == PAT["name"]
        # An account the provider vouches for has no password: `hub login USERNAME` cannot open it.
        refused = hub_command("login", PAT["preferred_username"], "--password-stdin", stdin=PASSWORD + "\n")
        assert isinstance(refused.exception, UserError) and "Sign-in refused" in str(refused.exception)
    finally:
        store.close()
