"""Referrer insight in the browser: `/insight/{report}` for each of the six reports, and its CSV.

The same reports as `hub insight REPORT` (`hub.insight.reports.run_report`), under `referral.quality`
(managers and IG), each read audited once (`insight.report` naming the report, or the quality layer's
`quality.report`), purpose `referrer_insight`. The period is a GET form (from, to, month or week), checked
to one line naming the field with nothing read; the chart is SVG drawn here (`insight_chart`), beside
tables that are its text equivalent. No page or CSV holds anything about a child.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from hub.access.permissions import Permission
from hub.deadlines.config import load_deadlines
from hub.insight.period import PeriodError, parse_period
from hub.insight.report import Report
from hub.insight.reports import NAMES, PURPOSE, REPORTS, run_report
from hub.web.pages.insight_chart import draw
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser

router = APIRouter()
FIELDS = ("from", "to", "step")


@router.get("/insight")
def index() -> Response:
    return RedirectResponse("/insight/referrers", status_code=303)


def _read(name: str, request: Request, user: SignedInUser) -> tuple[dict[str, str], PeriodError | tuple[Report, int]]:
    if name not in NAMES:
        raise HTTPException(status_code=404)
    given = {field: (request.query_params.get(field) or "").strip()[:40] for field in FIELDS}
    zone = load_deadlines(user.settings).working_calendar.zone
    with user.permit(Permission.REFERRAL_INSIGHT, purpose=PURPOSE):
        try:
            period = parse_period(given["from"], given["to"], given["step"], today=datetime.now(zone).date(), zone=zone)
        except PeriodError as error:
            return given, error
        result = run_report(name, user.store, user.settings, period, actor=user.signed.actor, now=datetime.now(UTC))
    given = {"from": period.first.isoformat(), "to": period.last.isoformat(), "step": period.step.value}
    return given, result


@router.get("/insight/{name}")
def report_page(name: str, request: Request, user: SignedInUser) -> Response:
    pages: Pages = request.app.state.pages
    values, result = _read(name, request, user)
    if isinstance(result, PeriodError):
        words = str(result)[0].upper() + str(result)[1:]
        return pages.render(
            request,
            "insight.html",
            status_code=400,
            error_list=[{"text": words, "href": f"#{result.field}"}],
            error_of={result.field: words},
            report=None,
            reports=REPORTS,
            name=name,
            values=values,
        )
    report, unrecorded = result
    return pages.render(
        request,
        "insight.html",
        reports=REPORTS,
        name=name,
        values=values,
        error_list=[],
        error_of={},
        report=report,
        drawn=None if report.chart is None else draw(report.chart),
        unrecorded=unrecorded,
        csv_href=f"/insight/{name}/csv?{urlencode(values)}",
    )


@router.get("/insight/{name}/csv")
def report_csv(name: str, request: Request, user: SignedInUser) -> Response:
    values, result = _read(name, request, user)
    if isinstance(result, PeriodError):
        return Response(f"{result}\n", status_code=400, media_type="text/plain; charset=utf-8")
    report, _ = result
    filename = f"insight-{name}-{values['from']}-to-{values['to']}.csv"
    return Response(
        report.csv,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
