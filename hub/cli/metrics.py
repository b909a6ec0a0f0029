"""`hub metrics serve`: the Prometheus endpoint (the work is `hub.checks.metrics` and `hub.observability`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="Prometheus metrics about the checks, read from the hub's database.", no_args_is_help=True)
TOKEN_VARIABLE = "HUB_METRICS_TOKEN"  # noqa: S105 - the variable's name, not a secret


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 9464,
    host: Annotated[
        str, typer.Option(help="Address to listen on; this machine only by default (elsewhere needs a token).")
    ] = "127.0.0.1",
) -> None:
    """Serve /metrics until Ctrl-C; with HUB_METRICS_TOKEN set, only to requests bearing it as a bearer token."""
    from hub.checks.metrics import registry_for
    from hub.observability.exposition import check_bind, metrics_server
    from hub.observability.logs import configure_logging
    from hub.store.home import open_store

    configure_logging(default_format="json", default_level="INFO")
    token = os.environ.get(TOKEN_VARIABLE) or None
    check_bind(host, token)  # before anything is opened
    store = open_store(HubSettings.from_env())
    server = metrics_server(registry_for(store.engine), host=host, port=port, token=token)
    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    guarded = "a bearer token" if token else "no token (this machine only)"
    console.print(f"Metrics at http://{bound_host}:{bound_port}/metrics with {guarded} (Ctrl-C to stop).")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
