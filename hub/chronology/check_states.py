"""One truthful set of check states, and the words for them, used by every view of a family history.

A check's state comes from two places: what the agency answered (its stored reply) and where the
check stands in the hub's ledger (`CheckProgress`: asked, awaiting a later reply, retrying, gave up).
Only an answer of "no record" is ever called that; a check never made, still outstanding or failed
says so, with its reason in words and its code. "Overdue" is never stored: it is an outstanding
check read after its due time, so it is worked out here, when the history is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from connectors.sdk.wording import count
from schemas import AgencyReply, CheckPhase, CheckProgress, CheckResult, ChecksStage, CheckState, ReplyStatus

STATE_WORDS = {
    CheckState.NOT_ASKED: "not asked",
    CheckState.AWAITING_REPLY: "awaiting reply",
    CheckState.RECORDS_FOUND: "records found",
    CheckState.RECORDS_RETURNED_NONE_LINKED: "records returned, none linked",
    CheckState.NO_RECORD: "no record",
    CheckState.FAILED_RETRYING: "failed, retrying",
    CheckState.FAILED: "failed",
    CheckState.OVERDUE: "overdue",
}
"""The only words the hub uses for a check's state (docs/practitioners.md explains each)."""

STATE_TONES = {
    CheckState.NOT_ASKED: "alert",
    CheckState.FAILED: "alert",
    CheckState.OVERDUE: "alert",
    CheckState.AWAITING_REPLY: "warning",
    CheckState.FAILED_RETRYING: "warning",
    CheckState.RECORDS_RETURNED_NONE_LINKED: "warning",
    CheckState.RECORDS_FOUND: "found",
    CheckState.NO_RECORD: "clear",
}
"""How loudly each state is shown: the one place the terminal's styles and the report's classes come from.

An answer still missing or lost is an alert; one on its way, or records left for a person to open, a
warning; records found stand out; only "no record" reads as clear. The report once emitted one
class name and styled another, so failed checks were not red: now both come from here.
"""


def state_class(state: CheckState | str) -> str:
    """The report's CSS class for a check state ("check-alert"): every one is styled (`report.css`)."""
    return f"check-{STATE_TONES[CheckState(state)]}"


REASON_WORDS = {
    "timeout": "the agency did not answer in time",
    "connection_error": "the agency could not be reached",
    "circuit_open": "not called: the agency kept failing just before",
    "malformed_reply": "the agency's reply could not be read",
    "reply_deadline": "no reply came before the referral's deadline",
    "request_error": "the request could not be sent",
    "request_id_mismatch": "the agency's reply belonged to another request",
    "accepted_without_location": "the agency promised a reply but gave nowhere to collect it",
    "insufficient_identifiers": "not enough identifying details to search (the agency needs a birth date)",
    "missing_credentials": "the hub has no credentials for this agency",
    "wrong_credentials_type": "the hub's credentials for this agency are of the wrong kind",
    "not_registered": "the agency is no longer in the hub's registry",
    "registry_invalid": "the hub's agency registry could not be loaded",
    "worker_lost": "the check stopped part way (the process running it ended)",
    "checks_not_started": "the checks could not start",
    "http_400": "the agency refused the request as invalid (400)",
    "http_401": "the agency did not accept the hub's credentials (401)",
    "http_403": "the agency refused the hub access (403)",
    "http_404": "the agency's service was not found (404)",
    "http_409": "the agency reported a conflict (409)",
    "http_422": "the agency could not process the request (422)",
    "http_429": "the agency said too many requests (429)",
    "http_500": "the agency had an internal error (500)",
    "http_502": "the agency's gateway failed (502)",
    "http_503": "the agency was unavailable (503)",
    "http_504": "the agency's gateway timed out (504)",
}
"""Failure codes in a practitioner's words; an unknown code is shown as itself."""

SETUP_REASONS = frozenset(
    {"missing_credentials", "wrong_credentials_type", "not_registered", "registry_invalid", "http_401", "http_403"}
)
"""Failures only the hub's administrators can fix."""

_CAUSE_NOUNS = {
    "timeout": ("timeout", "timeouts"),
    "connection_error": ("dropped connection", "dropped connections"),
    "malformed_reply": ("unreadable reply", "unreadable replies"),
}


