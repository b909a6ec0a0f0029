"""Signing in and out in the browser: the hub's accounts, one-line refusals, throttling, timeouts and cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import yaml
from sqlalchemy import update

from hub.access.sessions import REFUSED
from hub.settings import HubSettings
from hub.store.access_tables import WebPendingSignInRow, WebSessionRow
from hub.web.app import create_app
from hub.web.assets import Assets
from tests.hub.web.conftest import IG, PRACTITIONER, Served, form_token, over_https, seed, sign_in
from tests.staff import PASSWORD, add_staff


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


# --- The authenticator code: a second step, on a page of its own ---------------------------------------------

TOTP_USER = "tess.totp"


def _with_totp(served: Served) -> str:
    secret = add_staff(served.store, TOTP_USER, "practitioner", totp=True)
    assert secret is not None
    return secret


def _code(secret: str, seconds_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=seconds_ahead))


def _password_step(browser: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = browser.get("/signin")
    return browser.post(
        "/signin", data={"csrf_token": form_token(page.text), "username": username, "password": password}
    )


def test_a_right_password_alone_opens_nothing_when_the_account_has_a_code(served: Served) -> None:
    secret = _with_totp(served)
    with served.client() as browser:
        page = browser.get("/signin")
        assert 'name="code"' not in page.text  # the first step asks for the username and password only
        first = _password_step(browser, TOTP_USER)
        assert (first.status_code, first.headers["location"]) == (303, "/signin/code")
        assert "hub-session" not in browser.cookies and "hub-pending" in browser.cookies
        assert browser.get("/referrals").headers["location"] == "/signin"  # a pending sign-in is no session
        step = browser.get("/signin/code")
        assert step.status_code == 200 and "Enter the code from your authenticator app" in step.text
        assert 'autocomplete="one-time-code"' in step.text and 'inputmode="numeric"' in step.text
        assert [e for e in served.store.audit_trail(action="session.start") if e.object_id == TOTP_USER] == []
        signed_in = browser.post("/signin/code", data={"csrf_token": form_token(step.text), "code": _code(secret)})
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/")
        assert "hub-pending" not in browser.cookies
        assert browser.get("/referrals").status_code == 200
    [started] = [e for e in served.store.audit_trail(action="session.start") if e.object_id == TOTP_USER]
    assert started.actor == f"user:{TOTP_USER}"


def test_the_password_step_says_the_same_for_every_wrong_password(served: Served) -> None:
    _with_totp(served)
    with served.client() as browser:
        for username in (TOTP_USER, PRACTITIONER, "nobody.here"):
            refused = _password_step(browser, username, password="not the right passphrase")
            assert refused.status_code == 400 and refused.text.count(REFUSED) == 1
            assert "hub-pending" not in browser.cookies and "authenticator" not in refused.text


def test_a_wrong_code_is_refused_audited_and_counted_and_the_pending_sign_in_is_used_once(served: Served) -> None:
    secret = _with_totp(served)
    with served.client() as browser:
        _password_step(browser, TOTP_USER)
        pending = browser.cookies["hub-pending"]
        token = form_token(browser.get("/signin/code").text)
        empty = browser.post("/signin/code", data={"csrf_token": token, "code": ""})
        assert empty.status_code == 400 and "Enter the code from your authenticator app" in empty.text
        assert 'href="#code"' in empty.text and "govuk-error-message" in empty.text
        wrong_code = f"{(int(_code(secret)) + 1) % 1_000_000:06d}"
        wrong = browser.post("/signin/code", data={"csrf_token": token, "code": wrong_code})
        assert wrong.status_code == 400 and "The code is not right" in wrong.text
        assert browser.cookies["hub-pending"] != pending  # each attempt takes the pending sign-in; a new one to retry
        with served.client() as replay:  # the used pending sign-in, kept by someone, opens nothing
            replay.cookies.set("hub-pending", pending)
            replay.cookies.set("hub-form", browser.cookies["hub-form"])
            stale = replay.post("/signin/code", data={"csrf_token": token, "code": _code(secret)})
            assert stale.status_code == 400 and "Start again" in stale.text and "hub-session" not in replay.cookies
        assert browser.post("/signin/code", data={"csrf_token": token, "code": _code(secret)}).status_code == 303
    account = served.store.staff_user(TOTP_USER)
    assert account is not None and account.failed_sign_ins == 0  # the sign-in that passed cleared the count
    refused = [e for e in served.store.audit_trail(action="session.refuse") if e.object_id == TOTP_USER]
    assert len(refused) == 1 and refused[0].actor == "unverified:web"


def test_a_used_code_cannot_be_used_again(served: Served) -> None:
    secret = _with_totp(served)
    code = _code(secret)
    with served.client() as browser:
        assert sign_in(browser, TOTP_USER, code=code).headers["location"] == "/"
    with served.client() as someone_else:  # the same password and the same code, seen over a shoulder
        replayed = sign_in(someone_else, TOTP_USER, code=code)
        assert replayed.status_code == 400 and "The code is not right" in replayed.text
        assert "hub-session" not in someone_else.cookies


def test_three_wrong_codes_send_the_person_back_to_the_password(served: Served) -> None:
    _with_totp(served)
    with served.client() as browser:
        _password_step(browser, TOTP_USER)
        token = form_token(browser.get("/signin/code").text)
        answers = [browser.post("/signin/code", data={"csrf_token": token, "code": "000000"}) for _ in range(3)]
        assert [a.status_code for a in answers] == [400, 400, 400]
        assert "Start again" in answers[2].text and "hub-pending" not in browser.cookies
        assert browser.get("/signin/code").headers["location"] == "/signin"


def test_a_pending_sign_in_lapses_after_five_minutes(served: Served) -> None:
    secret = _with_totp(served)
    with served.client() as browser:
        _password_step(browser, TOTP_USER)
        token = form_token(browser.get("/signin/code").text)
        with served.store.engine.begin() as connection:
            connection.execute(update(WebPendingSignInRow).values(started_at=datetime.now(UTC) - timedelta(minutes=6)))
        late = browser.post("/signin/code", data={"csrf_token": token, "code": _code(secret)})
        assert late.status_code == 400 and "more than 5 minutes" in late.text
        assert "hub-session" not in browser.cookies


def test_wrong_codes_count_towards_the_address_throttle(hub_home: Path, config_copy: Path, web_assets: Assets) -> None:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["sessions"]["address_limit"] = 2
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))
    app = create_app(HubSettings.from_env(), assets=web_assets)
    seed(app.state.store)
    secret = add_staff(app.state.store, TOTP_USER, "practitioner", totp=True)
    assert secret is not None
    with over_https(app, client=("198.51.100.9", 40000)) as browser:
        for _ in range(2):
            assert sign_in(browser, TOTP_USER, code="000000").status_code == 400
        throttled = sign_in(browser, TOTP_USER)
        assert throttled.status_code == 429 and "Too many failed sign-ins from this computer" in throttled.text
    app.state.store.close()


def test_signing_in_with_a_code_over_an_earlier_session_ends_that_session(served: Served) -> None:
    secret = _with_totp(served)
    with served.client() as browser:
        sign_in(browser, PRACTITIONER)
        earlier = browser.cookies["hub-session"]
        assert sign_in(browser, TOTP_USER, code=_code(secret)).headers["location"] == "/"
        assert browser.cookies["hub-session"] != earlier
    with served.client() as replay:
        replay.cookies.set("hub-session", earlier)
        assert replay.get("/referrals").headers["location"] == "/signin?ended=1"
