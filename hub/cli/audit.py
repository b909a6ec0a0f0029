"""`hub audit ...`: every access to a referral (who, when, what, why, lawful basis), and the chain's verdict."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from hub.cli.common import console
from hub.errors import UserError
from hub.settings import HubSettings

app = typer.Typer(help="The audit trail: who accessed what, when, why, under which lawful basis.", no_args_is_help=True)


@app.command("show")
def show(referral_id: Annotated[str, typer.Argument(help="The referral's id.")]) -> None:
    """List every access to a referral, its agency replies and its chronologies."""
    show_audit_trail(HubSettings.from_env(), referral_id, console)


@app.command("verify")
def verify() -> None:
    """Prove the audit trail: every event against the signed checkpoints and the witness, every stored row against
    its write event. Exits non-zero, saying what and where, if anything was edited, inserted, deleted, reordered or cut.
    """
    verify_audit_trail(HubSettings.from_env(), console)


@app.command("prove")
def prove(seq: Annotated[int, typer.Argument(help="The event's sequence number.")]) -> None:
    """Print, as JSON, an inclusion proof of one event against the newest signed checkpoint (RFC 9162)."""
    prove_audit_event(HubSettings.from_env(), seq, console)


def show_audit_trail(settings: HubSettings, referral_id: str, console: Console) -> None:
    from rich.table import Table

    from hub.store.home import open_store

    events = open_store(settings).audit_trail(referral_id=referral_id)
    if not events:
        raise UserError(f"No audit events for referral '{referral_id}' in {settings.home}. Check the id.")
    bases = {event.lawful_basis for event in events}
    shared_basis = bases.pop() if len(bases) == 1 else None
    table = Table(
        title=f"Audit trail for referral {referral_id}",
        title_justify="left",
        caption=f"Lawful basis for every event: {shared_basis}" if shared_basis else None,
        caption_justify="left",
    )
    columns = ["#", "When (UTC)", "Who", "Action", "Object", "Purpose"] + ([] if shared_basis else ["Lawful basis"])
    for column in columns:
        table.add_column(column, no_wrap=column in ("When (UTC)", "Action"), overflow="fold")
    for event in events:
        row = [
            str(event.seq),
            f"{event.occurred_at:%Y-%m-%d %H:%M:%S}",
            event.actor,
            event.action,
            f"{event.object_type} {event.object_id}",
            event.purpose,
        ]
        table.add_row(*row, *([] if shared_basis else [event.lawful_basis]))
    console.print(table)


MAX_PROBLEMS_SHOWN = 20


def verify_audit_trail(settings: HubSettings, console: Console) -> None:
    """Every problem on its own line (ids, sequence numbers and checkpoint sizes only), then a one-line verdict."""
    from hub.store.home import open_store

    store = open_store(settings)
    try:
        verification = store.verify_audit_trail()
    finally:
        store.close()
    if not verification:
        for problem in verification.problems[:MAX_PROBLEMS_SHOWN]:
            console.print(f"- {problem}", markup=False, highlight=False)
        if len(verification.problems) > MAX_PROBLEMS_SHOWN:
            console.print(f"- and {len(verification.problems) - MAX_PROBLEMS_SHOWN} more")
        raise UserError(f"Audit trail is NOT intact: {verification.message}. Report this to information governance.")
    console.print(
        f"Audit trail intact: {verification.events_checked} events checked against signed checkpoints, "
        "the witness and every stored referral, agency reply and chronology version.",
        markup=False,
    )


def prove_audit_event(settings: HubSettings, seq: int, console: Console) -> None:
    import json

    from hub.store.home import open_store

    store = open_store(settings)
    try:
        proof = store.prove_audit_event(seq)
    except LookupError as error:
        raise UserError(f"No proof for event {seq}: {error}.") from None
    finally:
        store.close()
    console.print_json(json.dumps(proof))
