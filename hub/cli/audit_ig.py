"""IG's reading of the audit trail from the command line: `hub audit search`, `export` and `report`.

The commands themselves are declared in `hub.cli.audit`; this module holds their shared options and
what each does once the person is allowed (`hub.access.guard`). The work is `hub.audit`'s (queries,
FHIR and CSV, reports), and the store records each reading in the trail before it reads
(`HubStore.read_audit_trail`). Only typer and the standard library are imported at the top, so
`hub --help` stays light; everything else is imported when a command runs.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from hub.access.roles import IgReportSettings
    from hub.audit.chain import AuditEvent
    from hub.audit.reports import IgReport, VolumeThresholds
    from hub.audit.search import AuditQuery
    from hub.deadlines.calendar import WorkingCalendar
    from hub.store import HubStore

UserFilter = Annotated[
    str | None,
    typer.Option("--user", help="Events by this person (actor user:USERNAME, or cli:USERNAME from before sign-in)."),
]
ReferralFilter = Annotated[str | None, typer.Option("--referral", help="Events on this referral.")]
ChildFilter = Annotated[
    str | None,
    typer.Option("--child", help="Events on this subject's records: a subject id (S1), or REFERRAL_ID/S1."),
]
ActionFilter = Annotated[
    list[str] | None, typer.Option("--action", help="Only this action, e.g. chronology.read (repeatable).")
]
PurposeFilter = Annotated[str | None, typer.Option("--purpose", help="Events whose purpose contains this text.")]
BreakGlassFilter = Annotated[bool, typer.Option("--break-glass", help="Only accesses under break-glass.")]
DeniedFilter = Annotated[bool, typer.Option("--denied", help="Only refused attempts.")]
SinceFilter = Annotated[
    str | None, typer.Option("--since", help="From this day (YYYY-MM-DD, council time), inclusive.")
]
UntilFilter = Annotated[
    str | None, typer.Option("--until", help="Up to this day (YYYY-MM-DD, council time), inclusive.")
]


def council_zone(settings: HubSettings) -> tzinfo:
    """The council's time zone (`config/deadlines.yaml`): dates are its days, times its clocks."""
    from zoneinfo import ZoneInfo

    from hub.deadlines.config import load_deadlines

    return ZoneInfo(str(load_deadlines(settings).calendar.time_zone))


def filters(
    zone: tzinfo,
    user: str | None,
    referral: str | None,
    child: str | None,
    actions: list[str] | None,
    purpose: str | None,
    break_glass: bool,
    denied: bool,
    since: str | None,
    until: str | None,
) -> AuditQuery:
    """`search`'s and `export`'s filters, in the order they declare them, as one `AuditQuery`."""
    from hub.audit.search import build_query

    return build_query(
        zone=zone,
        user=user,
        referral=referral,
        child=child,
        actions=actions,
        purpose=purpose,
        break_glass=break_glass,
        denied=denied,
        since=since,
        until=until,
    )


def checked_limit(limit: int | None) -> int | None:
    """`--limit`, refused in one line unless it is 1 or more."""
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be a whole number of events, 1 or more (not {limit}).")
    return limit


def checked_format(format: str, out: Path | None) -> str:
    """`--format` (fhir or csv) and `--out`'s folder, checked before anything is read or recorded."""
    from hub.audit.ig import EXPORT_FORMATS

    chosen = format.strip().lower()
    if chosen not in EXPORT_FORMATS:
        raise UserError(f"--format '{format[:20]}' is not known; choose fhir or csv.")
    if out is not None and not out.parent.is_dir():
        raise UserError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    return chosen


def volume_thresholds(settings: IgReportSettings) -> VolumeThresholds:
    """`config/roles.yaml`'s `ig_reports` as the report's thresholds."""
    from hub.audit.reports import VolumeThresholds

    return VolumeThresholds(
        minimum_daily_reads=settings.unusual_daily_reads, multiple_of_median=settings.unusual_multiple_of_median
    )


