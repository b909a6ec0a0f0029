"""Submit a referral and wait for its checks: the workflow `hub referral submit [--wait]` and the demo share."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from rich.console import Console

from hub.checks.airflow_api import AirflowApi, AirflowClient, DagRunStatus
from hub.errors import UserError
from hub.intake.reader import read_referral
from hub.settings import HubSettings
from hub.store.home import open_store

INTAKE_PURPOSE = "referral_intake"
NOT_ANSWERING = "  Airflow is not answering; still waiting (retrying)"


def submit_referral(
    settings: HubSettings, file: Path, *, actor: str, console: Console, api: AirflowApi | None = None
) -> tuple[str, str, AirflowClient]:
    """Validate, check Airflow is reachable, store, then trigger: a bad file stores and triggers nothing."""
    referral = read_referral(file)
    settings.ensure_home()
    if api is None:
        client = AirflowClient(AirflowApi.locate(settings), relocate=lambda: AirflowApi.locate(settings))
    else:
        client = AirflowClient(api)
    if not client.dag_is_ready(patient=True):
        raise UserError(
            f"Airflow at {client.api.base_url} is not answering or has not loaded the DAG yet. "
            "Start it with `hub airflow up`, wait for it to be ready, then try again."
        )
    created = open_store(settings).save_referral(referral, actor=actor, purpose=INTAKE_PURPOSE)
    run_id = client.trigger(referral.referral_id, f"referral__{referral.referral_id}__{time.time_ns()}")
    state = "stored" if created else "already stored (identical), so its checks run again"
    console.print(f"Referral [bold]{referral.referral_id}[/] {state}; Airflow run [bold]{run_id}[/] triggered.")
    return referral.referral_id, run_id, client


def follow_run(client: AirflowClient, run_id: str, console: Console, *, until: datetime | None = None) -> DagRunStatus:
    """Wait for the run through the real scheduler, printing progress whenever it changes.

    `until` is the referral's due time (default: the client's fixed wait). An Airflow that stops
    answering (restarted, moved to a new port, overloaded) is waited out with one line saying so.
    """
    last = ""

    def show(status: DagRunStatus) -> None:
        nonlocal last
        tasks = ", ".join(f"{count} {state}" for state, count in sorted(status.tasks.items())) or "waiting"
        line = f"  run {status.state}: {tasks}"
        if line != last:
            console.print(line)
            last = line

    def unanswered() -> None:
        nonlocal last
        console.print(NOT_ANSWERING)
        last = ""  # show the run's state again once Airflow answers

    started = time.monotonic()
    status = client.wait(run_id, on_progress=show, until=until, on_unreachable=unanswered)
    console.print(f"Checks finished in {time.monotonic() - started:.0f} s: run {status.state}.")
    if status.state != "success":
        raise UserError(f"Airflow run {run_id} ended {status.state}. Open Airflow's UI or task logs to see why.")
    return status
