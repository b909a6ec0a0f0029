"""Error pages in GOV.UK style that leak nothing: fixed words for each status, and the request id only.

No page quotes the request (its path, query or form) or an exception's message, since either can carry
personal data. Two exceptions: a refusal by the access guard (`AccessRefused`), whose explanation
the policy writes from roles and ids, and which says what to do next; and a stored record that cannot be
read (`UnreadableRecord`), whose one line names the record by kind and ids and says why and what to do
(the failed read is in the audit trail already). An unhandled exception never reaches here: the security
middleware turns it into the 500 page (`hub.web.security`).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from hub.access.guard import AccessRefused
from hub.access.permissions import Permission
from hub.access.policy import break_glass_hint
from hub.errors import UserError
from hub.store.errors import Unreadability, UnreadableRecord
from hub.web.rendering import ERRORS, Pages
from hub.web.security import CsrfRefused, error_log
from hub.web.signed_in import SignInRequired
from hub.web.web_sessions import SESSION_COOKIE, cookie_policy

CSRF_ADVICE = (
    "The form was out of date, or was not sent from this service's own page. Go back, reload the page, and try again."
)


UNREADABLE = {
    "title": "This record cannot be shown",
    "advice": "Nothing was shown or changed, and the failed attempt is recorded in the audit trail.",
}
"""The page for a stored record that cannot be read: its one line says which, why and what to do."""

NOT_AN_ALL_CLEAR = (
    "This does not mean there is nothing on record. If a child may be at risk, ask the agencies directly "
    "while it is put right."
)
UNREADABLE_SUMMARY = {
    Unreadability.TAMPERED: (
        "The hub's copy of this record was changed outside the hub, so it is not shown: what it holds now could "
        "be wrong. Tell information governance (IG) now. " + NOT_AN_ALL_CLEAR
    ),
    Unreadability.KEY_MISSING: (
        "The key this record is locked with is missing from the hub, so it cannot be opened. Tell the hub's "
        "operators (your IT service desk): they can restore the key from backup. " + NOT_AN_ALL_CLEAR
    ),
    Unreadability.KEY_SHREDDED: (
        "This record was destroyed under the council's retention schedule, so it can no longer be read. "
        "Information governance (IG) can tell you when, and under which rule."
    ),
}
"""What a practitioner reads first, in plain words, for each reason; the exact line follows under "Details"."""


BROWSER_BREAK_GLASS_HINT = (
    "if a child may be at risk now, open it below (IG and your manager are told, and it is reviewed)."
)
"""The refusal's advice in the browser, where break-glass is a button on the page, not a command."""


def break_glass_offer(request: Request) -> str | None:
    """Where to ask for break-glass, on the 403 page of a referral's page the person may break the glass for.

    Only for reading a referral (a GET of `/referrals/{referral_id}...`): a refused allocation or decision
    is not something break-glass is for.
    """
    referral_id = request.path_params.get("referral_id")
    user = getattr(request.state, "user", None)
    if request.method != "GET" or not isinstance(referral_id, str) or user is None:
        return None
    if not request.url.path.startswith("/referrals/") or not user.may(Permission.BREAK_GLASS_REQUEST, referral_id):
        return None
    return f"/open-referral/{referral_id}"


def install_error_pages(app: FastAPI, pages: Pages) -> None:
    def error_page(
        request: Request, status_code: int, *, explanation: str | None = None, break_glass: str | None = None
    ) -> Response:
        known = status_code if status_code in ERRORS else 400 if status_code < 500 else 500
        return pages.render(
            request,
            "error.html",
            status_code=status_code,
            explanation=explanation,
            break_glass=break_glass,
            **ERRORS[known],
        )

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return error_page(request, error.status_code)

    async def invalid_request(request: Request, _: Exception) -> Response:
        return error_page(request, 400)

    async def csrf_refused(request: Request, _: Exception) -> Response:
        return error_page(request, 403, explanation=CSRF_ADVICE)

    async def access_refused(request: Request, error: Exception) -> Response:
        offer = break_glass_offer(request)
        explanation = str(error)
        referral_id = request.path_params.get("referral_id")
        if offer is not None and isinstance(referral_id, str):
            explanation = explanation.replace(break_glass_hint(referral_id), BROWSER_BREAK_GLASS_HINT)
        return error_page(request, 403, explanation=explanation, break_glass=offer)

    async def user_error(request: Request, _: Exception) -> Response:
        return error_page(request, 400)

    async def unreadable_record(request: Request, error: Exception) -> Response:
        assert isinstance(error, UnreadableRecord)
        # The log says that it happened and where to look (the request id); the audit trail says which record.
        error_log.warning("unreadable record (%s) request=%s", error.cause, getattr(request.state, "request_id", ""))
        return pages.render(
            request,
            "error.html",
            status_code=410 if error.cause is Unreadability.KEY_SHREDDED else 500,
            explanation=UNREADABLE_SUMMARY[error.cause],
            details=str(error),
            **UNREADABLE,
        )

    async def sign_in_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        response = RedirectResponse("/signin?ended=1" if error.ended else "/signin", status_code=303)
        if error.ended:
            cookie_policy(request).clear(response, SESSION_COOKIE)
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(AccessRefused, access_refused)
    app.add_exception_handler(UserError, user_error)
    app.add_exception_handler(UnreadableRecord, unreadable_record)
    app.add_exception_handler(SignInRequired, sign_in_required)
