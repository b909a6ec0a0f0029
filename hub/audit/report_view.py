"""An IG report in the terminal: one table per section, each with a heading and a line saying what it lists.

Times read as the council's clocks show them (with GMT or BST), since an IG officer checks them against
rotas and working hours. Every value comes from the audit trail (ids and codes), and is printed as
plain text (`hub.terminal.shown`), never as markup or a control sequence.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hub.audit.reports import IgReport
from hub.terminal import shown

NONE = "None"


def council_time(moment: datetime, zone: tzinfo) -> str:
    """`2026-03-02 18:30 GMT`: an instant as the council's clocks showed it."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _section(console: Console, title: str, explanation: str, columns: list[str], rows: list[list[str]]) -> None:
    """A heading, the line that says what the section lists, then its table, or "None"."""
    console.print()
    console.print(Text(title, style="bold"))
    console.print(shown(explanation))
    if not rows:
        console.print(NONE)
        return
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(shown(cell) for cell in row))
    console.print(table)


def print_report(report: IgReport, console: Console, zone: tzinfo) -> None:
    """Print the four sections; an empty one says "None"."""
    window = " to ".join(
        [
            council_time(report.since, zone) if report.since else "the start of the trail",
            council_time(report.until, zone) if report.until else "now",
        ]
    )
    console.print(shown(f"IG report on the audit trail, {window}: {report.events_examined} events examined."))
    thresholds = report.thresholds
    sections = [
        (
            "Access without allocation",
            "A person used a referral's records without being allocated to it (break-glass, or their role alone).",
            ["Who", "Referral", "Basis", "Events", "First", "Last"],
            [
                [
                    row.actor,
                    row.referral_id,
                    row.basis,
                    str(row.events),
                    council_time(row.first, zone),
                    council_time(row.last, zone),
                ]
                for row in report.unallocated
            ],
        ),
        (
            "Break-glass awaiting review",
            "Break-glass accesses nobody has yet recorded as appropriate or inappropriate (hub access review N).",
            ["Number", "Who", "Referral", "Opened", "Purpose"],
            [
                [row.number, row.actor, row.referral_id or "", council_time(row.opened_at, zone), row.purpose]
                for row in report.pending_break_glass
            ],
        ),
        (
            "Out-of-hours access",
            "Reads of referral records out of hours (evenings, weekends, bank holidays, closures), per person per day.",
            ["Who", "Day", "Reads", "First", "Last", "Referrals"],
            [
                [
                    row.actor,
                    row.day.isoformat(),
                    str(row.reads),
                    council_time(row.first, zone),
                    council_time(row.last, zone),
                    ", ".join(row.referrals),
                ]
                for row in report.out_of_hours
            ],
        ),
        (
            "Unusual volume",
            f"A person's reads on one day: at least {thresholds.minimum_daily_reads} and more than "
            f"{thresholds.multiple_of_median:g} times their median daily reads (config/roles.yaml ig_reports).",
            ["Who", "Day", "Reads", "Their median per day"],
            [[row.actor, row.day.isoformat(), str(row.reads), f"{row.median:g}"] for row in report.unusual_volume],
        ),
    ]
    for title, explanation, columns, rows in sections:
        _section(console, title, explanation, columns, rows)
