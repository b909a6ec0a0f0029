"""Each sandbox authenticates its clients as its real counterpart does, so connectors meet real auth in tests.

* Health: the NHS API Platform's application-restricted "signed JWT" pattern (OAuth 2.0 client
  credentials with a private-key JWT assertion, RS512), `SignedJwtGuard`.
* Housing: OAuth 2.0 client credentials with a client id and secret (RFC 6749), `ClientSecretGuard`.
* Education: a static API key in `X-API-Key`, `ApiKeyGuard`.
* Police: mutual TLS. uvicorn's TLS layer refuses clients without a certificate from the dev CA
  (`DevPki.server_ssl_kwargs(require_client_cert=True)`); `MutualTlsGuard` only refuses plain HTTP.

Credentials are issued per sandbox run (`issue_credentials`). Their `connector_credentials()` view
is the JSON the hub's connectors read (`connectors.sdk.auth.AgencyCredentials`);
`write_credentials_file` writes one such object per agency to a 0600 file.

Usage::

    client = issue_credentials("nhs_signed_jwt")
    app = new_app("Health")
    SignedJwtGuard([client], render_error).install(app)   # POST /oauth2/token; every other path guarded

Paths under `/_sandbox/` (test hooks) are never guarded. Nothing secret is logged or echoed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, overload
from urllib.parse import unquote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.common.api import BodyError, ErrorRenderer, read_fields
from sandbox.common.tls import PRIVATE_KEY_MODE, DevPki, write_atomically

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a password
SANDBOX_PREFIX = "/_sandbox/"
API_KEY_HEADER = "X-API-Key"
DENIED_CODE = "ACCESS_DENIED"

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NHS_ALGORITHM = "RS512"
NHS_RSA_KEY_BITS = 4096
"""The NHS guide has applications generate 4096-bit RSA keys for signed JWT authentication."""
NHS_TOKEN_LIFETIME_SECONDS = 599
NHS_MAX_ASSERTION_SECONDS = 300
"""A client assertion's `exp` may be at most five minutes ahead."""
OAUTH_TOKEN_LIFETIME_SECONDS = 3600

CredentialKind = Literal["nhs_signed_jwt", "client_secret", "api_key", "mutual_tls", "none"]


# --- Credentials issued per sandbox run ---------------------------------------------------------------


class IssuedCredentials(BaseModel):
    """Credentials the sandbox issued to the hub; `ca_bundle` is set when the sandbox serves TLS."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sandbox_only: ClassVar[frozenset[str]] = frozenset()
    ca_bundle: str | None = None

    def connector_credentials(self) -> dict[str, Any]:
        """The JSON object the hub's connector reads: secrets revealed, sandbox-only fields dropped."""
        data = self.model_dump(exclude=set(self.sandbox_only), exclude_none=True)
        return {key: value.get_secret_value() if isinstance(value, SecretStr) else value for key, value in data.items()}


class SignedJwtClient(IssuedCredentials):
    """An NHS-style application: an API key, and an RSA key pair registered under `kid`."""

    sandbox_only: ClassVar[frozenset[str]] = frozenset({"public_key_pem"})
    type: Literal["nhs_signed_jwt"] = "nhs_signed_jwt"
    api_key: SecretStr
    kid: str
    private_key_pem: SecretStr
    public_key_pem: str
    token_url: str | None = None


class SecretClient(IssuedCredentials):
    """An OAuth 2.0 confidential client: client id and secret."""

    type: Literal["client_secret"] = "client_secret"
    client_id: str
    client_secret: SecretStr
    token_url: str | None = None


class ApiKeyClient(IssuedCredentials):
    """A static API key sent in a header."""

    type: Literal["api_key"] = "api_key"
    header: str = API_KEY_HEADER
    api_key: SecretStr


class MutualTlsClient(IssuedCredentials):
    """A client certificate from the development CA; the CA bundle is required to trust the server."""

    type: Literal["mutual_tls"] = "mutual_tls"
    ca_bundle: str
    client_cert: str
    client_key: str


class AnonymousClient(IssuedCredentials):
    """No credentials: the sandbox is open (the default before auth is switched on)."""

    type: Literal["none"] = "none"


SandboxClient = Annotated[
    SignedJwtClient | SecretClient | ApiKeyClient | MutualTlsClient | AnonymousClient, Field(discriminator="type")
]


