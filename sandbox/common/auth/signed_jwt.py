"""The health sandbox's guard: the NHS API Platform's application-restricted "signed JWT" authentication.

OAuth 2.0 client credentials with a private-key JWT assertion (RS512): the client proves it holds the
private key registered under its API key, and gets a bearer token for the API.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from sandbox.common.api import ErrorRenderer
from sandbox.common.auth.credentials import SignedJwtClient
from sandbox.common.auth.guard import CLIENT_CREDENTIALS, DENIED_CODE, BearerGuard

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NHS_ALGORITHM = "RS512"
NHS_TOKEN_LIFETIME_SECONDS = 599
NHS_MAX_ASSERTION_SECONDS = 300
"""A client assertion's `exp` may be at most five minutes ahead."""


class SignedJwtGuard(BearerGuard):
    """The NHS API Platform's application-restricted signed-JWT authentication, for the health sandbox.

    The client POSTs `grant_type=client_credentials`, `client_assertion_type` (jwt-bearer) and a
    `client_assertion` signed RS512 with its private key (header `kid`; claims iss = sub = API key,
    aud = the token URL, a unique jti, exp at most 5 minutes ahead). Errors carry the status,
    `error` and `error_description` the platform's own identity-service tests expect, and a
    `message_id`. `audience` defaults to the URL the token request was sent to, as the platform
    requires the aud to match the token endpoint exactly.
    """

    def __init__(
        self,
        clients: Iterable[SignedJwtClient],
        render_error: ErrorRenderer,
        *,
        audience: str | None = None,
        token_lifetime: int = NHS_TOKEN_LIFETIME_SECONDS,
        denied_code: str = DENIED_CODE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(render_error, token_lifetime=token_lifetime, denied_code=denied_code)
        self.audience = audience
        self._clock = clock
        self._keys: dict[str, dict[str, rsa.RSAPublicKey]] = {}
        for client in clients:
            public_key = serialization.load_pem_public_key(client.public_key_pem.encode("ascii"))
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise ValueError("signed JWT clients need an RSA public key")
            self._keys.setdefault(client.api_key.get_secret_value(), {})[client.kid] = public_key
        self._seen_jti: dict[tuple[str, str], float] = {}
        self._jti_lock = threading.Lock()

    def _token_error(self, status: int, error: str, description: str) -> Response:
        body = {"error": error, "error_description": description, "message_id": str(uuid.uuid4())}
        return JSONResponse(body, status_code=status)

    def _invalid(self, status: int, description: str) -> Response:
        return self._token_error(status, "invalid_request", description)

    def grant(self, request: Request, fields: dict[str, str]) -> Response:
        grant_type = fields.get("grant_type")
        if not grant_type:
            return self._invalid(400, "grant_type is missing")
        if grant_type != CLIENT_CREDENTIALS:
            return self._token_error(400, "unsupported_grant_type", "grant_type is invalid")
        if fields.get("client_assertion_type") != JWT_BEARER_ASSERTION:
            return self._invalid(400, f"Missing or invalid client_assertion_type - must be '{JWT_BEARER_ASSERTION}'")
        assertion = fields.get("client_assertion")
        if not assertion:
            return self._invalid(400, "Missing client_assertion")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return self._invalid(400, "Malformed JWT in client_assertion")
        audience = self.audience or str(request.url.replace(query=None, fragment=None))
        return self._check_assertion(assertion, header, claims, audience)

    def _check_assertion(
        self, assertion: str, header: dict[str, Any], claims: dict[str, Any], audience: str
    ) -> Response:
        kid = header.get("kid")
        if not kid:
            return self._invalid(400, "Missing 'kid' header in client_assertion JWT")
        if header.get("typ") != "JWT":
            return self._invalid(400, "Invalid 'typ' header in client_assertion JWT - must be 'JWT'")
        if header.get("alg") != NHS_ALGORITHM:
            message = (
                f"Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be '{NHS_ALGORITHM}'"
            )
            return self._invalid(400, message)
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not issuer or issuer != subject:
            return self._invalid(400, "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT")
        keys = self._keys.get(issuer)
        if keys is None:
            return self._invalid(401, "Invalid 'iss'/'sub' claims in client_assertion JWT")
        public_key = keys.get(str(kid))
        if public_key is None:
            return self._invalid(401, "Invalid 'kid' header in client_assertion JWT - no matching public key")
        if (problem := self._claim_problem(claims, audience)) is not None:
            return problem
        try:
            jwt.PyJWS().decode(assertion, key=public_key, algorithms=[NHS_ALGORITHM])
        except jwt.PyJWTError:
            body = {
                "error": "public_key error",
                "error_description": "JWT signature verification failed",
                "message_id": str(uuid.uuid4()),
            }
            return JSONResponse(body, status_code=401)
        if not self._first_use(issuer, claims["jti"], claims["exp"]):
            return self._invalid(400, "Non-unique 'jti' claim in client_assertion JWT")
        return self._issue(issuer)

    def _claim_problem(self, claims: dict[str, Any], audience: str) -> Response | None:
        jti, exp = claims.get("jti"), claims.get("exp")
        if "jti" not in claims:
            return self._invalid(400, "Missing 'jti' claim in client_assertion JWT")
        if not isinstance(jti, str) or not jti:
            return self._invalid(
                400, "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID"
            )
        if claims.get("aud") != audience:
            return self._invalid(401, "Missing or invalid 'aud' claim in client_assertion JWT")
        if "exp" not in claims:
            return self._invalid(400, "Missing 'exp' claim in client_assertion JWT")
        if not isinstance(exp, int) or isinstance(exp, bool):
            return self._invalid(400, "Invalid 'exp' claim in client_assertion JWT - must be an integer")
        now = int(self._clock())
        if exp <= now:
            return self._invalid(400, "Invalid 'exp' claim in client_assertion JWT - JWT has expired")
        if exp > now + NHS_MAX_ASSERTION_SECONDS:
            return self._invalid(400, "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future")
        return None

    def _first_use(self, issuer: str, jti: str, exp: int) -> bool:
        """Record the assertion's jti until it expires; False if it was already used (a replay)."""
        now = self._clock()
        with self._jti_lock:
            self._seen_jti = {key: expiry for key, expiry in self._seen_jti.items() if expiry > now}
            if (issuer, jti) in self._seen_jti:
                return False
            self._seen_jti[(issuer, jti)] = exp
        return True

    def _issue(self, api_key: str) -> Response:
        body = {
            "access_token": self.tokens.issue(api_key),
            "expires_in": str(self.tokens.lifetime_seconds),
            "token_type": "Bearer",
            "issued_at": str(int(self._clock() * 1000)),
        }
        return JSONResponse(body)
