"""`hub callbacks ...`: the hub's one endpoint for replies agencies push back (the work is `hub.runtime.callbacks`)."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="Receive replies that agencies push back (callbacks).", no_args_is_help=True)


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default HUB_CALLBACK_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default HUB_CALLBACK_PORT, or any free port).")
    ] = None,
) -> None:
    """Record agencies' pushed replies in the hub's database until interrupted (`hub airflow up` runs one too)."""
    from hub.runtime.callbacks import serve_callback_endpoint

    serve_callback_endpoint(HubSettings.from_env(), console, host=host, port=port)
