"""`hub demo`: one referral end to end through the real stack, then everything stopped again."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from hub.checks.submission import checks_verdict, due_time, follow_run, submit_referral
from hub.chronology.reading import show_history
from hub.intake.reader import read_referral
from hub.runtime.airflow import running_airflow
from hub.runtime.callbacks import CallbackEndpoint
from hub.runtime.sandboxes import forget_sandboxes, load_sandbox_settings, record_sandboxes
from hub.settings import HubSettings

DEMO_ACTOR = "cli:demo"


def run_demo(settings: HubSettings, referral_file: Path, console: Console) -> Path:
    from sandbox.server import SandboxCluster

    read_referral(referral_file)  # refuse a bad file before starting anything
    settings.ensure_home()
    started = time.monotonic()
    console.print(f"[bold]MASH Hub demo[/] (state under {settings.home})")
    console.print("1/5 Starting the agency sandboxes (health, police, education, housing) ...")
    sandbox_settings = load_sandbox_settings(settings, None)
    with (
        SandboxCluster(settings=sandbox_settings, pki_dir=settings.sandbox_dir / "tls") as cluster,
        CallbackEndpoint(settings),
    ):
        record_sandboxes(settings, cluster)
        try:
            console.print("2/5 Starting Airflow (api-server, scheduler, dag-processor, triggerer) ...")

            def waiting(seconds: float) -> None:
                if int(seconds) % 10 == 0 and seconds >= 10:
                    console.print(f"    still starting ({seconds:.0f} s)")

            with running_airflow(settings, on_wait=waiting) as airflow:
                console.print(f"    Airflow is ready at {airflow.api.base_url}")
                console.print(f"3/5 Submitting the referral in {referral_file} ...")
                referral_id, run_id, client = submit_referral(
                    settings, referral_file, actor=DEMO_ACTOR, console=console, api=airflow.api
                )
                console.print("4/5 Waiting for the agency checks through the Airflow scheduler ...")
                status = follow_run(client, run_id, console, until=due_time(settings, referral_id))
        finally:
            forget_sandboxes(settings)
    console.print("5/5 Family history:")
    report = settings.reports_dir / f"{referral_id}.html"
    show_history(settings, referral_id, actor=DEMO_ACTOR, console=console, html=report)
    checks_verdict(settings, referral_id, status)
    console.print(f"Demo finished in {time.monotonic() - started:.0f} s; the sandboxes and Airflow have been stopped.")
    return report