def search_audit_trail(
    store: HubStore,
    query: AuditQuery,
    *,
    actor: str,
    console: Console,
    as_json: bool = False,
    limit: int | None = None,
    zone: tzinfo = UTC,
) -> int:
    """Print the events `query` matches (a table, or JSON lines), oldest first; returns how many.

    `actor` is the person searching: the search is recorded as theirs before anything is read.
    """
    import json
    from contextlib import closing
    from itertools import islice

    from hub.audit import AuditAction
    from hub.audit.ig import SEARCH_PURPOSE
    from hub.audit.search import event_fields

    events = store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor=actor, purpose=SEARCH_PURPOSE)
    with closing(events):
        found = islice(events, limit) if limit is not None else events
        if as_json:
            count = 0
            for event in found:
                # ASCII-only JSON: control characters are \u escapes, so none reaches the terminal.
                console.out(json.dumps(event_fields(event), ensure_ascii=True), highlight=False)
                count += 1
            return count
        return _print_events(found, console, limit, zone)


def _print_events(events: Iterator[AuditEvent], console: Console, limit: int | None, zone: tzinfo) -> int:
    from rich.table import Table

    from hub.audit.report_view import council_time
    from hub.terminal import shown

    table = Table(title="Audit events", title_justify="left", caption_justify="left")
    for column in ("#", "When", "Who", "Role", "Action", "Object", "Referral", "Purpose", "Basis", "Outcome"):
        table.add_column(column, no_wrap=column in ("When", "Action"), overflow="fold")
    count = 0
    for event in events:
        table.add_row(
            *(
                shown(cell)
                for cell in (
                    str(event.seq),
                    council_time(event.occurred_at, zone),
                    event.actor,
                    event.role,
                    event.action,
                    f"{event.object_type} {event.object_id}",
                    event.referral_id or "",
                    event.purpose,
                    event.basis,
                    event.outcome,
                )
            )
        )
        count += 1
    if count == 0:
        console.print("No audit events match.")
        return 0
    if limit is not None and count == limit:
        table.caption = f"The first {count} matching events; raise --limit to see more."
    else:
        table.caption = f"{count} matching event{'s' if count != 1 else ''}."
    console.print(table)
    return count


def export_audit_trail(store: HubStore, query: AuditQuery, *, actor: str, format: str, out: Path | None) -> int:
    """Write the events `query` matches as `format` (fhir or csv) to `out` (0600, whole or not at all) or stdout.

    The export is recorded as `actor`'s before anything is read; returns how many events were written.
    """
    import os
    import sys
    from contextlib import closing
    from datetime import UTC, datetime

    from hub.audit import AuditAction
    from hub.audit.ig import EXPORT_PURPOSE, write_export

    events = store.read_audit_trail(query, action=AuditAction.AUDIT_EXPORT, actor=actor, purpose=EXPORT_PURPOSE)
    with closing(events):

        def write(handle: TextIO) -> int:
            return write_export(events, format, handle, generated_at=datetime.now(UTC))

        if out is None:
            return write(sys.stdout)
        partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                count = write(handle)
            partial.replace(out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return count


def report_on_audit_trail(
    store: HubStore,
    window: AuditQuery,
    *,
    actor: str,
    console: Console,
    calendar: WorkingCalendar,
    thresholds: VolumeThresholds,
    as_json: bool = False,
) -> IgReport:
    """Compute and print the IG report for `window`'s days (its `since` and `until`), recorded as `actor`'s read.

    The trail is read from `since` to now, so a break-glass reviewed after `until` is not listed as pending.
    """
    import json

    from hub.audit.ig import REPORT_PURPOSE
    from hub.audit.report_view import print_report
    from hub.audit.reports import report_document

    result = store.ig_report(window, actor=actor, purpose=REPORT_PURPOSE, calendar=calendar, thresholds=thresholds)
    if as_json:
        console.out(json.dumps(report_document(result), indent=2, ensure_ascii=True), highlight=False)
    else:
        print_report(result, console, calendar.zone)
    return result
