"""OpenID Connect sign-in, end to end against a real OpenID provider (oidc-provider-mock) on loopback.

The provider runs in this process on a free port; `sign_in` discovers it, opens its loopback listener,
and the test's `open_url` plays the person at the browser: it submits the provider's authorization form
for a synthetic member of staff and follows the redirect back to the listener. Token checks the provider
cannot be made to get wrong (expired, badly signed, `alg: none`) are unit tests of
`identity_from_id_token` with a key generated here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import flask
import httpx
import oidc_provider_mock  # type: ignore[import-untyped]
import pytest
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from hub.access.oidc import OidcSettings, identity_from_id_token, sign_in
from hub.errors import UserError

CLIENT_ID = "mash-hub-test"
ROLE_MAP = {"MASH.Practitioner": "practitioner", "MASH.Manager": "manager"}
# A synthetic member of staff; none of these may appear in an error message.
PAT = {
    "preferred_username": "pat.example@council.example",
    "email": "pat.example@council.example",
    "name": "Pat Example",
    "roles": ["MASH.Practitioner", "Payroll.Viewer"],
}
PERSONAL = ("pat.example", "Pat Example", "Payroll.Viewer", "MASH.Practitioner")


@dataclass
class Provider:
    """The running provider, and what its token endpoint was sent (for the PKCE and client-auth checks).

    oidc-provider-mock 0.3 asks for the person every time and puts no `auth_time` in its ID tokens, so this
    provider adds one, modelling a provider that remembers a sign-in (`remembered_since`, Unix seconds):
    asked with `prompt=login` or `max_age=0` it signs the person in afresh (`auth_time` is now), otherwise it
    vouches for the remembered sign-in. `ignores_prompt` makes it reuse that sign-in even when asked not to,
    and `omits_auth_time` leaves the claim out, as some providers do. `authorize_requests` is what each
    authorization request asked for.
    """

    issuer: str
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    remembered_since: int | None = None
    ignores_prompt: bool = False
    omits_auth_time: bool = False
    auth_times: dict[str, int | None] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget how an earlier test made the provider behave (the provider is shared by a module)."""
        self.remembered_since, self.ignores_prompt, self.omits_auth_time = None, False, False
        self.authorize_requests.clear()

    def auth_time_now(self, asked: dict[str, str]) -> int | None:
        """The `auth_time` for a code issued now, for an authorization request that asked `asked`."""
        if self.omits_auth_time:
            return None
        fresh = asked.get("prompt") == "login" or asked.get("max_age") == "0"
        if self.remembered_since is not None and (self.ignores_prompt or not fresh):
            return self.remembered_since
        return int(time.time())

    def add_user(self, sub: str, claims: dict[str, Any]) -> None:
        response = httpx.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims)
        assert response.status_code == 204, response.text

    def settings(self, **overrides: Any) -> OidcSettings:
        return OidcSettings.from_mapping(
            {"issuer": self.issuer, "client_id": CLIENT_ID, "role_map": ROLE_MAP, **overrides}
        )


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with pytest.MonkeyPatch.context() as patch:
        # oidc-provider-mock takes public clients (no secret, PKCE only) from 0.4.3, which needs Python 3.12;
        # on 3.11 it is 0.3.x, so let its code grant accept them the way 0.4.3 does.
        grant = oidc_provider_mock._app.AuthorizationCodeGrant
        if "none" not in grant.TOKEN_ENDPOINT_AUTH_METHODS:
            patch.setattr(grant, "TOKEN_ENDPOINT_AUTH_METHODS", ["client_secret_basic", "client_secret_post", "none"])
        running = Provider(issuer="")
        issue_code = grant.save_authorization_code

        def save_authorization_code(self: Any, code: str, request: Any) -> None:
            issue_code(self, code, request)
            running.auth_times[code] = running.auth_time_now(dict(flask.request.args))

        patch.setattr(grant, "save_authorization_code", save_authorization_code)
        patch.setattr(
            oidc_provider_mock._storage.AuthorizationCode,
            "get_auth_time",
            lambda self: running.auth_times.get(self.code),
        )
        # authlib stamps `auth_time` with the token's own time unless the code has one: only the code's, here.
        extension = oidc_provider_mock._app.OpenIDCode
        claims_of = extension.get_compatible_claims

        def without_default_auth_time(self: Any, request: Any) -> dict[str, Any]:
            claims: dict[str, Any] = claims_of(self, request)
            claims.pop("auth_time", None)
            return claims

        patch.setattr(extension, "get_compatible_claims", without_default_auth_time)
        yield from _running_provider(running)


