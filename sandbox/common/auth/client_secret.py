"""The housing sandbox's guard: OAuth 2.0 client credentials with a client id and secret (RFC 6749)."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import unquote_plus

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from sandbox.common.api import ErrorRenderer
from sandbox.common.auth.credentials import SecretClient
from sandbox.common.auth.guard import CLIENT_CREDENTIALS, DENIED_CODE, BearerGuard

OAUTH_TOKEN_LIFETIME_SECONDS = 3600


class ClientSecretGuard(BearerGuard):
    """OAuth 2.0 client credentials with a client id and secret (RFC 6749 §4.4), for the housing sandbox.

    Clients authenticate with HTTP Basic (id and secret form-encoded first, §2.3.1) or with
    `client_id`/`client_secret` form fields, never both. Errors are RFC 6749 §5.2 bodies;
    protected paths answer RFC 6750 challenges.
    """

    def __init__(
        self,
        clients: Iterable[SecretClient],
        render_error: ErrorRenderer,
        *,
        token_lifetime: int = OAUTH_TOKEN_LIFETIME_SECONDS,
        denied_code: str = DENIED_CODE,
        realm: str = "sandbox",
    ) -> None:
        super().__init__(render_error, token_lifetime=token_lifetime, denied_code=denied_code)
        self.realm = realm
        self._secrets = {client.client_id: client.client_secret.get_secret_value().encode() for client in clients}
        self._decoy = secrets.token_bytes(32)

    def _token_error(self, status: int, error: str, description: str) -> Response:
        headers = {"WWW-Authenticate": f'Basic realm="{self.realm}"'} if status == 401 else None
        return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)

    def grant(self, request: Request, fields: dict[str, str]) -> Response:
        grant_type = fields.get("grant_type")
        if not grant_type:
            return self._token_error(400, "invalid_request", "Missing grant_type")
        if grant_type != CLIENT_CREDENTIALS:
            return self._token_error(400, "unsupported_grant_type", "Only client_credentials is supported")
        basic = _basic_credentials(request)
        in_body = "client_id" in fields or "client_secret" in fields
        if basic is not None and in_body:
            return self._token_error(400, "invalid_request", "Use one client authentication method only")
        if basic is None and not in_body:
            return self._token_error(401, "invalid_client", "Client authentication required")
        client_id, secret = basic or (fields.get("client_id", ""), fields.get("client_secret", ""))
        expected = self._secrets.get(client_id, self._decoy)
        # Compare even for an unknown client, so timing does not reveal which client ids exist.
        if not hmac.compare_digest(secret.encode(), expected) or client_id not in self._secrets:
            return self._token_error(401, "invalid_client", "Client authentication failed")
        body = {
            "access_token": self.tokens.issue(client_id),
            "token_type": "Bearer",
            "expires_in": self.tokens.lifetime_seconds,
        }
        return JSONResponse(body)

    def _challenge(self, error: str | None) -> dict[str, str]:
        detail = f', error="{error}"' if error else ""
        return {"WWW-Authenticate": f'Bearer realm="{self.realm}"{detail}'}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """(client id, secret) from an `Authorization: Basic` header, each form-decoded; ("", "") if malformed."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, separator, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if separator else ("", "")
