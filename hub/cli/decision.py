"""`hub decision ...`: the MASH decision on a referral, recorded by its practitioner and signed off by a manager.

- `record REF --outcome CODE --level N --rationale-file -` (or `--rationale TEXT`): the allocated
  practitioner's (or manager's) decision. The rationale is a person's account of a child, so it is best
  given on standard input or from a file, which keeps it out of the shell's history.
- `sign-off REF --agree | --return --note TEXT`: a manager's verdict on the decision awaiting sign-off;
  never on one they recorded themselves (refused, and the refusal audited).
- `show REF`: every decision on the referral with its rationale, sign-off and time against the target.

The same checks and the same audited store as the referral page's form (`hub.web.pages.decision`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.common import console, signed_in
from hub.errors import UserError

if TYPE_CHECKING:
    from hub.access.guard import SignedIn

app = typer.Typer(help="The MASH decision on a referral: record it, sign it off, show it.", no_args_is_help=True)
ReferralId = Annotated[str, typer.Argument(help="The referral's id, from `hub referral list`.")]
MAX_FILE_BYTES = 100_000


def _text(value: str | None, file: str | None, what: str, option: str) -> str:
    """The text given inline, or read from a file (`-` for standard input); never both."""
    if value is not None and file is not None:
        raise UserError(f"{what}: give --{option} or --{option}-file, not both.")
    if file is None:
        return value or ""
    try:
        if file == "-":
            data = sys.stdin.read(MAX_FILE_BYTES + 1)
        else:
            with Path(file).open(encoding="utf-8") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UserError(f"{what}: cannot read --{option}-file ({error.strerror or 'unreadable'}).") from None
    except UnicodeDecodeError:
        raise UserError(f"{what}: --{option}-file is not UTF-8 text.") from None
    if len(data) > MAX_FILE_BYTES:
        raise UserError(f"{what}: --{option}-file is longer than {MAX_FILE_BYTES} characters.")
    return data


@app.command("record")
def record(
    referral: ReferralId,
    outcome: Annotated[str, typer.Option(help="The outcome's code from config/decisions.yaml, e.g. early_help.")],
    level: Annotated[str, typer.Option(help="The threshold level of need, 1 to 4.")],
    rationale: Annotated[
        str | None, typer.Option(help="Why (kept sealed). Prefer --rationale-file - to keep it out of shell history.")
    ] = None,
    rationale_file: Annotated[
        str | None, typer.Option("--rationale-file", help="Read the rationale from this file, or `-` for stdin.")
    ] = None,
) -> None:
    """Record the MASH decision on a referral allocated to you; a manager then signs it off."""
    record_decision(
        signed_in(),
        referral,
        outcome=outcome,
        level=level,
        rationale=_text(rationale, rationale_file, "rationale", "rationale"),
    )


def record_decision(signed: SignedIn, referral_id: str, *, outcome: str, level: str, rationale: str) -> None:
    from hub.access.permissions import Permission
    from hub.decisions import recording
    from hub.decisions.config import load_decisions

    config = load_decisions(signed.settings)
    with signed.permit(Permission.DECISION_RECORD, referral_id, purpose=recording.DECISION_PURPOSE):
        stored = recording.record_decision(
            signed.store, config, referral_id, outcome=outcome, level=level, rationale=rationale, actor=signed.actor
        )
    console.print(
        f"Decision {stored.number} on referral {referral_id} recorded: {config.outcome_words(stored.outcome)}, "
        f"{config.level_words(stored.level)}. It awaits a manager's sign-off."
    )


@app.command("sign-off")
def sign_off(
    referral: ReferralId,
    agree: Annotated[bool, typer.Option("--agree", help="Agree the decision.")] = False,
    return_: Annotated[bool, typer.Option("--return", help="Return it to be recorded again (give --note).")] = False,
    note: Annotated[str | None, typer.Option(help="Your note: required when returning, kept sealed.")] = None,
    note_file: Annotated[
        str | None, typer.Option("--note-file", help="Read the note from a file, `-` for stdin.")
    ] = None,
) -> None:
    """Agree the decision awaiting sign-off on a referral, or return it with a note. Never your own."""
    if agree == return_:
        raise UserError("verdict: give exactly one of --agree or --return.")
    sign_off_decision(
        signed_in(), referral, verdict="agree" if agree else "return", note=_text(note, note_file, "note", "note")
    )


def sign_off_decision(signed: SignedIn, referral_id: str, *, verdict: str, note: str) -> None:
    from hub.access.permissions import Permission
    from hub.decisions import recording
    from hub.decisions.config import load_decisions
    from hub.decisions.timing import standing_decision

    config = load_decisions(signed.settings)
    purpose = recording.SIGN_OFF_PURPOSE
    with signed.permit(Permission.DECISION_SIGN_OFF, referral_id, purpose=purpose):
        waiting = standing_decision(signed.store.decision_listing([referral_id]))
        if waiting is None or waiting.sign_off is not None:
            raise UserError(f"Referral {referral_id} has no decision awaiting sign-off (`hub decision show`).")
        if recording.own_decision(waiting, signed.actor):
            signed.refuse(
                Permission.DECISION_SIGN_OFF, referral_id, purpose=purpose, explanation=recording.OWN_DECISION
            )
        stored = recording.sign_off_decision(
            signed.store, config, referral_id, waiting.number, verdict=verdict, note=note, actor=signed.actor
        )
    done = "agreed" if verdict == "agree" else "returned to be recorded again"
    console.print(f"Decision {stored.number} on referral {referral_id} {done}.")


@app.command("show")
def show(referral: ReferralId) -> None:
    """Every decision on the referral: outcome, level, rationale, sign-off, and the time against the target."""
    show_decisions(signed_in(), referral)


def show_decisions(signed: SignedIn, referral_id: str) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from hub.access.permissions import Permission
    from hub.deadlines.config import load_deadlines
    from hub.decisions import recording
    from hub.decisions.config import load_decisions
    from hub.decisions.timing import measure
    from hub.terminal import plain

    config = load_decisions(signed.settings)
    deadlines = load_deadlines(signed.settings)
    zone = ZoneInfo(str(deadlines.calendar.time_zone))
    if not signed.may(Permission.HISTORY_READ, referral_id) and signed.may(Permission.DECISION_SIGN_OFF, referral_id):
        permission, purpose = Permission.DECISION_SIGN_OFF, recording.SIGN_OFF_PURPOSE
    else:
        permission, purpose = Permission.HISTORY_READ, recording.DECISION_PURPOSE
    with signed.permit(permission, referral_id, purpose=purpose):
        summary = signed.store.referral_summary(referral_id)
        decisions = signed.store.read_decisions(referral_id, actor=signed.actor, purpose=purpose)
    if summary is None:
        raise UserError(f"No referral with id '{referral_id}'. Check the id with `hub referral list`.")
    if not decisions:
        timing = measure(
            summary.received_at, None, calendar=deadlines.working_calendar, target=config.target, now=datetime.now(UTC)
        )
        console.print(f"No decision is recorded on referral {referral_id}. {timing.words}.", markup=False)
        return
    for decision in decisions:
        timing = measure(
            summary.received_at,
            decision.recorded_at,
            calendar=deadlines.working_calendar,
            target=config.target,
            now=datetime.now(UTC),
        )
        console.print(
            f"Decision {decision.number}: {config.outcome_words(decision.outcome)}; "
            f"{config.level_words(decision.level)}",
            markup=False,
            style="bold",
        )
        console.print(
            f"  recorded by {decision.recorded_by} on {decision.recorded_at.astimezone(zone):%d %b %Y %H:%M}; "
            f"{timing.words} (target {config.target})",
            markup=False,
        )
        console.print(f"  rationale: {plain(decision.rationale or '')}", markup=False)
        if decision.sign_off is None:
            console.print("  awaiting a manager's sign-off", markup=False)
        else:
            signed_off = decision.sign_off
            console.print(
                f"  {decision.status.value} by {signed_off.signed_by} on "
                f"{signed_off.signed_at.astimezone(zone):%d %b %Y %H:%M}"
                + (f": {plain(signed_off.note)}" if signed_off.note else ""),
                markup=False,
            )
