"""`hub referral ...`: check, submit, list and allocate referrals; their feedback notes and quality per referrer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in

app = typer.Typer(help="Submit referrals for checking, list them, and allocate them.", no_args_is_help=True)

LIST_PURPOSE = "referral list"


@app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(help="Referral JSON (see config/examples/referral.json).")],
    wait: Annotated[
        bool,
        typer.Option(
            help="Wait for the checks to finish (up to the referral's due time) and print the history; "
            "exits non-zero, with one line per agency, if any check failed."
        ),
    ] = False,
) -> None:
    """Store a referral (encrypted) and trigger its checks in Airflow."""
    from hub.checks.submission import INTAKE_PURPOSE, checks_verdict, due_time, follow_run, submit_referral
    from hub.chronology.reading import show_history

    signed = signed_in()
    settings = signed.settings
    submitter = signed.principal.username if signed.config.allocation.submitter_allocated else None
    with signed.permit(Permission.REFERRAL_SUBMIT, purpose=INTAKE_PURPOSE):
        referral_id, run_id, client = submit_referral(
            settings, file, actor=signed.actor, console=console, allocate_to=submitter
        )
    if wait:
        status = follow_run(client, run_id, console, until=due_time(settings, referral_id))
        with signed.reading_history(referral_id) as why:
            show_history(
                settings, referral_id, actor=signed.actor, clearance=signed.clearance, console=console, purpose=why
            )
        checks_verdict(settings, referral_id, status)


@app.command("allocate")
def allocate(
    referral_id: Annotated[str, typer.Argument(help="The referral's id.")],
    to: Annotated[str, typer.Option("--to", help="The username of the practitioner (or manager) to allocate it to.")],
) -> None:
    """Allocate a referral to a person: from now on they may read its history (managers)."""
    from hub.access.allocation import allocate_referral

    person = allocate_referral(signed_in(), referral_id, to)
    console.print(f"Referral {referral_id} is allocated to [bold]{to}[/] ({person.role}).")


@app.command("list")
def list_referrals(
    mine: Annotated[bool, typer.Option("--mine", help="Only referrals allocated to me.")] = False,
    history: Annotated[
        bool, typer.Option("--history", help="Only the imported past referrals (`hub referral import-history`).")
    ] = False,
) -> None:
    """Referrals with their RAG rating, when received and who holds them (no personal data). Imported past
    referrals are history, not live work: listed only with --history."""
    from rich.table import Table

    from hub.access.holding import held_by
    from hub.access.holding import mine as only_mine
    from hub.checks.history import IMPORTED_WORDS

    signed = signed_in()
    with signed.permit(Permission.REFERRAL_LIST, purpose=LIST_PURPOSE):
        summaries = signed.store.referral_summaries(history=history)
    holders = held_by(signed, summaries)
    if mine:
        summaries = only_mine(signed, summaries, holders)
    if not summaries:
        none = "No imported past referrals" if history else "No referrals"
        console.print(f"{none} allocated to you." if mine else f"{none} yet.")
        return
    table = Table(title="Imported past referrals" if history else "Referrals", title_justify="left")
    for column in ("Referral", "RAG", "Received (UTC)", "Allocated to"):
        table.add_column(column)
    for summary in summaries:
        table.add_row(
            summary.referral_id,
            summary.rag,
            f"{summary.received_at:%d %b %Y %H:%M}",
            holders[summary.referral_id] or ("-" if history else "[yellow]not allocated[/]"),
        )
    console.print(table)
    if history:
        console.print(IMPORTED_WORDS, markup=False)


@app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="Referral JSON (see config/examples/referral.json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON, for scripts.")] = False,
) -> None:
    """Check a referral before sending it: the same validation as submit, then its quality. Stores nothing.

    Exits 0 for a valid referral, whatever its score; non-zero, with one line per problem, if it is refused.
    """
    import json

    from hub.cli.referral_quality import print_assessment
    from hub.intake.reader import read_referral
    from hub.quality.assessment import assess
    from hub.quality.checklist import load_checklist
    from hub.settings import HubSettings

    referral = read_referral(file)
    checklist = load_checklist(HubSettings.from_env())
    assessment = assess(referral, checklist)
    if as_json:
        typer.echo(json.dumps({"valid": True, "stored": False, **assessment.model_dump(mode="json")}, indent=2))
        return
    console.print(f"Referral {referral.referral_id} is valid. Nothing has been stored.\n", markup=False)
    print_assessment(console, assessment, checklist)


@app.command("feedback")
def feedback(referral_id: Annotated[str, typer.Argument(help="The referral's id.")]) -> None:
    """Print the feedback note for the referrer: plain text for a letter or an email (allocated practitioner,
    or a manager)."""
    from hub.errors import UserError
    from hub.quality.feedback import feedback_note
    from hub.quality.records import FEEDBACK_PURPOSE, stored_assessment

    signed = signed_in()
    if not signed.store.referral_exists(referral_id):
        raise UserError(f"No referral {referral_id} is stored. Check the id with `hub referral list`.")
    with signed.permit(Permission.REFERRAL_FEEDBACK, referral_id, purpose=FEEDBACK_PURPOSE):
        assessment = stored_assessment(signed.store, referral_id, actor=signed.actor)
    if assessment is None:
        raise UserError(
            f"Referral {referral_id} has no quality assessment: it was stored before assessments began, or the "
            "checklist had a mistake when it arrived. `hub referral check FILE` assesses a referral file."
        )
    typer.echo(feedback_note(assessment), nl=False)


@app.command("quality")
def quality(
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="Referrals received on or after this day.")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Referrals received on or before this day.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, for a spreadsheet.")] = False,
) -> None:
    """Referral quality per referrer: referrals, mean score and the most common gaps (managers and IG; no
    personal data)."""
    from hub.cli.referral_quality import print_report
    from hub.errors import UserError
    from hub.quality.by_referrer import as_csv as report_csv
    from hub.quality.checklist import load_checklist
    from hub.quality.records import REPORT_PURPOSE, referrer_report

    first, last = (start.date() if start else None), (end.date() if end else None)
    if first is not None and last is not None and last < first:
        raise UserError("--to must be the same day as --from or later.")
    signed = signed_in()
    labels = load_checklist(signed.settings).labels()
    with signed.permit(Permission.REFERRAL_QUALITY, purpose=REPORT_PURPOSE):
        rows = referrer_report(signed.store, actor=signed.actor, received_from=first, received_to=last)
    if as_csv:
        typer.echo(report_csv(rows, labels), nl=False)
        return
    period = f"received {first or 'any time'} to {last or 'today'}" if first or last else "received at any time"
    print_report(console, rows, labels, period)


@app.command("import-history")
def import_history(
    directory: Annotated[Path, typer.Argument(help="A folder of past referrals, one JSON file each.")],
    decisions: Annotated[
        Path | None,
        typer.Option(
            "--decisions",
            help="A CSV of their decisions: referral_id, outcome, level, decided_at (and optionally decided_by); "
            "`hub sandbox referrals`' manifest.csv as it is.",
        ),
    ] = None,
) -> None:
    """Import past referrals from the council's earlier system, for the insight reports and re-referrals
    (managers). Each is checked as on intake and assessed; the agencies are not checked for them. Everything is
    checked first: one bad file stores nothing. Running it again stores nothing twice."""
    from rich.progress import Progress

    from hub.checks.history import IMPORT_PURPOSE
    from hub.checks.history import import_history as run_import

    signed = signed_in()
    with (
        signed.permit(Permission.REFERRAL_IMPORT_HISTORY, purpose=IMPORT_PURPOSE),
        Progress(console=console, transient=True) as bar,
    ):
        task = bar.add_task("Importing past referrals", total=None)
        report = run_import(
            signed.settings, signed.store, directory, decisions, actor=signed.actor,
            progress=lambda done, of: bar.update(task, completed=done, total=of),
        )  # fmt: skip
    console.print(
        f"Imported {report.stored:,} past referral{'s' if report.stored != 1 else ''} as history "
        f"({report.skipped:,} already imported, skipped). The hub did not check the agencies for them.",
        markup=False,
    )
    if report.destroyed:
        console.print(
            f"{report.destroyed:,} were not imported: the retention schedule destroyed them after an earlier "
            "import (`hub retention` keeps their destruction records).",
            markup=False,
        )
    if decisions is not None:
        console.print(
            f"Decisions: {report.decisions_stored:,} recorded as agreed at their past times "
            f"({report.decisions_skipped:,} already on record).",
            markup=False,
        )
