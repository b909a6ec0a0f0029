"""Signing in through the council's identity provider in the browser: the real OpenID provider of
`tests/hub/access/test_oidc.py` (oidc-provider-mock on loopback), authorization code with PKCE, back to
`/signin/callback`; and, before break-glass, signing in there again (`prompt=login`, `max_age=0`, the ID
token's `auth_time` and subject checked)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml

from hub.web.web_sessions import digest
from tests.hub.access.test_oidc import CLIENT_ID, PAT, ROLE_MAP, Provider
from tests.hub.access.test_oidc import provider as provider  # the module-scoped provider fixture, shared
from tests.hub.web.conftest import MY_REFERRAL, Served, form_token


def _configure(config_copy: Path, provider: Provider) -> None:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["oidc"] = {"issuer": provider.issuer, "client_id": CLIENT_ID, "role_map": ROLE_MAP}
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))


def test_a_person_signs_in_through_the_provider_and_lands_in_their_inbox(
    config_copy: Path, served: Served, provider: Provider
) -> None:
    _configure(config_copy, provider)
    provider.add_user("staff-0301", PAT)
    with served.client() as browser:
        assert "Sign in with your organisation" in browser.get("/signin").text
        out = browser.get("/signin/oidc")
        assert out.status_code == 303 and out.headers["location"].startswith(provider.issuer)
        assert "code_challenge_method=S256" in out.headers["location"]
        answered = httpx.post(out.headers["location"], data={"sub": "staff-0301"})  # the person at the provider
        callback = answered.headers["location"]
        assert callback.startswith(f"{served.url}/signin/callback?")
        with served.client() as other_browser:  # the same answer in a browser that did not begin the sign-in
            refused = other_browser.get(callback)
            assert refused.status_code == 400 and "did not start in this browser" in refused.text
        landed = browser.get(callback)
        assert landed.status_code == 200 and '<meta http-equiv="refresh" content="0;url=/">' in landed.text
        assert browser.get("/").headers["location"] == "/referrals"
        assert browser.get("/referrals").status_code == 200
        replayed = browser.get(callback)  # a flow is used once
        assert replayed.status_code == 400
    assert all("code=" not in line and PAT["name"] not in line for line in served.log)
    account = served.store.staff_user(PAT["preferred_username"])
    assert account is not None and account.role == "practitioner"


# --- Re-authentication before break-glass: a real round trip to the provider -----------------------------------

OTHER_PERSON = {**PAT, "preferred_username": "lee.other@council.example", "email": "lee.other@council.example"}


def _signed_in_through_provider(browser: httpx.Client, served: Served, provider: Provider, sub: str) -> None:
    out = browser.get("/signin/oidc")
    callback = httpx.post(out.headers["location"], data={"sub": sub}).headers["location"]
    assert browser.get(callback).status_code == 200


def _signed_in_long_ago(served: Served, browser: httpx.Client) -> str:
    """As if the person last proved themselves 10 minutes ago; the session's digest."""
    session = digest(browser.cookies["hub-session"])
    served.store.touch_web_session(session, datetime.now(UTC) - timedelta(minutes=10), authenticated=True)
    served.store.touch_web_session(session, datetime.now(UTC))
    return session


def _confirm(browser: httpx.Client, next_path: str = f"/open-referral/{MY_REFERRAL}") -> str:
    """Select "Confirm it is you at your organisation"; the provider's address the hub sends the browser to."""
    page = browser.get(f"/open-referral/{MY_REFERRAL}")
    assert "Confirm it is you" in page.text and 'action="/signin/again"' in page.text
    assert 'name="note"' not in page.text  # nothing typed is lost: the form comes after the round trip
    out = browser.post("/signin/again", data={"csrf_token": form_token(page.text), "next": next_path})
    assert out.status_code == 303
    return out.headers["location"]


def _refusals(served: Served) -> list[str]:
    return [e.object_id for e in served.store.audit_trail(action="session.refuse") if e.purpose.startswith("re-auth")]


