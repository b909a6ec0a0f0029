"""`hub web up`: serve the web application (the work is `hub.web.server`)."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="The web application for practitioners, managers and IG staff.", no_args_is_help=True)


@app.command("up")
def up(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on; this machine only by default.")] = "127.0.0.1",
    plain_http_cookies: Annotated[
        bool,
        typer.Option(
            "--plain-http-cookies",
            help="Development only, with a loopback --host: cookies without Secure, for HTTP clients other "
            "than a browser (browsers keep Secure cookies on http://127.0.0.1).",
        ),
    ] = False,
) -> None:
    """Serve the web application until Ctrl-C, installing its front-end packages with npm the first time."""
    from hub.web.server import serve

    serve(HubSettings.from_env(), host=host, port=port, plain_http_cookies=plain_http_cookies, say=console.print)