def _running_provider(running: Provider) -> Iterator[Provider]:
    app = oidc_provider_mock.app(require_nonce=True)

    def record_token_request() -> None:
        if flask.request.path == "/oauth2/token":
            running.token_requests.append(
                {**flask.request.form, "authorization": flask.request.headers.get("Authorization", "")}
            )
        if flask.request.path == "/oauth2/authorize" and flask.request.method == "POST":
            running.authorize_requests.append(dict(flask.request.args))

    app.before_request(record_token_request)

    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    running.issuer = f"http://127.0.0.1:{server.server_port}"
    yield running
    server.shutdown()
    thread.join()
    server.server_close()


@dataclass
class Browser:
    """Plays the person at the browser: `open_url` for `sign_in`, with ways to misbehave."""

    sub: str
    deny: bool = False
    forge_state: bool = False
    stray_request_first: bool = False
    opened: list[str] = field(default_factory=list)

    def open_url(self, url: str) -> None:
        self.opened.append(url)
        form = {"action": "deny"} if self.deny else {"sub": self.sub}
        answer = httpx.post(url, data=form)
        assert answer.status_code == 302, answer.text
        callback = answer.headers["location"]
        if self.forge_state:
            callback = re.sub(r"state=[^&]+", "state=forged-by-another-page", callback)
        if self.stray_request_first:  # a browser asks for the icon too; that is not the callback
            assert httpx.get(callback.split("/callback")[0] + "/favicon.ico").status_code == 404
        httpx.get(callback)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def assert_no_personal_data(error: pytest.ExceptionInfo[UserError]) -> None:
    message = str(error.value)
    assert "\n" not in message
    for value in PERSONAL:
        assert value not in message


# --- End to end through the provider ----------------------------------------------------------------


