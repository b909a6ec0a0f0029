"""`hub retention`: apply the retention schedule (or report what it would do), and place and release legal holds.

For information governance (`retention.manage`, the IG officer's role). The daily DAG runs the same
schedule as `service:retention`; this is for a dry run before it does, a run on demand, and holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in
from hub.errors import UserError

if TYPE_CHECKING:
    from hub.retention import Due, RetentionReport
    from hub.store.retention_records import LegalHold

app = typer.Typer(help="The retention schedule and legal holds (information governance).", no_args_is_help=True)
hold_app = typer.Typer(help="Place or release a legal hold on a referral.", no_args_is_help=True)
app.add_typer(hold_app, name="hold")

PURPOSE = "retention schedule"
"""As `hub.retention.PURPOSE` (not imported here: `hub --help` loads no retention code)."""
NOTE_MAX = 500


def _referrals(count: int) -> str:
    return f"{count} referral{'' if count == 1 else 's'}"


def _as_of(value: str | None, today: date) -> date:
    if value is None:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of must be a date such as 2031-01-01, not '{value[:20]}'.") from None


def _note(value: str, option: str = "--note") -> str:
    note = " ".join(value.split())
    if not note:
        raise UserError(f"{option} is required: say in a sentence why, for the record.")
    if len(note) > NOTE_MAX:
        raise UserError(f"{option} is {len(note)} characters; keep it to {NOTE_MAX} (a short note, not the case).")
    return note


@app.command("run")
def run(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Apply the schedule as of this day, e.g. 2031-01-01 (default: today)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Change nothing: report what would be destroyed, held and due soon.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON, for scripts.")] = False,
) -> None:
    """Destroy every referral past its disposal date (unless held or its checks are running), or with --dry-run
    say what that would destroy. Audited: one retention.run event with the counts."""
    import json

    from hub.retention import apply_retention, council_today, council_zone, load_retention

    signed = signed_in()
    config = load_retention(signed.settings)
    zone = council_zone(signed.settings)
    today = council_today(zone)
    day = _as_of(as_of, today)
    with signed.permit(Permission.RETENTION_MANAGE, purpose=PURPOSE), _progress(quiet=as_json) as advance:
        report = apply_retention(
            signed.store, config, as_of=day, today=today, zone=zone, actor=signed.actor, dry_run=dry_run,
            progress=advance,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    _show(report)


@contextmanager
def _progress(*, quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """Progress as a bar on a terminal; otherwise (a log, a pipe) a line at each twentieth, so a log shows it too."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID

    if quiet or not console.is_terminal:

        def line(stage: str, done: int, total: int) -> None:
            if not quiet and (done in (1, total) or done % max(1, total // 20) == 0):
                console.print(f"{stage}: {done} of {total}", markup=False)

        yield line
        return
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield advance


def _table(title: str, items: list[Due], *, record: bool = False, holds: bool = False) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("Referral")
    table.add_column("Rule (retention.yaml)")
    table.add_column("Disposal date")
    if holds:
        table.add_column("Held by")
    if record:
        table.add_column("Destruction record", justify="right")
    for item in items:
        row = [item.referral_id, item.rule, item.disposal_date.isoformat()]
        if holds:
            row.append(", ".join(f"hold {number}" for number in item.holds))
        if record:
            row.append(str(item.destruction_record or ""))
        table.add_row(*row)
    console.print(table)


def _show(report: RetentionReport) -> None:
    day = report.as_of.isoformat()
    if report.dry_run:
        console.print(f"Dry run of the retention schedule as of {day}: nothing was changed.", markup=False)
        title = f"Would destroy {_referrals(len(report.destroy))}"
    else:
        console.print(f"Retention schedule applied as of {day}.", markup=False)
        title = f"Destroyed {_referrals(len(report.destroy))}"
    if report.destroy:
        _table(title, report.destroy, record=not report.dry_run)
    else:
        console.print(f"{title}.", markup=False)
    if report.held:
        _table(f"Held back by a legal hold: {len(report.held)}", report.held, holds=True)
    if report.checks_running:
        _table(f"Due, but kept while their checks run: {len(report.checks_running)}", report.checks_running)
    until = report.due_soon_until.isoformat()
    if report.due_soon:
        _table(f"Due in the next 90 days (disposal date before {until}): {len(report.due_soon)}", report.due_soon)
    else:
        console.print(f"Nothing else falls due in the next 90 days (before {until}).", markup=False)
    lines = [
        f"{_referrals(report.referrals)} stored; {report.scheduled} scheduled ({report.computed} computed now, "
        f"{report.read} read for their children's birth years).",
    ]
    if report.awaiting_schedule:
        lines.append(
            f"{len(report.awaiting_schedule)} not yet scheduled: their rule needs their children's birth years, "
            "which the next run reads (a dry run reads nothing): " + ", ".join(report.awaiting_schedule) + "."
        )
    if report.unreadable:
        lines.append(
            f"{len(report.unreadable)} could not be read, so are kept and not scheduled (see `hub audit verify`): "
            + ", ".join(report.unreadable) + "."
        )  # fmt: skip
    if report.no_rule:
        lines.append(
            f"{len(report.no_rule)} have an outcome retention.yaml has no rule for, so are kept: "
            + ", ".join(report.no_rule) + "."
        )  # fmt: skip
    verb = "Would destroy" if report.dry_run else "Destroyed"
    if not report.dry_run:
        lines.append(f"Moved {report.keys_moved} data keys into their disposal or hold epochs.")
    if report.epochs_destroyed:
        epochs = ", ".join(report.epochs_destroyed)
        lines.append(f"{verb} the secret of each epoch {epochs}: no copy of the database can decrypt their keys again.")
    for line in lines:
        console.print(line, markup=False)


@hold_app.command("place")
def place(
    referral: Annotated[str, typer.Argument(help="The referral to hold, e.g. REF-2026-000417.")],
    reason: Annotated[str, typer.Option("--reason", help="A code from retention.yaml hold_reasons.")],
    note: Annotated[str, typer.Option("--note", help="Why, in a sentence (kept sealed with the referral).")],
) -> None:
    """Hold a referral: nothing of it is destroyed until every hold on it is released."""
    from hub.retention import load_retention

    signed = signed_in()
    config = load_retention(signed.settings)
    if reason not in config.hold_reasons:
        raise UserError(f"--reason '{reason[:40]}' is not a hold reason; use one of: {', '.join(config.hold_reasons)}.")
    words = _note(note)
    with signed.permit(Permission.RETENTION_MANAGE, purpose=PURPOSE):
        number = signed.store.place_legal_hold(referral, reason=reason, note=words, actor=signed.actor, purpose=PURPOSE)
    console.print(
        f"Legal hold {number} placed on referral {referral} ({config.reason_words(reason)}). Nothing of it will be "
        f"destroyed until the hold is released: hub retention hold release {number} --note ...",
        markup=False,
    )


@hold_app.command("release")
def release(
    hold: Annotated[int, typer.Argument(help="The hold's number (`hub retention holds`).")],
    note: Annotated[str, typer.Option("--note", help="Why it is released, in a sentence.")],
) -> None:
    """Release a legal hold; the next run applies the schedule to the referral again."""
    signed = signed_in()
    words = _note(note)
    with signed.permit(Permission.RETENTION_MANAGE, purpose=PURPOSE):
        referral = signed.store.release_legal_hold(hold, note=words, actor=signed.actor, purpose=PURPOSE)
    console.print(
        f"Legal hold {hold} on referral {referral} released. If no other hold covers it, the next retention run "
        "destroys it once its disposal date has passed.",
        markup=False,
    )


@app.command("holds")
def holds(
    include_released: Annotated[bool, typer.Option("--all", help="Released holds too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """The legal holds in force (with --all, released ones too), with their reasons and notes."""
    import json

    from hub.retention import load_retention

    signed = signed_in()
    config = load_retention(signed.settings)
    with signed.permit(Permission.RETENTION_MANAGE, purpose=PURPOSE):
        found = signed.store.legal_holds(include_released=include_released, actor=signed.actor, purpose=PURPOSE)
    if as_json:
        typer.echo(json.dumps([_hold_json(each) for each in found], indent=2))
        return
    if not found:
        console.print("No legal holds" + (" on record." if include_released else " in force."), markup=False)
        return
    _holds_table(found, config.reason_words)


def _hold_json(hold: LegalHold) -> dict[str, object]:
    return {
        "hold": hold.hold_id,
        "referral_id": hold.referral_id,
        "reason": hold.reason,
        "note": hold.note,
        "placed_by": hold.placed_by,
        "placed_at": hold.placed_at.isoformat(),
        "released_by": hold.released_by,
        "released_at": None if hold.released_at is None else hold.released_at.isoformat(),
        "release_note": hold.release_note,
        "referral_destroyed": hold.referral_destroyed,
        "unreadable": hold.unreadable,
    }


def _holds_table(found: list[LegalHold], reason_words: Callable[[str], str]) -> None:
    from rich.table import Table

    from hub.terminal import shown

    table = Table(title="Legal holds", title_justify="left")
    for column in ("Hold", "Referral", "Reason", "Note", "Placed", "Released"):
        table.add_column(column)
    for hold in found:
        erased = "(erased with the referral)" if hold.referral_destroyed else ""
        if hold.unreadable:
            erased = f"(cannot be read: {hold.unreadable}; see `hub audit verify`)"
        released = "in force"
        if hold.released_at is not None:
            released = f"{hold.released_at:%Y-%m-%d} by {hold.released_by}: {hold.release_note or erased}"
        table.add_row(
            str(hold.hold_id),
            hold.referral_id,
            reason_words(hold.reason),
            shown(hold.note or erased),
            f"{hold.placed_at:%Y-%m-%d} by {hold.placed_by}",
            shown(released),
        )
    console.print(table)
