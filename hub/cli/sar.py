"""`hub sar ...`: subject access requests (IG officers, `sar.export`).

`hub sar export --nhs-number N` (or `--referral R --subject S` for someone with no NHS number) gathers
everything the hub holds about one person into a JSON bundle, an HTML report and a PDF for IG to review,
third-party details marked for redaction. The terminal shows counts and file paths only: the person's
details are in the files, where IG means to read them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.access.permissions import Permission
from hub.cli.common import console, signed_in

if TYPE_CHECKING:
    from hub.access.guard import SignedIn

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
    from hub.sar import PURPOSE, default_folder, export, parse_request, setting_from, summary_lines

    signed = signed_in()
    with signed.permit(Permission.SAR_EXPORT, purpose=PURPOSE):
        request = parse_request(nhs_number, referral or [], subject or [], actor=signed.actor, now=datetime.now(UTC))
        setting = setting_from(signed.settings, retention=_retention_words(signed))
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


def _retention_words(signed: SignedIn) -> Callable[[str], str] | None:
    """Each referral's retention in words, from the schedule the retention run stored (`hub retention`).

    Here rather than in `hub.sar`, which sits beside `hub.retention` in the layers and so cannot import it.
    None (the export then says "see the retention schedule") if the hub has no readable retention config.
    """
    from hub.errors import UserError
    from hub.retention.policy import RecordClass, load_retention

    try:
        config = load_retention(signed.settings)
    except UserError:
        return None
    facts = {fact.referral_id: fact for fact in signed.store.retention_facts()}
    holds = signed.store.active_legal_holds()

    def words(referral_id: str) -> str:
        fact = facts.get(referral_id)
        if fact is None:
            return "Not known: the referral is not in the retention schedule."
        record_class = RecordClass.IMPORTED_HISTORY if fact.imported else RecordClass.UNDECIDED
        chosen = config.rule_for(fact.outcome, record_class)
        rule = f"{chosen[1].describe()} (config/retention.yaml {chosen[0]})" if chosen else "no rule applies yet"
        said = f"Kept under the council's retention schedule, {rule}"
        if fact.schedule is not None:
            said += f": to be destroyed after {fact.schedule.disposal_date:%d %B %Y}."
        else:
            said += "; the date is set at the next daily retention run."
        if holds.get(referral_id):
            said += " A legal hold keeps it for now, whatever the date, until the hold is released."
        return said

    return words


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the subject access bundle (the .json file `hub sar export` writes)."""
    import json

    from hub.sar import bundle_schema

    typer.echo(json.dumps(bundle_schema(), indent=2))
