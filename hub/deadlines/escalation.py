"""Escalating an overdue check or referral: a log line and an email to the people the council named.

A check that has not come back by its due time is the start of a false all-clear unless a person
hears of it, so the hub tells someone: a line in its log and an email to `escalation.email_to` in
`config/deadlines.yaml`. Both carry ids only (referral, agency, subject, due time), never a name or
anything else about the family: email leaves the hub's encrypted store, and the reader looks the
referral up in the hub. The email says what is overdue and what to do, in plain text without links
(a link in an unexpected email is what phishing looks like, and a practitioner should not learn to
click one).

Sending never raises: a mail server that is down, refuses the login or refuses the recipients is
logged by ids and a short reason code, and the caller gets an `EscalationResult` saying so, because
whatever noticed the overdue check must carry on. Remembering that an escalation was sent (so it is
sent once) is the caller's business.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from typing import TYPE_CHECKING

from hub.deadlines.config import DeadlinesConfig, SmtpSettings

if TYPE_CHECKING:
    from schemas.models import Referral

log = logging.getLogger(__name__)


class EscalationStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Overdue:
    """What is overdue, by ids only: one agency's check for one subject, or a referral's checks as a whole."""

    referral_id: str
    due_at: datetime
    agency_id: str | None = None
    subject_id: str | None = None

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be a timezone-aware datetime")
        if self.subject_id is not None and self.agency_id is None:
            raise ValueError("a subject's overdue check names its agency")

    @classmethod
    def of(
        cls, referral: Referral, due_at: datetime, *, agency_id: str | None = None, subject_id: str | None = None
    ) -> Overdue:
        """The ids of `referral` (and of one of its subjects), and nothing else of it."""
        if subject_id is not None:
            referral.subject(subject_id)  # KeyError for a subject the referral does not have
        return cls(referral.referral_id, due_at, agency_id, subject_id)

    @property
    def what(self) -> str:
        """`housing check for S1`, `housing checks` or `agency checks`: never more than ids."""
        if self.agency_id is None:
            return "agency checks"
        if self.subject_id is None:
            return f"{self.agency_id} checks"
        return f"{self.agency_id} check for {self.subject_id}"

    def log_fields(self) -> str:
        """`referral=REF-1 agency=housing subject=S1 due_at=2026-11-02T11:00:00Z`."""
        return (
            f"referral={self.referral_id} agency={self.agency_id or '-'} subject={self.subject_id or '-'} "
            f"due_at={_utc_text(self.due_at)}"
        )


@dataclass(frozen=True)
class EscalationResult:
    """Whether the email went; `reason` is a short code when it did not (`smtp_unreachable`, ...)."""

    status: EscalationStatus
    recipients: tuple[str, ...]
    reason: str | None = None
    message_id: str | None = None
    refused: tuple[str, ...] = ()

    @property
    def sent(self) -> bool:
        return self.status is EscalationStatus.SENT


def escalate(
    config: DeadlinesConfig,
    overdue: Overdue,
    *,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> EscalationResult:
    """Log that `overdue` is overdue and email the escalation addresses; never raises for a failed send."""
    now = now or datetime.now(UTC)
    log.warning("escalation: overdue %s", overdue.log_fields())
    settings = config.escalation
    recipients = tuple(settings.email_to)
    try:
        message, message_id = compose(config, overdue, now=now)
    except ValueError:  # a calendar that cannot say how late it is; the log line above has the ids
        return _failed(overdue, recipients, "message_not_composed")
    environment = os.environ if environ is None else environ
    try:
        refused = deliver(settings.smtp, message, settings.email_from, recipients, environment)
    except MailNotSent as failure:
        return _failed(overdue, recipients, failure.reason)
    if refused:
        log.warning(
            "escalation email refused for %d of %d recipients: %s", len(refused), len(recipients), overdue.log_fields()
        )
    log.info("escalation email sent: %s recipients=%d", overdue.log_fields(), len(recipients) - len(refused))
    return EscalationResult(EscalationStatus.SENT, recipients, message_id=message_id, refused=refused)


def compose(config: DeadlinesConfig, overdue: Overdue, *, now: datetime) -> tuple[EmailMessage, str]:
    """The escalation email and its Message-ID: ids, the due time in the council's time zone, what to do.

    Plain text without links.
    """
    calendar = config.working_calendar
    late = -calendar.working_time_between(now, overdue.due_at)
    late_minutes = max(int(late.total_seconds() // 60), 0)
    due_local = overdue.due_at.astimezone(calendar.zone)
    message = EmailMessage()
    message["Subject"] = f"MASH Hub overdue: {overdue.referral_id}, {overdue.what}"
    message["From"] = config.escalation.email_from
    message["To"] = ", ".join(config.escalation.email_to)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message_id = make_msgid(domain=config.escalation.email_from.rpartition("@")[2])
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the hub
    lines = [
        f"The {overdue.what} of referral {overdue.referral_id} is overdue.",
        "",
        f"Referral: {overdue.referral_id}",
    ]
    if overdue.agency_id is not None:
        lines.append(f"Agency:   {overdue.agency_id}")
    if overdue.subject_id is not None:
        lines.append(f"Person:   {overdue.subject_id} (the referral's id for the person)")
    lines += [
        f"Due:      {due_local:%A %d %B %Y, %H:%M} ({calendar.zone.key})",
        f"          {_utc_text(overdue.due_at)} in UTC",
        f"Overdue:  {late_minutes // 60} h {late_minutes % 60:02d} min of working time at {_utc_text(now)}",
        "",
        "What to do:",
        "1. See which checks are still outstanding:",
        f"   hub chronology show {overdue.referral_id}",
        *(
            ["2. Phone the agency's MASH contact and ask for the check to be", "   completed today."]
            if overdue.agency_id is not None
            else [
                "2. Phone the MASH contact of each agency whose check is outstanding",
                "   and ask for it to be completed today.",
            ]
        ),
        "3. Decide, and record, whether the referral can proceed without it.",
        "   Until the check comes back, the family history shows it as",
        "   outstanding, never as 'no record'.",
        "",
        "This message carries ids only. Look the referral up in the hub, and",
        "do not reply with personal details. Sent automatically by MASH Hub.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message, message_id


def _failed(overdue: Overdue, recipients: tuple[str, ...], reason: str) -> EscalationResult:
    log.error("escalation email not sent: %s reason=%s", overdue.log_fields(), reason)
    return EscalationResult(EscalationStatus.FAILED, recipients, reason=reason)


class MailNotSent(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def deliver(
    smtp: SmtpSettings, message: EmailMessage, sender: str, recipients: tuple[str, ...], environ: Mapping[str, str]
) -> tuple[str, ...]:
    """Deliver to the mail server; the recipients it refused. `MailNotSent` with a reason code otherwise."""
    login: tuple[str, str] | None = None
    if smtp.username_env is not None and smtp.password_env is not None:
        username, password = environ.get(smtp.username_env), environ.get(smtp.password_env)
        if not username or not password:
            raise MailNotSent("smtp_credentials_missing")
        login = (username, password)
    stage = "smtp_unreachable"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as server:
            if smtp.starttls:
                stage = "smtp_starttls_failed"
                server.starttls(context=ssl.create_default_context())
            if login is not None:
                stage = "smtp_login_failed"
                server.login(*login)
            stage = "smtp_send_failed"
            refused = server.send_message(message, from_addr=sender, to_addrs=list(recipients))
    except smtplib.SMTPRecipientsRefused:
        raise MailNotSent("smtp_recipients_refused") from None
    except smtplib.SMTPSenderRefused:
        raise MailNotSent("smtp_sender_refused") from None
    except smtplib.SMTPAuthenticationError:
        raise MailNotSent("smtp_login_refused") from None
    except Exception:  # noqa: BLE001 - an escalation never crashes its caller; the reason code says where it broke
        raise MailNotSent(stage) from None
    return tuple(sorted(refused))


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