def test_signs_in_with_roles_from_claims_mapped_through_role_map(
    provider: Provider, capfd: pytest.CaptureFixture[str]
) -> None:
    provider.add_user("staff-0001", PAT)
    browser = Browser("staff-0001", stray_request_first=True)

    identity = sign_in(provider.settings(), open_url=browser.open_url, timeout=10)

    assert identity.issuer == provider.issuer
    assert identity.subject == "staff-0001"
    assert identity.username == "pat.example@council.example"
    assert identity.display_name == "Pat Example"
    assert identity.roles == {"practitioner"}  # Payroll.Viewer is not in role_map: ignored
    assert identity.claims_roles == {"MASH.Practitioner", "Payroll.Viewer"}

    # The request was a PKCE (S256) authorization code request with state and nonce, redirecting to a
    # loopback listener, and the token request proved the verifier behind the challenge.
    (url,) = browser.opened
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert set(query["scope"].split()) == {"openid", "profile", "email"}
    redirect = urlsplit(query["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    token_request = provider.token_requests[-1]
    verifier_hash = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(verifier_hash).rstrip(b"=").decode() == query["code_challenge"]
    assert token_request["client_id"] == CLIENT_ID and token_request["authorization"] == ""  # public client

    # The listener took its one callback and is gone; it logged nothing (its request line holds the code).
    with pytest.raises(httpx.ConnectError):
        httpx.get(query["redirect_uri"])
    assert "/callback?" not in capfd.readouterr().err


def test_confidential_client_authenticates_with_the_secret_from_its_environment_variable(
    provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider.add_user("staff-0002", PAT)
    settings = provider.settings(client_secret_env="HUB_TEST_OIDC_SECRET")
    monkeypatch.delenv("HUB_TEST_OIDC_SECRET", raising=False)
    with pytest.raises(UserError, match=r"Set the environment variable HUB_TEST_OIDC_SECRET"):
        sign_in(settings, open_url=Browser("staff-0002").open_url, timeout=10)

    monkeypatch.setenv("HUB_TEST_OIDC_SECRET", "synthetic-secret")
    identity = sign_in(settings, open_url=Browser("staff-0002").open_url, timeout=10)

    assert identity.roles == {"practitioner"}
    expected = base64.b64encode(f"{CLIENT_ID}:synthetic-secret".encode()).decode()
    assert provider.token_requests[-1]["authorization"] == f"Basic {expected}"


def test_roles_can_come_from_userinfo_as_objects_cis2_style(provider: Provider) -> None:
    rbac = [{"person_roleid": "555000000001", "role_code": "S0010:G0020:R8000", "org_code": "X99"}]
    provider.add_user("staff-0003", {"name": "Sam Example", "uid": "555000000001", "nhsid_nrbac_roles": rbac})
    settings = provider.settings(
        username_claim="uid",
        roles_claim="nhsid_nrbac_roles",
        roles_claim_key="role_code",
        claims_from_userinfo=True,
        role_map={"S0010:G0020:R8000": "practitioner"},
    )

    identity = sign_in(settings, open_url=Browser("staff-0003").open_url, timeout=10)

    assert (identity.username, identity.roles) == ("555000000001", frozenset({"practitioner"}))


def test_a_person_with_no_mapped_role_is_refused(provider: Provider) -> None:
    provider.add_user("staff-0004", {**PAT, "roles": ["Payroll.Viewer"]})

    with pytest.raises(UserError, match=r"no MASH Hub role.*oidc\.role_map") as error:
        sign_in(provider.settings(), open_url=Browser("staff-0004").open_url, timeout=10)
    assert_no_personal_data(error)


def test_an_answer_with_another_state_is_refused_and_its_code_never_exchanged(provider: Provider) -> None:
    provider.add_user("staff-0005", PAT)
    exchanges = len(provider.token_requests)

    with pytest.raises(UserError, match=r"state mismatch") as error:
        sign_in(provider.settings(), open_url=Browser("staff-0005", forge_state=True).open_url, timeout=10)
    assert_no_personal_data(error)
    assert len(provider.token_requests) == exchanges


def test_cancelling_at_the_provider_says_so(provider: Provider) -> None:
    with pytest.raises(UserError, match=r"cancelled or refused at the identity provider \(access_denied\)"):
        sign_in(provider.settings(), open_url=Browser("staff-0006", deny=True).open_url, timeout=10)


def test_no_answer_in_time_gives_up_and_closes_the_listener(provider: Provider) -> None:
    opened: list[str] = []
    started = time.monotonic()

    with pytest.raises(UserError, match=r"No answer from the identity provider within 0.3 s"):
        sign_in(provider.settings(), open_url=opened.append, timeout=0.3)
    assert time.monotonic() - started < 3
    redirect_uri = parse_qs(urlsplit(opened[0]).query)["redirect_uri"][0]
    with pytest.raises(httpx.ConnectError):
        httpx.get(redirect_uri)


def test_provider_down_is_a_clear_error() -> None:
    issuer = f"http://127.0.0.1:{free_port()}"
    settings = OidcSettings.from_mapping({"issuer": issuer, "client_id": CLIENT_ID, "role_map": ROLE_MAP})
    opened: list[str] = []

    with pytest.raises(UserError, match=rf"^Cannot reach the identity provider at {issuer} \(ConnectError\)"):
        sign_in(settings, open_url=opened.append, timeout=10)
    assert opened == []  # nothing was shown to the person


def test_an_issuer_that_differs_from_the_discovery_document_is_refused(provider: Provider) -> None:
    settings = provider.settings(issuer=provider.issuer + "/")

    with pytest.raises(UserError, match=r"names a different issuer; set oidc\.issuer"):
        sign_in(settings, open_url=Browser("staff-0007").open_url, timeout=10)


def test_an_id_token_issued_to_another_application_is_refused(provider: Provider) -> None:
    """A real token from the provider, for a client other than the hub's, validated as the hub would."""
    provider.add_user("staff-0008", PAT)
    redirect_uri = "http://127.0.0.1:9/callback"
    authorize = httpx.post(
        f"{provider.issuer}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": "another-app",
            "redirect_uri": redirect_uri,
            "scope": "openid profile",
            "state": "s",
            "nonce": "n-1",
        },
        data={"sub": "staff-0008"},
    )
    code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
    tokens = httpx.post(
        f"{provider.issuer}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=("another-app", "its-secret"),
    ).json()
    jwks = httpx.get(f"{provider.issuer}/jwks").json()

    assert identity_from_id_token(
        provider.settings(client_id="another-app"), tokens["id_token"], nonce="n-1", jwks=jwks
    ).roles == {"practitioner"}
    with pytest.raises(UserError, match=r"issued to another application, not this hub's oidc\.client_id") as error:
        identity_from_id_token(provider.settings(), tokens["id_token"], nonce="n-1", jwks=jwks)
    assert_no_personal_data(error)


# --- The pure validation, with a key made here ------------------------------------------------------

ISSUER = "https://login.council.example/tenant/v2.0"
KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
JWKS = KeySet([KEY]).as_dict()
NONCE = "nonce-for-this-sign-in"


def local_settings(**overrides: Any) -> OidcSettings:
    return OidcSettings.from_mapping({"issuer": ISSUER, "client_id": CLIENT_ID, "role_map": ROLE_MAP, **overrides})


def id_token(key: RSAKey = KEY, alg: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "staff-0100", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": NONCE}
    claims.update(PAT)
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])


def test_a_valid_token_gives_the_identity() -> None:
    identity = identity_from_id_token(local_settings(), id_token(), nonce=NONCE, jwks=JWKS)

    assert (identity.issuer, identity.subject, identity.roles) == (ISSUER, "staff-0100", frozenset({"practitioner"}))


def test_username_falls_back_to_email_and_display_name_to_username() -> None:
    token = id_token(preferred_username=None, name=None)

    identity = identity_from_id_token(local_settings(), token, nonce=NONCE, jwks=JWKS)

    assert identity.username == identity.display_name == "pat.example@council.example"


def unsigned(claims_token: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    return f"{header}.{claims_token.split('.')[1]}."


REFUSALS: dict[str, tuple[Callable[[], str], str]] = {
    "expired": (lambda: id_token(iat=int(time.time()) - 900, exp=int(time.time()) - 600), r"has expired"),
    "expired beyond the skew": (lambda: id_token(exp=int(time.time()) - 61), r"has expired.*skew 60 s"),
    "issued in the future": (lambda: id_token(iat=int(time.time()) + 600), r"dated in the future"),
    "signed by another key, same kid": (
        lambda: id_token(key=RSAKey.generate_key(2048, parameters={"kid": "key-1"})),
        r"signature does not verify",
    ),
    "signed by an unknown key": (
        lambda: id_token(key=RSAKey.generate_key(2048, parameters={"kid": "key-2"})),
        r"signature does not verify",
    ),
    "alg none": (lambda: unsigned(id_token()), r"signed with an algorithm the hub does not accept"),
    "HMAC with a shared secret": (
        lambda: jwt.encode({"alg": "HS256"}, {"sub": "x"}, OctKey.generate_key(256), algorithms=["HS256"]),
        r"signed with an algorithm the hub does not accept",
    ),
    "another audience": (lambda: id_token(aud="another-app"), r"issued to another application"),
    "another issuer": (lambda: id_token(iss="https://evil.example"), r"issued by another provider"),
    "another sign-in's nonce": (lambda: id_token(nonce="replayed"), r"nonce mismatch"),
    "no nonce": (lambda: id_token(nonce=None), r"lacks its required 'nonce' claim"),
    "no exp": (lambda: id_token(exp=None), r"lacks its required 'exp' claim"),
    "garbage": (lambda: "not.a.token", r"not a valid ID token"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_token_is_refused_with_a_clear_line(case: str) -> None:
    make_token, message = REFUSALS[case]

    with pytest.raises(UserError, match=message) as error:
        identity_from_id_token(local_settings(), make_token(), nonce=NONCE, jwks=JWKS)
    assert_no_personal_data(error)


def test_clock_skew_within_the_allowance_is_accepted() -> None:
    token = id_token(exp=int(time.time()) - 30, iat=int(time.time()) - 330)

    assert identity_from_id_token(local_settings(), token, nonce=NONCE, jwks=JWKS).subject == "staff-0100"
    with pytest.raises(UserError, match=r"has expired.*skew 0 s"):
        identity_from_id_token(local_settings(allowed_clock_skew=0), token, nonce=NONCE, jwks=JWKS)


def test_userinfo_about_another_account_is_refused() -> None:
    with pytest.raises(UserError, match=r"user information is about another account"):
        identity_from_id_token(local_settings(), id_token(), nonce=NONCE, jwks=JWKS, userinfo={"sub": "other"})


def test_roles_from_userinfo_objects_ignore_other_shapes() -> None:
    settings = local_settings(roles_claim="nhsid_nrbac_roles", roles_claim_key="role_code")
    userinfo = {
        "sub": "staff-0100",
        "nhsid_nrbac_roles": [{"role_code": "MASH.Manager"}, "MASH.Practitioner", {"role_code": 7}, {}],
    }

    identity = identity_from_id_token(settings, id_token(roles=None), nonce=NONCE, jwks=JWKS, userinfo=userinfo)

    assert identity.roles == {"manager"} and identity.claims_roles == {"MASH.Manager"}


# --- Settings ---------------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = local_settings()

    assert settings.scopes == ("openid", "profile", "email")
    assert (settings.username_claim, settings.roles_claim, settings.allowed_clock_skew) == (
        "preferred_username",
        "roles",
        60,
    )
    assert settings.client_secret_env is None and settings.client_secret() is None
    assert local_settings(scopes="openid profile").scopes == ("openid", "profile")
    for test_provider in ("http://127.0.0.1:9400", "http://[::1]:9400", "http://localhost:9400"):
        assert local_settings(issuer=test_provider).issuer == test_provider


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": None}, r"^oidc\.client_id: is required"),
        ({"issuer": "http://login.council.example"}, r"^oidc\.issuer: must be an https:// URL"),
        ({"issuer": "login.council.example"}, r"^oidc\.issuer: must be an https:// URL"),
        ({"scopes": "profile email"}, r"^oidc\.scopes: must include openid"),
        ({"role_map": {}}, r"^oidc\.role_map: must map at least one claim value"),
        ({"client_secret_env": "s3cr3t value!"}, r"^oidc\.client_secret_env: must be the name of an environment"),
        ({"allowed_clock_skew": 3600}, r"^oidc\.allowed_clock_skew: must be at most 300"),
        ({"role_claim": "roles"}, r"^oidc\.role_claim: unknown setting"),
    ],
)
def test_invalid_settings_are_one_line_naming_the_field(overrides: dict[str, Any], message: str) -> None:
    section = {"issuer": ISSUER, "client_id": CLIENT_ID, "role_map": ROLE_MAP, **overrides}
    section = {name: value for name, value in section.items() if value is not None}  # None: left out

    with pytest.raises(UserError, match=message) as error:
        OidcSettings.from_mapping(section)
    assert "\n" not in str(error.value) and "s3cr3t" not in str(error.value)


def test_role_map_may_name_only_known_hub_roles() -> None:
    section = {"issuer": ISSUER, "client_id": CLIENT_ID, "role_map": {"MASH.Boss": "overlord"}}

    with pytest.raises(UserError, match=r"^oidc\.role_map: maps to unknown hub roles \(overlord\)"):
        OidcSettings.from_mapping(section, known_roles={"practitioner", "manager"})
    with pytest.raises(UserError, match=r"^oidc: must be a mapping"):
        OidcSettings.from_mapping(None)