def state_of(
    reply: AgencyReply | None, progress: CheckProgress | None, *, linked: int = 0, review: int = 0
) -> CheckState:
    """The state of one check as stored now: the agency's answer first, then the ledger."""
    if reply is not None and reply.status is ReplyStatus.NO_RECORD:
        return CheckState.NO_RECORD
    if reply is not None and reply.status in (ReplyStatus.FOUND, ReplyStatus.MULTIPLE_CANDIDATES):
        return CheckState.RECORDS_FOUND if linked + review else CheckState.RECORDS_RETURNED_NONE_LINKED
    phase = progress.phase if progress is not None else None
    if phase is CheckPhase.RETRYING:
        return CheckState.FAILED_RETRYING
    if phase is CheckPhase.GAVE_UP or (reply is not None and reply.status is ReplyStatus.FAILED):
        return CheckState.FAILED
    if phase in (CheckPhase.ASKED, CheckPhase.AWAITING_REPLY) or (
        reply is not None and reply.status is ReplyStatus.PENDING
    ):
        return CheckState.AWAITING_REPLY
    return CheckState.NOT_ASKED


def _legacy_state(result: CheckResult) -> CheckState:
    """A version stored before states existed carries only the agency's status."""
    match result.status:
        case ReplyStatus.NO_RECORD:
            return CheckState.NO_RECORD
        case ReplyStatus.FAILED:
            return CheckState.FAILED
        case ReplyStatus.PENDING:
            return CheckState.NOT_ASKED
        case _:
            linked = result.linked_candidates + result.review_candidates
            return CheckState.RECORDS_FOUND if linked else CheckState.RECORDS_RETURNED_NONE_LINKED


def state_at(result: CheckResult, now: datetime | None = None) -> CheckState:
    """The state to show now: an outstanding check past its due time is overdue."""
    state = result.state or _legacy_state(result)
    now = now or datetime.now(UTC)
    if not state.is_final and result.due_at is not None and now > result.due_at:
        return CheckState.OVERDUE
    return state


def reason_words(code: str | None, cause: str | None = None, cause_count: int = 0) -> str:
    """A failure's reason in words, with its code: "not called: ... (circuit_open, after 3 timeouts)"."""
    if code is None:
        return "no reason recorded"
    words = REASON_WORDS.get(code, code.replace("_", " "))
    detail = code
    if cause is not None:
        status = cause.removeprefix("http_")
        default = (f"{status} answer", f"{status} answers") if cause.startswith("http_") else (cause, cause)
        singular, plural = _CAUSE_NOUNS.get(cause, default)
        detail += f" after {count(cause_count, singular, plural)}" if cause_count else f" after {singular}"
    return f"{words} ({detail})"


def what_to_do(result: CheckResult) -> str:
    """The next step for a check that gave up, for whoever reads the history."""
    if result.reason in SETUP_REASONS:
        return "ask the hub's administrator to fix the agency's set-up, then check again"
    if result.reason == "checks_not_started":
        return "submit the referral again, or ask the hub's administrator why its checks could not start"
    if result.reason == "insufficient_identifiers":
        return "add the person's birth date to the referral and check again, or ask the agency directly"
    return "ask the agency directly, or check again later"


