"""The credentials a sandbox issues: the 0600 file the connectors read, its JSON shape, and secrets never shown."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from connectors.sdk.auth import (
    ApiKeyCredentials,
    ClientSecretCredentials,
    CredentialsFileError,
    NhsSignedJwtCredentials,
    load_credentials_file,
    parse_credentials,
)
from sandbox.common.auth.api_key import ApiKeyGuard
from sandbox.common.auth.client_secret import ClientSecretGuard
from sandbox.common.auth.credentials import (
    ApiKeyClient,
    SecretClient,
    SignedJwtClient,
    issue_credentials,
    write_credentials_file,
)
from sandbox.common.auth.guard import SandboxGuard
from sandbox.common.auth.signed_jwt import SignedJwtGuard
from tests.sandbox.common.auth.guarded_app import guarded_app, post, render, serving


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
        "health": SignedJwtGuard([nhs_client], render),
        "housing": ClientSecretGuard([secret_client], render),
        "education": ApiKeyGuard([key_client], render),
    }
    for agency, guard in guards.items():
        with serving(guarded_app(guard)) as url:
            credentials = loaded[agency]
            response = post(f"{url}/records", auth=credentials.build_auth(url), **credentials.requests_kwargs())
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
