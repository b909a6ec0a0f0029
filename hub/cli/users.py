"""`hub users ...`: staff accounts (administrators only; the first through `--bootstrap`)."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from hub.cli.common import console, secret_from_stdin, signed_in
from hub.errors import UserError
from hub.settings import HubSettings
from hub.terminal import shown

app = typer.Typer(help="Staff accounts: add and list (administrators).", no_args_is_help=True)

USERS_PURPOSE = "staff account administration"
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
_BOOTSTRAP_ONLY = "--bootstrap works only while there are no users. Sign in as an administrator instead."


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="The new username, e.g. sam.patel (lower case, no spaces).")],
    role: Annotated[str | None, typer.Option(help="The role, from config/roles.yaml (e.g. practitioner).")] = None,
    name: Annotated[str | None, typer.Option(help="The person's name as colleagues know it.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the initial password from standard input.")
    ] = False,
    totp: Annotated[
        bool, typer.Option("--totp", help="Enrol a TOTP second factor (always, for roles that need one).")
    ] = False,
    bootstrap: Annotated[
        bool, typer.Option("--bootstrap", help="Create the first administrator; works only while there are no users.")
    ] = False,
) -> None:
    """Add a staff account; prints the authenticator enrolment address once, where there is a second factor."""
    from hub.access.credentials import check_password_rules, hash_password, new_totp_secret, totp_address
    from hub.access.permissions import Permission
    from hub.access.roles import load_access_config
    from hub.access.sessions import os_account
    from hub.store.home import open_store

    if not _USERNAME.match(username):
        raise UserError(
            "A username is 2-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter."
        )
    settings = HubSettings.from_env()
    config = load_access_config(settings)
    if bootstrap:
        if role not in (None, "administrator"):
            raise UserError("--bootstrap creates the first administrator; add other roles once signed in as them.")
        role = "administrator"
        store = open_store(settings)
        if store.user_count():
            raise UserError(_BOOTSTRAP_ONLY)
        actor = f"os:{os_account()[1]}"
        grant = None
    else:
        if role is None:
            raise UserError(f"Give the role with --role ({', '.join(sorted(config.roles))}).")
        signed = signed_in()
        decision = signed.decision(Permission.USERS_MANAGE)
        if not decision.allowed:  # refused (and audited) before asking for a password it would not use
            signed.refuse(Permission.USERS_MANAGE, purpose=USERS_PURPOSE, explanation=decision.explanation)
        store, actor, grant = signed.store, signed.actor, signed
    spec = config.role(role)
    password = secret_from_stdin("password") if password_stdin else _prompted_password()
    check_password_rules(password, username)
    secret = new_totp_secret() if totp or spec.second_factor == "required" else None

    def create() -> bool:
        return store.add_staff_user(
            username,
            role=role,
            display_name=name or username,
            password_hash=hash_password(password),
            totp_secret=secret,
            actor=actor,
            purpose=USERS_PURPOSE,
            only_if_none=bootstrap,
        )

    if grant is None:
        created = create()
    else:
        with grant.permit(Permission.USERS_MANAGE, purpose=USERS_PURPOSE):
            created = create()
    if not created:
        raise UserError(f"There is already an account called {username}." if not bootstrap else _BOOTSTRAP_ONLY)
    console.print(f"Added [bold]{username}[/] ({role}). They sign in with `hub login {username}`.")
    if secret is not None:
        console.print("Second factor: add this address to their authenticator app now; it is not shown again:")
        # Whole on one line however narrow the terminal: a line break inside it would break the copied address.
        console.print(f"  {totp_address(secret, username)}", soft_wrap=True)


def _prompted_password() -> str:
    return str(typer.prompt("Initial password", hide_input=True, confirmation_prompt=True, err=True))


@app.command("list")
def list_users() -> None:
    """Every staff account, its role, second factor and state."""
    from hub.access.permissions import Permission

    signed = signed_in()
    with signed.permit(Permission.USERS_MANAGE, purpose=USERS_PURPOSE):
        users = signed.store.staff_users()
    table = Table(title="Staff accounts", title_justify="left")
    for column in ("Username", "Name", "Role", "Second factor", "State", "Added"):
        table.add_column(column)
    for user in users:
        state = "active" if user.active else "disabled"
        table.add_row(
            user.username,
            shown(user.display_name),
            user.role,
            "TOTP" if user.has_totp else "none",
            state,
            f"{user.created_at:%d %b %Y} by {user.created_by}",
        )
    console.print(table)


@app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="The account to disable (a leaver, say).")]) -> None:
    """Disable an account: its sessions end at once and it cannot sign in (the account and its trail are kept)."""
    _change(username, active=False)


@app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="The account to enable again.")]) -> None:
    """Enable a disabled account."""
    _change(username, active=True)


@app.command("role")
def role(
    username: Annotated[str, typer.Argument(help="The account.")],
    to: Annotated[str, typer.Option("--role", help="The new role, from config/roles.yaml.")],
) -> None:
    """Change an account's role: its sessions end, and it signs in again in the new role."""
    _change(username, role=to)


def _change(username: str, *, active: bool | None = None, role: str | None = None) -> None:
    from hub.access.permissions import Permission

    signed = signed_in()
    with signed.permit(Permission.USERS_MANAGE, purpose=USERS_PURPOSE):
        if role is not None:
            signed.config.role(role)  # a UserError naming the roles if there is none by that name
        target = signed.store.staff_user(username)
        if target is None:
            raise UserError(f"There is no account called '{username[:64]}'; `hub users list` shows them.")
        removes_admin = target.role == "administrator" and (active is False or role not in (None, "administrator"))
        admins = [user for user in signed.store.staff_users() if user.role == "administrator" and user.active]
        if removes_admin and target.active and len(admins) <= 1:
            raise UserError("That is the only active administrator; add another administrator first.")
        changed = signed.store.change_staff_user(
            username, active=active, role=role, actor=signed.actor, purpose=USERS_PURPOSE
        )
    assert changed is not None
    state = "active" if changed.active else "disabled"
    console.print(f"{username} is now {state}, with the {changed.role} role. Any session of theirs has ended.")
