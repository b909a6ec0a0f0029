"""`hub login --oidc`: sign in through the council's identity provider, and keep an account record for the person.

The provider vouches for who the person is and, through `role_map`, which hub role they hold. The hub
keeps a record of each such person (no password: they can sign in only through the provider), so
allocation, break-glass and the audit trail name them like anyone else. If the provider maps
someone to several hub roles, the one listed first in roles.yaml is used, and they are told.
"""

from __future__ import annotations

import webbrowser

from rich.console import Console

from hub.access.oidc import OidcIdentity, OidcSettings, sign_in
from hub.access.principal import Principal
from hub.access.roles import AccessConfig
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore

OIDC_PURPOSE = "sign-in through the council's identity provider"


def principal_from_oidc(settings: HubSettings, store: HubStore, config: AccessConfig, *, console: Console) -> Principal:
    """Run the provider's sign-in in the browser, then the hub's account for the person it proved."""
    if config.oidc is None:
        raise UserError(
            "This hub has no identity provider configured (`oidc:` in roles.yaml); sign in with `hub login USERNAME`."
        )
    oidc = OidcSettings.from_mapping(config.oidc, known_roles=config.roles)

    def open_url(url: str) -> None:
        console.print(f"Sign in in your browser; if it did not open, go to:\n  {url}")
        webbrowser.open(url)

    return principal_for(store, config, sign_in(oidc, open_url=open_url), console=console)


def principal_for(store: HubStore, config: AccessConfig, identity: OidcIdentity, *, console: Console) -> Principal:
    """The principal for a proved identity, recording (or updating) the person's account record."""
    role = next(name for name in config.roles if name in identity.roles)
    if len(identity.roles) > 1:
        console.print(f"Your identity provider gives you several hub roles; you are signed in as {role}.")
    existing = store.staff_user(identity.username)
    if existing is not None and not existing.active:
        raise UserError("Your hub account is disabled; ask an administrator.")
    if existing is not None and existing.password_hash is not None:
        raise UserError(
            f"The hub already has a local account called {identity.username}; ask an administrator to remove it "
            "before signing in through the identity provider."
        )
    store.record_provider_user(
        identity.username,
        role=role,
        display_name=identity.display_name,
        actor=f"user:{identity.username}",
        purpose=OIDC_PURPOSE,
    )
    return Principal(identity.username, role, "oidc", config.role(role).restricted_agencies)
