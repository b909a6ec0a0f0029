"""`hub login` and `hub logout`: a short-lived session for the person at the terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from hub.cli.common import console, secret_from_stdin
from hub.errors import UserError
from hub.settings import HubSettings


def login(
    username: Annotated[str | None, typer.Argument(help="Your hub username (not needed with --oidc).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password (then any code) from standard input.")
    ] = False,
    code: Annotated[str | None, typer.Option(help="The six-digit code from your authenticator app.")] = None,
    oidc: Annotated[bool, typer.Option("--oidc", help="Sign in through the council's identity provider.")] = False,
) -> None:
    """Sign in: every command that reads or changes personal data acts as you until you sign out."""
    from hub.access.roles import load_access_config
    from hub.access.sessions import sign_in_with_password, start_session
    from hub.store.home import open_store

    settings = HubSettings.from_env()
    config = load_access_config(settings)
    store = open_store(settings)
    if oidc:
        from hub.access.oidc_login import principal_from_oidc

        principal = principal_from_oidc(settings, store, config, console=console)
    else:
        if not username:
            raise UserError("Give your username: `hub login USERNAME` (or `hub login --oidc`).")
        password = (
            secret_from_stdin("password") if password_stdin else typer.prompt("Password", hide_input=True, err=True)
        )

        def second_factor() -> str:
            if code is not None:
                return code
            if password_stdin:
                return secret_from_stdin("six-digit code")
            return str(typer.prompt("Code from your authenticator app", err=True))

        principal = sign_in_with_password(store, config, username, password, second_factor, now=datetime.now(UTC))
    session = start_session(settings, store, config, principal)
    idle = int(config.sessions.idle.total_seconds() // 60)
    console.print(
        f"Signed in as [bold]{principal.username}[/] ({principal.role}) until {session.expires_at:%H:%M} UTC; "
        f"the session ends sooner after {idle} minutes without a command. Sign out with `hub logout`."
    )


def logout() -> None:
    """Sign out: end this terminal's session."""
    from hub.access.sessions import end_session
    from hub.store.home import open_store

    settings = HubSettings.from_env()
    ended = end_session(settings, open_store(settings))
    console.print(f"Signed out {ended}." if ended else "You were not signed in.")
