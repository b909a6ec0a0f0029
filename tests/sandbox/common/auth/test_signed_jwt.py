"""The health sandbox's NHS signed-JWT auth end to end: real uvicorn servers, the connectors' own auth, real HTTP.

The token endpoint refuses as the NHS API Platform does; the connector fetches one token, shares it
between threads, renews it before expiry and after the sandbox expires it; protected paths refuse
natively and the sandbox's own hooks stay open.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.sdk.auth import AuthenticationFailed, NhsSignedJwtAuth
from connectors.sdk.errors import AgencyUnavailable
from sandbox.common.auth.credentials import SignedJwtClient, issue_credentials
from sandbox.common.auth.guard import TOKEN_PATH
from sandbox.common.auth.signed_jwt import JWT_BEARER_ASSERTION, SignedJwtGuard
from tests.sandbox.common.auth.guarded_app import TIMEOUT, guarded_app, post, render, serving


@pytest.fixture(scope="module")
def shared_health(nhs_client: SignedJwtClient) -> Iterator[str]:
    """One health server for the tests that count nothing."""
    with serving(guarded_app(SignedJwtGuard([nhs_client], render))) as url:
        yield url


@pytest.fixture
def health(nhs_client: SignedJwtClient) -> Iterator[tuple[SignedJwtGuard, str]]:
    """A fresh health server, for tests that count token requests and refusals."""
    guard = SignedJwtGuard([nhs_client], render)
    with serving(guarded_app(guard)) as url:
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
    response = post(url + TOKEN_PATH, data=_form(_assertion(nhs_client, url, **assertion), **form))
    body = response.json()
    assert (response.status_code, body.pop("error"), body.pop("error_description")) == (status, error, description)
    assert uuid.UUID(body.pop("message_id")) and body == {}


def test_nhs_token_reply_has_the_platform_shape(shared_health: str, nhs_client: SignedJwtClient) -> None:
    url = shared_health
    before = time.time() * 1000
    response = post(url + TOKEN_PATH, data=_form(_assertion(nhs_client, url)))
    body = response.json()
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert set(body) == {"access_token", "expires_in", "token_type", "issued_at"}
    assert (body["expires_in"], body["token_type"]) == ("599", "Bearer")
    assert before - 1000 <= int(body["issued_at"]) <= time.time() * 1000 + 1000


def test_nhs_assertion_cannot_be_replayed(shared_health: str, nhs_client: SignedJwtClient) -> None:
    url = shared_health
    form = _form(_assertion(nhs_client, url))
    assert post(url + TOKEN_PATH, data=form).status_code == 200
    replay = post(url + TOKEN_PATH, data=form)
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
    missing = post(f"{url}/records")
    unknown = post(f"{url}/records", headers={"Authorization": "Bearer not-a-token"})
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
    assert post(f"{url}/records", auth=auth).status_code == 200
    guard.tokens.expire_all()
    again = post(f"{url}/records", auth=auth)
    assert again.status_code == 200 and [reply.status_code for reply in again.history] == [401]
    assert (guard.token_requests, guard.refusals) == (2, 1)


def test_a_token_near_expiry_is_renewed_before_use(nhs_client: SignedJwtClient) -> None:
    guard = SignedJwtGuard([nhs_client], render, token_lifetime=2)
    with serving(guarded_app(guard)) as url:
        auth = _nhs_auth(nhs_client, url)  # renews at half a 2-second lifetime
        assert post(f"{url}/records", auth=auth).status_code == 200
        time.sleep(1.2)
        assert post(f"{url}/records", auth=auth).status_code == 200
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
        post(f"{url}/records", auth=auth)
    assert refused.value.code == "auth_failed"
    assert str(refused.value) == "token request refused: HTTP 401 public_key error"
    for secret in (nhs_client.api_key.get_secret_value(), impostor.private_key_pem.get_secret_value()[40:80]):
        assert secret not in str(refused.value) and secret not in caplog.text


def test_an_unreachable_token_endpoint_is_an_agency_fault(nhs_client: SignedJwtClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(AgencyUnavailable) as unavailable:
        post(f"{closed}/records", auth=_nhs_auth(nhs_client, closed))
    assert unavailable.value.code == "connection_error"
    assert "127.0.0.1" not in str(unavailable.value)
