"""`hub demo`: one referral end to end through the real stack, then everything stopped again.

The web application runs alongside (`web`, given by the CLI: hub.web sits above this layer), with the demo's
own accounts printed beside its address, so a person can follow the referral in the browser; `keep_running`
leaves the sandboxes, Airflow and the web application up until Ctrl-C (or SIGTERM), then stops them all.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from types import FrameType

from rich.console import Console

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.checks.submission import INTAKE_PURPOSE, checks_verdict, due_time, follow_run, submit_referral
from hub.chronology.reading import show_history
from hub.errors import UserError
from hub.intake.reader import read_referral
from hub.runtime.airflow import running_airflow
from hub.runtime.callbacks import CallbackEndpoint
from hub.runtime.demo_history import PastYearLoading, past_year_line
from hub.runtime.sandboxes import forget_sandboxes, load_sandbox_settings, record_sandboxes
from hub.settings import HubSettings

DEMO_ACCOUNTS = (
    ("demo.practitioner", "practitioner", "Demo Practitioner"),
    ("demo.manager", "manager", "Demo Manager"),
    ("demo.ig", "ig_officer", "Demo IG Officer"),
)
"""The demo's own staff accounts, created in its `$HUB_HOME` (synthetic people, like its families)."""


def demo_accounts_file(settings: HubSettings) -> Path:
    return settings.home / "demo-accounts.txt"


def create_demo_accounts(settings: HubSettings, console: Console) -> SignedIn:
    """Create the demo's accounts (once) and sign in as its practitioner, as `hub login` would.

    Refuses a `$HUB_HOME` that holds anyone else's account: the demo never adds accounts to a real hub.
    """
    from hub.access.credentials import hash_password
    from hub.access.guard import as_principal
    from hub.access.principal import Principal
    from hub.access.roles import load_access_config
    from hub.access.sessions import start_session
    from hub.store.home import open_store

    store = open_store(settings)
    config = load_access_config(settings)
    names = {username for username, _, _ in DEMO_ACCOUNTS}
    others = [user.username for user in store.staff_users() if user.username not in names]
    if others:
        raise UserError(
            f"{settings.home} holds staff accounts that are not the demo's; run the demo in a HUB_HOME of its own, "
            "e.g. `HUB_HOME=$PWD/.hub-demo hub demo`."
        )
    lines = []
    for username, role, display_name in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        if store.add_staff_user(
            username,
            role=role,
            display_name=display_name,
            password_hash=hash_password(password),
            totp_secret=None,
            actor="service:demo",
            purpose="demo accounts",
        ):
            lines.append(f"{username}\t{role}\t{password}\n")
    if lines:
        path = demo_accounts_file(settings)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.writelines(lines)
    practitioner = Principal("demo.practitioner", "practitioner", "password")
    start_session(settings, store, config, practitioner)
    return as_principal(settings, store, practitioner)


def demo_passwords(settings: HubSettings) -> dict[str, str]:
    """Each demo account's password, as written when it was created (the file is the demo's, mode 0600)."""
    path = demo_accounts_file(settings)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {fields[0]: fields[2] for fields in (line.split("\t") for line in lines) if len(fields) == 3}


def show_web_address(settings: HubSettings, address: str, console: Console) -> None:
    """Where the web application is, and who can sign in to it (synthetic accounts in the demo's own $HUB_HOME)."""
    passwords = demo_passwords(settings)
    console.print(f"    The web application is at {address} ; sign in as one of the demo's accounts:", markup=False)
    for username, role, _ in DEMO_ACCOUNTS:
        password = passwords.get(username, f"(see {demo_accounts_file(settings)})")
        console.print(f"      {username:<18} {role.replace('_', ' '):<13} password {password}", markup=False)


def _wait_for_interrupt(console: Console, web_address: str | None) -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM, so the callers' context managers stop everything in order."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    where = f" The web application is at {web_address} ." if web_address else ""
    console.print(f"Everything is still running (--keep-running).{where} Press Ctrl-C to stop.", markup=False)
    try:
        while True:
            threading.Event().wait(3600)
    except KeyboardInterrupt:
        console.print("Stopping the web application, Airflow and the sandboxes ...")
    finally:
        signal.signal(signal.SIGTERM, previous)


