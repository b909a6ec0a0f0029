"""The `hub` command: the demo, referral intake, family histories, and the local services.

Each command group is a typer sub-application in its own module (`hub.cli.referral`, ...). Those
modules import only what building the command tree needs; a command imports its work when it runs,
so `hub --help` and a mistyped option answer at once.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.text import Text

from hub.cli import (
    access,
    airflow,
    api_clients,
    audit,
    backup,
    callbacks,
    chronology,
    connectors,
    db,
    decision,
    demo,
    insight,
    keys,
    linkage,
    metrics,
    referral,
    retention,
    review,
    sandbox,
    sar,
    session,
    users,
    web,
)
from hub.errors import UserError
from hub.observability.logs import configure_logging
from hub.settings import PRIVATE_UMASK
from hub.terminal import shown

app = typer.Typer(
    help="MASH Hub: multi-agency safeguarding checks, compiled into an encrypted family history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(demo.demo)
app.command()(session.login)
app.command()(session.logout)
app.command()(backup.backup)
app.command()(backup.restore)
app.add_typer(users.app, name="users")
app.add_typer(access.app, name="access")
app.add_typer(review.app, name="review")
app.add_typer(referral.app, name="referral")
app.add_typer(connectors.app, name="connectors")
app.add_typer(chronology.app, name="chronology")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(audit.app, name="audit")
app.add_typer(airflow.app, name="airflow")
app.add_typer(callbacks.app, name="callbacks")
app.add_typer(linkage.app, name="linkage")
app.add_typer(web.app, name="web")
app.add_typer(decision.app, name="decision")
app.add_typer(insight.app, name="insight")
app.add_typer(keys.app, name="keys")
app.add_typer(api_clients.app, name="api-clients")
app.add_typer(sar.app, name="sar")
app.add_typer(db.app, name="db")
app.add_typer(retention.app, name="retention")
app.add_typer(metrics.app, name="metrics")


def main() -> None:
    """Entry point: a user's mistake is one line on stderr and a non-zero exit, never a traceback.

    Everything the hub writes is the user's alone (0600 files, 0700 folders), including what SQLite
    and the services it starts create with the process's umask: see `hub.settings`.
    """
    os.umask(PRIVATE_UMASK)
    try:
        configure_logging(default_format="text", default_level="WARNING")  # HUB_LOG_FORMAT=json for machines
        # urllib3 warns of each retry with its URL; a command says it once, in words ("Airflow is not answering").
        logging.getLogger("urllib3").setLevel(logging.ERROR)
        app()
    except UserError as exc:
        # One line, however long, and the message as written: it may quote a file name or an agency's words.
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            Text.assemble(("error:", "bold red"), " ", shown(exc))
        )
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("HUB_DEBUG"):
            raise
        Console(stderr=True, highlight=False).print(
            f"[bold red]internal error:[/] {type(exc).__name__} at {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}. "
            "Details are withheld because they may contain personal data; re-run with HUB_DEBUG=1 to see them."
        )
        sys.exit(70)
