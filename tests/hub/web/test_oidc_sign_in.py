"""Signing in through the council's identity provider in the browser: the real OpenID provider of
`tests/hub/access/test_oidc.py` (oidc-provider-mock on loopback), authorization code with PKCE, back to
`/signin/callback`."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from tests.hub.access.test_oidc import CLIENT_ID, PAT, ROLE_MAP, Provider
from tests.hub.access.test_oidc import provider as provider  # the module-scoped provider fixture, shared
from tests.hub.web.conftest import Served


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
