"""What the CLI commands do, kept apart from argument parsing so the demo can reuse each step."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from rich.console import Console

from hub.airflow_runtime import AirflowApi, AirflowClient, AirflowServices, DagRunStatus, prepare_airflow
from hub.errors import UserError
from hub.intake import read_referral
from hub.services import open_store
from hub.settings import HubSettings

INTAKE_PURPOSE = "referral_intake"
PRACTITIONER_PURPOSE = "practitioner_view"


def submit_referral(
    settings: HubSettings, file: Path, *, actor: str, console: Console, api: AirflowApi | None = None
) -> tuple[str, str, AirflowClient]:
    """Validate, check Airflow is reachable, store, then trigger: a bad file stores and triggers nothing."""
    referral = read_referral(file)
    settings.ensure_home()
    client = AirflowClient(api or AirflowApi.locate(settings))
    if not client.dag_is_ready():
        raise UserError(
            f"Airflow at {client.api.base_url} is not answering or has not loaded the DAG yet. "
            "Start it with `hub airflow up`, wait for it to be ready, then try again."
        )
    created = open_store(settings).save_referral(referral, actor=actor, purpose=INTAKE_PURPOSE)
    run_id = client.trigger(referral.referral_id, f"referral__{referral.referral_id}__{time.time_ns()}")
    state = "stored" if created else "already stored (identical), so its checks run again"
    console.print(f"Referral [bold]{referral.referral_id}[/] {state}; Airflow run [bold]{run_id}[/] triggered.")
    return referral.referral_id, run_id, client


def follow_run(client: AirflowClient, run_id: str, console: Console) -> DagRunStatus:
    """Wait for the run through the real scheduler, printing progress whenever it changes."""
    last = ""

    def show(status: DagRunStatus) -> None:
        nonlocal last
        tasks = ", ".join(f"{count} {state}" for state, count in sorted(status.tasks.items())) or "waiting"
        line = f"  run {status.state}: {tasks}"
        if line != last:
            console.print(line)
            last = line

    started = time.monotonic()
    status = client.wait(run_id, on_progress=show)
    console.print(f"Checks finished in {time.monotonic() - started:.0f} s: run {status.state}.")
    if status.state != "success":
        raise UserError(f"Airflow run {run_id} ended {status.state}. Open Airflow's UI or task logs to see why.")
    return status


def show_history(
    settings: HubSettings, referral_id: str, *, actor: str, console: Console, html: Path | None = None
) -> None:
    """Print the latest family history, and write it as HTML when asked; every read is audited."""
    from hub.agencies import load_registry
    from hub.family_history import build
    from hub.report import print_family_history, write_html

    store = open_store(settings)
    if not store.referral_exists(referral_id):
        raise UserError(f"No referral with id '{referral_id}' in {settings.home}. Check the id, or set HUB_HOME.")
    referral = store.load_referral(referral_id, actor=actor, purpose=PRACTITIONER_PURPOSE)
    chronologies = store.latest_chronologies(referral_id, actor=actor, purpose=PRACTITIONER_PURPOSE)
    history = build(referral, chronologies, load_registry(settings).ids)
    print_family_history(history, console)
    if html is not None:
        console.print(f"HTML report written to [bold]{write_html(history, html)}[/]")


def show_audit_trail(settings: HubSettings, referral_id: str, console: Console) -> None:
    from rich.table import Table

    events = open_store(settings).audit_trail(referral_id=referral_id)
    if not events:
        raise UserError(f"No audit events for referral '{referral_id}' in {settings.home}. Check the id.")
    bases = {event.lawful_basis for event in events}
    shared_basis = bases.pop() if len(bases) == 1 else None
    table = Table(
        title=f"Audit trail for referral {referral_id}",
        title_justify="left",
        caption=f"Lawful basis for every event: {shared_basis}" if shared_basis else None,
        caption_justify="left",
    )
    columns = ["#", "When (UTC)", "Who", "Action", "Object", "Purpose"] + ([] if shared_basis else ["Lawful basis"])
    for column in columns:
        table.add_column(column, no_wrap=column in ("When (UTC)", "Action"), overflow="fold")
    for event in events:
        row = [
            str(event.seq),
            f"{event.occurred_at:%Y-%m-%d %H:%M:%S}",
            event.actor,
            event.action,
            f"{event.object_type} {event.object_id}",
            event.purpose,
        ]
        table.add_row(*row, *([] if shared_basis else [event.lawful_basis]))
    console.print(table)


def verify_audit_trail(settings: HubSettings, console: Console) -> None:
    verification = open_store(settings).verify_audit_chain()
    if not verification:
        raise UserError(f"Audit trail is NOT intact: {verification.message} Report this to information governance.")
    console.print(f"Audit trail intact: {verification.events_checked} events checked.")


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def serve_airflow(settings: HubSettings, console: Console) -> None:
    settings.ensure_home()
    services = AirflowServices(settings)
    console.print(f"Preparing Airflow's database and the agencies' pools under {settings.airflow_home} ...")
    services.prepare()
    services.start()
    try:
        services.wait_until_ready()
        console.print(
            f"Airflow is ready at {services.api.base_url} (user '{services.api.username}', password in "
            f"{settings.airflow_home / 'passwords.json'}). Press Ctrl-C to stop."
        )
        _wait_for_interrupt()
    finally:
        services.stop()


def initialise_airflow(settings: HubSettings, console: Console) -> None:
    """`hub airflow init`: prepare an Airflow configured by the environment (a deployment's init step)."""
    pools = prepare_airflow(settings, os.environ)
    slots = ", ".join(f"{name} ({pool['slots']} slots)" for name, pool in pools.items())
    console.print(f"Airflow's database is migrated and the agencies' pools are set: {slots}.")