def _when(moment: datetime, now: datetime) -> str:
    minutes = int((moment - now).total_seconds() // 60)
    if minutes <= 0:
        return "now"
    if minutes < 90:
        return f"in {count(minutes, 'minute')}"
    return f"at {_clock(moment, now)}"


def _clock(moment: datetime, now: datetime) -> str:
    """A time as the reader's clock shows it: in the time zone `now` is given in (the council's), named."""
    local = moment.astimezone(now.tzinfo)
    return f"{local:%H:%M on %d %b %Y} {local.tzname() or ''}".rstrip()


def minimised_words(left_out: int) -> str:
    """What the minimisation policy kept out of every chronology, counted (its content is nobody's here)."""
    if not left_out:
        return ""
    records = "1 record" if left_out == 1 else f"{left_out} records"
    return f"{records} of a kind the minimisation policy leaves out of the children's chronologies"


def check_words(result: CheckResult, now: datetime | None = None) -> str:
    """One check in a practitioner's words: its state, then what matters about it."""
    now = now or datetime.now(UTC)
    state = state_at(result, now)
    words = STATE_WORDS[state]
    match state:
        case CheckState.RECORDS_FOUND:
            parts = [f"{result.review_candidates} possible match awaiting review" if result.review_candidates else ""]
            if not result.linked_candidates:
                parts[0] += ", not yet confirmed"
            others = result.unmatched_candidates - result.review_candidates
            parts.append(f"{others} more not this person" if others else "")
            parts.append(minimised_words(result.minimised))
            return "; ".join([words, *(part for part in parts if part)])
        case CheckState.RECORDS_RETURNED_NONE_LINKED if result.unmatched_candidates:
            return f"{words}: {result.unmatched_candidates}"  # how many to open (`hub chronology show --returned`)
        case CheckState.AWAITING_REPLY if result.due_at is not None:
            return f"{words}; due {_when(result.due_at, now)}"
        case CheckState.OVERDUE:
            due = f" since {_clock(result.due_at, now)}" if result.due_at else ""
            return f"{words}{due}: {'failed, retrying' if result.reason else 'no answer yet'}"
        case CheckState.FAILED_RETRYING:
            retry = f"; next try {_when(result.next_attempt_at, now)}" if result.next_attempt_at else ""
            return f"{words}: {reason_words(result.reason, result.cause, result.cause_count)}{retry}"
        case CheckState.FAILED:
            return f"{words}: {reason_words(result.reason, result.cause, result.cause_count)}"
    return words


def is_all_clear(checks: Sequence[CheckResult], now: datetime | None = None) -> bool:
    """True only if there were checks and every one ended with the agency answering "no record"."""
    return bool(checks) and all(state_at(check, now) is CheckState.NO_RECORD for check in checks)


def _who(subject_ids: list[str], names: Mapping[str, str]) -> str:
    if len(subject_ids) > 3:
        return count(len(subject_ids), "person", "people")
    people = [names.get(subject_id, subject_id) for subject_id in subject_ids]
    return people[0] if len(people) == 1 else ", ".join(people[:-1]) + " and " + people[-1]


def _agency_gaps(agency: str, checks: list[CheckResult], names: Mapping[str, str], now: datetime) -> list[str]:
    by_state: dict[CheckState, list[CheckResult]] = {}
    for check in checks:
        by_state.setdefault(state_at(check, now), []).append(check)
    lines = []
    for state, group in by_state.items():
        who = _who([check.subject_id for check in group], names)
        first = group[0]
        match state:
            case CheckState.FAILED:
                why = reason_words(first.reason, first.cause, first.cause_count)
                tries = f" after {count(first.attempts, 'attempt')}" if first.attempts > 1 else ""
                lines.append(f"{agency} could not be checked for {who}{tries}: {why}; {what_to_do(first)}.")
            case CheckState.FAILED_RETRYING:
                when = f", next {_when(first.next_attempt_at, now)}" if first.next_attempt_at else ""
                why = reason_words(first.reason, first.cause, first.cause_count)
                lines.append(f"{agency} failed for {who} and will be tried again{when}: {why}.")
            case CheckState.AWAITING_REPLY:
                due = f"; due {_when(first.due_at, now)}" if first.due_at else ""
                lines.append(f"{agency} has not replied yet about {who}{due}.")
            case CheckState.OVERDUE:
                due = f" (due {_clock(first.due_at, now)})" if first.due_at else ""
                lines.append(f"{agency} is overdue for {who}{due}: the MASH manager has been alerted.")
            case CheckState.NOT_ASKED:
                lines.append(f"{agency} has not been asked about {who} yet.")
    return lines


IMPORTED_HISTORY = "Imported history: the hub did not check the agencies for this referral."
"""An imported past referral (`hub referral import-history`, `ChecksStage.IMPORTED`), in place of its checks."""


def gaps(
    checks: Sequence[CheckResult],
    names: Mapping[str, str],
    *,
    stage: ChecksStage | None = None,
    now: datetime | None = None,
) -> list[str]:
    """What the history cannot yet say, as sentences: never silent about a check without a final answer.

    "housing could not be checked for 2 people after 4 attempts: the agency was unavailable (503) ...".
    """
    now = now or datetime.now(UTC)
    if stage is ChecksStage.IMPORTED:  # no agency was ever asked: said once, never as checks still to come
        return [IMPORTED_HISTORY]
    lines = []
    if stage is ChecksStage.COULD_NOT_START:
        lines.append(
            "The checks could not start, so no agency has been asked: submit the referral again, "
            "or ask the hub's administrator."
        )
    elif stage is ChecksStage.NOT_STARTED:
        lines.append("The checks have not started yet; the hub starts them automatically.")
    for agency in sorted({check.agency for check in checks}):
        agency_lines = _agency_gaps(agency, [check for check in checks if check.agency == agency], names, now)
        lines += [line[:1].upper() + line[1:] for line in agency_lines]  # a sentence starts with a capital
    return lines
