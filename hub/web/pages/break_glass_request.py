"""Asking for break-glass in the browser: open a referral one is not allocated to, for a reason, for a while.

The same access as `hub access break-glass` (`hub.access.break_glass.open_break_glass`: a reason from
roles.yaml, the person's note, the audited `access.break_glass` with basis `break-glass:<n>`, and the
email to IG and managers), with one more step the terminal's fresh `hub login` makes unnecessary: the
person proves who they are again if they last did more than `REAUTHENTICATE_WITHIN` ago. With a local
account that is the password on the form (`re_authenticate`), then, for an account with an authenticator,
the code on a page of its own (`/open-referral/{id}/code`, the same second step as signing in), both
audited and counted like a sign-in; the reason and note ride along in the code page's form. Someone signed
in through the identity provider confirms it there first (`/signin/again`, which comes back to this page),
and then sees the form. It starts from the 403 page of a referral the person is not allocated to, or from
`/open-referral`, where they type the referral's id. Once open, the person goes to the referral's page.
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
from hub.web.signed_in import (
    CodeNeeded,
    SignedInUser,
    WebUser,
    answer_code,
    hold_for_code,
    keep_pending,
    mark_re_authenticated,
    re_authenticate,
    recently_authenticated,
)
from hub.web.signin import code_page
from hub.web.web_sessions import PENDING_COOKIE, address_digest, cookie_policy
from schemas.models import OPAQUE_ID_PATTERN

router = APIRouter()
CheckedForm = Annotated[FormData, Depends(checked_form)]

REAUTHENTICATE_WITHIN = timedelta(minutes=5)
"""Break-glass opens a child's record without allocation: the person at the keyboard must have proved
who they are this recently (OWASP ASVS 5.0 V7.5: re-authentication before a sensitive operation)."""
NOTE_LIMIT = 2000
PASSWORD = "password"  # noqa: S105 (the form field's name, not a password)
CONFIRM = "confirm"
"""The field (the button) of the "Confirm it is you" step for someone signed in through the identity provider."""
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
    given = _given(user, referral_id, form)
    errors = _form_errors(user, given)
    must_prove = not recently_authenticated(user, REAUTHENTICATE_WITHIN)
    if must_prove and user.principal.method == "oidc":
        errors[CONFIRM] = "More than 5 minutes have passed since you confirmed it is you. Confirm it again"
    elif must_prove and not errors:
        password = str(form.get(PASSWORD) or "")
        if not password:
            errors[PASSWORD] = "Enter your password"
        else:
            try:
                re_authenticate(user, password)
            except CodeNeeded:
                username, session_digest = user.principal.username, user.session.digest
                token = hold_for_code(user.store, username, session_digest=session_digest, now=_now())
                return keep_pending(request, _code_page(request, referral_id, given), token)
            except UserError as refusal:
                errors[PASSWORD] = str(refusal)
    if errors:
        return _form_page(request, user, referral_id, errors=errors, given=given)
    return _open(user, referral_id, given)


@router.post("/open-referral/{referral_id}/code")
def request_access_code(referral_id: str, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """The authenticator code after the password: the person proved again, then the access opened as above."""
    given = _given(user, referral_id, form)
    policy = cookie_policy(request)
    now = _now()
    answer = answer_code(
        user.store,
        user.signed.config,
        policy.read(request, PENDING_COOKIE),
        str(form.get("code") or ""),
        session_digest=user.session.digest,
        address=address_digest(request),
        now=now,
    )
    if answer.retry_token is not None:
        return keep_pending(request, _code_page(request, referral_id, given, error=answer.error), answer.retry_token)
    if answer.principal is None:
        response = _form_page(request, user, referral_id, errors={PASSWORD: answer.error}, given=given)
    else:
        mark_re_authenticated(user, answer.principal, now)
        errors = _form_errors(user, given)
        if errors:
            response = _form_page(request, user, referral_id, errors=errors, given=given)
        else:
            response = _open(user, referral_id, given)
    policy.clear(response, PENDING_COOKIE)
    return response


def _given(user: WebUser, referral_id: str, form: FormData) -> dict[str, str]:
    """The reason and note posted for a referral this person may ask break-glass for (403 or 404 otherwise)."""
    _may_request(user)
    if not user.store.referral_exists(referral_id):
        raise HTTPException(404)
    return {name: str(form.get(name) or "")[: NOTE_LIMIT * 2] for name in ("reason", "note")}


def _now() -> datetime:
    return datetime.now(UTC)


def _form_errors(user: WebUser, given: dict[str, str]) -> dict[str, str]:
    """What is wrong with the reason and the note, by field."""
    errors: dict[str, str] = {}
    if given["reason"] not in user.signed.config.break_glass.reasons:
        errors["reason"] = "Select why you need to open this referral"
    note = given["note"].strip()
    if len(note) < NOTE_AT_LEAST:
        errors["note"] = "Say why in your own words, in at least a sentence: whoever reviews the access reads it"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"The note must be {NOTE_LIMIT} characters or fewer"
    return errors


def _code_page(request: Request, referral_id: str, given: dict[str, str], *, error: str = "") -> Response:
    """The code step of re-authentication, carrying the reason and note the person already gave."""
    return code_page(
        request,
        action=f"/open-referral/{referral_id}/code",
        error=error,
        hidden={"reason": given["reason"], "note": given["note"]},
        back=f"/open-referral/{referral_id}",
    )


def _open(user: WebUser, referral_id: str, given: dict[str, str]) -> Response:
    """Open the access (audited, IG and managers emailed) and go to the referral's page."""
    try:
        opened = open_break_glass(user.signed, referral_id, reason=given["reason"], note=given["note"].strip())
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
