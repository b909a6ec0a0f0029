"""Sandbox authentication end to end: real uvicorn servers, the connectors' own auth classes, real HTTP."""

from __future__ import annotations

import json
import logging
import socket
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from connectors.sdk.auth import (
    ApiKeyAuth,
    ApiKeyCredentials,
    AuthenticationFailed,
    ClientSecretAuth,
    ClientSecretCredentials,
    CredentialsFileError,
    NhsSignedJwtAuth,
    NhsSignedJwtCredentials,
    load_credentials_file,
    parse_credentials,
)
from connectors.sdk.errors import AgencyUnavailable
from sandbox.common.api import new_app
from sandbox.common.auth.api_key import ApiKeyGuard
from sandbox.common.auth.client_secret import ClientSecretGuard
from sandbox.common.auth.credentials import (
    ApiKeyClient,
    SecretClient,
    SignedJwtClient,
    issue_credentials,
    write_credentials_file,
)
from sandbox.common.auth.guard import TOKEN_PATH, SandboxGuard
from sandbox.common.auth.signed_jwt import JWT_BEARER_ASSERTION, SignedJwtGuard
from sandbox.server import ServerThread

TIMEOUT = 5


def _render(status: int, code: str, message: str) -> Response:
    """A stand-in for an agency's native error format."""
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _app(guard: SandboxGuard) -> FastAPI:
    app = new_app("auth test")

    @app.post("/records")
    async def records() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/_sandbox/state")
    async def state() -> dict[str, bool]:
        return {"open": True}

    guard.install(app)
    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    with ServerThread(app) as server:
        yield server.url


def _post(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=TIMEOUT, **kwargs)


# --- Health: NHS signed JWT ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nhs_client() -> SignedJwtClient:
    return issue_credentials("nhs_signed_jwt")  # a 4096-bit key, as the NHS guide has applications use


@pytest.fixture(scope="module")
def shared_health(nhs_client: SignedJwtClient) -> Iterator[str]:
    """One health server for the tests that count nothing."""
    with serving(_app(SignedJwtGuard([nhs_client], _render))) as url:
        yield url


@pytest.fixture
def health(nhs_client: SignedJwtClient) -> Iterator[tuple[SignedJwtGuard, str]]:
    """A fresh health server, for tests that count token requests and refusals."""
    guard = SignedJwtGuard([nhs_client], _render)
    with serving(_app(guard)) as url:
        yield guard, url


def _nhs_auth(client: SignedJwtClient, url: str) -> NhsSignedJwtAuth:
    return NhsSignedJwtAuth(
        url + TOKEN_PATH, client.api_key.get_secret_value(), client.private_key_pem.get_secret_value(), client.kid
    )


