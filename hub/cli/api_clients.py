"""`hub api-clients ...`: partner systems' keys for the REST API (administrators; docs/referrals.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import console, signed_in
from hub.errors import UserError

app = typer.Typer(
    help="Partner systems' keys for the REST API: add, list, revoke (administrators).", no_args_is_help=True
)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help='The partner system, e.g. "Northbridge Police PPN system".')],
    role: Annotated[str, typer.Option(help="Its role in config/roles.yaml (referrer: submit referrals only).")],
) -> None:
    """Add a client and print its key once: it is kept only as a hash and cannot be shown again."""
    from hub.access.api_clients import ADD_PURPOSE, check_client_name, new_key
    from hub.access.permissions import Permission

    check_client_name(name)
    signed = signed_in()
    signed.config.role(role)  # a role roles.yaml does not have is one line naming those it has
    key = new_key()
    with signed.permit(Permission.USERS_MANAGE, purpose=ADD_PURPOSE):
        added = signed.store.add_api_client(
            name, role=role, key_id=key.key_id, key_hash=key.key_hash, actor=signed.actor, purpose=ADD_PURPOSE
        )
    if not added:
        raise UserError(f"There is already a client called {name!r} (a revoked client keeps its name). Choose another.")
    console.print(f"Added API client {name!r} ({role}). Its key, shown only now; give it to its owner securely:")
    console.print(f"  {key.key}", soft_wrap=True, markup=False, highlight=False)
    console.print("It sends it as the header: Authorization: Bearer <key>", markup=False)


@app.command("list")
def list_clients() -> None:
    """Every API client: its role, when and by whom it was added, and whether it is revoked (never a key)."""
    from rich.table import Table

    from hub.access.api_clients import ADD_PURPOSE
    from hub.access.permissions import Permission
    from hub.terminal import shown

    signed = signed_in()
    with signed.permit(Permission.USERS_MANAGE, purpose=ADD_PURPOSE):
        clients = signed.store.api_clients()
    if not clients:
        console.print("No API clients yet. Add one with `hub api-clients add NAME --role referrer`.")
        return
    table = Table(title="API clients", title_justify="left")
    for column in ("Name", "Role", "Key id", "Added", "State"):
        table.add_column(column)
    for client in clients:
        state = f"revoked {client.revoked_at:%d %b %Y %H:%M}" if client.revoked_at else "active"
        added = f"{client.created_at:%d %b %Y} by {client.created_by}"
        table.add_row(shown(client.name), client.role, client.key_id, added, state)
    console.print(table)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The client whose key stops working now.")]) -> None:
    """Revoke a client's key at once: its next call is refused (401). The client and its trail are kept."""
    from hub.access.api_clients import ADD_PURPOSE
    from hub.access.permissions import Permission

    signed = signed_in()
    with signed.permit(Permission.USERS_MANAGE, purpose=ADD_PURPOSE):
        revoked = signed.store.revoke_api_client(name, actor=signed.actor, purpose=ADD_PURPOSE)
    if not revoked:
        raise UserError(f"There is no active API client called {name!r}. See `hub api-clients list`.")
    console.print(f"Revoked {name!r}: its key no longer works.", markup=False)
