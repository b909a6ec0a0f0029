"""Headers on every response, CSRF on every form, error pages and logs that leak nothing, assets from npm."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from hub.web.api.app import PREFIX as API_PREFIX
from hub.web.security import CONTENT_SECURITY_POLICY, HEADERS, checked_form
from tests.hub.web.conftest import MARKER, MY_REFERRAL, OTHERS_REFERRAL, PRACTITIONER, Served, form_token, sign_in


def assert_secured(headers: httpx.Headers, *, asset: bool = False) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, name
    assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    assert headers["cache-control"].startswith("public") if asset else headers["cache-control"] == "no-store"


def test_every_response_carries_the_security_headers(served: Served) -> None:
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    with served.client() as browser:
        for path, status in (("/signin", 200), ("/", 303), ("/no/such/page", 404), ("/assets/nothing.css", 404)):
            response = browser.get(path)
            assert response.status_code == status, path
            assert_secured(response.headers)
        wrong_method = browser.delete("/signin")
        assert wrong_method.status_code == 405 and "Sorry, that cannot be done here" in wrong_method.text
        assert_secured(wrong_method.headers)
        asset = browser.get(f"/assets/govuk-frontend.min.css?v={served.app.state.assets.version}")
        assert asset.status_code == 200
        assert_secured(asset.headers, asset=True)
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "strict-transport-security" not in asset.headers  # plain HTTP: only over HTTPS


def test_no_page_has_inline_script_or_style(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        for path in ("/signin", "/referrals", "/no/such/page"):
            html = browser.get(path).text
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert "<style" not in html and " style=" not in html, path


def test_assets_are_served_from_the_npm_install(served: Served) -> None:
    assets = served.app.state.assets
    with served.client() as browser:
        for path, installed in (
            ("/assets/govuk-frontend.min.css", assets.govuk / "govuk-frontend.min.css"),
            ("/assets/govuk-frontend.min.js", assets.govuk / "govuk-frontend.min.js"),
            ("/assets/fonts/bold-b542beb274-v2.woff2", assets.govuk / "assets" / "fonts" / "bold-b542beb274-v2.woff2"),
            ("/assets/images/favicon.svg", assets.govuk / "assets" / "images" / "favicon.svg"),
            ("/assets/moj/moj-frontend.min.css", assets.moj / "moj-frontend.min.css"),
            ("/assets/images/icon-document.svg", assets.moj / "assets" / "images" / "icon-document.svg"),
        ):
            response = browser.get(path)
            assert response.status_code == 200, path
            assert response.content == installed.read_bytes(), path
        assert browser.get("/assets/hub/js-enabled.js").headers["content-type"].startswith("text/javascript")
        assert browser.get("/assets/%2e%2e/%2e%2e/hub.db").status_code == 404
    installed = json.loads((assets.govuk.parents[1] / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == "6.3.0"  # the version govuk-frontend-jinja 4.1 ports the macros of


def test_every_state_changing_route_checks_the_form_token(served: Served) -> None:
    posts = [route for route in served.app.routes if isinstance(route, APIRoute) and route.methods - {"GET", "HEAD"}]
    assert posts
    for route in posts:
        assert checked_form in [dependency.call for dependency in route.dependant.dependencies], route.path


def test_a_form_without_its_token_is_refused_and_changes_nothing(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        refused = browser.post("/signout", data={"csrf_token": "0" * 64})
        assert refused.status_code == 403
        assert "The form was out of date, or was not sent from this service's own page" in unescape(refused.text)
        assert_secured(refused.headers)
        assert browser.get("/referrals").status_code == 200  # still signed in
    with served.client() as stranger:  # no form cookie: a sign-in posted from another site
        forged = stranger.post("/signin", data={"username": PRACTITIONER, "password": "x", "csrf_token": "1" * 64})
        assert forged.status_code == 403 and "hub-session" not in stranger.cookies


def test_the_inbox_shows_only_my_referrals_with_rag_as_words(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        inbox = browser.get("/referrals").text
    assert MY_REFERRAL in inbox and OTHERS_REFERRAL not in inbox
    assert re.search(r'<strong class="govuk-tag govuk-tag--orange">\s*Amber\s*</strong>', inbox)
    assert "Not asked" in inbox and "Checks due" in inbox


def test_personal_data_never_reaches_a_url_a_log_or_an_error_page(served: Served) -> None:
    def boom() -> None:
        raise ValueError(f"could not read {MARKER}, born 2015-03-14")

    served.app.add_api_route("/boom", boom)
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        pages = [browser.get(path) for path in ("/referrals", "/", f"/referrals?name={MARKER}", f"/x/{MARKER}")]
        failed = browser.get("/boom")
    assert failed.status_code == 500
    assert "Sorry, there is a problem with the service" in failed.text
    assert failed.headers["x-request-id"] in failed.text
    assert_secured(failed.headers)
    for response in [*pages, failed]:
        assert MARKER not in response.text
        assert all(MARKER not in href for href in re.findall(r'href="([^"]*)"', response.text))
        assert "Traceback" not in response.text and "ValueError" not in response.text
    assert served.log, "the access log is empty"
    assert all(MARKER not in line and "2015-03-14" not in line for line in served.log), served.log
    assert any(line.startswith("internal error ValueError request=") for line in served.log)
    assert any("GET (no route) 404" in line for line in served.log)


def test_an_internal_error_in_the_api_is_json_for_the_program_and_logged_by_its_route(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """A program calling the REST API gets JSON it can read, not the GOV.UK page; nothing of the error leaks."""

    def boom() -> None:
        raise ValueError(f"could not read {MARKER}, born 2015-03-14")

    [api] = [route.app for route in served.app.routes if isinstance(route, Mount) and route.path == API_PREFIX]
    assert isinstance(api, FastAPI)
    api.add_api_route("/boom", boom)
    with served.client() as program:
        failed = program.get(f"{API_PREFIX}/boom")
    assert failed.status_code == 500 and failed.headers["content-type"] == "application/json"
    answer = failed.json()
    assert answer["request_id"] == failed.headers["x-request-id"] and answer["request_id"] in answer["detail"]
    assert MARKER not in failed.text and "ValueError" not in failed.text
    assert_secured(failed.headers)
    assert any(f"GET {API_PREFIX}/boom 500" in line for line in served.log), served.log
    assert all(MARKER not in line for line in served.log)
    # No logger at all (the server's included) was handed the exception, whose traceback would quote it.
    assert not [record for record in caplog.records if record.exc_info or MARKER in record.getMessage()]


@pytest.mark.parametrize("path", ["/referrals", "/audit"])
def test_pages_of_the_application_need_a_session(served: Served, path: str) -> None:
    with served.client() as browser:
        response = browser.get(path)
    assert (response.status_code, response.headers["location"]) == (303, "/signin")


def test_signing_out_needs_the_form_token_from_the_page(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        token = form_token(browser.get("/referrals").text)
        assert browser.post("/signout", data={"csrf_token": token}).status_code == 303
