"""Submit a referral and wait for its checks: the workflow `hub referral submit [--wait]` and the demo share."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from hub.checks.airflow_api import AirflowApi, AirflowClient, DagRunStatus
from hub.checks.intake import INTAKE_PURPOSE as INTAKE_PURPOSE  # what the CLI and the demo permit under
from hub.checks.intake import receive_referral
from hub.errors import UserError
from hub.intake.reader import read_referral
from hub.settings import HubSettings
from hub.store.home import open_store
from schemas import CheckPhase

CLI_CHANNEL = "cli"
NOT_ANSWERING = "  Airflow is not answering; still waiting (retrying)"
MINIMUM_WAIT = timedelta(minutes=10)


def submit_referral(
    settings: HubSettings,
    file: Path,
    *,
    actor: str,
    console: Console,
    api: AirflowApi | None = None,
    allocate_to: str | None = None,
) -> tuple[str, str, AirflowClient]:
    """Validate, check Airflow is reachable, then the shared intake (`hub.checks.intake`): a bad file stores and
    triggers nothing, and at the terminal a referral is stored only while Airflow answers.

    `allocate_to`: the person a newly stored referral is allocated to (its submitter, where the
    council's roles.yaml says so), in the same breath as storing it, so it is never left unallocated.
    """
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
    received = receive_referral(
        settings,
        open_store(settings),
        referral,
        actor=actor,
        channel=CLI_CHANNEL,
        trigger=client.trigger,
        allocate_to=allocate_to,
        read_assessment=False,
    )
    state = "stored" if received.created else "already stored (identical), so its checks run again"
    if received.run_id is None:
        raise UserError(
            f"Referral {referral.referral_id} {state}, but its checks have not started: {received.not_started_because} "
            "The hub's housekeeping starts them within five minutes of Airflow answering again; "
            f"`hub chronology show {referral.referral_id}` says so until then."
        )
    run_id = received.run_id
    console.print(f"Referral [bold]{referral.referral_id}[/] {state}; Airflow run [bold]{run_id}[/] triggered.")
    console.print(received.quality_line, markup=False)
    return referral.referral_id, run_id, client


def due_time(settings: HubSettings, referral_id: str) -> datetime:
    """How long `--wait` follows a run: to the referral's due time, and at least ten minutes."""
    checks = open_store(settings).referral_checks(referral_id)
    floor = datetime.now(UTC) + MINIMUM_WAIT
    return max(floor, checks.due_at) if checks is not None and checks.due_at is not None else floor


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
    return status


def checks_verdict(settings: HubSettings, referral_id: str, status: DagRunStatus) -> None:
    """After the history is shown: a `UserError` with one line per agency whose checks failed, if any.

    A run that ended other than "success" without a failed check on record (it could not start, or
    Airflow failed it) says that instead, so `submit --wait` never exits 0 without every answer.
    """
    from hub.chronology.check_states import reason_words

    store = open_store(settings)
    progress = store.check_progress(referral_id)
    lines = []
    for agency in sorted({item.agency for item in progress}):
        checks = [item for item in progress if item.agency == agency]
        failed = [item for item in checks if item.phase is CheckPhase.GAVE_UP]
        if failed:
            first = failed[0]
            why = reason_words(first.reason, first.cause, first.cause_count)
            lines.append(f"{agency}: {len(failed)} of {len(checks)} checks failed: {why}")
    if lines:
        raise UserError(f"Not every agency could be checked for {referral_id}:\n  " + "\n  ".join(lines))
    if status.state != "success":
        overall = store.referral_checks(referral_id)
        stage = overall.stage.value.replace("_", " ") if overall is not None else "unknown"
        raise UserError(
            f"The checks run for {referral_id} ended {status.state} (checks: {stage}). "
            "Open Airflow's UI or task logs to see why, then submit the referral again."
        )
