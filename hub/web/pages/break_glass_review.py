"""The break-glass queue: accesses awaiting review, with what was read under each, and a decision form per access.

For IG officers and managers (`break_glass.review`), as `hub access list --pending --notes` and
`hub access review N` are. Everything a reviewer needs is on one page: who, which referral, when and for
how long, the reason code and the person's own note, and the audit events under that break-glass (basis
`break-glass:<n>`), which are exactly what they did while the glass was broken. Reading each note, and
the trail, is recorded like any read (`hub.store`). Nobody reviews their own break-glass: the form is
not offered, and a decision posted anyway is refused and audited, as the CLI refuses it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from hub.access.permissions import Permission
from hub.audit import AuditAction
from hub.audit.search import BREAK_GLASS_PREFIX, AuditQuery
from hub.chronology.reading import council_time_zone
from hub.store.access_records import BreakGlass
from hub.store.errors import BreakGlassAlreadyReviewed, UnknownBreakGlass
from hub.web.pages.audit_filters import EventLine, describe_event
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser, WebUser
from hub.web.signin import CheckedForm

router = APIRouter()

REVIEW_PURPOSE = "break-glass review"
"""As `hub access review` and `hub access list`: the trail shows one purpose however the queue was worked."""
DECIDED_SHOWN = 50
"""The most recent decisions listed (each note shown is an audited read, so the list is bounded)."""
MAX_NOTE = 2000
DECISIONS = {"appropriate": True, "inappropriate": False}


@dataclass
class PendingAccess:
    glass: BreakGlass
    reason_words: str
    note: str
    lasted: str
    open_now: bool
    own: bool
    events: list[EventLine] = field(default_factory=list)


@dataclass(frozen=True)
class DecidedAccess:
    glass: BreakGlass
    reason_words: str
    reviewer: str
    note: str | None


def duration_words(span: timedelta) -> str:
    """`2 hours`, `1 hour 30 minutes`, `45 minutes`."""
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + (
        [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes or not hours else []
    )
    return " ".join(parts)


def _queue(user: WebUser) -> tuple[list[PendingAccess], list[DecidedAccess]]:
    """Both lists, read inside the caller's permit (every note and the trail read are audited)."""
    store, actor = user.store, user.signed.actor
    reasons = user.signed.config.break_glass.reasons
    accesses = store.break_glass_accesses()
    now = datetime.now(UTC)
    pending = [
        PendingAccess(
            glass=glass,
            reason_words=reasons.get(glass.reason, glass.reason),
            note=store.break_glass_note(glass.number, actor=actor, purpose=REVIEW_PURPOSE),
            lasted=duration_words(glass.expires_at - glass.opened_at),
            open_now=glass.active_at(now),
            own=glass.username == user.principal.username,
        )
        for glass in accesses
        if glass.review == "pending"
    ]
    if pending:
        by_number = {str(access.glass.number): access for access in pending}
        earliest = min(access.glass.opened_at for access in pending)
        events = store.read_audit_trail(
            AuditQuery(break_glass=True, since=earliest),
            action=AuditAction.AUDIT_READ,
            actor=actor,
            purpose=REVIEW_PURPOSE,
            object_id=f"break-glass;{','.join(sorted(by_number, key=int))}"[:180],
        )
        grouped: dict[str, list[EventLine]] = defaultdict(list)
        try:
            for event in events:
                number = event.basis.removeprefix(BREAK_GLASS_PREFIX)
                if number in by_number:
                    grouped[number].append(describe_event(event))
        finally:
            events.close()
        for number, lines in grouped.items():
            by_number[number].events = lines
    decided_rows = sorted(
        (glass for glass in accesses if glass.review != "pending"),
        key=lambda glass: glass.reviewed_at or glass.opened_at,
        reverse=True,
    )[:DECIDED_SHOWN]
    decided = [
        DecidedAccess(
            glass=glass,
            reason_words=reasons.get(glass.reason, glass.reason),
            reviewer=(glass.reviewed_by or "").removeprefix("user:"),
            note=store.break_glass_review_note(glass.number, actor=actor, purpose=REVIEW_PURPOSE),
        )
        for glass in decided_rows
    ]
    return pending, decided


def _render(
    request: Request,
    user: WebUser,
    *,
    status_code: int = 200,
    errors: list[tuple[str, str]] | None = None,
    posted: dict[str, str] | None = None,
    done: BreakGlass | None = None,
) -> Response:
    with user.permit(Permission.BREAK_GLASS_REVIEW, purpose=REVIEW_PURPOSE):
        pending, decided = _queue(user)
    pages: Pages = request.app.state.pages
    zone: tzinfo = council_time_zone(user.settings)
    return pages.render(
        request,
        "break_glass_review.html",
        status_code=status_code,
        pending=pending,
        decided=decided,
        zone=zone,
        errors=errors or [],
        errors_by_field=dict(errors or []),
        posted=posted or {},
        done=done,
        shows_audit_nav=user.signed.config.scope(user.principal.role, Permission.AUDIT_READ) is not None,
    )


@router.get("/break-glass")
def queue(request: Request, user: SignedInUser, done: int | None = None) -> Response:
    finished = None
    if done is not None:
        try:
            finished = user.store.break_glass(done)
        except UnknownBreakGlass:
            finished = None
    return _render(request, user, done=finished if finished is not None and finished.review != "pending" else None)


@router.post("/break-glass/{number}")
def decide(number: int, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    with user.permit(Permission.BREAK_GLASS_REVIEW, purpose=REVIEW_PURPOSE):
        try:
            glass = user.store.break_glass(number)
        except UnknownBreakGlass:
            raise HTTPException(404) from None
        if glass.username == user.principal.username:
            user.signed.refuse(
                Permission.BREAK_GLASS_REVIEW,
                glass.referral_id,
                object_id=str(number),
                purpose=REVIEW_PURPOSE,
                explanation="You cannot review your own break-glass access; ask a manager or IG officer.",
            )
        decision = form.get("decision")
        note = form.get("note")
        note_text = note.strip() if isinstance(note, str) else ""
        errors: list[tuple[str, str]] = []
        if decision not in DECISIONS:
            errors.append((f"decision-{number}", "Choose whether the access was appropriate"))
        if decision == "inappropriate" and not note_text:
            errors.append((f"note-{number}", "Say why the access was not appropriate"))
        if len(note_text) > MAX_NOTE:
            errors.append((f"note-{number}", f"The note must be {MAX_NOTE} characters or fewer"))
        if not errors:
            try:
                user.store.review_break_glass(
                    number,
                    appropriate=DECISIONS[str(decision)],
                    note=note_text,
                    actor=user.signed.actor,
                    purpose=REVIEW_PURPOSE,
                )
            except BreakGlassAlreadyReviewed:
                errors.append((f"decision-{number}", f"Break-glass access {number} has already been reviewed"))
    if errors:
        posted = {"number": str(number), "decision": str(decision or ""), "note": note_text[:MAX_NOTE]}
        return _render(request, user, status_code=400, errors=errors, posted=posted)
    return RedirectResponse(f"/break-glass?done={number}", status_code=303)