def upgrade_database_first(settings: HubSettings, console: Console) -> None:
    """`hub db upgrade`'s work, as an operator runs it after installing: a demo home an earlier version
    made is migrated (its referrals and audit trail kept) instead of refused when the store opens.
    A new home's database is simply made, without listing every migration that made it."""
    from hub.store.migrations import SchemaState, upgrade_database

    steps: list[str] = []
    result = upgrade_database(settings.database_url, say=steps.append)
    if result.before.state in (SchemaState.CURRENT, SchemaState.EMPTY):
        return
    console.print(f"Upgrading the database from {result.before.current or 'the previous release'} ...")
    for step in steps:
        console.print(f"    {step}", soft_wrap=True)
    console.print(f"The database is at schema revision {result.before.head}.")


def run_demo(
    settings: HubSettings,
    referral_file: Path,
    console: Console,
    *,
    web: Callable[[], AbstractContextManager[str]] | None = None,
    keep_running: bool = False,
) -> Path:
    """The demo; `web` serves the web application while it runs (its address printed with the accounts)."""
    read_referral(referral_file)  # refuse a bad file before starting anything
    settings.ensure_home()
    started = time.monotonic()
    console.print(f"[bold]MASH Hub demo[/] (state under {settings.home})")
    upgrade_database_first(settings, console)
    signed = create_demo_accounts(settings, console)
    with ExitStack() as running:
        web_address = None
        if web is not None:
            console.print("Starting the web application ...")
            web_address = running.enter_context(web())
            show_web_address(settings, web_address, console)
        report = _run_referral(settings, referral_file, console, signed, keep_running, web_address)
    stopped = "the sandboxes, Airflow and the web application have" if web else "the sandboxes and Airflow have"
    console.print(f"Demo finished in {time.monotonic() - started:.0f} s; {stopped} been stopped.")
    if web_address and not keep_running:
        console.print("Run `hub demo --keep-running` to keep them up and follow the referral in the browser.")
    console.print(
        f"You are signed in as {signed.principal.username}: try `hub chronology show {report.stem}`, "
        "and `hub logout` when done."
    )
    return report


def _run_referral(
    settings: HubSettings,
    referral_file: Path,
    console: Console,
    signed: SignedIn,
    keep_running: bool,
    web_address: str | None,
) -> Path:
    """Steps 1 to 5: the sandboxes and Airflow up, the referral through them, its history; then (unless
    `keep_running` until Ctrl-C) everything stopped."""
    from sandbox.server import SandboxCluster

    console.print("1/5 Starting the agency sandboxes (health, police, education, housing) ...")
    sandbox_settings = load_sandbox_settings(settings, None)
    with (
        SandboxCluster(settings=sandbox_settings, pki_dir=settings.sandbox_dir / "tls") as cluster,
        CallbackEndpoint(settings),
    ):
        record_sandboxes(settings, cluster)
        past_year = PastYearLoading(settings, console)
        past_year.start()  # while Airflow starts, so the demo takes no longer
        try:
            console.print("2/5 Starting Airflow (api-server, scheduler, dag-processor, triggerer) ...")

            def waiting(seconds: float) -> None:
                if int(seconds) % 10 == 0 and seconds >= 10:
                    console.print(f"    still starting ({seconds:.0f} s)")

            with running_airflow(settings, on_wait=waiting) as airflow:
                console.print(f"    Airflow is ready at {airflow.api.base_url}")
                console.print(past_year_line(past_year.wait(), web_address), markup=False)
                console.print(f"3/5 Submitting the referral in {referral_file} ...")
                with signed.permit(Permission.REFERRAL_SUBMIT, purpose=INTAKE_PURPOSE):
                    referral_id, run_id, client = submit_referral(
                        settings,
                        referral_file,
                        actor=signed.actor,
                        console=console,
                        api=airflow.api,
                        allocate_to=signed.principal.username,
                    )
                console.print("4/5 Waiting for the agency checks through the Airflow scheduler ...")
                status = follow_run(client, run_id, console, until=due_time(settings, referral_id))
                console.print("5/5 Family history:")
                report = settings.reports_dir / f"{referral_id}.html"
                with signed.reading_history(referral_id) as why:
                    show_history(
                        settings,
                        referral_id,
                        actor=signed.actor,
                        clearance=signed.clearance,
                        console=console,
                        html=report,
                        purpose=why,
                    )
                checks_verdict(settings, referral_id, status)
                if keep_running:
                    _wait_for_interrupt(console, web_address)
        finally:
            forget_sandboxes(settings)
    return report
