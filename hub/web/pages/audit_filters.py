"""The audit search's filters as a form: read from a query string (search) or a posted form (export).

The same fields as `hub audit search` (who, what, referral, outcome, purpose, from and to), checked one by
one so each bad value is named beside its own field in the GOV.UK error summary, never a 500. Values are
ids and codes only (a username, a referral id, an action, a purpose code, times), so a search's address
carries no child's personal data. Events are shown in plain words (`describe_event`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from urllib.parse import urlencode

from hub.audit import AuditAction, AuditEvent
from hub.audit.search import (
    BREAK_GLASS_PREFIX,
    PERSON_PREFIX,
    AuditQuery,
    actors_for_user,
    council_moment,
)
from hub.errors import UserError
from hub.web.pages.filter_tags import Selected, selected_filters
from schemas.models import OPAQUE_ID_PATTERN

FIELDS = ("user", "action", "referral", "outcome", "purpose", "from", "to")
"""The filters' field names, in the form's order (and the query string's)."""
OUTCOMES = {"": "Any", "allowed": "Allowed", "denied": "Refused"}
_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$")
MAX_TEXT = 100

ACTION_WORDS: dict[str, str] = {
    AuditAction.REFERRAL_CREATE: "submitted the referral",
    AuditAction.REFERRAL_READ: "read the referral",
    AuditAction.REPLY_WRITE: "stored an agency's reply",
    AuditAction.REPLIES_READ: "read the agencies' replies",
    AuditAction.RECORDING_READ: "read an agency's raw exchange",
    AuditAction.PRIOR_PERSON_READ: "looked up earlier referrals about a person",
    AuditAction.LINK_REVIEW_PROPOSE: "proposed an identity review",
    AuditAction.LINK_REVIEW_DECIDE: "decided an identity review",
    AuditAction.CHRONOLOGY_WRITE: "stored a chronology version",
    AuditAction.CHRONOLOGY_READ: "read a child's chronology",
    AuditAction.CHRONOLOGY_EXPORT: "exported a family history (PDF or HTML)",
    AuditAction.CALLBACK_RECEIVE: "received an agency's callback",
    AuditAction.CALLBACK_READ: "read an agency's callback",
    AuditAction.QUALITY_WRITE: "assessed the referral's quality",
    AuditAction.QUALITY_READ: "read the referral's quality assessment or feedback note",
    AuditAction.QUALITY_REPORT: "read the referral quality report",
    AuditAction.USER_ADD: "added a staff account",
    AuditAction.USER_CHANGE: "changed a staff account",
    AuditAction.SESSION_START: "signed in",
    AuditAction.SESSION_REFUSE: "tried to sign in",
    AuditAction.SESSION_END: "signed out",
    AuditAction.REFERRAL_ALLOCATE: "allocated the referral",
    AuditAction.BREAK_GLASS: "broke the glass to open the referral",
    AuditAction.BREAK_GLASS_REVIEW: "reviewed a break-glass access",
    AuditAction.AUDIT_READ: "read the audit trail",
    AuditAction.AUDIT_EXPORT: "exported the audit trail",
    AuditAction.DECISION_RECORD: "recorded the MASH decision",
    AuditAction.DECISION_SIGN_OFF: "signed off the MASH decision",
    AuditAction.DECISION_READ: "read the MASH decision and its rationale",
    AuditAction.INSIGHT_REPORT: "read a referrer insight report",
    AuditAction.KEYS_ROTATE: "rotated the encryption keys",
    AuditAction.KEYS_RETIRE: "retired old encryption keys",
    AuditAction.RECORD_UNREADABLE: "found a stored record that could not be decrypted",
    AuditAction.RETENTION_RUN: "applied the retention schedule",
    AuditAction.RETENTION_DESTROY: "destroyed the referral's records under the retention schedule",
    AuditAction.LEGAL_HOLD_PLACE: "placed a legal hold",
    AuditAction.LEGAL_HOLD_RELEASE: "released a legal hold",
    AuditAction.SAR_EXPORT: "exported a subject access request's records",
    AuditAction.BACKUP_CREATE: "made a backup",
    AuditAction.BACKUP_RESTORE: "restored a backup",
}
"""Each action as a sentence's verb phrase: an IG officer reads "sam.patel read a child's chronology"."""


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action)


def basis_words(basis: str) -> str:
    """What the access was allowed on, in words."""
    if basis.startswith(BREAK_GLASS_PREFIX):
        return f"break-glass access {basis.removeprefix(BREAK_GLASS_PREFIX)}"
    return {
        "allocated": "allocated to the referral",
        "role": "their role",
        "service": "a service of the hub",
        "none": "nothing (refused)",
    }.get(basis, basis)


def actor_words(actor: str) -> str:
    """`user:sam.patel` as `sam.patel`; anything else (a service, a pre-sign-in login) as it is recorded."""
    return actor.removeprefix(PERSON_PREFIX) if actor.startswith(PERSON_PREFIX) else actor


