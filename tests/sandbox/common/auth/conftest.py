"""Credentials issued once per test module, as a sandbox run issues them."""

from __future__ import annotations

import pytest

from sandbox.common.auth.credentials import ApiKeyClient, SecretClient, SignedJwtClient, issue_credentials


@pytest.fixture(scope="module")
def nhs_client() -> SignedJwtClient:
    return issue_credentials("nhs_signed_jwt")  # a 4096-bit key, as the NHS guide has applications use


@pytest.fixture(scope="module")
def secret_client() -> SecretClient:
    return issue_credentials("client_secret")


@pytest.fixture(scope="module")
def key_client() -> ApiKeyClient:
    return issue_credentials("api_key")
