"""The start page: each role goes to its own home (practitioners and managers their referrals, IG the audit)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.access.permissions import Permission
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser

router = APIRouter()

HOMES = (
    (Permission.REFERRAL_LIST, "/referrals"),
    (Permission.AUDIT_READ, "/audit"),
    (Permission.REFERRAL_SUBMIT, "/refer"),
)
"""The first permission a role holds decides its home, so a new role needs no change here."""


@router.get("/")
def start(request: Request, user: SignedInUser) -> Response:
    for permission, home in HOMES:
        if user.signed.config.scope(user.principal.role, permission) is not None:
            return RedirectResponse(home, status_code=303)
    pages: Pages = request.app.state.pages
    return pages.render(request, "start.html", role=user.principal.role)
