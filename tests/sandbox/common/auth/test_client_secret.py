"""The housing sandbox's OAuth 2.0 client id and secret, end to end: a real server, the connectors' own auth."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from connectors.sdk.auth import AuthenticationFailed, ClientSecretAuth
from sandbox.common.auth.client_secret import ClientSecretGuard
from sandbox.common.auth.credentials import SecretClient
from sandbox.common.auth.guard import TOKEN_PATH
from tests.sandbox.common.auth.guarded_app import guarded_app, post, render, serving


@pytest.fixture(scope="module")
def shared_housing(secret_client: SecretClient) -> Iterator[str]:
    with serving(guarded_app(ClientSecretGuard([secret_client], render))) as url:
        yield url


@pytest.fixture
def housing(secret_client: SecretClient) -> Iterator[tuple[ClientSecretGuard, str]]:
    guard = ClientSecretGuard([secret_client], render)
    with serving(guarded_app(guard)) as url:
        yield guard, url


@pytest.mark.parametrize("in_body", [False, True], ids=["basic", "form"])
def test_client_secret_auth_gets_a_token_and_reuses_it(
    housing: tuple[ClientSecretGuard, str], secret_client: SecretClient, in_body: bool
) -> None:
    guard, url = housing
    auth = ClientSecretAuth(
        url + TOKEN_PATH, secret_client.client_id, secret_client.client_secret.get_secret_value(), in_body=in_body
    )
    assert [post(f"{url}/records", auth=auth).status_code for _ in range(2)] == [200, 200]
    assert guard.token_requests == 1


def test_client_secret_token_reply_follows_rfc_6749(shared_housing: str, secret_client: SecretClient) -> None:
    url = shared_housing
    credentials = (secret_client.client_id, secret_client.client_secret.get_secret_value())
    response = post(url + TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=credentials)
    body = response.json()
    assert (response.headers["cache-control"], response.headers["pragma"]) == ("no-store", "no-cache")
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)


def test_client_id_and_secret_are_form_encoded_inside_basic_auth() -> None:
    """RFC 6749 §2.3.1: a secret with ':' '+' or spaces survives the trip."""
    client = SecretClient(client_id="hub:one", client_secret=SecretStr("a+b c:d/é%"))
    guard = ClientSecretGuard([client], render)
    with serving(guarded_app(guard)) as url:
        auth = ClientSecretAuth(url + TOKEN_PATH, client.client_id, client.client_secret.get_secret_value())
        assert post(f"{url}/records", auth=auth).status_code == 200


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
    response = post(url + TOKEN_PATH, data=form, auth=auth)
    assert (response.status_code, response.json()) == (status, {"error": error, "error_description": description})
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="sandbox"'


def test_bearer_refusals_carry_rfc_6750_challenges(shared_housing: str) -> None:
    url = shared_housing
    missing = post(f"{url}/records")
    invalid = post(f"{url}/records", headers={"Authorization": "Bearer stale"})
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, 'Bearer realm="sandbox"')
    assert invalid.headers["www-authenticate"] == 'Bearer realm="sandbox", error="invalid_token"'
    assert invalid.json() == {"code": "ACCESS_DENIED", "message": "Invalid or expired access token"}


def test_a_wrong_client_secret_raises_auth_failed_without_the_secret(
    shared_housing: str, secret_client: SecretClient
) -> None:
    url = shared_housing
    auth = ClientSecretAuth(url + TOKEN_PATH, secret_client.client_id, "guessed-secret-value")
    with pytest.raises(AuthenticationFailed) as refused:
        post(f"{url}/records", auth=auth)
    assert str(refused.value) == "token request refused: HTTP 401 invalid_client"
    assert "guessed-secret-value" not in repr(refused.value)
