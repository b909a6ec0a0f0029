"""`hub login --oidc`: sign in through the council's identity provider, and keep an account record for the person.

The provider vouches for who the person is and, through `role_map`, which hub role they hold. The hub
keeps a record of each such person, bound to the provider's issuer and subject (never to a username,
which can be renamed or reassigned), without a password (they sign in only through the provider), so
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
    known = store.provider_user(identity.issuer, identity.subject)
    username = known.username if known is not None else identity.username
    existing = known or store.staff_user(username)
    if existing is not None and not existing.active:
        raise UserError("Your hub account is disabled; ask an administrator.")
    if known is None and existing is not None:
        raise UserError(
            f"The hub already has an account called {username} that is not yours (a local account, or someone "
            "else's from the identity provider); ask an administrator to sort it out before you sign in."
        )
    store.record_provider_user(
        username,
        issuer=identity.issuer,
        subject=identity.subject,
        role=role,
        display_name=identity.display_name,
        actor=f"user:{username}",
        purpose=OIDC_PURPOSE,
    )
    return Principal(username, role, "oidc", config.role(role).restricted_agencies)
