"""`hub referral ...`: store a referral and trigger its checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in

app = typer.Typer(help="Submit referrals for checking, list them, and allocate them.", no_args_is_help=True)

LIST_PURPOSE = "referral list"


@app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(help="Referral JSON (see config/examples/referral.json).")],
    wait: Annotated[
        bool,
        typer.Option(
            help="Wait for the checks to finish (up to the referral's due time) and print the history; "
            "exits non-zero, with one line per agency, if any check failed."
        ),
    ] = False,
) -> None:
    """Store a referral (encrypted) and trigger its checks in Airflow."""
    from hub.checks.submission import INTAKE_PURPOSE, checks_verdict, due_time, follow_run, submit_referral
    from hub.chronology.reading import show_history

    signed = signed_in()
    settings = signed.settings
    submitter = signed.principal.username if signed.config.allocation.submitter_allocated else None
    with signed.permit(Permission.REFERRAL_SUBMIT, purpose=INTAKE_PURPOSE):
        referral_id, run_id, client = submit_referral(
            settings, file, actor=signed.actor, console=console, allocate_to=submitter
        )
    if wait:
        status = follow_run(client, run_id, console, until=due_time(settings, referral_id))
        with signed.reading_history(referral_id) as why:
            show_history(
                settings, referral_id, actor=signed.actor, clearance=signed.clearance, console=console, purpose=why
            )
        checks_verdict(settings, referral_id, status)


@app.command("allocate")
def allocate(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    to: Annotated[str, typer.Option("--to", help="The username of the practitioner (or manager) to allocate it to.")],
) -> None:
    """Allocate a referral to a person: from now on they may read its history (managers)."""
    from hub.access.allocation import allocate_referral

    person = allocate_referral(signed_in(), referral_id, to)
    console.print(f"Referral {referral_id} is allocated to [bold]{to}[/] ({person.role}).")


@app.command("list")
def list_referrals(
    mine: Annotated[bool, typer.Option("--mine", help="Only referrals allocated to me.")] = False,
) -> None:
    """Referrals with their RAG rating, when received and who holds them (no personal data)."""
    from rich.table import Table

    from hub.access.holding import held_by
    from hub.access.holding import mine as only_mine

    signed = signed_in()
    with signed.permit(Permission.REFERRAL_LIST, purpose=LIST_PURPOSE):
        summaries = signed.store.referral_summaries()
    holders = held_by(signed, summaries)
    if mine:
        summaries = only_mine(signed, summaries, holders)
    if not summaries:
        console.print("No referrals allocated to you." if mine else "No referrals yet.")
        return
    table = Table(title="Referrals", title_justify="left")
    for column in ("Referral", "RAG", "Received (UTC)", "Allocated to"):
        table.add_column(column)
    for summary in summaries:
        table.add_row(
            summary.referral_id,
            summary.rag,
            f"{summary.received_at:%d %b %Y %H:%M}",
            holders[summary.referral_id] or "[yellow]not allocated[/]",
        )
    console.print(table)
