"""For managers: allocating referrals, and the team view of everyone's caseload.

Allocation is `hub referral allocate` in a form (`hub.access.allocation.allocate_referral`: the same
checks and the same audited `referral.allocate`), one per referral, unallocated first; reallocating is the
same form. The team view counts each person's allocated referrals, their RAG ratings, the checks still
open on them and the oldest due time (`hub.access.allocation.caseloads`), heaviest first: caseloads are a
named pressure, and a manager balances them by seeing them side by side. Neither page shows personal
data (ids, ratings, times, usernames and counts), and both need `referral.allocate`, the managers'
permission, so a refusal is audited by the guard.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from hub.access.allocation import ALLOCATE_PURPOSE, allocatable, allocate_referral, caseloads, due_at
from hub.access.permissions import Permission
from hub.chronology.reading import council_time_zone
from hub.deadlines.config import load_deadlines
from hub.web.pages.inbox import LIST_PURPOSE, RAG_TAGS, rag_rank
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser

router = APIRouter()
CheckedForm = Annotated[FormData, Depends(checked_form)]

TEAM_PURPOSE = "team view"


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _allocation_page(
    request: Request, user: WebUser, *, error: tuple[str, str] | None = None, allocated: str = ""
) -> Response:
    with user.permit(Permission.REFERRAL_ALLOCATE, purpose=ALLOCATE_PURPOSE):
        pass  # managers only: anyone else is refused here, audited
    with user.permit(Permission.REFERRAL_LIST, purpose=LIST_PURPOSE):
        summaries = user.store.referral_summaries()
    deadlines = load_deadlines(user.settings)
    rows = [(summary, due_at(user.store, deadlines, summary)) for summary in summaries]
    rows.sort(key=lambda row: (row[0].allocated_to is not None, row[1], row[0].referral_id))
    just = next((summary for summary in summaries if summary.referral_id == allocated), None)
    return _pages(request).render(
        request,
        "allocation.html",
        status_code=400 if error else 200,
        rows=rows,
        people=allocatable(user.signed),
        zone=council_time_zone(user.settings),
        rag_tags=RAG_TAGS,
        rag_rank=rag_rank,
        error=error,
        allocated=just,
    )


@router.get("/allocation")
def allocation(request: Request, user: SignedInUser) -> Response:
    """Every referral with who holds it and a form to (re)allocate it, unallocated first, earliest due first."""
    return _allocation_page(request, user, allocated=request.query_params.get("allocated", ""))


@router.post("/allocation/{referral_id}")
def allocate(referral_id: str, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Allocate as `hub referral allocate` does, then back to the list with a banner."""
    to = str(form.get("to") or "")
    if user.store.referral_summary(referral_id) is None:
        raise HTTPException(404)
    if to not in {person.username for person in allocatable(user.signed)}:
        return _allocation_page(request, user, error=(f"to-{referral_id}", f"Select who to allocate {referral_id} to"))
    allocate_referral(user.signed, referral_id, to)
    return RedirectResponse(f"/allocation?allocated={referral_id}", status_code=303)


@router.get("/team")
def team(request: Request, user: SignedInUser) -> Response:
    """Each person's caseload, heaviest first."""
    with user.permit(Permission.REFERRAL_ALLOCATE, purpose=TEAM_PURPOSE):
        pass  # managers only: anyone else is refused here, audited
    with user.permit(Permission.REFERRAL_LIST, purpose=TEAM_PURPOSE):
        summaries = user.store.referral_summaries()
    loads = caseloads(user.store, allocatable(user.signed), summaries, load_deadlines(user.settings))
    unallocated = sum(summary.allocated_to is None for summary in summaries)
    return _pages(request).render(
        request,
        "team.html",
        loads=loads,
        unallocated=unallocated,
        zone=council_time_zone(user.settings),
        now=datetime.now(UTC),
    )
