"""What an IG officer asks of the audit trail (`AuditQuery`), and whether one event answers it.

The query is pure data and its predicate (`AuditQuery.matches`) is the one definition of a match: the
store narrows rows with SQL on the same fields (`hub.store.audit_log`), then applies the predicate, so
the two can never disagree about which events a search returns. Dates are the council's calendar days
(an IG officer asks for "1 to 31 March", as the council's clocks show them), turned here into UTC
instants, which is how events are stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from hub.audit.chain import AuditAction, AuditEvent, utc_text
from hub.errors import UserError
from schemas.models import OPAQUE_ID_PATTERN

_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)
BREAK_GLASS_PREFIX = "break-glass:"
PERSON_PREFIX = "user:"
LEGACY_PERSON_PREFIX = "cli:"
"""Events from before sign-in named the shell's login as `cli:<user>`: unverified, but on record."""

SUBJECT_POSITION = {
    "chronology": 1,
    "indexed_person": 1,
    "agency_reply": 2,
    "agency_recording": 2,
    "agency_callback": 2,
    "subject_access": 1,
}
"""Where an object id names a referral's subject: `REF/S1/v3`, `REF/S1`, `REF/police/S1`, `REF/S1/SAR-…` (see
`hub.store`)."""

EXPORT_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "referral_id",
    "subject_id",
    "purpose",
    "lawful_basis",
    "basis",
    "outcome",
    "record_digest",
)
"""The fields a search or export shows, in order. The chain's own hashes are left out: they prove the
trail, they do not describe an access, and `hub audit verify` is what checks them."""


@dataclass(frozen=True)
class AuditQuery:
    """Filters an IG officer combines (all must hold); an empty query matches every event."""

    actors: frozenset[str] = frozenset()
    """Any of these actors, exactly; `for_user` fills it from a username."""
    referral_id: str | None = None
    subject_id: str | None = None
    """A referral's subject (`S1`): events on that subject's chronology, index entry or agency replies."""
    actions: frozenset[str] = frozenset()
    purpose: str | None = None
    """Case-insensitive text the purpose contains."""
    break_glass: bool = False
    denied: bool = False
    allowed: bool = False
    """Allowed accesses only (outcome `success`): the web search's "allowed" outcome; never with `denied`."""
    since: datetime | None = None
    """Inclusive UTC instant."""
    until: datetime | None = None
    """Exclusive UTC instant."""
    through_seq: int | None = None
    """The trail as it stood: events up to this sequence number (so a search never finds its own audit event)."""
    _purpose_folded: str | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        object.__setattr__(self, "_purpose_folded", self.purpose.casefold() if self.purpose else None)

    def matches(self, event: AuditEvent) -> bool:
        """Whether `event` passes every filter of this query."""
        return (
            (not self.actors or event.actor in self.actors)
            and (self.referral_id is None or event.referral_id == self.referral_id)
            and (self.subject_id is None or subject_of(event) == self.subject_id)
            and (not self.actions or event.action in self.actions)
            and (self._purpose_folded is None or self._purpose_folded in event.purpose.casefold())
            and (not self.break_glass or event.basis.startswith(BREAK_GLASS_PREFIX))
            and (not self.denied or event.outcome == "denied")
            and (not self.allowed or event.outcome == "success")
            and (self.since is None or event.occurred_at >= self.since)
            and (self.until is None or event.occurred_at < self.until)
            and (self.through_seq is None or event.seq <= self.through_seq)
        )

    def describe(self) -> str:
        """The filters as ids and codes, for the audit event that records this search.

        The purpose text is only said to be there: it is free text an officer typed, and the trail
        holds ids, never words that could name someone.
        """
        parts = [
            *(f"actor={actor}" for actor in sorted(self.actors)),
            *([f"referral={self.referral_id}"] if self.referral_id else []),
            *([f"subject={self.subject_id}"] if self.subject_id else []),
            *(f"action={action}" for action in sorted(self.actions)),
            *(["purpose=(text)"] if self.purpose else []),
            *(["break-glass"] if self.break_glass else []),
            *(["denied"] if self.denied else []),
            *(["allowed"] if self.allowed else []),
            *([f"since={utc_text(self.since)}"] if self.since else []),
            *([f"until={utc_text(self.until)}"] if self.until else []),
        ]
        text = ";".join(parts) or "all"
        return text if len(text) <= 180 else f"{text[:177]}..."


def subject_of(event: AuditEvent) -> str | None:
    """The referral subject an event's object names (`S1` in `REF/S1/v3`), or None."""
    position = SUBJECT_POSITION.get(event.object_type)
    if position is None or event.referral_id is None:
        return None
    parts = event.object_id.split("/")
    if len(parts) <= position or parts[0] != event.referral_id:
        return None
    return parts[position]


