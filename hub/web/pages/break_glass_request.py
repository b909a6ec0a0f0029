"""Asking for break-glass in the browser: open a referral one is not allocated to, for a reason, for a while.

The same access as `hub access break-glass` (`hub.access.break_glass.open_break_glass`: a reason from
roles.yaml, the person's note, the audited `access.break_glass` with basis `break-glass:<n>`, and the
email to IG and managers), with one more step the terminal's fresh `hub login` makes unnecessary: the
person proves who they are again if they last did more than `REAUTHENTICATE_WITHIN` ago (password and
code, `re_authenticate`, audited and counted like a sign-in; someone signed in through the identity
provider is told to sign in there again). It starts from the 403 page of a referral the person is not
allocated to, or from `/open-referral`, where they type the referral's id. Once open, the person goes to
the referral's page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from hub.access.break_glass import NOTE_AT_LEAST, open_break_glass
from hub.access.guard import AccessRefused
from hub.access.permissions import Permission
from hub.chronology.reading import council_time_zone
from hub.errors import UserError
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser, re_authenticate, recently_authenticated
from schemas.models import OPAQUE_ID_PATTERN

router = APIRouter()
CheckedForm = Annotated[FormData, Depends(checked_form)]

REAUTHENTICATE_WITHIN = timedelta(minutes=5)
"""Break-glass opens a child's record without allocation: the person at the keyboard must have proved
who they are this recently (OWASP ASVS 5.0 V7.5: re-authentication before a sensitive operation)."""
NOTE_LIMIT = 2000
PASSWORD = "password"  # noqa: S105 (the form field's name, not a password)
PURPOSE = "break-glass request"
"""The purpose of a refusal recorded before a reason is chosen (the page itself reads nothing personal)."""


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _may_request(user: WebUser) -> None:
    """Refuse (audited, the 403 page) a role that cannot break the glass at all."""
    if user.signed.config.scope(user.principal.role, Permission.BREAK_GLASS_REQUEST) is None:
        with user.permit(Permission.BREAK_GLASS_REQUEST, purpose=PURPOSE):
            pass  # the guard refuses and audits; never reached


def lasting(period: timedelta) -> str:
    """`2 hours`, `90 minutes`, `1 hour`: how long an access lasts, in words."""
    minutes = round(period.total_seconds() / 60)
    if minutes % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"


@router.get("/open-referral")
def find_referral(request: Request, user: SignedInUser) -> Response:
    """ "Open a referral you are not allocated to": the referral's id, then its break-glass form."""
    _may_request(user)
    return _pages(request).render(request, "break_glass_find.html", error=None, typed="")


@router.post("/open-referral")
def found_referral(request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """The id typed, checked; posted rather than a query, so whatever was typed never appears in an address."""
    _may_request(user)
    typed = str(form.get("referral") or "")
    referral_id = typed.strip().upper()
    if not referral_id:
        error = "Enter the referral's id"
    elif not re.fullmatch(OPAQUE_ID_PATTERN, referral_id) or not user.store.referral_exists(referral_id):
        error = "There is no referral with that id. Check it, for example REF-2026-000417"
    else:
        return RedirectResponse(f"/open-referral/{referral_id}", status_code=303)
    return _pages(request).render(request, "break_glass_find.html", status_code=400, error=error, typed=typed[:64])


@router.get("/open-referral/{referral_id}")
def break_glass_form(referral_id: str, request: Request, user: SignedInUser) -> Response:
    """The reason, the note and, if needed, the password again; or why none of it is needed."""
    return _form_page(request, user, referral_id)


@router.post("/open-referral/{referral_id}")
def request_access(referral_id: str, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Check the form and the person, open the access (audited, IG and managers emailed), go to the referral."""
    _may_request(user)
    if not user.store.referral_exists(referral_id):
        raise HTTPException(404)
    reasons = user.signed.config.break_glass.reasons
    given = {name: str(form.get(name) or "") for name in ("reason", "note")}
    errors: dict[str, str] = {}
    if given["reason"] not in reasons:
        errors["reason"] = "Select why you need to open this referral"
    note = given["note"].strip()
    if len(note) < NOTE_AT_LEAST:
        errors["note"] = "Say why in your own words, in at least a sentence: whoever reviews the access reads it"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"The note must be {NOTE_LIMIT} characters or fewer"
    must_prove = not recently_authenticated(user, REAUTHENTICATE_WITHIN)
    if must_prove and user.principal.method == "oidc":
        errors[PASSWORD] = "Sign out, then sign in again through your organisation, and ask again within 5 minutes"
    elif must_prove and not errors:
        password, code = str(form.get("password") or ""), str(form.get("code") or "")
        if not password:
            errors[PASSWORD] = "Enter your password"
        else:
            try:
                re_authenticate(user, password, code)
            except UserError as refusal:
                errors[PASSWORD] = str(refusal)
    if errors:
        return _form_page(request, user, referral_id, errors=errors, given=given)
    try:
        opened = open_break_glass(user.signed, referral_id, reason=given["reason"], note=note)
    except AccessRefused:
        raise
    except UserError:  # allocated meanwhile, or an access already open: the form page says which
        return RedirectResponse(f"/open-referral/{referral_id}", status_code=303)
    if opened.not_sent:
        return RedirectResponse(f"/open-referral/{referral_id}?email=not-sent", status_code=303)
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


def _form_page(
    request: Request,
    user: WebUser,
    referral_id: str,
    *,
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    _may_request(user)
    if not user.store.referral_exists(referral_id):
        raise HTTPException(404)
    config = user.signed.config
    now = datetime.now(UTC)
    allocated = user.signed.decision(Permission.HISTORY_READ, referral_id).basis == "allocated"
    glass = user.store.active_break_glass(referral_id, user.principal.username, now)
    return _pages(request).render(
        request,
        "break_glass.html",
        status_code=400 if errors else 200,
        referral_id=referral_id,
        allocated=allocated,
        glass=glass,
        email_not_sent=request.query_params.get("email") == "not-sent",
        reason_items=[
            {"value": code, "text": words, "checked": (given or {}).get("reason") == code}
            for code, words in config.break_glass.reasons.items()
        ],
        lasts=lasting(config.break_glass.lasts),
        must_prove=not recently_authenticated(user, REAUTHENTICATE_WITHIN),
        oidc=user.principal.method == "oidc",
        errors=errors or {},
        given=given or {},
        note_limit=NOTE_LIMIT,
        zone=council_time_zone(user.settings),
    )
