"""Breaking the glass: opening a referral one is not allocated to, for a stated reason, for a limited time.

`hub access break-glass` and the web application's break-glass form both open it through here, so the
checks (a reason from roles.yaml, a note of at least a sentence, a referral that exists, someone not
already allocated), the audit event (`access.break_glass`, basis `break-glass:<n>`) and the email to IG
and managers are the same either way. The messages name the terminal's options; the web form checks
its fields itself before calling, so its people never see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.access.guard import SignedIn
from hub.access.notify import notify_break_glass
from hub.access.permissions import Permission
from hub.deadlines.config import load_deadlines
from hub.errors import UserError
from hub.store.access_records import BreakGlass

NOTE_AT_LEAST = 10
"""Characters: the note is read by whoever reviews the access, so it must say something."""


@dataclass(frozen=True)
class Opened:
    """The access opened, and why IG and managers were not emailed (None when they were)."""

    glass: BreakGlass
    not_sent: str | None


def open_break_glass(signed: SignedIn, referral_id: str, *, reason: str, note: str) -> Opened:
    """Open the referral to this person for `break_glass.lasts` (`break_glass.request`; refusals audited)."""
    config = signed.config
    if reason not in config.break_glass.reasons:
        codes = "; ".join(f"{code} ({words})" for code, words in config.break_glass.reasons.items())
        raise UserError(f"'{reason[:40]}' is not a break-glass reason. Use one of: {codes}.")
    if len(note.strip()) < NOTE_AT_LEAST:
        raise UserError("Say why in --note (at least a sentence): whoever reviews the access reads it.")
    if not signed.store.referral_exists(referral_id):
        raise UserError(f"No referral with id '{referral_id}'. Check the id with `hub referral list`.")
    with signed.permit(Permission.BREAK_GLASS_REQUEST, referral_id, purpose=f"break-glass: {reason}") as decision:
        if decision.basis == "allocated":
            raise UserError(f"You are allocated to referral {referral_id}: you can read it without break-glass.")
        glass = signed.store.open_break_glass(
            referral_id,
            username=signed.principal.username,
            role=signed.principal.role,
            reason=reason,
            note=note.strip(),
            lasts=config.break_glass.lasts,
            actor=signed.actor,
        )
    return Opened(glass, notify_break_glass(config, load_deadlines(signed.settings), glass))
