"""`hub insight REPORT`: the referrer insight reports in the terminal or as CSV, and loading the schools register.

One command per report (`hub insight referrers`, `outcomes`, `quality`, `schools`, `police`, `timeliness`),
each with the same period options as the web pages (`/insight`): `--from`, `--to` (the council's days) and
`--step month|week`. Managers and IG (`referral.quality`). Imported work waits until a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in

app = typer.Typer(help="Referrer insight: who refers, what becomes of it, and how fast (managers and IG).")

NAMES = ("referrers", "outcomes", "quality", "schools", "police", "timeliness")
"""As `hub.insight.reports.NAMES` (not imported here: `hub --help` loads no report)."""


def _run(name: str, first: str | None, last: str | None, step: str, as_csv: bool) -> None:
    from datetime import UTC, datetime

    from rich.table import Table as RichTable

    from hub.deadlines.config import load_deadlines
    from hub.insight.period import parse_period
    from hub.insight.reports import PURPOSE, run_report
    from hub.terminal import shown

    signed = signed_in()
    zone = load_deadlines(signed.settings).working_calendar.zone
    period = parse_period(first, last, step, today=datetime.now(zone).date(), zone=zone)
    with signed.permit(Permission.REFERRAL_INSIGHT, purpose=PURPOSE):
        report, unrecorded = run_report(
            name, signed.store, signed.settings, period, actor=signed.actor, now=datetime.now(UTC)
        )
    if as_csv:
        typer.echo(report.csv, nl=False)
        return
    console.print(f"{report.title}, {report.period}", style="bold", markup=False)
    for line in report.summary:
        console.print(line, markup=False)
    for table in report.tables:
        shown_table = RichTable(title=table.caption, title_justify="left")
        for index, column in enumerate(table.columns):
            shown_table.add_column(column, justify="right" if index in table.numeric else "left")
        for row in table.rows:
            shown_table.add_row(*(shown("" if cell is None else str(cell)) for cell in row))
        if table.rows:
            console.print(shown_table)
        else:
            console.print(f"{table.caption}: none.", markup=False)
    for note in report.notes:
        console.print(note, style="dim", markup=False)
    if unrecorded:
        console.print(
            f"{unrecorded} referrals in this period were stored before the hub kept insight facts and are not counted.",
            markup=False,
        )


def _command(name: str) -> None:
    def command(
        first: Annotated[
            str | None, typer.Option("--from", help="First day, e.g. 2026-01-01 (default: a year ago).")
        ] = None,
        last: Annotated[str | None, typer.Option("--to", help="Last day, inclusive (default: today).")] = None,
        step: Annotated[str, typer.Option("--step", help="month or week.")] = "month",
        as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, for a spreadsheet.")] = False,
    ) -> None:
        _run(name, first, last, step, as_csv)

    command.__doc__ = {
        "referrers": "Referrals by referrer type and organisation over time.",
        "outcomes": "Conversion to each outcome of the MASH decision, by referrer type.",
        "quality": "Referral quality scores per referrer.",
        "schools": "Schools that made no referral in the period, beside their pupils on roll.",
        "police": "Police referral volume and re-referral rate.",
        "timeliness": "Time from receipt to decision against the target.",
    }[name]
    app.command(name)(command)


for _name in NAMES:
    _command(_name)


@app.command("load-schools")
def load_schools(
    file: Annotated[Path, typer.Argument(help="CSV with the header dfe_number,name,pupils (see docs/managers.md).")],
) -> None:
    """Replace the schools register the schools report compares referrals with (managers and IG)."""
    from hub.insight.reports import PURPOSE
    from hub.insight.schools_register import read_register

    signed = signed_in()
    with signed.permit(Permission.REFERRAL_INSIGHT, purpose=PURPOSE):
        schools = read_register(file)
        count = signed.store.replace_school_register(schools)
    console.print(
        f"Loaded {count} schools into the register ({sum(s.pupils for s in schools)} pupils on roll).", markup=False
    )
