"""`hub airflow ...`: Airflow for this `$HUB_HOME` (the work is `hub.runtime.airflow`)."""

from __future__ import annotations

import typer

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="Airflow on the embedded default (SQLite, LocalExecutor).", no_args_is_help=True)


@app.command("up")
def up() -> None:
    """Run Airflow's api-server, scheduler, dag-processor and triggerer under $HUB_HOME until interrupted."""
    from hub.runtime.airflow import serve_airflow

    serve_airflow(HubSettings.from_env(), console)


@app.command("init")
def init() -> None:
    """Prepare the Airflow the environment configures: migrate its database, set each agency's pool."""
    from hub.runtime.airflow import initialise_airflow

    initialise_airflow(HubSettings.from_env(), console)