def _assertion(
    client: SignedJwtClient,
    url: str,
    *,
    key: rsa.RSAPrivateKey | str | None = None,
    algorithm: str = "RS512",
    headers: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    api_key = client.api_key.get_secret_value()
    body: dict[str, Any] = {"iss": api_key, "sub": api_key, "aud": url + TOKEN_PATH, "jti": str(uuid.uuid4())}
    body["exp"] = int(time.time()) + 60
    body.update(claims)
    for name in drop:
        body.pop(name)
    signing_key = key if key is not None else client.private_key_pem.get_secret_value()
    header = {"kid": client.kid} if headers is None else headers
    return jwt.encode(body, signing_key, algorithm=algorithm, headers=header)


def _form(assertion: str, **fields: str | None) -> dict[str, str]:
    form: dict[str, str | None] = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER_ASSERTION,
        "client_assertion": assertion,
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


ALG = "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'"
ISS_SUB = "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT"
AUD = "Missing or invalid 'aud' claim in client_assertion JWT"
EXP = "Invalid 'exp' claim in client_assertion JWT - "
STRANGER = "stranger"
"""Sign with a key the sandbox never saw, under the registered kid."""


def _refusal(
    name: str, status: int, error: str, description: str, form: dict[str, str | None] | None = None, **assertion: Any
) -> Any:
    return pytest.param(form or {}, assertion, status, error, description, id=name)


NHS_REFUSALS = [
    _refusal("no grant_type", 400, "invalid_request", "grant_type is missing", {"grant_type": None}),
    _refusal("wrong grant_type", 400, "unsupported_grant_type", "grant_type is invalid", {"grant_type": "password"}),
    _refusal(
        "wrong assertion type",
        400,
        "invalid_request",
        f"Missing or invalid client_assertion_type - must be '{JWT_BEARER_ASSERTION}'",
        {"client_assertion_type": "jwt"},
    ),
    _refusal("no assertion", 400, "invalid_request", "Missing client_assertion", {"client_assertion": None}),
    _refusal("malformed", 400, "invalid_request", "Malformed JWT in client_assertion", {"client_assertion": "x.y"}),
    _refusal("RS256", 400, "invalid_request", ALG, algorithm="RS256"),
    _refusal("HS512", 400, "invalid_request", ALG, algorithm="HS512", key="k" * 64),
    _refusal("no kid", 400, "invalid_request", "Missing 'kid' header in client_assertion JWT", headers={}),
    _refusal(
        "unknown kid",
        401,
        "invalid_request",
        "Invalid 'kid' header in client_assertion JWT - no matching public key",
        headers={"kid": "other"},
    ),
    _refusal("iss differs from sub", 400, "invalid_request", ISS_SUB, sub="someone"),
    _refusal("no iss", 400, "invalid_request", ISS_SUB, drop=("iss",)),
    _refusal(
        "unknown API key",
        401,
        "invalid_request",
        "Invalid 'iss'/'sub' claims in client_assertion JWT",
        iss="unknown",
        sub="unknown",
    ),
    _refusal("no jti", 400, "invalid_request", "Missing 'jti' claim in client_assertion JWT", drop=("jti",)),
    _refusal(
        "numeric jti",
        400,
        "invalid_request",
        "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID",
        jti=1234567890,
    ),
    _refusal("wrong aud", 401, "invalid_request", AUD, aud="https://api.service.nhs.uk/oauth2/token"),
    _refusal("no aud", 401, "invalid_request", AUD, drop=("aud",)),
    _refusal("no exp", 400, "invalid_request", "Missing 'exp' claim in client_assertion JWT", drop=("exp",)),
    _refusal("string exp", 400, "invalid_request", EXP + "must be an integer", exp_offset="60"),
    _refusal("expired", 400, "invalid_request", EXP + "JWT has expired", exp_offset=-20),
    _refusal("exp beyond 5 minutes", 400, "invalid_request", EXP + "more than 5 minutes in future", exp_offset=360),
    _refusal("bad signature", 401, "public_key error", "JWT signature verification failed", key=STRANGER),
]


@pytest.mark.parametrize(("form", "assertion", "status", "error", "description"), NHS_REFUSALS)
def test_nhs_token_endpoint_refuses_as_the_platform_does(
    shared_health: str,
    nhs_client: SignedJwtClient,
    form: dict[str, str | None],
    assertion: dict[str, Any],
    status: int,
    error: str,
    description: str,
) -> None:
    url = shared_health
    if assertion.get("key") == STRANGER:
        assertion["key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if isinstance(offset := assertion.pop("exp_offset", None), int):
        assertion["exp"] = int(time.time()) + offset
    elif offset is not None:
        assertion["exp"] = str(int(time.time()) + int(offset))
    response = _post(url + TOKEN_PATH, data=_form(_assertion(nhs_client, url, **assertion), **form))
    body = response.json()
    assert (response.status_code, body.pop("error"), body.pop("error_description")) == (status, error, description)
    assert uuid.UUID(body.pop("message_id")) and body == {}


def test_nhs_token_reply_has_the_platform_shape(shared_health: str, nhs_client: SignedJwtClient) -> None:
    url = shared_health
    before = time.time() * 1000
    response = _post(url + TOKEN_PATH, data=_form(_assertion(nhs_client, url)))
    body = response.json()
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert set(body) == {"access_token", "expires_in", "token_type", "issued_at"}
    assert (body["expires_in"], body["token_type"]) == ("599", "Bearer")
    assert before - 1000 <= int(body["issued_at"]) <= time.time() * 1000 + 1000


def test_nhs_assertion_cannot_be_replayed(shared_health: str, nhs_client: SignedJwtClient) -> None:
    url = shared_health
    form = _form(_assertion(nhs_client, url))
    assert _post(url + TOKEN_PATH, data=form).status_code == 200
    replay = _post(url + TOKEN_PATH, data=form)
    assert replay.status_code == 400
    assert replay.json()["error_description"] == "Non-unique 'jti' claim in client_assertion JWT"


def test_nhs_auth_fetches_one_token_and_reuses_it(
    health: tuple[SignedJwtGuard, str], nhs_client: SignedJwtClient
) -> None:
    guard, url = health
    with requests.Session() as session:
        session.auth = _nhs_auth(nhs_client, url)
        replies = [session.post(f"{url}/records", timeout=TIMEOUT) for _ in range(3)]
    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert (guard.token_requests, guard.refusals) == (1, 0)


def test_nhs_auth_shares_one_token_between_threads(
    health: tuple[SignedJwtGuard, str], nhs_client: SignedJwtClient
) -> None:
    guard, url = health
    auth = _nhs_auth(nhs_client, url)
    statuses: list[int] = []

    def call() -> None:
        statuses.append(requests.post(f"{url}/records", auth=auth, timeout=TIMEOUT).status_code)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert guard.token_requests == 1


def test_protected_paths_refuse_missing_and_unknown_tokens_natively(shared_health: str) -> None:
    url = shared_health
    missing = _post(f"{url}/records")
    unknown = _post(f"{url}/records", headers={"Authorization": "Bearer not-a-token"})
    assert (missing.status_code, missing.json()) == (401, {"code": "ACCESS_DENIED", "message": "Missing access token"})
    assert (unknown.status_code, unknown.json()["message"]) == (401, "Invalid or expired access token")


def test_sandbox_hooks_need_no_credentials(shared_health: str) -> None:
    url = shared_health
    assert requests.get(f"{url}/_sandbox/state", timeout=TIMEOUT).json() == {"open": True}


def test_a_token_the_sandbox_expired_is_replaced_and_the_request_resent(
    health: tuple[SignedJwtGuard, str], nhs_client: SignedJwtClient
) -> None:
    guard, url = health
    auth = _nhs_auth(nhs_client, url)
    assert _post(f"{url}/records", auth=auth).status_code == 200
    guard.tokens.expire_all()
    again = _post(f"{url}/records", auth=auth)
    assert again.status_code == 200 and [reply.status_code for reply in again.history] == [401]
    assert (guard.token_requests, guard.refusals) == (2, 1)


def test_a_token_near_expiry_is_renewed_before_use(nhs_client: SignedJwtClient) -> None:
    guard = SignedJwtGuard([nhs_client], _render, token_lifetime=2)
    with serving(_app(guard)) as url:
        auth = _nhs_auth(nhs_client, url)  # renews at half a 2-second lifetime
        assert _post(f"{url}/records", auth=auth).status_code == 200
        time.sleep(1.2)
        assert _post(f"{url}/records", auth=auth).status_code == 200
    assert (guard.token_requests, guard.refusals) == (2, 0)


def test_a_refused_token_request_raises_auth_failed_without_secrets(
    shared_health: str, nhs_client: SignedJwtClient, caplog: pytest.LogCaptureFixture
) -> None:
    url = shared_health
    impostor = issue_credentials("nhs_signed_jwt", rsa_key_bits=2048)
    auth = NhsSignedJwtAuth(
        url + TOKEN_PATH,
        nhs_client.api_key.get_secret_value(),
        impostor.private_key_pem.get_secret_value(),
        nhs_client.kid,
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationFailed) as refused:
        _post(f"{url}/records", auth=auth)
    assert refused.value.code == "auth_failed"
    assert str(refused.value) == "token request refused: HTTP 401 public_key error"
    for secret in (nhs_client.api_key.get_secret_value(), impostor.private_key_pem.get_secret_value()[40:80]):
        assert secret not in str(refused.value) and secret not in caplog.text


def test_an_unreachable_token_endpoint_is_an_agency_fault(nhs_client: SignedJwtClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(AgencyUnavailable) as unavailable:
        _post(f"{closed}/records", auth=_nhs_auth(nhs_client, closed))
    assert unavailable.value.code == "connection_error"
    assert "127.0.0.1" not in str(unavailable.value)


# --- Housing: OAuth 2.0 client id and secret ----------------------------------------------------------------


@pytest.fixture(scope="module")
def secret_client() -> SecretClient:
    return issue_credentials("client_secret")


@pytest.fixture(scope="module")
def shared_housing(secret_client: SecretClient) -> Iterator[str]:
    with serving(_app(ClientSecretGuard([secret_client], _render))) as url:
        yield url


@pytest.fixture
def housing(secret_client: SecretClient) -> Iterator[tuple[ClientSecretGuard, str]]:
    guard = ClientSecretGuard([secret_client], _render)
    with serving(_app(guard)) as url:
        yield guard, url


@pytest.mark.parametrize("in_body", [False, True], ids=["basic", "form"])
def test_client_secret_auth_gets_a_token_and_reuses_it(
    housing: tuple[ClientSecretGuard, str], secret_client: SecretClient, in_body: bool
) -> None:
    guard, url = housing
    auth = ClientSecretAuth(
        url + TOKEN_PATH, secret_client.client_id, secret_client.client_secret.get_secret_value(), in_body=in_body
    )
    assert [_post(f"{url}/records", auth=auth).status_code for _ in range(2)] == [200, 200]
    assert guard.token_requests == 1


def test_client_secret_token_reply_follows_rfc_6749(shared_housing: str, secret_client: SecretClient) -> None:
    url = shared_housing
    credentials = (secret_client.client_id, secret_client.client_secret.get_secret_value())
    response = _post(url + TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=credentials)
    body = response.json()
    assert (response.headers["cache-control"], response.headers["pragma"]) == ("no-store", "no-cache")
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)


def test_client_id_and_secret_are_form_encoded_inside_basic_auth() -> None:
    """RFC 6749 §2.3.1: a secret with ':' '+' or spaces survives the trip."""
    client = SecretClient(client_id="hub:one", client_secret=SecretStr("a+b c:d/é%"))
    guard = ClientSecretGuard([client], _render)
    with serving(_app(guard)) as url:
        auth = ClientSecretAuth(url + TOKEN_PATH, client.client_id, client.client_secret.get_secret_value())
        assert _post(f"{url}/records", auth=auth).status_code == 200


GRANT = {"grant_type": "client_credentials"}
SECRET_REFUSALS = [
    pytest.param(GRANT, "wrong", 401, "invalid_client", "Client authentication failed", id="wrong secret"),
    pytest.param(GRANT, None, 401, "invalid_client", "Client authentication required", id="no credentials"),
    pytest.param(
        GRANT | {"client_id": "nobody", "client_secret": "x"},
        None,
        401,
        "invalid_client",
        "Client authentication failed",
        id="unknown client",
    ),
    pytest.param({}, "right", 400, "invalid_request", "Missing grant_type", id="no grant_type"),
    pytest.param(
        {"grant_type": "password"},
        "right",
        400,
        "unsupported_grant_type",
        "Only client_credentials is supported",
        id="wrong grant_type",
    ),
    pytest.param(
        GRANT | {"client_id": "a", "client_secret": "b"},
        "right",
        400,
        "invalid_request",
        "Use one client authentication method only",
        id="two methods",
    ),
]


@pytest.mark.parametrize(("form", "basic", "status", "error", "description"), SECRET_REFUSALS)
def test_client_secret_token_endpoint_answers_rfc_6749_errors(
    shared_housing: str,
    secret_client: SecretClient,
    form: dict[str, str],
    basic: str | None,
    status: int,
    error: str,
    description: str,
) -> None:
    url = shared_housing
    secret = secret_client.client_secret.get_secret_value() if basic == "right" else basic
    auth = (secret_client.client_id, secret) if secret is not None else None
    response = _post(url + TOKEN_PATH, data=form, auth=auth)
    assert (response.status_code, response.json()) == (status, {"error": error, "error_description": description})
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="sandbox"'


def test_bearer_refusals_carry_rfc_6750_challenges(shared_housing: str) -> None:
    url = shared_housing
    missing = _post(f"{url}/records")
    invalid = _post(f"{url}/records", headers={"Authorization": "Bearer stale"})
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, 'Bearer realm="sandbox"')
    assert invalid.headers["www-authenticate"] == 'Bearer realm="sandbox", error="invalid_token"'
    assert invalid.json() == {"code": "ACCESS_DENIED", "message": "Invalid or expired access token"}


def test_a_wrong_client_secret_raises_auth_failed_without_the_secret(
    shared_housing: str, secret_client: SecretClient
) -> None:
    url = shared_housing
    auth = ClientSecretAuth(url + TOKEN_PATH, secret_client.client_id, "guessed-secret-value")
    with pytest.raises(AuthenticationFailed) as refused:
        _post(f"{url}/records", auth=auth)
    assert str(refused.value) == "token request refused: HTTP 401 invalid_client"
    assert "guessed-secret-value" not in repr(refused.value)


# --- Education: API key -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key_client() -> ApiKeyClient:
    return issue_credentials("api_key")


@pytest.fixture(scope="module")
def education(key_client: ApiKeyClient) -> Iterator[str]:
    with serving(_app(ApiKeyGuard([key_client], _render))) as url:
        yield url


def test_api_key_gets_through(education: str, key_client: ApiKeyClient) -> None:
    auth = ApiKeyAuth("X-API-Key", key_client.api_key.get_secret_value())
    assert _post(f"{education}/records", auth=auth).json() == {"ok": True}


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "Missing X-API-Key header"), ({"X-API-Key": "wrong"}, "Invalid API key")],
    ids=["missing", "wrong"],
)
def test_missing_or_wrong_api_key_is_refused_natively(education: str, headers: dict[str, str], message: str) -> None:
    response = _post(f"{education}/records", headers=headers)
    assert (response.status_code, response.json()) == (401, {"code": "ACCESS_DENIED", "message": message})


