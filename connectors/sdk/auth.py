"""How connectors authenticate to agencies: requests auth handlers, TLS settings, and typed credentials.

* `NhsSignedJwtAuth`: the NHS API Platform's signed-JWT client credentials (RS512 assertion).
* `ClientSecretAuth`: OAuth 2.0 client credentials with a client id and secret.
* `ApiKeyAuth`: a static key in a header.
* `TlsClientConfig`: the CA bundle to trust and the client certificate for mutual TLS.

The token handlers fetch a token once, share it between threads until shortly before it
expires, and fetch a new one (retrying the request once) if the agency answers 401. `shared_auth`
keeps one handler per credentials and endpoint in a process, so the checks of one task (several
people, several requests each) load a signing key once and share one token. A failed
token request raises a `ConnectorError` with a short code and a fixed message: no secret, token
or agency reply text ever reaches an exception or a log.

`AgencyCredentials` is the typed, secret-marked form of one agency's credentials, as written by
`hub sandbox up` (`sandbox.common.auth.credentials.write_credentials_file`) or by an operator::

    credentials = load_credentials_file(path)["health"]
    session.auth = credentials.build_auth(endpoint)
    session.get(url, **credentials.requests_kwargs())
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote_plus

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError
from requests.auth import AuthBase, HTTPBasicAuth

from connectors.sdk.errors import AgencyTimeout, AgencyUnavailable, ConnectorError

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a password
API_KEY_HEADER = "X-API-Key"
CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NHS_ALGORITHM = "RS512"
ASSERTION_LIFETIME_SECONDS = 270
"""Below the NHS platform's five-minute cap on an assertion's exp, leaving room for clock drift."""
REFRESH_MARGIN_SECONDS = 30.0
"""Fetch a new token this long before the cached one expires (at most half its lifetime)."""
DEFAULT_TIMEOUT = (3.05, 10.0)
OAUTH_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "public_key error",
    }
)
"""Error codes safe to quote in an exception message: fixed vocabulary, never a secret."""


class AuthenticationFailed(ConnectorError):
    """The agency refused the connector's credentials, or its token endpoint answered nonsense."""

    default_code = "auth_failed"


@dataclass(frozen=True)
class TlsClientConfig:
    """Which CA to trust for the agency's server, and the client certificate for mutual TLS.

    `ca_bundle` None means the system trust store. Pass these per request (`requests_kwargs`)
    rather than on the session: requests lets `REQUESTS_CA_BUNDLE` override `session.verify`.
    """

    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None

    def requests_kwargs(self) -> dict[str, Any]:
        """`verify` and, for mutual TLS, `cert`, for `requests.Session.request`."""
        kwargs: dict[str, Any] = {"verify": self.ca_bundle or True}
        if self.client_cert:
            kwargs["cert"] = (self.client_cert, self.client_key) if self.client_key else self.client_cert
        return kwargs


class ApiKeyAuth(AuthBase):
    """A static API key in a header, e.g. `X-API-Key`."""

    def __init__(self, header: str, key: str) -> None:
        self.header = header
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self._key
        return request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self.header!r})"


