"""Whether the audit trail is intact, in words: the check `hub audit verify` runs, on request, and its last result.

Verifying re-hashes every event and checks every stored row, which takes seconds on a large trail, so it
runs when an officer presses the button (a POST, with the form token), never on every page view. The
last result is kept in `$HUB_HOME/audit/last-verification.json` (0600): when, by whom, and the outcome
with its problems (sequence numbers, checkpoint sizes and object ids only, as the check words them:
never content), so the page can say "Intact: 12,345 events, the latest checkpoint signed 2 Dec 2026"
without running the check again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.access.permissions import Permission
from hub.audit import AuditVerification
from hub.audit.ig import NOT_INTACT_ADVICE, VERIFY_PURPOSE
from hub.chronology.reading import council_time_zone
from hub.settings import HubSettings, write_private
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser
from hub.web.signin import CheckedForm

router = APIRouter()

MAX_PROBLEMS_SHOWN = 20
"""As `hub audit verify`: the first twenty, then how many more."""


@dataclass(frozen=True)
class LastVerification:
    """One run of the check, as kept between runs."""

    checked_at: str
    """UTC, ISO 8601."""
    by: str
    ok: bool
    events_checked: int
    message: str
    problems: list[str]
    checkpoint_size: int | None
    checkpoint_signed_at: str | None

    @property
    def checked(self) -> datetime:
        return datetime.fromisoformat(self.checked_at)

    @property
    def signed(self) -> datetime | None:
        return datetime.fromisoformat(self.checkpoint_signed_at) if self.checkpoint_signed_at else None

    @property
    def more_problems(self) -> int:
        return max(0, len(self.problems) - MAX_PROBLEMS_SHOWN)


def record_path(settings: HubSettings) -> Path:
    return settings.home / "audit" / "last-verification.json"


def read_last(settings: HubSettings) -> LastVerification | None:
    """The last run's result, or None if the check has not been run here (or its record is unreadable)."""
    try:
        return LastVerification(**json.loads(record_path(settings).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def verification_record(
    verification: AuditVerification, *, by: str, at: datetime, checkpoint: tuple[int, datetime] | None
) -> LastVerification:
    return LastVerification(
        checked_at=at.astimezone(UTC).isoformat(),
        by=by,
        ok=verification.ok,
        events_checked=verification.events_checked,
        message=verification.message,
        problems=list(verification.problems),
        checkpoint_size=checkpoint[0] if checkpoint else None,
        checkpoint_signed_at=checkpoint[1].astimezone(UTC).isoformat() if checkpoint else None,
    )


@router.get("/audit/verify")
def status(request: Request, user: SignedInUser) -> Response:
    with user.permit(Permission.AUDIT_READ, purpose=VERIFY_PURPOSE):
        last = read_last(user.settings)
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        "audit_verify.html",
        last=last,
        zone=council_time_zone(user.settings),
        advice=NOT_INTACT_ADVICE,
        shown=MAX_PROBLEMS_SHOWN,
    )


@router.post("/audit/verify")
def verify(request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    with user.permit(Permission.AUDIT_READ, purpose=VERIFY_PURPOSE):
        verification = user.store.verify_audit_trail()
        newest = user.store.newest_checkpoint()
    record = verification_record(
        verification,
        by=user.principal.username,
        at=datetime.now(UTC),
        checkpoint=(newest.tree_size, newest.signed_at) if newest is not None and verification.ok else None,
    )
    write_private(record_path(user.settings), json.dumps(asdict(record)).encode("utf-8"))
    return RedirectResponse("/audit/verify", status_code=303)