def test_api_key_sandbox_hooks_stay_open(education: str) -> None:
    assert requests.get(f"{education}/_sandbox/state", timeout=TIMEOUT).status_code == 200


def test_guard_as_a_route_dependency(key_client: ApiKeyClient) -> None:
    guard = ApiKeyGuard([key_client], _render, denied_code="unauthorised")
    app = new_app("per-route guard")

    @app.post("/guarded", dependencies=[Depends(guard.require)])
    async def guarded() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/public")
    async def public() -> dict[str, bool]:
        return {"ok": True}

    guard.install(app, guard_every_path=False)
    with serving(app) as url:
        refused = _post(f"{url}/guarded")
        allowed = _post(f"{url}/guarded", headers={"X-API-Key": key_client.api_key.get_secret_value()})
        opened = requests.get(f"{url}/public", timeout=TIMEOUT)
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorised")
    assert (allowed.status_code, opened.status_code) == (200, 200)


# --- The issued credentials file ------------------------------------------------------------------------------


def test_issued_credentials_file_drives_the_connector_auth(
    tmp_path: Path, nhs_client: SignedJwtClient, secret_client: SecretClient, key_client: ApiKeyClient
) -> None:
    path = tmp_path / "agency-credentials.json"
    write_credentials_file(path, {"health": nhs_client, "housing": secret_client, "education": key_client})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_credentials_file(path)
    assert isinstance(loaded["health"], NhsSignedJwtCredentials)
    assert isinstance(loaded["housing"], ClientSecretCredentials)
    assert isinstance(loaded["education"], ApiKeyCredentials)
    guards: dict[str, SandboxGuard] = {
        "health": SignedJwtGuard([nhs_client], _render),
        "housing": ClientSecretGuard([secret_client], _render),
        "education": ApiKeyGuard([key_client], _render),
    }
    for agency, guard in guards.items():
        with serving(_app(guard)) as url:
            credentials = loaded[agency]
            response = _post(f"{url}/records", auth=credentials.build_auth(url), **credentials.requests_kwargs())
            assert response.status_code == 200, agency


