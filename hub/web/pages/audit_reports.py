"""IG reports in the browser: the same four sections and figures as `hub audit report`, for a chosen period.

The report is computed by the store's `ig_report`, the one definition `hub audit report` uses too, and
recorded the same way (an `audit.read` event, purpose `ig_audit_report`, object id `report;<window>`).
The period defaults to the last 30 days, as the council's calendar days. Every row links to the audit
search filtered to that person, referral and days, so an officer goes from a figure to its events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.access.permissions import Permission
from hub.audit.ig import REPORT_PURPOSE
from hub.audit.reports import IgReport, VolumeThresholds
from hub.audit.search import build_query
from hub.deadlines.config import load_deadlines
from hub.errors import UserError
from hub.web.pages.audit_filters import actor_words
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser

router = APIRouter()

DEFAULT_DAYS = 30


def search_href(actor: str, *, referral: str | None = None, since: date, until: date) -> str:
    """The audit search for one person's events (on one referral) over those council days."""
    pairs = [("user", actor_words(actor))] + ([("referral", referral)] if referral else [])
    pairs += [("from", since.isoformat()), ("to", until.isoformat())]
    return f"/audit?{urlencode(pairs)}"


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


@router.get("/audit/reports")
def reports(request: Request, user: SignedInUser) -> Response:
    pages: Pages = request.app.state.pages
    calendar = load_deadlines(user.settings).working_calendar
    zone = calendar.zone
    given = request.query_params
    today = datetime.now(zone).date()
    since_text = (given.get("from") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()).strip()[:40]
    until_text = (given.get("to") or today.isoformat()).strip()[:40]
    values = {"from": since_text, "to": until_text}
    with user.permit(Permission.AUDIT_READ, purpose=REPORT_PURPOSE):
        errors: list[tuple[str, str]] = []
        for name, text in values.items():
            try:
                date.fromisoformat(text)
            except ValueError:
                label = "From" if name == "from" else "To"
                errors.append((name, f"{label} must be a date such as 2026-03-01"))
        if not errors:
            try:
                window = build_query(zone=zone, since=since_text, until=until_text)
            except UserError:
                errors.append(("to", "The end of the period must not be before its start"))
        if errors:
            return pages.render(request, "audit_reports.html", status_code=400, values=values, errors=errors)
        settings = user.signed.config.ig_reports
        report: IgReport = user.store.ig_report(
            window,
            actor=user.signed.actor,
            purpose=REPORT_PURPOSE,
            calendar=calendar,
            thresholds=VolumeThresholds(
                minimum_daily_reads=settings.unusual_daily_reads,
                multiple_of_median=settings.unusual_multiple_of_median,
            ),
        )
    return pages.render(
        request,
        "audit_reports.html",
        values=values,
        errors=[],
        report=report,
        zone=zone,
        since_day=date.fromisoformat(since_text),
        until_day=date.fromisoformat(until_text),
        search_href=search_href,
        local_day=local_day,
        who=actor_words,
    )
