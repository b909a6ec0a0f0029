"""`hub db upgrade` and `hub db status`: the database's schema migrations, for operators.

Operator commands: they need access to `$HUB_HOME` (its database URL), not a staff sign-in, because
they run before any account can exist (a new install, a container's migration step) and read no
personal data. Take a backup before upgrading (docs/deployment.md, "Upgrading: database migrations").
"""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.common import console, reaching_database, shown_database_url
from hub.settings import HubSettings

app = typer.Typer(help="The database's schema: apply migrations after installing a new version.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply the migrations this version has and the database lacks (a database made by the previous release is
    checked against its schema first). Doing nothing is fine: run it on every install or start."""
    from hub.store.migrations import SchemaState, upgrade_database

    settings = HubSettings.from_env()
    settings.ensure_home()
    console.print(f"Database: {shown_database_url(settings.database_url)}")
    with reaching_database(settings.database_url):
        result = upgrade_database(settings.database_url, say=lambda line: console.print(f"  {line}", soft_wrap=True))
    head = result.before.head
    if not result.applied and not result.checked_baseline:
        console.print(f"Already at the newest schema revision, {head}: nothing to do.")
    elif result.before.state is SchemaState.EMPTY:
        count = len(result.applied)
        made = f"{count} migration{'s' * (count != 1)}"
        console.print(f"Created the schema in an empty database ({made}); now at {head}.")
    else:
        console.print(f"Upgraded from {result.before.current or 'the previous release'} to {head}.")


@app.command("status")
def status() -> None:
    """Show the database's schema revision, this version's newest, and the migrations not yet applied."""
    from sqlalchemy.engine import make_url

    from hub.store.engine import make_engine
    from hub.store.migrations import SchemaState, read_status

    settings = HubSettings.from_env()
    url = make_url(settings.database_url)
    console.print(f"Database: {shown_database_url(settings.database_url)}")
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        console.print("No database yet: `hub db upgrade` creates it (so does any command that opens the store).")
        return
    engine = make_engine(settings.database_url)
    try:
        with reaching_database(settings.database_url), engine.connect() as connection:
            found = read_status(connection)
    finally:
        engine.dispose()
    current = {
        SchemaState.EMPTY: "none (the database is empty)",
        SchemaState.PREVIOUS_RELEASE: "none recorded (made by the release before migrations)",
    }.get(found.state, found.current or "none")
    if found.state is SchemaState.NEWER:
        current += " (unknown to this version: a newer version of the hub migrated it)"
    console.print(f"Schema revision: {current}")
    console.print(f"This version's:  {found.head}")
    if found.state is SchemaState.CURRENT:
        console.print("Up to date: no migration pending.")
    elif found.pending:
        console.print(f"Pending ({len(found.pending)}):")
        for revision in found.pending:
            console.print(f"  {revision}", soft_wrap=True)
        console.print("Run `hub db upgrade` (after backing up $HUB_HOME) to apply them.")
