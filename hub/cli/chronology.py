"""`hub chronology ...`: read a referral's compiled family history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import PurposeOption, console, signed_in

app = typer.Typer(help="Read compiled family histories.", no_args_is_help=True)


@app.command("show")
def show(
    referral_id: Annotated[str, typer.Argument(help="The referral's id, e.g. REF-2026-000417.")],
    html: Annotated[Path | None, typer.Option(help="Also write the history as an HTML report to this file.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the history as one JSON document (checks with their states).")
    ] = False,
    purpose: PurposeOption = None,
    returned: Annotated[
        bool,
        typer.Option(
            "--returned",
            help="Also show the records agencies returned that are not linked to the person checked "
            "(read from the stored replies; the read is audited).",
        ),
    ] = False,
) -> None:
    """Print the latest family history for a referral."""
    from hub.chronology.reading import show_history

    signed = signed_in()
    with signed.reading_history(referral_id, purpose) as why:
        show_history(
            signed.settings,
            referral_id,
            actor=signed.actor,
            clearance=signed.clearance,
            console=console,
            html=html,
            as_json=as_json,
            purpose=why,
            returned=returned,
        )


STRATEGY_PURPOSE = "strategy_discussion"


@app.command("export")
def export(
    referral_id: Annotated[str, typer.Argument(help="The referral's id, e.g. REF-2026-000417.")],
    pdf: Annotated[
        Path,
        typer.Option(
            "--pdf",
            help="Write the history as a PDF to this file (owner-only): a cover page, the protective marking "
            "and page numbers on every page.",
        ),
    ],
    purpose: Annotated[
        str | None,
        typer.Option(
            "--purpose",
            help="Why you are exporting it: a code from roles.yaml `purposes` (default: strategy_discussion "
            "where the council lists it). It is recorded in the audit trail and named on the cover.",
        ),
    ] = None,
) -> None:
    """Export the latest family history as a PDF for a strategy discussion; the export is audited."""
    from hub.chronology.reading import export_history_pdf
    from hub.chronology.report import STRATEGY_DISCUSSION

    signed = signed_in()
    if purpose is None and STRATEGY_PURPOSE in signed.config.purposes:
        purpose = STRATEGY_PURPOSE
    with signed.reading_history(referral_id, purpose) as why:
        written = export_history_pdf(
            signed.settings,
            referral_id,
            pdf,
            actor=signed.actor,
            clearance=signed.clearance,
            purpose=why,
            prepared_for=STRATEGY_DISCUSSION
            if why == STRATEGY_PURPOSE
            else f"this purpose: {signed.config.purposes[why]}",
        )
    console.print(f"PDF written to [bold]{written}[/] (the export is recorded in the audit trail).")


@app.command("diff")
def diff(
    referral_id: Annotated[str, typer.Argument(help="The referral's id, e.g. REF-2026-000417.")],
    from_version: Annotated[
        int | None,
        typer.Option("--from", min=1, help="The earlier version to compare (default: the one before --to)."),
    ] = None,
    to_version: Annotated[
        int | None, typer.Option("--to", min=1, help="The later version to compare (default: the latest).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as one JSON document.")] = False,
    purpose: PurposeOption = None,
) -> None:
    """Show what changed in each child's chronology between two stored versions: entries and check states."""
    from hub.chronology.diff_reading import diff_histories

    signed = signed_in()
    with signed.reading_history(referral_id, purpose) as why:
        diff_histories(
            signed.settings,
            referral_id,
            actor=signed.actor,
            clearance=signed.clearance,
            console=console,
            from_version=from_version,
            to_version=to_version,
            as_json=as_json,
            purpose=why,
        )