@dataclass(frozen=True)
class EventLine:
    """One event as a row of the search's table."""

    seq: int
    occurred_at: datetime
    who: str
    role: str
    what: str
    object: str
    referral_id: str | None
    purpose: str
    basis: str
    lawful_basis: str
    allowed: bool


def describe_event(event: AuditEvent) -> EventLine:
    return EventLine(
        seq=event.seq,
        occurred_at=event.occurred_at,
        who=actor_words(event.actor),
        role=event.role.replace("_", " "),
        what=action_words(event.action),
        object=f"{event.object_type.replace('_', ' ')} {event.object_id}",
        referral_id=event.referral_id,
        purpose=event.purpose,
        basis=basis_words(event.basis),
        lawful_basis=event.lawful_basis,
        allowed=event.outcome == "success",
    )


@dataclass
class Filters:
    """The form's values as given (to show them again) and the query they make, or the errors they have."""

    values: dict[str, str]
    query: AuditQuery = field(default_factory=AuditQuery)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error_for(self, name: str) -> str | None:
        return next((message for field_name, message in self.errors if field_name == name), None)

    def selected(self) -> Selected | None:
        """The filters given, as MoJ's removable tags (a link each to the search without it); none with errors."""
        pairs = [(name, self.values[name]) for name in FIELDS if self.values.get(name)]
        if self.errors or not pairs:
            return None
        return selected_filters("/audit", pairs, {name: (heading, say) for name, heading, say in _TAG_WORDS})

    def query_string(self, **extra: str | int) -> str:
        """The filters (only those given) and `extra` as a query string: ids and codes, nothing personal."""
        pairs = [(name, self.values[name]) for name in FIELDS if self.values.get(name)]
        pairs += [(name, str(value)) for name, value in extra.items()]
        return urlencode(pairs)


_TAG_WORDS: tuple[tuple[str, str, Callable[[str], str]], ...] = (
    ("user", "Who", str),
    ("action", "What", lambda code: f"{code}: {action_words(code)}"),
    ("referral", "Referral", str),
    ("outcome", "Outcome", lambda value: OUTCOMES.get(value, value)),
    ("purpose", "Purpose", str),
    ("from", "From", str),
    ("to", "To", str),
)
"""Each field's heading among the selected filters, and how its value reads."""


def read_filters(given: Mapping[str, str], zone: tzinfo) -> Filters:
    """The filters from a query string or form, each bad value an error beside its own field."""
    values = {name: (given.get(name) or "").strip()[: MAX_TEXT * 2] for name in FIELDS}
    errors: list[tuple[str, str]] = []
    actors: frozenset[str] = frozenset()
    if values["user"]:
        if len(values["user"]) > MAX_TEXT or not _USERNAME.match(values["user"]):
            errors.append(("user", "Enter a username, such as sam.patel, or a service such as service:pipeline"))
        else:
            actors = actors_for_user(values["user"])
    actions: frozenset[str] = frozenset()
    if values["action"]:
        if values["action"] not in ACTION_WORDS:
            errors.append(("action", "Choose an action from the list"))
        else:
            actions = frozenset({values["action"]})
    if values["referral"] and (len(values["referral"]) > MAX_TEXT or not _OPAQUE_ID.match(values["referral"])):
        errors.append(("referral", "Enter a referral id, such as REF-2026-000417"))
    if values["outcome"] not in OUTCOMES:
        errors.append(("outcome", "Choose any, allowed or refused"))
    if len(values["purpose"]) > MAX_TEXT:
        errors.append(("purpose", f"Purpose must be {MAX_TEXT} characters or fewer"))
    since = _moment(values["from"], "from", zone, end=False, errors=errors)
    until = _moment(values["to"], "to", zone, end=True, errors=errors)
    if since is not None and until is not None and until <= since:
        errors.append(("to", "The end must be after the start"))
    if errors:
        return Filters(values, errors=errors)
    try:
        query = AuditQuery(
            actors=actors,
            referral_id=values["referral"] or None,
            actions=actions,
            purpose=values["purpose"] or None,
            denied=values["outcome"] == "denied",
            allowed=values["outcome"] == "allowed",
            since=since,
            until=until,
        )
    except (UserError, ValueError):
        return Filters(values, errors=[("user", "Check the filters and try again")])
    return Filters(values, query=query)


def _moment(text: str, name: str, zone: tzinfo, *, end: bool, errors: list[tuple[str, str]]) -> datetime | None:
    if not text:
        return None
    try:
        return council_moment(text, zone=zone, end=end)
    except ValueError:
        label = "From" if name == "from" else "To"
        errors.append((name, f"{label} must be a date such as 2026-03-01, or a date and time such as 2026-03-01 09:30"))
        return None
