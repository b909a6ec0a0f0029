"""The IG officer's home: the audit search, newest first, with filters and stable pages.

The same search as `hub audit search`, under the same permission (`audit.read`) and recorded the same way
(an `audit.read` event with purpose `ig_audit_search` whose object id lists the filters as ids), before
anything is read. Pages are stable: the first page fixes the trail as it stood (`upto`, the newest event
it could show), and every later page reads that same trail, so events that arrive meanwhile (this
search's own events among them) never shift what page 2 shows.

The other IG pages (break-glass review, reports, verification, export) have modules of their own, and
their routers are included here so the application lists one router for IG.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from itertools import islice

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.access.permissions import Permission
from hub.audit import AuditAction
from hub.audit.ig import SEARCH_PURPOSE
from hub.chronology.reading import council_time_zone
from hub.web.pages import audit_export, audit_reports, audit_verify, break_glass_review
from hub.web.pages.audit_filters import ACTION_WORDS, OUTCOMES, Filters, describe_event, read_filters
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser

router = APIRouter()
for _part in (break_glass_review.router, audit_reports.router, audit_verify.router, audit_export.router):
    router.include_router(_part)

PAGE_SIZE = 50
MAX_PAGE = 10_000


def _whole_number(text: str | None, name: str, errors: list[tuple[str, str]], *, least: int) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 12 or int(text) < least:
        errors.append((name, "That page does not exist: start the search again"))
        return None
    return int(text)


@router.get("/audit")
def audit(request: Request, user: SignedInUser) -> Response:
    pages: Pages = request.app.state.pages
    zone: tzinfo = council_time_zone(user.settings)
    given = dict(request.query_params)
    with user.permit(Permission.AUDIT_READ, purpose=SEARCH_PURPOSE):
        filters = read_filters(given, zone)
        upto = _whole_number(given.get("upto"), "upto", filters.errors, least=0)
        page = _whole_number(given.get("page"), "page", filters.errors, least=1) or 1
        if page > MAX_PAGE:
            filters.errors.append(("page", "That page does not exist: start the search again"))
        if filters.errors:
            return _render(pages, request, filters, zone, status_code=400)
        query = filters.query if upto is None else replace(filters.query, through_seq=upto)
        events = user.store.read_audit_trail(
            query, action=AuditAction.AUDIT_READ, actor=user.signed.actor, purpose=SEARCH_PURPOSE, newest_first=True
        )
        try:
            found = list(islice(events, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1))
        finally:
            events.close()
    shown = found[:PAGE_SIZE]
    if upto is None and shown:
        upto = shown[0].seq
    return _render(
        pages,
        request,
        filters,
        zone,
        events=[describe_event(event) for event in shown],
        page=page,
        first=(page - 1) * PAGE_SIZE + 1,
        previous_href=f"/audit?{filters.query_string(upto=upto or 0, page=page - 1)}" if page > 1 else None,
        next_href=f"/audit?{filters.query_string(upto=upto or 0, page=page + 1)}" if len(found) > PAGE_SIZE else None,
        searched=True,
    )


def _render(
    pages: Pages, request: Request, filters: Filters, zone: tzinfo, *, status_code: int = 200, **context: object
) -> Response:
    return pages.render(
        request,
        "audit.html",
        status_code=status_code,
        filters=filters,
        selected=filters.selected(),
        zone=zone,
        actions=sorted(ACTION_WORDS.items()),
        outcomes=OUTCOMES,
        **context,
    )