class _CachedTokenAuth(AuthBase, ABC):
    """A bearer token from an OAuth 2.0 token endpoint, fetched once and shared until shortly before it expires."""

    def __init__(
        self,
        token_url: str,
        *,
        tls: TlsClientConfig | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        session_factory: Callable[[], requests.Session] = requests.Session,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.tls = tls or TlsClientConfig()
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self._session_factory = session_factory
        self._session: requests.Session | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.hooks["response"].append(self._retry_once_on_401)
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r})"

    def token(self) -> str:
        """The cached token, or a new one if it is missing or about to expire (one fetch at a time)."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, lifetime = self._fetch()
                self._refresh_at = self._clock() + lifetime - min(self.refresh_margin, lifetime / 2)
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given), so the next request fetches another."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None

    @abstractmethod
    def _token_request(self) -> dict[str, Any]:
        """Keyword arguments (`data`, `auth`) for the token POST."""

    def _fetch(self) -> tuple[str, float]:
        if self._session is None:
            self._session = self._session_factory()
        try:
            response = self._session.post(
                self.token_url, timeout=self.timeout, **self._token_request(), **self.tls.requests_kwargs()
            )
        except requests.Timeout:
            raise AgencyTimeout(message="token request timed out") from None
        except requests.RequestException:
            raise AgencyUnavailable(message="token endpoint unreachable") from None
        with response:
            if response.status_code == 429 or response.status_code >= 500:
                raise AgencyUnavailable(f"auth_http_{response.status_code}", "token endpoint unavailable")
            if response.status_code != 200:
                refusal = f"token request refused: HTTP {response.status_code} {_error_of(response)}"
                raise AuthenticationFailed(message=refusal)
            return _parse_token(response)

    def _retry_once_on_401(self, response: requests.Response, **send_kwargs: Any) -> requests.Response:
        """On 401 the token was revoked or expired early (e.g. the agency restarted): fetch another, resend once.

        The resend goes straight to the adapter, so this hook does not run again for it.
        """
        sent = response.request
        if response.status_code != 401 or hasattr(sent.body, "read"):
            return response
        self.invalidate(sent.headers.get("Authorization", "").removeprefix("Bearer "))
        retry = sent.copy()
        retry.headers["Authorization"] = f"Bearer {self.token()}"
        _ = response.content  # drain, so the connection goes back to the pool
        response.close()
        retried = response.connection.send(retry, **send_kwargs)
        retried.history.append(response)
        retried.request = retry
        return retried


def _error_of(response: requests.Response) -> str:
    """The OAuth `error` code of a refusal, if it is one of the standard ones; never free text."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return "(no OAuth error)"
    return str(error) if error in OAUTH_ERROR_CODES else "(unrecognised error)"


