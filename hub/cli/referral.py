"""`hub referral ...`: store a referral and trigger its checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import cli_actor, console
from hub.settings import HubSettings

app = typer.Typer(help="Submit referrals for checking.", no_args_is_help=True)


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
    from hub.checks.submission import checks_verdict, due_time, follow_run, submit_referral
    from hub.chronology.reading import show_history

    settings = HubSettings.from_env()
    referral_id, run_id, client = submit_referral(settings, file, actor=cli_actor(), console=console)
    if wait:
        status = follow_run(client, run_id, console, until=due_time(settings, referral_id))
        show_history(settings, referral_id, actor=cli_actor(), console=console)
        checks_verdict(settings, referral_id, status)