def test_credentials_json_shape(nhs_client: SignedJwtClient) -> None:
    document = nhs_client.connector_credentials()
    assert set(document) == {"type", "api_key", "kid", "private_key_pem"}
    assert document["type"] == "nhs_signed_jwt" and document["private_key_pem"].startswith("-----BEGIN PRIVATE KEY")
    assert set(issue_credentials("client_secret").connector_credentials()) == {"type", "client_id", "client_secret"}
    assert issue_credentials("api_key").connector_credentials()["header"] == "X-API-Key"
    assert issue_credentials("none").connector_credentials() == {"type": "none"}


def test_loaded_credentials_never_show_their_secrets(nhs_client: SignedJwtClient) -> None:
    credentials = parse_credentials(json.dumps({"health": nhs_client.connector_credentials()}))["health"]
    shown = f"{credentials!r} {credentials}"
    assert nhs_client.api_key.get_secret_value() not in shown and "PRIVATE KEY" not in shown


def test_an_invalid_credentials_file_is_refused_without_quoting_it(nhs_client: SignedJwtClient) -> None:
    document = nhs_client.connector_credentials()
    del document["kid"]
    with pytest.raises(CredentialsFileError) as invalid:
        parse_credentials(json.dumps({"health": document}))
    assert "health.nhs_signed_jwt.kid: missing" in str(invalid.value)
    assert document["api_key"] not in str(invalid.value) and "PRIVATE KEY" not in str(invalid.value)
