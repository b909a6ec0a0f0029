"""Signing in and out in the browser: the hub's accounts, one-line refusals, throttling, timeouts and cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import update

from hub.access.sessions import REFUSED
from hub.settings import HubSettings
from hub.store.access_tables import WebSessionRow
from hub.web.app import create_app
from hub.web.assets import Assets
from tests.hub.web.conftest import IG, PRACTITIONER, Served, form_token, over_https, seed, sign_in


def test_signing_in_starts_a_session_and_sends_each_role_home(served: Served) -> None:
    with served.client() as browser:
        signed_in = sign_in(browser, PRACTITIONER)
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
        assert browser.get("/").headers["location"] == "/referrals"
        assert browser.get("/referrals").status_code == 200
    with served.client() as browser:
        sign_in(browser, IG)
        assert browser.get("/").headers["location"] == "/audit"
        page = browser.get("/audit")
        assert page.status_code == 200 and '<h1 class="govuk-heading-l">Search the audit trail</h1>' in page.text
        # An IG officer holds no referral list: the inbox is refused with the guard's words, and audited.
        refused = browser.get("/referrals")
        assert refused.status_code == 403 and "You cannot do that" in refused.text


def test_a_wrong_password_gets_one_line_that_does_not_say_which_part_was_wrong(served: Served) -> None:
    with served.client() as browser:
        refused = sign_in(browser, PRACTITIONER, password="not the right passphrase")
        assert refused.status_code == 400
        assert 'class="govuk-error-summary"' in refused.text
        assert refused.text.count(REFUSED) == 1
        assert "hub-session" not in browser.cookies
        unknown = sign_in(browser, "nobody.here", password="not the right passphrase")
        assert unknown.text.count(REFUSED) == 1  # the same words for an account that does not exist
        assert browser.get("/referrals").headers["location"] == "/signin"


def test_empty_fields_are_named_without_trying_to_sign_in(served: Served) -> None:
    with served.client() as browser:
        refused = sign_in(browser, "", password="")
        assert refused.status_code == 400
        assert "Enter your username" in refused.text and "Enter your password" in refused.text
    account = served.store.staff_user(PRACTITIONER)
    assert account is not None and account.failed_sign_ins == 0


def test_failures_from_one_address_are_limited_across_accounts(
    hub_home: Path, config_copy: Path, web_assets: Assets
) -> None:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["sessions"]["address_limit"] = 2
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))
    app = create_app(HubSettings.from_env(), assets=web_assets)
    seed(app.state.store)
    with over_https(app, client=("198.51.100.7", 40000)) as browser:
        assert sign_in(browser, "first.guess", password="wrong passphrase one").status_code == 400
        assert sign_in(browser, "second.guess", password="wrong passphrase two").status_code == 400
        throttled = sign_in(browser, PRACTITIONER)  # even the right password, from this address, for a while
        assert throttled.status_code == 429
        assert "Too many failed sign-ins from this computer. Wait 15 minutes" in throttled.text
    with over_https(app, client=("198.51.100.8", 40000)) as browser:
        assert sign_in(browser, PRACTITIONER).status_code == 303
    app.state.store.close()


def test_a_session_ends_after_its_idle_time(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        assert browser.get("/referrals").status_code == 200
        idle = datetime.now(UTC) - timedelta(minutes=31)
        with served.store.engine.begin() as connection:
            connection.execute(update(WebSessionRow).values(last_used_at=idle))
        ended = browser.get("/referrals")
        assert (ended.status_code, ended.headers["location"]) == (303, "/signin?ended=1")
        assert "Your session has ended" in browser.get("/signin?ended=1").text


def test_a_session_ends_when_the_account_is_disabled(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        served.store.change_staff_user(PRACTITIONER, active=False, actor="service:test", purpose="test")
        assert browser.get("/referrals").headers["location"] == "/signin?ended=1"


def test_signing_out_ends_the_session_for_good(served: Served) -> None:
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        cookie = browser.cookies["hub-session"]
        page = browser.get("/referrals")
        signed_out = browser.post("/signout", data={"csrf_token": form_token(page.text)})
        assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/signin?signed_out=1")
        assert "hub-session" not in browser.cookies
    with served.client() as replay:  # the old cookie, kept by someone: the session has ended
        replay.cookies.set("hub-session", cookie)
        assert replay.get("/referrals").headers["location"] == "/signin?ended=1"
    events = [line for line in served.log if "/signout" in line]
    assert events and " 303 " in events[0]


def test_cookies_are_host_only_secure_httponly_and_strict_over_https(hub_home: Path, web_assets: Assets) -> None:
    app = create_app(HubSettings.from_env(), assets=web_assets)
    seed(app.state.store)
    with over_https(app) as browser:
        form = browser.get("/signin")
        assert "Strict-Transport-Security" in form.headers
        signed_in = sign_in(browser, PRACTITIONER)
        cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith("__Host-hub-session="))
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "secure", "path", "samesite", "max-age"} <= attributes and "domain" not in attributes
        assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()
        assert browser.get("/referrals").status_code == 200
    app.state.store.close()
