"""`hub audit ...`: every access to a referral (who, when, what, why, lawful basis), and the chain's verdict.

For information governance: `search` and `export` (FHIR R4 AuditEvent following IHE BALP, or CSV) with
the same filters, and `report` (access without allocation, break-glass awaiting review, out-of-hours
access, unusual volume). Each needs a signed-in person whose role holds `audit.read` (or `audit.export`),
and each is itself recorded in the trail (`audit.read`, `audit.export`), with its filters as ids
(`hub.cli.audit_ig` holds what they do).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.cli import audit_ig
from hub.cli.common import console
from hub.errors import UserError
from hub.settings import HubSettings

SHOW_PURPOSE = "ig_audit_show"

app = typer.Typer(help="The audit trail: who accessed what, when, why, under which lawful basis.", no_args_is_help=True)


@app.command("show")
def show(referral_id: Annotated[str, typer.Argument(help="The referral's id.")]) -> None:
    """List every access to a referral, its agency replies and its chronologies (IG; the reading is recorded)."""
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission

    person = signed_in()
    with person.permit(Permission.AUDIT_READ, purpose=SHOW_PURPOSE):
        show_audit_trail(person.settings, referral_id, console, actor=person.actor)


@app.command("verify")
def verify() -> None:
    """Prove the audit trail: every event against the signed checkpoints and the witness, every stored row against
    its write event. Exits non-zero, saying what and where, if anything was edited, inserted, deleted, reordered or cut.
    Then open every stored record under its key: each that cannot be read is named with its class (tampered, key
    missing, key shredded); exits non-zero if any is tampered or its key missing.
    """
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission
    from hub.audit.ig import VERIFY_PURPOSE

    person = signed_in()
    with person.permit(Permission.AUDIT_READ, purpose=VERIFY_PURPOSE):
        verify_audit_trail(person.settings, console, actor=person.actor)


@app.command("prove")
def prove(seq: Annotated[int, typer.Argument(help="The event's sequence number.")]) -> None:
    """Print, as JSON, an inclusion proof of one event against the newest signed checkpoint (RFC 9162)."""
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission
    from hub.audit.ig import VERIFY_PURPOSE

    person = signed_in()
    with person.permit(Permission.AUDIT_READ, purpose=VERIFY_PURPOSE):
        prove_audit_event(person.settings, seq, console)


@app.command("search")
def search(
    user: audit_ig.UserFilter = None,
    referral: audit_ig.ReferralFilter = None,
    child: audit_ig.ChildFilter = None,
    action: audit_ig.ActionFilter = None,
    purpose: audit_ig.PurposeFilter = None,
    break_glass: audit_ig.BreakGlassFilter = False,
    denied: audit_ig.DeniedFilter = False,
    since: audit_ig.SinceFilter = None,
    until: audit_ig.UntilFilter = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most N events (oldest first).")] = None,
) -> None:
    """Find audit events by person, referral or child, action, purpose, break-glass, refusal and date."""
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission
    from hub.audit import ig

    settings = HubSettings.from_env()
    zone = audit_ig.council_zone(settings)
    query = audit_ig.filters(zone, user, referral, child, action, purpose, break_glass, denied, since, until)
    person = signed_in(settings)
    with person.permit(Permission.AUDIT_READ, purpose=ig.SEARCH_PURPOSE):
        audit_ig.search_audit_trail(
            person.store,
            query,
            actor=person.actor,
            console=console,
            as_json=as_json,
            limit=audit_ig.checked_limit(limit),
            zone=zone,
        )


@app.command("export")
def export(
    format: Annotated[str, typer.Option("--format", help="fhir (a FHIR R4 Bundle of AuditEvent, IHE BALP) or csv.")],
    user: audit_ig.UserFilter = None,
    referral: audit_ig.ReferralFilter = None,
    child: audit_ig.ChildFilter = None,
    action: audit_ig.ActionFilter = None,
    purpose: audit_ig.PurposeFilter = None,
    break_glass: audit_ig.BreakGlassFilter = False,
    denied: audit_ig.DeniedFilter = False,
    since: audit_ig.SinceFilter = None,
    until: audit_ig.UntilFilter = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (owner-only, 0600) instead of standard output.")
    ] = None,
) -> None:
    """Export matching audit events as FHIR R4 AuditEvent (IHE BALP) or CSV."""
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission
    from hub.audit import ig

    settings = HubSettings.from_env()
    chosen = audit_ig.checked_format(format, out)
    zone = audit_ig.council_zone(settings)
    query = audit_ig.filters(zone, user, referral, child, action, purpose, break_glass, denied, since, until)
    person = signed_in(settings)
    with person.permit(Permission.AUDIT_EXPORT, purpose=ig.EXPORT_PURPOSE):
        count = audit_ig.export_audit_trail(person.store, query, actor=person.actor, format=chosen, out=out)
    if out is not None:
        console.print(f"Exported {count} audit events to {out} ({chosen}).", markup=False)


@app.command("report")
def report(
    since: audit_ig.SinceFilter = None,
    until: audit_ig.UntilFilter = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as one JSON document, for scripts.")] = False,
) -> None:
    """IG report: access without allocation, break-glass awaiting review, out-of-hours access, unusual volume."""
    from hub.access.guard import signed_in
    from hub.access.permissions import Permission
    from hub.audit import ig
    from hub.audit.search import build_query
    from hub.deadlines.config import load_deadlines

    settings = HubSettings.from_env()
    calendar = load_deadlines(settings).working_calendar
    window = build_query(zone=calendar.zone, since=since, until=until)
    person = signed_in(settings)
    with person.permit(Permission.AUDIT_READ, purpose=ig.REPORT_PURPOSE):
        audit_ig.report_on_audit_trail(
            person.store,
            window,
            actor=person.actor,
            console=console,
            as_json=as_json,
            thresholds=audit_ig.volume_thresholds(person.config.ig_reports),
            calendar=calendar,
        )


def show_audit_trail(settings: HubSettings, referral_id: str, console: Console, *, actor: str) -> None:
    from rich.table import Table

    from hub.audit import AuditAction
    from hub.audit.search import AuditQuery
    from hub.store.home import open_store

    query = AuditQuery(referral_id=referral_id)
    reading = open_store(settings).read_audit_trail(
        query, action=AuditAction.AUDIT_READ, actor=actor, purpose=SHOW_PURPOSE
    )
    events = list(reading)
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
    columns = ["#", "When (UTC)", "Who", "Action", "Object", "Purpose", "Allowed on"] + (
        [] if shared_basis else ["Lawful basis"]
    )
    for column in columns:
        table.add_column(column, no_wrap=column in ("When (UTC)", "Action"), overflow="fold")
    for event in events:
        row = [
            str(event.seq),
            f"{event.occurred_at:%Y-%m-%d %H:%M:%S}",
            f"{event.actor} ({event.role})",
            event.action,
            f"{event.object_type} {event.object_id}",
            event.purpose,
            "REFUSED" if event.outcome == "denied" else event.basis,
        ]
        table.add_row(*row, *([] if shared_basis else [event.lawful_basis]))
    console.print(table)


MAX_PROBLEMS_SHOWN = 20


def verify_audit_trail(settings: HubSettings, console: Console, *, actor: str) -> None:
    """Every problem on its own line (ids, sequence numbers and checkpoint sizes only), then a one-line verdict;
    then the stored records' check (`hub.cli.audit_records`)."""
    from hub.audit.ig import NOT_INTACT_ADVICE, VERIFY_PURPOSE, intact_sentence
    from hub.cli.audit_records import check_records, refuse_if_unreadable, report_records
    from hub.store.home import open_store

    store = open_store(settings)
    try:
        verification = store.verify_audit_trail()
        records = check_records(store, actor=actor, purpose=VERIFY_PURPOSE)
    finally:
        store.close()
    if not verification:
        for problem in verification.problems[:MAX_PROBLEMS_SHOWN]:
            console.print(f"- {problem}", markup=False, highlight=False)
        if len(verification.problems) > MAX_PROBLEMS_SHOWN:
            console.print(f"- and {len(verification.problems) - MAX_PROBLEMS_SHOWN} more")
    else:
        console.print(intact_sentence(verification), markup=False)
    report_records(records, console)
    if not verification:
        raise UserError(f"Audit trail is NOT intact: {verification.message}. {NOT_INTACT_ADVICE}")
    refuse_if_unreadable(records)


def prove_audit_event(settings: HubSettings, seq: int, console: Console) -> None:
    import json

    from hub.store.home import open_store

    store = open_store(settings)
    try:
        proof = store.prove_audit_event(seq)
    except LookupError as error:
        raise UserError(f"No proof for event {seq}: {error}.") from None
    finally:
        store.close()
    console.print_json(json.dumps(proof))