@overload
def issue_credentials(
    kind: Literal["nhs_signed_jwt"], *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> SignedJwtClient: ...
@overload
def issue_credentials(
    kind: Literal["client_secret"], *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> SecretClient: ...
@overload
def issue_credentials(
    kind: Literal["api_key"], *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> ApiKeyClient: ...
@overload
def issue_credentials(
    kind: Literal["mutual_tls"], *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> MutualTlsClient: ...
@overload
def issue_credentials(
    kind: Literal["none"], *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> AnonymousClient: ...
def issue_credentials(
    kind: CredentialKind, *, pki: DevPki | None = None, rsa_key_bits: int = NHS_RSA_KEY_BITS
) -> SignedJwtClient | SecretClient | ApiKeyClient | MutualTlsClient | AnonymousClient:
    """Fresh random credentials of `kind` for one sandbox run.

    `pki` is the sandbox's development PKI when it serves TLS: the client then trusts its CA, and
    `mutual_tls` (which needs it) presents its client certificate.
    """
    ca_bundle = pki.ca_bundle if pki else None
    match kind:
        case "nhs_signed_jwt":
            key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_key_bits)
            private_pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            public_pem = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return SignedJwtClient(
                api_key=SecretStr(secrets.token_hex(16)),
                kid=f"mash-hub-{secrets.token_hex(4)}",
                private_key_pem=SecretStr(private_pem.decode("ascii")),
                public_key_pem=public_pem.decode("ascii"),
                ca_bundle=ca_bundle,
            )
        case "client_secret":
            return SecretClient(
                client_id=f"mash-hub-{secrets.token_hex(8)}",
                client_secret=SecretStr(secrets.token_urlsafe(32)),
                ca_bundle=ca_bundle,
            )
        case "api_key":
            return ApiKeyClient(api_key=SecretStr(secrets.token_urlsafe(32)), ca_bundle=ca_bundle)
        case "mutual_tls":
            if pki is None:
                raise ValueError("mutual TLS credentials need the sandbox's development PKI")
            client_cert, client_key = pki.client_cert()
            return MutualTlsClient(ca_bundle=pki.ca_bundle, client_cert=client_cert, client_key=client_key)
        case "none":
            return AnonymousClient(ca_bundle=ca_bundle)


def write_credentials_file(path: Path, clients: Mapping[str, IssuedCredentials]) -> None:
    """Write `{agency id: connector credentials}` as JSON, readable by its owner only, atomically."""
    document = {agency: client.connector_credentials() for agency, client in clients.items()}
    write_atomically(path, json.dumps(document, indent=2, sort_keys=True).encode("utf-8"), PRIVATE_KEY_MODE)


# --- Guards: the server side ------------------------------------------------------------------------------


class AuthRefused(Exception):
    """Raised by `SandboxGuard.require`; the handler `install` registers returns the rendered refusal."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class TokenStore:
    """Bearer tokens issued by a sandbox, in memory, each with an expiry.

    Only a SHA-256 digest of each token is kept, so the lookup key is not the secret itself.
    """

    def __init__(self, lifetime_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[bytes, tuple[str, float]] = {}

    def issue(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._expiry = {digest: entry for digest, entry in self._expiry.items() if entry[1] > now}
            self._expiry[_digest(token)] = (client_id, now + self.lifetime_seconds)
        return token

    def client_for(self, token: str) -> str | None:
        """The client a live token was issued to; None if unknown or expired."""
        with self._lock:
            entry = self._expiry.get(_digest(token))
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def expire_all(self) -> None:
        """Expire every token now, as if their lifetime had passed (a test hook)."""
        with self._lock:
            self._expiry.clear()


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class SandboxGuard(ABC):
    """Authenticates requests to one sandbox app; refusals are rendered in the agency's own error format."""

    token_path: ClassVar[str | None] = None

    def __init__(self, render_error: ErrorRenderer, *, denied_code: str = DENIED_CODE) -> None:
        self.render_error = render_error
        self.denied_code = denied_code
        self.refusals = 0

    @abstractmethod
    def refusal(self, request: Request) -> Response | None:
        """The response refusing `request`, or None when it may proceed."""

    def token_router(self) -> APIRouter | None:
        """The token endpoint, for schemes that have one."""
        return None

    def is_open(self, path: str) -> bool:
        """Test hooks and the token endpoint itself need no credentials."""
        return path.startswith(SANDBOX_PREFIX) or path == self.token_path

    async def require(self, request: Request) -> None:
        """A FastAPI dependency, for apps that guard route by route instead of calling `install`."""
        if not self.is_open(request.url.path) and (response := self._refuse(request)) is not None:
            raise AuthRefused(response)

    def install(self, app: FastAPI, *, guard_every_path: bool = True) -> None:
        """Add the token endpoint and the refusal handler; guard every path except `/_sandbox/` and the token path.

        Call it after `new_app`: refusals then happen before the app's own middleware, as at an
        API gateway in front of the agency's service.
        """
        router = self.token_router()
        if router is not None:
            app.include_router(router)

        async def refused(_: Request, error: Exception) -> Response:
            assert isinstance(error, AuthRefused)
            return error.response

        app.add_exception_handler(AuthRefused, refused)
        if guard_every_path:

            @app.middleware("http")
            async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
                if not self.is_open(request.url.path) and (response := self._refuse(request)) is not None:
                    return response
                return await call_next(request)

    def gateway(self, app: ASGIApp) -> ASGIApp:
        """Put this guard in front of `app` as an API gateway would: it serves the token endpoint
        itself and refuses unauthenticated requests before the app (or its async queue) sees them."""
        return AuthGateway(app, self)

    def _refuse(self, request: Request) -> Response | None:
        response = self.refusal(request)
        if response is not None:
            self.refusals += 1
        return response

    def _deny(self, message: str, headers: Mapping[str, str] | None = None, status: int = 401) -> Response:
        response = self.render_error(status, self.denied_code, message)
        response.headers.update(headers or {})
        return response


class _BearerGuard(SandboxGuard):
    """A guard whose clients first exchange credentials for a bearer token at `POST /oauth2/token`."""

    token_path: ClassVar[str | None] = TOKEN_PATH

    def __init__(self, render_error: ErrorRenderer, *, token_lifetime: int, denied_code: str = DENIED_CODE) -> None:
        super().__init__(render_error, denied_code=denied_code)
        self.tokens = TokenStore(token_lifetime)
        self.token_requests = 0

    def token_router(self) -> APIRouter:
        router = APIRouter()

        @router.post(TOKEN_PATH, include_in_schema=False)
        async def token(request: Request) -> Response:
            self.token_requests += 1
            try:
                fields = await read_fields(request)
            except BodyError:
                return self._token_error(400, "invalid_request", "Malformed request body")
            response = self.grant(request, fields)
            response.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
            return response

        return router

    @abstractmethod
    def grant(self, request: Request, fields: dict[str, str]) -> Response:
        """Answer a token request whose form fields are `fields`."""

    @abstractmethod
    def _token_error(self, status: int, error: str, description: str) -> Response: ...

    def refusal(self, request: Request) -> Response | None:
        token = bearer_token(request)
        if token is None:
            return self._deny("Missing access token", self._challenge(None))
        if self.tokens.client_for(token) is None:
            return self._deny("Invalid or expired access token", self._challenge("invalid_token"))
        return None

    def _challenge(self, error: str | None) -> dict[str, str]:
        """RFC 6750 §3's WWW-Authenticate challenge; none by default."""
        return {}


class SignedJwtGuard(_BearerGuard):
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


class ClientSecretGuard(_BearerGuard):
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


class ApiKeyGuard(SandboxGuard):
    """A static API key in a header (`X-API-Key`), compared in constant time, for the education sandbox."""

    def __init__(
        self,
        clients: Iterable[ApiKeyClient],
        render_error: ErrorRenderer,
        *,
        header: str = API_KEY_HEADER,
        denied_code: str = DENIED_CODE,
    ) -> None:
        super().__init__(render_error, denied_code=denied_code)
        self.header = header
        self._keys = [client.api_key.get_secret_value().encode() for client in clients]
        if any(client.header.lower() != header.lower() for client in clients):
            raise ValueError(f"every API key client must use the {header} header")

    def refusal(self, request: Request) -> Response | None:
        presented = request.headers.get(self.header)
        if not presented:
            return self._deny(f"Missing {self.header} header")
        # Check every key without stopping early, so timing does not reveal a near match.
        matches = [hmac.compare_digest(presented.encode(), key) for key in self._keys]
        return None if any(matches) else self._deny("Invalid API key")


class MutualTlsGuard(SandboxGuard):
    """Mutual TLS, for the police sandbox: the client certificate is the credential.

    uvicorn enforces it (`ssl_cert_reqs=ssl.CERT_REQUIRED` with the dev CA, from
    `DevPki.server_ssl_kwargs(require_client_cert=True)`): a client without a certificate from
    that CA fails the TLS handshake and never reaches the app. This guard fails closed if the
    app is served over plain HTTP by mistake, and refuses a request whose server reports (through
    the ASGI TLS extension) that no client certificate was presented. uvicorn does not report
    peer certificates, so `peer_subject` is None under uvicorn.
    """

    def refusal(self, request: Request) -> Response | None:
        if request.url.scheme != "https":
            return self._deny("Mutual TLS required")
        tls = request.scope.get("extensions", {}).get("tls")
        if tls is not None and not tls.get("client_cert_chain"):
            return self._deny("Client certificate required")
        return None

    @staticmethod
    def peer_subject(request: Request) -> str | None:
        """The client certificate's subject (RFC 4514), when the server exposes it via the ASGI TLS extension."""
        chain = request.scope.get("extensions", {}).get("tls", {}).get("client_cert_chain") or []
        if not chain:
            return None
        return x509.load_pem_x509_certificate(str(chain[0]).encode("ascii")).subject.rfc4514_string()


class AuthGateway:
    """An ASGI front for one sandbox: the token endpoint, and every other path checked by the guard."""

    def __init__(self, app: ASGIApp, guard: SandboxGuard) -> None:
        self.app = app
        self.guard = guard
        self._token_app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        if (router := guard.token_router()) is not None:
            self._token_app.include_router(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.guard.token_path:
            await self._token_app(scope, receive, send)
            return
        if not self.guard.is_open(path) and (refusal := self.guard._refuse(Request(scope))) is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
