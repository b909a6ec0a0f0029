"""`hub access ...`: break-glass access to a referral one is not allocated to, and its review."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hub.cli.common import console, signed_in
from hub.errors import UserError
from hub.terminal import shown

app = typer.Typer(help="Break-glass access, and its review by managers and IG.", no_args_is_help=True)

REVIEW_PURPOSE = "break-glass review"


@app.command("break-glass")
def break_glass(
    referral_id: Annotated[str, typer.Argument(help="The referral to open.")],
    reason: Annotated[str, typer.Option(help="A reason code from config/roles.yaml (break_glass.reasons).")],
    note: Annotated[str, typer.Option(help="Why, in your words: read by whoever reviews the access.")],
) -> None:
    """Open a referral you are not allocated to, for a limited time: IG and managers are told at once."""
    from hub.access.break_glass import open_break_glass

    opened = open_break_glass(signed_in(), referral_id, reason=reason, note=note)
    glass, not_sent = opened.glass, opened.not_sent
    console.print(
        f"Break-glass access [bold]{glass.number}[/] to {referral_id} is open until {glass.expires_at:%H:%M} UTC. "
        "It is recorded, IG and managers are told, and it will be reviewed."
    )
    if not_sent:
        console.print(
            f"[yellow]The email to IG and managers was not sent ({not_sent}).[/] The access is still recorded "
            "and listed by `hub access list`; tell your manager yourself."
        )


@app.command("review")
def review(
    number: Annotated[int, typer.Argument(help="The break-glass access's number, from `hub access list`.")],
    appropriate: Annotated[
        bool | None,
        typer.Option("--appropriate/--inappropriate", help="Your finding: the access was appropriate, or not."),
    ] = None,
    note: Annotated[str, typer.Option(help="Your reasons, kept (sealed) with the finding.")] = "",
) -> None:
    """Record whether a break-glass access was appropriate (managers and IG officers; not your own)."""
    from hub.access.permissions import Permission

    if appropriate is None:
        raise UserError("Say your finding with --appropriate or --inappropriate.")
    if not note.strip():
        raise UserError("Give your reasons with --note; they are kept with the finding.")
    signed = signed_in()
    with signed.permit(Permission.BREAK_GLASS_REVIEW, purpose=REVIEW_PURPOSE):
        glass = signed.store.break_glass(number)
        if glass.username == signed.principal.username:
            signed.refuse(
                Permission.BREAK_GLASS_REVIEW,
                glass.referral_id,
                object_id=str(number),
                purpose=REVIEW_PURPOSE,
                explanation="You cannot review your own break-glass access; ask a manager or IG officer.",
            )
        reviewed = signed.store.review_break_glass(
            number, appropriate=appropriate, note=note.strip(), actor=signed.actor, purpose=REVIEW_PURPOSE
        )
    console.print(f"Break-glass access {number} by {reviewed.username} recorded as [bold]{reviewed.review}[/].")


@app.command("list")
def list_accesses(
    pending: Annotated[bool, typer.Option("--pending", help="Only those awaiting review.")] = False,
    notes: Annotated[bool, typer.Option("--notes", help="Also show each person's note (an audited read).")] = False,
) -> None:
    """Break-glass accesses: who opened which referral, why, until when, and the review."""
    from hub.access.permissions import Permission

    signed = signed_in()
    with signed.permit(Permission.BREAK_GLASS_REVIEW, purpose=REVIEW_PURPOSE):
        accesses = signed.store.break_glass_accesses(pending_only=pending)
        written = (
            {
                glass.number: signed.store.break_glass_note(glass.number, actor=signed.actor, purpose=REVIEW_PURPOSE)
                for glass in accesses
            }
            if notes
            else {}
        )
    if not accesses:
        console.print("No break-glass accesses are awaiting review." if pending else "No break-glass accesses.")
        return
    table = Table(title="Break-glass accesses", title_justify="left", show_lines=bool(notes))
    for column in ("#", "Referral", "Who", "Reason", "Opened (UTC)", "Until (UTC)", "Review"):
        table.add_column(column)
    if notes:
        table.add_column("Note", max_width=50, overflow="fold")
    for glass in accesses:
        review_text = glass.review if glass.reviewed_by is None else f"{glass.review} by {glass.reviewed_by}"
        row = [
            str(glass.number),
            glass.referral_id,
            f"{glass.username} ({glass.role})",
            glass.reason,
            f"{glass.opened_at:%d %b %Y %H:%M}",
            f"{glass.expires_at:%d %b %Y %H:%M}",
            review_text,
        ]
        table.add_row(*row, *([shown(written[glass.number])] if notes else []))
    console.print(table)
