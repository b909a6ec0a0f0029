"""`hub demo`: one referral end to end through the real stack (the work is `hub.runtime.demo`)."""

from __future__ import annotations

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
) -> None:
    """Start the sandboxes and Airflow, run a sample referral end to end, print its family history."""
    from hub.runtime.demo import run_demo

    run_demo(HubSettings.from_env(), referral_file, console)
