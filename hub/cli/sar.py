"""`hub sar ...`: subject access requests (IG officers, `sar.export`).

`hub sar export --nhs-number N` (or `--referral R --subject S` for someone with no NHS number) gathers
everything the hub holds about one person into a JSON bundle, an HTML report and a PDF for IG to review,
third-party details marked for redaction. The terminal shows counts and file paths only: the person's
details are in the files, where IG means to read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in

app = typer.Typer(
    help="Subject access requests: everything held about one person, for IG to review.", no_args_is_help=True
)


@app.command("export")
def export(
    nhs_number: Annotated[
        str | None, typer.Option("--nhs-number", help="The person's NHS number (ten digits; spaces allowed).")
    ] = None,
    referral: Annotated[
        list[str] | None,
        typer.Option(
            "--referral",
            help="A referral the person is a subject of, with --subject: for someone with no NHS number, or records "
            "linked to them only by name and date of birth. Repeat both for more.",
        ),
    ] = None,
    subject: Annotated[
        list[str] | None, typer.Option("--subject", help="Their subject id in that referral (S1, S2, ...).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the files to this folder (default: $HUB_HOME/reports/sar/<request id>/)."),
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the report as a PDF.")] = True,
) -> None:
    """Gather everything held about one person (UK GDPR Art 15), third-party details marked for IG's review."""
    from datetime import UTC, datetime

    from hub.deadlines.config import load_deadlines
    from hub.sar.export import default_folder, export, setting_from, summary_lines
    from hub.sar.request import PURPOSE, parse_request

    signed = signed_in()
    with signed.permit(Permission.SAR_EXPORT, purpose=PURPOSE):
        request = parse_request(nhs_number, referral or [], subject or [], actor=signed.actor, now=datetime.now(UTC))
        setting = setting_from(signed.settings)
        zone = load_deadlines(signed.settings).working_calendar.zone
        folder = out or default_folder(signed.settings, request.request_id)
        exported = export(
            signed.store,
            request,
            setting,
            folder,
            zone=zone,
            pdf=pdf,
            say=lambda words: console.print(words, style="dim", markup=False),
        )
    for line, alarm in summary_lines(exported):
        console.print(line, style="bold red" if alarm else None, markup=False)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the subject access bundle (the .json file `hub sar export` writes)."""
    import json

    from hub.sar.export import bundle_schema

    typer.echo(json.dumps(bundle_schema(), indent=2))
