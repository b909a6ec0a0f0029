"""Telling IG and managers at once that someone broke the glass: an email with ids only.

Sent through the council's SMTP server in `config/deadlines.yaml`, like overdue-check escalations. A
failed send never undoes the access or hides it: it is already in the audit trail and in
`hub access list`, and the person is told the email did not go.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hub.access.roles import AccessConfig
from hub.deadlines.config import DeadlinesConfig
from hub.deadlines.escalation import MailNotSent, deliver
from hub.store.access_records import BreakGlass

log = logging.getLogger(__name__)


def compose_break_glass(config: AccessConfig, deadlines: DeadlinesConfig, glass: BreakGlass) -> EmailMessage:
    """The notice: who, which referral, which reason code, until when, and how to review it. No note, no names."""
    zone = deadlines.working_calendar.zone
    sender = deadlines.escalation.email_from
    message = EmailMessage()
    message["Subject"] = f"MASH Hub break-glass access {glass.number} to {glass.referral_id}: review needed"
    message["From"] = sender
    message["To"] = ", ".join(config.break_glass.notify_email)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    reason = config.break_glass.reasons.get(glass.reason, glass.reason)
    lines = [
        f"{glass.username} ({glass.role}) opened referral {glass.referral_id} by break-glass: they are not",
        "allocated to it.",
        "",
        f"Access:   {glass.number}",
        f"Reason:   {glass.reason} ({reason})",
        f"From:     {glass.opened_at.astimezone(zone):%A %d %B %Y, %H:%M}",
        f"Until:    {glass.expires_at.astimezone(zone):%A %d %B %Y, %H:%M} ({zone.key})",
        "",
        "What to do: a manager or IG officer reviews the access, reads the note the",
        "person gave, and records whether it was appropriate:",
        f"   hub access review {glass.number} --appropriate --note TEXT",
        f"   hub access review {glass.number} --inappropriate --note TEXT",
        "",
        "This message carries ids only; do not reply with personal details.",
        "Sent automatically by MASH Hub.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def notify_break_glass(config: AccessConfig, deadlines: DeadlinesConfig, glass: BreakGlass) -> str | None:
    """Email the notice; None when sent, else the reason code it was not (logged, never raised)."""
    recipients = tuple(config.break_glass.notify_email)
    if not recipients:
        return "no_recipients_configured"
    message = compose_break_glass(config, deadlines, glass)
    try:
        deliver(deadlines.escalation.smtp, message, deadlines.escalation.email_from, recipients, os.environ)
    except MailNotSent as failure:
        log.error(
            "break-glass notice not sent: access=%d referral=%s reason=%s",
            glass.number,
            glass.referral_id,
            failure.reason,
        )
        return failure.reason
    log.info("break-glass notice sent: access=%d referral=%s", glass.number, glass.referral_id)
    return None