def test_an_older_provider_sign_in_is_confirmed_at_the_provider_before_break_glass(
    config_copy: Path, served: Served, provider: Provider
) -> None:
    _configure(config_copy, provider)
    provider.reset()
    provider.add_user("staff-0302", PAT)
    with served.client() as browser:
        _signed_in_through_provider(browser, served, provider, "staff-0302")
        session = _signed_in_long_ago(served, browser)
        # The provider remembers a sign-in from an hour ago: only prompt=login / max_age=0 make it ask again.
        provider.remembered_since = int(time.time()) - 3600
        location = _confirm(browser)
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(provider.issuer) and query["prompt"] == ["login"] and query["max_age"] == ["0"]
        callback = httpx.post(location, data={"sub": "staff-0302"}).headers["location"]
        back = browser.get(callback)
        assert back.status_code == 200 and "You have confirmed it is you" in back.text
        assert f'<meta http-equiv="refresh" content="0;url=/open-referral/{MY_REFERRAL}">' in back.text
        form = browser.get(f"/open-referral/{MY_REFERRAL}")
        assert (
            'name="note"' in form.text and 'name="password"' not in form.text and "Confirm it is you" not in form.text
        )
        assert browser.get(callback).status_code == 400  # the flow is used once
    record = served.store.web_session(session)
    assert record is not None and datetime.now(UTC) - record.authenticated_at < timedelta(minutes=1)
    assert provider.authorize_requests[-1]["prompt"] == "login" and _refusals(served) == []
    assert all("code=" not in line and PAT["name"] not in line for line in served.log)


def test_someone_else_signing_in_at_the_provider_is_refused_and_audited(
    config_copy: Path, served: Served, provider: Provider
) -> None:
    _configure(config_copy, provider)
    provider.reset()
    provider.add_user("staff-0303", PAT)
    provider.add_user("staff-0304", OTHER_PERSON)
    with served.client() as browser:
        _signed_in_through_provider(browser, served, provider, "staff-0303")
        session = _signed_in_long_ago(served, browser)
        callback = httpx.post(_confirm(browser), data={"sub": "staff-0304"}).headers["location"]
        refused = browser.get(callback)
        assert refused.status_code == 403 and "Someone else signed in" in refused.text
        assert "You have not confirmed it is you" in refused.text
        assert f'href="/open-referral/{MY_REFERRAL}"' in refused.text
        assert "Confirm it is you" in browser.get(f"/open-referral/{MY_REFERRAL}").text  # still not confirmed
    record = served.store.web_session(session)
    assert record is not None and datetime.now(UTC) - record.authenticated_at > timedelta(minutes=9)
    assert _refusals(served) == [PAT["preferred_username"]]
    assert all(OTHER_PERSON["email"] not in line for line in served.log)


def test_a_provider_that_does_not_sign_the_person_in_again_is_refused(
    config_copy: Path, served: Served, provider: Provider
) -> None:
    _configure(config_copy, provider)
    provider.reset()
    provider.add_user("staff-0305", PAT)
    with served.client() as browser:
        _signed_in_through_provider(browser, served, provider, "staff-0305")
        _signed_in_long_ago(served, browser)
        for misbehaving in ("ignores_prompt", "omits_auth_time"):
            provider.reset()
            provider.remembered_since = int(time.time()) - 3600
            setattr(provider, misbehaving, True)
            callback = httpx.post(_confirm(browser), data={"sub": "staff-0305"}).headers["location"]
            refused = browser.get(callback)
            assert refused.status_code == 400 and "did not ask you to sign in again" in refused.text, misbehaving
            assert "Go back and try again" in refused.text
            assert "Confirm it is you" in browser.get(f"/open-referral/{MY_REFERRAL}").text
    assert _refusals(served) == [PAT["preferred_username"]] * 2
    provider.reset()


def test_re_authentication_returns_only_to_the_hubs_own_pages(
    config_copy: Path, served: Served, provider: Provider
) -> None:
    _configure(config_copy, provider)
    provider.reset()
    provider.add_user("staff-0306", PAT)
    with served.client() as browser:
        _signed_in_through_provider(browser, served, provider, "staff-0306")
        for elsewhere in ("//evil.example/open-referral", "https://evil.example/", "/\\evil.example", "/a/../b"):
            _signed_in_long_ago(served, browser)
            callback = httpx.post(_confirm(browser, elsewhere), data={"sub": "staff-0306"}).headers["location"]
            back = browser.get(callback)
            assert '<meta http-equiv="refresh" content="0;url=/">' in back.text and "evil" not in back.text