def actors_for_user(user: str) -> frozenset[str]:
    """A username's actors: `user:NAME`, and `cli:NAME` from before sign-in; a full actor (`service:x`) as is."""
    name = user.strip()
    if not name:
        raise UserError("--user needs a username, e.g. --user jsmith")
    if ":" in name:
        return frozenset({name})
    return frozenset({f"{PERSON_PREFIX}{name}", f"{LEGACY_PERSON_PREFIX}{name}"})


def known_actions(actions: Iterable[str]) -> frozenset[str]:
    """The actions asked for, each checked against `AuditAction` so a typo is not an empty result."""
    valid = {action.value for action in AuditAction}
    chosen = frozenset(action.strip() for action in actions)
    unknown = sorted(chosen - valid)
    if unknown:
        raise UserError(f"Unknown action '{unknown[0]}'. Choose from: {', '.join(sorted(valid))}.")
    return chosen


def council_day(text: str, option: str) -> date:
    """An ISO calendar date (`2026-03-01`) given to `option`; anything else is one clear line."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{option} '{text[:40]}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-01.") from None


def council_moment(text: str, *, zone: tzinfo, end: bool) -> datetime:
    """A council date (`2026-03-01`) or date and time (`2026-03-01 09:30`) as a UTC instant, for a range's `end`
    or start: an end is inclusive, so a day runs to its midnight and a minute to its last second.

    Raises `ValueError` (no message worth showing: the caller says what to write) for anything else.
    """
    cleaned = " ".join(text.strip().replace("T", " ").split())
    if len(cleaned) == len("2026-03-01"):
        day = date.fromisoformat(cleaned)
        local = datetime.combine(day + timedelta(days=1) if end else day, time(0, 0), zone)
    else:
        parsed = datetime.strptime(cleaned, "%Y-%m-%d %H:%M")
        local = parsed.replace(tzinfo=zone) + (timedelta(minutes=1) if end else timedelta(0))
    return local.astimezone(UTC)


def day_bounds(since: date | None, until: date | None, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    """Council days, inclusive at both ends, as UTC instants [start of `since`, start of the day after `until`)."""
    if since is not None and until is not None and until < since:
        raise UserError(f"--until {until.isoformat()} is before --since {since.isoformat()}.")

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0, 0), zone).astimezone(UTC)

    return (
        start_of(since) if since is not None else None,
        start_of(until + timedelta(days=1)) if until is not None else None,
    )


def build_query(
    *,
    zone: tzinfo,
    user: str | None = None,
    referral: str | None = None,
    child: str | None = None,
    actions: Iterable[str] | None = None,
    purpose: str | None = None,
    break_glass: bool = False,
    denied: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> AuditQuery:
    """An `AuditQuery` from the command line's words, refusing bad values with one clear line.

    `child` is a subject id (`S1`), or `REF/S1` to name the referral too.
    """
    referral_id = referral.strip() if referral else None
    subject_id = child.strip() if child else None
    if subject_id is not None and "/" in subject_id:
        named_referral, _, subject_id = subject_id.partition("/")
        if referral_id is not None and referral_id != named_referral:
            raise UserError(f"--child names referral {named_referral[:40]} but --referral is {referral_id[:40]}.")
        referral_id = named_referral
    if referral_id is not None and not _OPAQUE_ID.match(referral_id):
        raise UserError("--referral takes a referral id such as REF-2026-000417 (letters, digits, - _ . :).")
    if subject_id is not None and not _OPAQUE_ID.match(subject_id):
        raise UserError("--child takes a subject id such as S1, or REFERRAL_ID/S1.")
    start, end = day_bounds(
        council_day(since, "--since") if since is not None else None,
        council_day(until, "--until") if until is not None else None,
        zone,
    )
    return AuditQuery(
        actors=actors_for_user(user) if user is not None else frozenset(),
        referral_id=referral_id or None,
        subject_id=subject_id,
        actions=known_actions(actions or ()),
        purpose=purpose.strip() if purpose and purpose.strip() else None,
        break_glass=break_glass,
        denied=denied,
        since=start,
        until=end,
    )


def event_fields(event: AuditEvent) -> dict[str, str | int | None]:
    """One event as `EXPORT_FIELDS`, in order (UTC times; None where an event has no such id), for CSV and JSON."""
    return {
        "seq": event.seq,
        "occurred_at": utc_text(event.occurred_at),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "referral_id": event.referral_id,
        "subject_id": subject_of(event),
        "purpose": event.purpose,
        "lawful_basis": event.lawful_basis,
        "basis": event.basis,
        "outcome": event.outcome,
        "record_digest": event.record_digest,
    }