def _parse_token(response: requests.Response) -> tuple[str, float]:
    try:
        body = response.json()
        token, token_type, lifetime = body["access_token"], body.get("token_type", ""), float(body["expires_in"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuthenticationFailed(message="token reply malformed") from None
    if not isinstance(token, str) or not token or str(token_type).lower() != "bearer" or lifetime <= 0:
        raise AuthenticationFailed(message="token reply malformed")
    return token, lifetime


class NhsSignedJwtAuth(_CachedTokenAuth):
    """The NHS API Platform's application-restricted signed-JWT authentication.

    Each token request carries a fresh assertion signed RS512 with the application's private key,
    header `kid`, claims iss = sub = API key, aud = the token URL, a random jti and a short exp.
    """

    def __init__(
        self,
        token_url: str,
        api_key: str,
        private_key_pem: str | bytes,
        kid: str,
        *,
        tls: TlsClientConfig | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        super().__init__(
            token_url, tls=tls, timeout=timeout, refresh_margin=refresh_margin, session_factory=session_factory
        )
        pem = private_key_pem.encode("ascii") if isinstance(private_key_pem, str) else private_key_pem
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError):
            raise ValueError("the NHS signing key is not an unencrypted PEM private key") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the NHS signing key must be an RSA key (RS512)")
        self._key = key
        self._api_key = api_key
        self.kid = kid

    def _token_request(self) -> dict[str, Any]:
        claims = {
            "iss": self._api_key,
            "sub": self._api_key,
            "aud": self.token_url,
            "jti": str(uuid.uuid4()),
            "exp": int(time.time()) + ASSERTION_LIFETIME_SECONDS,
        }
        assertion = jwt.encode(claims, self._key, algorithm=NHS_ALGORITHM, headers={"kid": self.kid})
        return {
            "data": {
                "grant_type": CLIENT_CREDENTIALS,
                "client_assertion_type": JWT_BEARER_ASSERTION,
                "client_assertion": assertion,
            }
        }


class ClientSecretAuth(_CachedTokenAuth):
    """OAuth 2.0 client credentials with a client id and secret.

    Sent with HTTP Basic by default, id and secret form-encoded first as RFC 6749 §2.3.1 says;
    `in_body=True` sends them as `client_id`/`client_secret` form fields instead.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        in_body: bool = False,
        tls: TlsClientConfig | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        super().__init__(
            token_url, tls=tls, timeout=timeout, refresh_margin=refresh_margin, session_factory=session_factory
        )
        self.client_id = client_id
        self._client_secret = client_secret
        self.in_body = in_body

    def _token_request(self) -> dict[str, Any]:
        data = {"grant_type": CLIENT_CREDENTIALS}
        if self.in_body:
            return {"data": data | {"client_id": self.client_id, "client_secret": self._client_secret}}
        return {"data": data, "auth": HTTPBasicAuth(quote_plus(self.client_id), quote_plus(self._client_secret))}


# --- Typed credentials ------------------------------------------------------------------------------------


class _Credentials(BaseModel):
    """One agency's credentials. `ca_bundle` is the CA to trust for its server (None: the system store)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_bundle: str | None = None

    def tls(self) -> TlsClientConfig:
        return TlsClientConfig(ca_bundle=self.ca_bundle)

    def requests_kwargs(self) -> dict[str, Any]:
        """`verify` (and `cert` for mutual TLS), to pass with every request to the agency."""
        return self.tls().requests_kwargs()

    def build_auth(
        self, endpoint: str, *, session_factory: Callable[[], requests.Session] = requests.Session
    ) -> AuthBase | None:
        """The requests auth handler for this agency, whose base URL is `endpoint`; None if TLS alone suffices."""
        return None


class NhsSignedJwtCredentials(_Credentials):
    type: Literal["nhs_signed_jwt"] = "nhs_signed_jwt"
    api_key: SecretStr
    kid: str
    private_key_pem: SecretStr
    token_url: str | None = None
    """Defaults to the agency endpoint + /oauth2/token (the sandbox); NHS's is e.g. https://api.service.nhs.uk/oauth2/token."""

    def build_auth(
        self, endpoint: str, *, session_factory: Callable[[], requests.Session] = requests.Session
    ) -> AuthBase:
        return NhsSignedJwtAuth(
            self.token_url or _default_token_url(endpoint),
            self.api_key.get_secret_value(),
            self.private_key_pem.get_secret_value(),
            self.kid,
            tls=self.tls(),
            session_factory=session_factory,
        )


class ClientSecretCredentials(_Credentials):
    type: Literal["client_secret"] = "client_secret"
    client_id: str
    client_secret: SecretStr
    token_url: str | None = None

    def build_auth(
        self, endpoint: str, *, session_factory: Callable[[], requests.Session] = requests.Session
    ) -> AuthBase:
        return ClientSecretAuth(
            self.token_url or _default_token_url(endpoint),
            self.client_id,
            self.client_secret.get_secret_value(),
            tls=self.tls(),
            session_factory=session_factory,
        )


class ApiKeyCredentials(_Credentials):
    type: Literal["api_key"] = "api_key"
    header: str = API_KEY_HEADER
    api_key: SecretStr

    def build_auth(
        self, endpoint: str, *, session_factory: Callable[[], requests.Session] = requests.Session
    ) -> AuthBase:
        return ApiKeyAuth(self.header, self.api_key.get_secret_value())


class MutualTlsCredentials(_Credentials):
    type: Literal["mutual_tls"] = "mutual_tls"
    client_cert: str
    client_key: str

    def tls(self) -> TlsClientConfig:
        return TlsClientConfig(ca_bundle=self.ca_bundle, client_cert=self.client_cert, client_key=self.client_key)


class NoCredentials(_Credentials):
    type: Literal["none"] = "none"


AgencyCredentials = Annotated[
    NhsSignedJwtCredentials | ClientSecretCredentials | ApiKeyCredentials | MutualTlsCredentials | NoCredentials,
    Field(discriminator="type"),
]
CREDENTIALS_FILE: TypeAdapter[dict[str, AgencyCredentials]] = TypeAdapter(dict[str, AgencyCredentials])


class CredentialsFileError(ValueError):
    """A credentials file could not be read; the message names fields, never their values."""


def parse_credentials(document: bytes | str) -> dict[str, AgencyCredentials]:
    """Parse `{agency id: credentials}` JSON; errors name the fields at fault but quote no values."""
    try:
        return CREDENTIALS_FILE.validate_json(document)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, problem['loc']))}: {problem['type']}" for problem in error.errors())
        raise CredentialsFileError(f"invalid agency credentials ({problems})") from None


def load_credentials_file(path: Path) -> dict[str, AgencyCredentials]:
    """Read the agency credentials file (e.g. the one `hub sandbox up` writes)."""
    try:
        document = path.read_bytes()
    except OSError as error:
        raise CredentialsFileError(f"cannot read agency credentials file {path}: {error.strerror}") from None
    return parse_credentials(document)


@functools.lru_cache(maxsize=64)
def shared_auth(credentials: AgencyCredentials, endpoint: str) -> AuthBase | None:
    """The auth handler for these credentials at this endpoint, one per process (see the module docstring).

    Credentials are frozen models, so a changed Connection (a rotated secret) is another key and gets a
    handler of its own. Token handlers are safe to share between threads; a signing key is parsed once.
    """
    return credentials.build_auth(endpoint)


def _default_token_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + TOKEN_PATH
