"""Identity reviews in the browser: the open candidate links I may decide, one side by side, and the decision.

The same data and the same decision as `hub review list|show|confirm|reject`:
- the list is the review queue's ids and words (no personal data, so not audited), filtered to the
  referrals the person may decide on (`review.decide`, allocated or opened by break-glass);
- a review's page reads the referral and the one agency reply through `hub.chronology.identity_review`
  inside `history.read` on its referral, so reading it is audited exactly as `hub review show` is, and
  restricted records are withheld by the same rule;
- a decision goes through `hub.checks.review_decisions` (the store's `decide_review`, audited as
  `link_review.decide` with the reason sealed, and the chronologies assembled again). Bad input gets the
  GOV.UK error summary and stores nothing; a refusal is audited by the guard and is the 403 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from hub.access.permissions import Permission
from hub.checks.review_decisions import REVIEW_PURPOSE, decide_link_review
from hub.chronology.identity_review import NOT_RECORDED, ReviewView, review_view
from hub.store import UnknownReview
from hub.store.errors import ReviewAlreadyDecided
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser

router = APIRouter()
CheckedForm = Annotated[FormData, Depends(checked_form)]

REASON_LIMIT = 2000
"""Characters: a reason is a few sentences for whoever reads the decision later, never a pasted document."""
CHOICES = {"confirm": True, "reject": False}


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _may_decide_somewhere(user: WebUser) -> None:
    """Refuse (audited, the 403 page) a role that cannot decide reviews on any referral, such as IG's."""
    if user.signed.config.scope(user.principal.role, Permission.REVIEW_DECIDE) is None:
        with user.permit(Permission.REVIEW_DECIDE, purpose=REVIEW_PURPOSE):
            pass  # the guard refuses and audits; never reached


@router.get("/reviews")
def reviews(request: Request, user: SignedInUser) -> Response:
    """The open reviews of the referrals I may decide on, oldest first, with why each went to a person."""
    _may_decide_somewhere(user)
    pending = [
        review
        for review in user.store.link_reviews(pending_only=True)
        if user.may(Permission.REVIEW_DECIDE, review.referral_id)
    ]
    decided = request.query_params.get("decided", "")
    return _pages(request).render(
        request, "reviews.html", reviews=pending, decided=decided if decided.isdigit() else ""
    )


@router.get("/reviews/{review_id}")
def review_page(review_id: int, request: Request, user: SignedInUser) -> Response:
    """One review side by side, with the decision form while it is open."""
    return _review_page(request, user, review_id)


@router.post("/reviews/{review_id}")
def decide(review_id: int, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Record the decision as `hub review confirm|reject` does, then back to the list with a banner."""
    choice = str(form.get("decision") or "")
    reason = str(form.get("reason") or "")
    errors: dict[str, str] = {}
    if choice not in CHOICES:
        errors["decision"] = "Select whether this record is the referral's person"
    if not reason.strip():
        errors["reason"] = "Enter the reason for your decision"
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = f"The reason must be {REASON_LIMIT} characters or fewer"
    if errors:
        return _review_page(request, user, review_id, errors=errors, given={"decision": choice, "reason": reason})
    try:
        decide_link_review(user.signed, review_id, confirm=CHOICES[choice], reason=reason)
    except UnknownReview:
        raise HTTPException(404) from None
    except ReviewAlreadyDecided:
        return RedirectResponse(f"/reviews/{review_id}", status_code=303)  # someone else was first: see theirs
    return RedirectResponse(f"/reviews?decided={review_id}", status_code=303)


def _review_page(
    request: Request,
    user: WebUser,
    review_id: int,
    *,
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    try:
        review = user.store.link_review(review_id)
    except UnknownReview:
        raise HTTPException(404) from None
    with user.permit(Permission.HISTORY_READ, review.referral_id, purpose=REVIEW_PURPOSE):
        view = review_view(user.store, user.signed.clearance, review, actor=user.signed.actor, purpose=REVIEW_PURPOSE)
    return _pages(request).render(
        request,
        "review.html",
        status_code=400 if errors else 200,
        view=view,
        review=review,
        person_name=_person_name(view),
        may_decide=user.may(Permission.REVIEW_DECIDE, review.referral_id),
        errors=errors or {},
        given=given or {},
        reason_limit=REASON_LIMIT,
    )


def _person_name(view: ReviewView) -> str:
    """The referral's person as the referrer named them, from the side-by-side rows the page shows anyway.

    A person deciding thinks "is this Amara's record?", not "is P-5 S1?": the heading asks it that way. The
    name is page content only (never in the address). Empty when the record is withheld or gone, which
    shows no rows: the page then asks by the person's code.
    """
    parts = {row.label: row.ours for row in view.rows if row.label in ("Given names", "Family name")}
    given, family = parts.get("Given names"), parts.get("Family name")
    return " ".join(part for part in (given, family) if part and part != NOT_RECORDED)
