"""`hub demo`: one referral end to end through the real stack (the work is `hub.runtime.demo`)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import console
from hub.settings import REPO_ROOT, HubSettings

SAMPLE_REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"


def demo(
    referral_file: Annotated[
        Path, typer.Option("--referral", help="Referral JSON to run instead of the bundled sample.")
    ] = SAMPLE_REFERRAL,
    keep_running: Annotated[
        bool,
        typer.Option(
            "--keep-running", help="Keep the sandboxes, Airflow and the web application running until Ctrl-C."
        ),
    ] = False,
    web_port: Annotated[
        int, typer.Option("--web-port", help="Port for the web application on 127.0.0.1 (a free one if taken).")
    ] = 8000,
) -> None:
    """Start the sandboxes, Airflow and the web application, run a sample referral end to end, print its history."""
    from hub.runtime.demo import run_demo
    from hub.web.server import serving_in_background

    settings = HubSettings.from_env()

    def web() -> AbstractContextManager[str]:
        return serving_in_background(settings, port=web_port, say=lambda words: console.print(f"    {words}"))

    run_demo(settings, referral_file, console, web=web, keep_running=keep_running)
