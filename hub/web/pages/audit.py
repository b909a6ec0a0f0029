"""The IG officer's home: the audit trail (a placeholder until the audit search is built here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.access.permissions import Permission
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser

router = APIRouter()

AUDIT_PURPOSE = "audit page"


@router.get("/audit")
def audit(request: Request, user: SignedInUser) -> Response:
    with user.permit(Permission.AUDIT_READ, purpose=AUDIT_PURPOSE):
        pages: Pages = request.app.state.pages
        return pages.render(request, "audit.html")
