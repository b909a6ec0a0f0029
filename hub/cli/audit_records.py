"""The stored records' part of `hub audit verify`: every record opened under its key, each unreadable one named.

For IG and operators: one line per record that cannot be read, with its class (tampered, key missing, key
shredded), then counts, and the failed reads recorded since the previous check. Ids and kinds only: no
plaintext is kept or printed (`hub.store.record_check`). docs/information-governance.md says what each
class means and who acts on it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from hub.errors import UserError
from hub.store import HubStore
from hub.store.errors import Unreadability
from hub.store.record_check import RecordsVerified

MAX_SHOWN = 20
ORDER = (Unreadability.TAMPERED, Unreadability.KEY_MISSING, Unreadability.KEY_SHREDDED)


def check_records(store: HubStore, *, actor: str, purpose: str) -> RecordsVerified:
    """Open every stored record, showing progress on a terminal (nothing is shown when output is not one)."""
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    terminal = Console(stderr=True)
    with Progress(*columns, console=terminal, transient=True, disable=not terminal.is_terminal) as progress:
        task = progress.add_task("opening stored records", total=None)
        return store.verify_records(
            actor=actor, purpose=purpose, progress=lambda done, of: progress.update(task, completed=done, total=of)
        )


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%d %b %Y %H:%M} UTC"


def report_records(verified: RecordsVerified, console: Console) -> None:
    """Print what the check found: a verdict line, each unreadable record, the failed reads since the last check."""

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    if not verified.unreadable:
        say(f"Stored records: {verified.opened:,} opened and authenticated under their keys; every one can be read.")
    else:
        classes = ", ".join(f"{verified.count(cause)} {cause.words}" for cause in ORDER if verified.count(cause))
        say(f"Stored records: {verified.opened:,} checked; {len(verified.unreadable)} cannot be read ({classes}):")
        ordered = sorted(verified.unreadable, key=lambda found: (ORDER.index(found.cause), found.record))
        for found in ordered[:MAX_SHOWN]:
            say(f"- {found.line()}")
        if len(ordered) > MAX_SHOWN:
            say(f"- and {len(ordered) - MAX_SHOWN} more (`hub audit search --action record.unreadable` lists them)")
        if verified.count(Unreadability.KEY_SHREDDED):
            say("Key shredded: destroyed under the retention schedule on purpose; expected, not a fault.")
    since = "the audit trail began" if verified.previous is None else f"the last check ({_when(verified.previous)})"
    if not verified.recorded_since:
        say(f"No failed reads recorded since {since}.")
        return
    say(f"Failed reads recorded since {since}: {len(verified.recorded_since)}")
    for event in verified.recorded_since[-MAX_SHOWN:]:
        cause = event.outcome.replace("_", " ")
        say(f"- #{event.seq} {_when(event.occurred_at)} {event.actor}: {event.object_id} ({cause})")


def refuse_if_unreadable(verified: RecordsVerified) -> None:
    """Exit non-zero when a record is tampered or its key missing; records shredded on purpose are expected."""
    if verified.ok:
        return
    tampered, missing = verified.count(Unreadability.TAMPERED), verified.count(Unreadability.KEY_MISSING)
    records = "1 stored record cannot" if tampered + missing == 1 else f"{tampered + missing} stored records cannot"
    raise UserError(
        f"{records} be read ({tampered} tampered, {missing} key missing). "
        "Report this to information governance (IG) now; the operators restore the keys or the records from backup "
        "(docs/deployment.md, 'When a record cannot be read')."
    )
