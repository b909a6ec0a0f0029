"""Pages from templates: the hub's own (`hub/web/templates`) and GOV.UK Frontend's macros (govuk-frontend-jinja).

Every page extends `layout.html` (the GOV.UK page template, without its inline script) and gets the same
context: who is signed in, the form token for CSRF, the assets' version for cache-busting and the
request id. Autoescaping is on for every template, so stored text can never become markup.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

SERVICE_NAME = "MASH Hub"


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("hub.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = _clock
    env.filters["error_link"] = _error_link
    return env


def _error_link(error: tuple[str, str]) -> dict[str, str]:
    """An error summary item from (field, message): linked to its field, or to the form's first for the form."""
    field, message = error
    return {"text": message, "href": f"#{field or 'username'}"}


def _clock(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """`2 Nov 2026, 9:15am` in the council's time zone (GOV.UK style for dates and times)."""
    if moment is None:
        return "not set"
    local = moment.astimezone(zone) if zone is not None else moment
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%b %Y}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


class Pages:
    """Renders a template into a response with the context every page shares."""

    def __init__(self, asset_version: str) -> None:
        self.env = environment()
        self.asset_version = asset_version

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        state = request.state
        shared = {
            "service_name": SERVICE_NAME,
            "asset_version": self.asset_version,
            "csrf_token": getattr(state, "csrf_token", ""),
            "user": getattr(state, "user", None),
            "request_id": getattr(state, "request_id", ""),
            "current_path": request.url.path,
        }
        html = self.env.get_template(template).render(**shared, **context)
        return HTMLResponse(html, status_code=status_code)

    def render_error(self, status_code: int, request_id: str) -> bytes:
        """An error page without a request object (the security middleware's 500): nothing but the request id."""
        page = self.env.get_template("error.html").render(
            service_name=SERVICE_NAME,
            asset_version=self.asset_version,
            request_id=request_id,
            user=None,
            csrf_token="",
            current_path="",
            **ERRORS[status_code],
        )
        return page.encode("utf-8")


ERRORS: dict[int, dict[str, str]] = {
    400: {
        "title": "Sorry, there is a problem with that request",
        "advice": "Go back and try again. If you typed the web address, check it is correct.",
    },
    403: {
        "title": "You cannot do that",
        "advice": "Go back to the start and try again. If you think you should be able to, ask your manager.",
    },
    404: {
        "title": "Page not found",
        "advice": "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
    },
    405: {
        "title": "Sorry, that cannot be done here",
        "advice": "Go back to the start and use the links and buttons on the pages.",
    },
    429: {
        "title": "Too many attempts",
        "advice": "Wait a few minutes, then try again.",
    },
    500: {
        "title": "Sorry, there is a problem with the service",
        "advice": "Try again later. If it keeps happening, tell the hub's administrators the reference below.",
    },
}
"""Each error page's heading and advice: fixed words, never anything from the request or the data."""
