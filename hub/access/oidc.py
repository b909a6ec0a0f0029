"""Staff sign-in with the council's identity provider over OpenID Connect (Entra ID, NHS CIS2).

Why it is shaped like this:
- The CLI is a native app (RFC 8252): it opens the provider's sign-in page in the person's browser and
  takes the answer on a listener at `http://127.0.0.1:<free port>/callback` that accepts one callback
  and stops. No secret has to live on a laptop: a public client proves itself with PKCE (S256); a
  confidential client adds a secret read from an environment variable named in the settings.
- `state` ties the answer to this sign-in (a redirect forged by another page is refused), `nonce` ties
  the ID token to it (a replayed token is refused), PKCE ties the code to this process (a code
  intercepted on its way back is useless to anyone else).
- The ID token is checked against the provider's published keys (JWKS): signature, `iss`, `aud`, `exp`,
  `iat` and `nonce`. `identity_from_id_token` does that with no network, so the web application can
  reuse it behind its own redirect.
- Roles come from one claim, mapped through `role_map`; values not in the map are ignored, and a person
  with no mapped role is refused (deny by default).
- Every failure is one `UserError` line saying what to do next. None carries a token, a code or a
  claim's value (names, emails and roles are personal data), and the listener logs nothing, because its
  request line holds the authorization code.

authlib supplies the OAuth pieces that are easy to get subtly wrong (the authorization URL, the PKCE
challenge, client authentication at the token endpoint, the ID token's OpenID claim rules) and joserfc,
which authlib now recommends over its own `authlib.jose`, verifies the signature. HTTP is plain httpx:
authlib's httpx integration warns on every import while `httpx2` is not installed.
"""

from __future__ import annotations

import hmac
import http.server
import ipaddress
import os
import re
import secrets
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    MissingKeyError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from hub.errors import UserError
from schemas.config_files import field_path, problem_message

SETTINGS_HINT: Final = "See 'Signing in with the council's identity provider' in docs/deployment.md."
CALLBACK_PATH: Final = "/callback"
"""The loopback redirect is `http://127.0.0.1:<port>/callback`; register `http://127.0.0.1/callback`."""
HTTP_TIMEOUT_SECONDS: Final = 15.0
ASYMMETRIC_ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""ID token signatures the hub accepts: public-key ones only, never `none` or a shared-secret HMAC."""
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")
_AGAIN = "run the sign-in again"


class OidcSettings(BaseModel):
    """The `oidc:` section of config/roles.yaml: which provider, which app registration, which claims."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(description="The provider's issuer URL, exactly as its discovery document names it.")
    client_id: str = Field(min_length=1, description="The hub's application (client) id at the provider.")
    client_secret_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding the client secret; unset for a public client.",
    )
    scopes: tuple[str, ...] = Field(default=("openid", "profile", "email"), description="Must include openid.")
    username_claim: str = Field(default="preferred_username", min_length=1, description="Falls back to email.")
    roles_claim: str = Field(default="roles", min_length=1, description="Entra ID app roles are in `roles`.")
    roles_claim_key: str | None = Field(
        default=None,
        min_length=1,
        description="When the roles claim is a list of objects (CIS2's nhsid_nrbac_roles), the key to read.",
    )
    claims_from_userinfo: bool = Field(
        default=False, description="Also read claims from the UserInfo endpoint (CIS2 releases roles only there)."
    )
    role_map: dict[str, str] = Field(description="Claim value -> hub role name; other values are ignored.")
    allowed_clock_skew: int = Field(default=60, ge=0, le=300, description="Seconds of leeway on exp and iat.")

    @field_validator("issuer")
    @classmethod
    def _issuer_is_https(cls, value: str) -> str:
        if not is_secure_url(value):
            raise ValueError("must be an https:// URL (http:// only for a provider on this machine)")
        if urlsplit(value).query or urlsplit(value).fragment:
            raise ValueError("must have no query or fragment")
        return value

    @field_validator("client_secret_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError("must be the name of an environment variable (letters, digits, _), not the secret")
        return value

    @field_validator("scopes", mode="before")
    @classmethod
    def _scopes_from_text(cls, value: object) -> object:
        return tuple(value.split()) if isinstance(value, str) else value

    @field_validator("scopes")
    @classmethod
    def _requests_openid(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if "openid" not in value:
            raise ValueError("must include openid")
        return value

    @field_validator("role_map")
    @classmethod
    def _maps_to_hub_roles(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if not value:
            raise ValueError("must map at least one claim value to a hub role (no one can sign in otherwise)")
        known: Collection[str] | None = (info.context or {}).get("known_roles")
        unknown = sorted(set(value.values()) - set(known)) if known is not None else []
        if unknown:
            raise ValueError(
                f"maps to unknown hub roles ({', '.join(unknown)}); known: {', '.join(sorted(known or ()))}"
            )
        return value

    @classmethod
    def from_mapping(cls, section: object, *, known_roles: Collection[str] | None = None) -> OidcSettings:
        """The settings, or one `UserError` line naming each bad field (`oidc.client_id: is required`).

        `known_roles`, when given, are the hub's role names: `role_map` may map only to those.
        """
        if not isinstance(section, Mapping):
            raise UserError(f"oidc: must be a mapping of settings. {SETTINGS_HINT}")
        try:
            return cls.model_validate(dict(section), context={"known_roles": known_roles})
        except ValidationError as error:
            problems = "; ".join(
                f"oidc.{field_path(detail['loc'])}: {problem_message(detail)}" for detail in error.errors()
            )
            raise UserError(f"{problems}. {SETTINGS_HINT}") from None

    def client_secret(self) -> str | None:
        """The secret from the environment, read at sign-in so it is never in a file or in the settings."""
        if self.client_secret_env is None:
            return None
        secret = os.environ.get(self.client_secret_env, "")
        if not secret:
            raise UserError(
                f"Set the environment variable {self.client_secret_env} to the hub's client secret "
                f"(oidc.client_secret_env), then {_AGAIN}."
            )
        return secret


@dataclass(frozen=True)
class OidcIdentity:
    """Who signed in, as the provider vouches: the hub keys accounts on (issuer, subject), never on names."""

    issuer: str
    subject: str
    username: str
    display_name: str
    roles: frozenset[str]
    """Hub role names, mapped through `role_map`; never empty."""
    claims_roles: frozenset[str]
    """The roles claim's raw values, mapped or not (for an administrator checking a mapping)."""
    auth_time: int | None = None
    """When the person last proved themselves to the provider (Unix seconds, the ID token's `auth_time`), if
    it said: the web application's re-authentication before break-glass needs it recent."""


@dataclass(frozen=True)
class ProviderMetadata:
    """What the hub uses of the provider's discovery document."""

    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    signing_algorithms: tuple[str, ...]
    token_endpoint_auth_methods: tuple[str, ...]

    def client_auth_method(self, *, has_secret: bool) -> str:
        """`none` for a public client; otherwise HTTP Basic, or a form post if that is all it takes."""
        if not has_secret:
            return "none"
        for method in ("client_secret_basic", "client_secret_post"):
            if method in self.token_endpoint_auth_methods:
                return method
        raise UserError(
            "The identity provider takes no client secret at its token endpoint (only "
            f"{', '.join(self.token_endpoint_auth_methods)}); unset oidc.client_secret_env or change the app "
            "registration."
        )


def is_secure_url(url: str) -> bool:
    """https, or http to this machine only (a test provider; RFC 8252's loopback exception)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        return False
    if parts.scheme == "https" or parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SignInSecrets:
    """What one sign-in sends out and must find again in the answer: `state`, `nonce` and the PKCE verifier."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> SignInSecrets:
        return cls(*(secrets.token_urlsafe(32) for _ in range(3)))


def sign_in(settings: OidcSettings, *, open_url: Callable[[str], None], timeout: float = 300) -> OidcIdentity:
    """Run the authorization code flow with PKCE through the person's browser; the identity it proves.

    `open_url` shows the provider's sign-in page (the CLI opens a browser and prints the URL); `timeout`
    is how many seconds to wait for the person to finish there.
    """
    secret = settings.client_secret()
    with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as client:
        provider = discover(client, settings)
        with _CallbackListener() as listener:
            url, sent = authorization_request(settings, provider, redirect_uri=listener.redirect_uri)
            answer = listener.wait_for_answer(open_url, url, timeout)
        return identity_from_answer(
            client, settings, provider, answer, sent, redirect_uri=listener.redirect_uri, secret=secret
        )


def authorization_request(
    settings: OidcSettings, provider: ProviderMetadata, *, redirect_uri: str, fresh_sign_in: bool = False
) -> tuple[str, SignInSecrets]:
    """The provider's sign-in address to send the person to, and the secrets its answer must match.

    The CLI redirects to its loopback listener; the web application to its own `/signin/callback`.
    `fresh_sign_in` asks the provider to make the person prove themselves again even if it remembers them
    (`prompt=login`, `max_age=0`: OpenID Connect Core 1.0 section 3.1.2.1), for re-authentication.
    """
    fresh = {"prompt": "login", "max_age": "0"} if fresh_sign_in else {}
    sent = SignInSecrets.new()
    url = prepare_grant_uri(
        provider.authorization_endpoint,
        client_id=settings.client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=" ".join(settings.scopes),
        state=sent.state,
        nonce=sent.nonce,
        code_challenge=create_s256_code_challenge(sent.code_verifier),
        code_challenge_method="S256",
        **fresh,
    )
    return str(url), sent


def identity_from_answer(
    client: httpx.Client,
    settings: OidcSettings,
    provider: ProviderMetadata,
    answer: Mapping[str, str],
    sent: SignInSecrets,
    *,
    redirect_uri: str,
    secret: str | None,
) -> OidcIdentity:
    """The identity the provider's answer (the redirect's query) proves: its code exchanged, its ID token checked."""
    code = _code_from(answer, state=sent.state)
    tokens = _exchange_code(
        client,
        settings,
        provider,
        secret=secret,
        code=code,
        code_verifier=sent.code_verifier,
        redirect_uri=redirect_uri,
    )
    jwks = _get_json(client, settings, provider.jwks_uri, "signing keys")
    userinfo = _userinfo(client, settings, provider, tokens) if settings.claims_from_userinfo else None
    return identity_from_id_token(
        settings,
        tokens["id_token"],
        nonce=sent.nonce,
        jwks=jwks,
        access_token=tokens.get("access_token"),
        userinfo=userinfo,
        algorithms=provider.signing_algorithms,
    )


def discover(client: httpx.Client, settings: OidcSettings) -> ProviderMetadata:
    """The provider's endpoints from `{issuer}/.well-known/openid-configuration` (OIDC Discovery 1.0)."""
    url = settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _get_json(client, settings, url, "discovery document")
    if document.get("issuer") != settings.issuer:
        raise UserError(
            f"The discovery document at {url} names a different issuer; set oidc.issuer to exactly the "
            f"document's 'issuer' value, then {_AGAIN}."
        )

    def endpoint(name: str, *, required: bool = True) -> str | None:
        value = document.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not is_secure_url(value):
            raise UserError(f"The identity provider's discovery document has no usable {name}; check oidc.issuer.")
        return value

    algorithms = document.get("id_token_signing_alg_values_supported", ["RS256"])
    accepted = tuple(a for a in ASYMMETRIC_ALGORITHMS if isinstance(algorithms, list) and a in algorithms)
    if not accepted:
        raise UserError(
            "The identity provider signs ID tokens with no algorithm the hub accepts "
            f"({', '.join(ASYMMETRIC_ALGORITHMS)}); ask its administrator to sign with RS256."
        )
    methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    return ProviderMetadata(
        authorization_endpoint=str(endpoint("authorization_endpoint")),
        token_endpoint=str(endpoint("token_endpoint")),
        jwks_uri=str(endpoint("jwks_uri")),
        userinfo_endpoint=endpoint("userinfo_endpoint", required=False),
        signing_algorithms=accepted,
        token_endpoint_auth_methods=tuple(m for m in methods if isinstance(m, str))
        if isinstance(methods, list)
        else (),
    )


def identity_from_id_token(
    settings: OidcSettings,
    id_token: str,
    *,
    nonce: str,
    jwks: Mapping[str, Any],
    access_token: str | None = None,
    userinfo: Mapping[str, Any] | None = None,
    algorithms: Collection[str] = ASYMMETRIC_ALGORITHMS,
    now: int | None = None,
) -> OidcIdentity:
    """The identity an ID token proves, checked with the provider's keys; no network, so any front end reuses it.

    Checks the signature (`jwks`, `algorithms`), `iss` (= settings.issuer), `aud`/`azp` (= client_id),
    `exp`, `iat` and `nbf` (with `allowed_clock_skew`), `nonce`, and `at_hash` when `access_token` is
    given. `userinfo`, when given, must be about the same `sub`; its claims then add to the token's.
    `now` (Unix seconds) is for tests.
    """
    if not nonce:
        raise ValueError("nonce is required: the one sent in this sign-in's authorization request")
    claims = _verified_claims(settings, id_token, nonce, jwks, access_token, algorithms, now)
    profile = dict(claims)
    if userinfo is not None:
        if userinfo.get("sub") != claims["sub"]:
            raise UserError(
                f"The identity provider's user information is about another account than its ID token; {_AGAIN}."
            )
        profile.update(userinfo)
    username = _first_text(profile, settings.username_claim, "email")
    if username is None:
        raise UserError(
            f"The identity provider sent neither a '{settings.username_claim}' nor an 'email' claim; ask its "
            f"administrator to release one, or change oidc.username_claim, then {_AGAIN}."
        )
    claims_roles = frozenset(_role_values(profile.get(settings.roles_claim), settings.roles_claim_key))
    roles = frozenset(settings.role_map[value] for value in claims_roles if value in settings.role_map)
    if not roles:
        raise UserError(
            f"This account has no MASH Hub role: none of its '{settings.roles_claim}' claim values is in "
            "oidc.role_map. Ask the identity provider's administrator to assign you a hub role, "
            f"then {_AGAIN}."
        )
    return OidcIdentity(
        issuer=claims["iss"],
        subject=claims["sub"],
        username=username,
        display_name=_first_text(profile, "name") or username,
        roles=roles,
        claims_roles=claims_roles,
        auth_time=claims["auth_time"] if type(claims.get("auth_time")) is int else None,
    )


def _verified_claims(
    settings: OidcSettings,
    id_token: str,
    nonce: str,
    jwks: Mapping[str, Any],
    access_token: str | None,
    algorithms: Collection[str],
    now: int | None,
) -> dict[str, Any]:
    """The ID token's claims once its signature and its OpenID Connect Core 3.1.3.7 claims hold."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise UserError(
            f"The identity provider's signing keys (JWKS) cannot be read; check oidc.issuer, then {_AGAIN}."
        ) from None
    skew = settings.allowed_clock_skew
    try:
        token = jwt.decode(id_token, keys, algorithms=[a for a in algorithms if a in ASYMMETRIC_ALGORITHMS])
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": settings.issuer},
                "aud": {"essential": True, "value": settings.client_id},
            },
            {"nonce": nonce, "client_id": settings.client_id, "access_token": access_token},
        )
        claims.validate(now=now, leeway=skew)
    except ExpiredTokenError:
        raise UserError(
            f"The ID token has expired; check this computer's clock (allowed skew {skew} s), then {_AGAIN}."
        ) from None
    except ClaimError as error:
        raise UserError(_claim_problem(error, skew)) from None
    except (BadSignatureError, InvalidKeyIdError, MissingKeyError):
        raise UserError(
            "The ID token's signature does not verify with the identity provider's published keys, so it was "
            f"refused; check oidc.issuer, then {_AGAIN}."
        ) from None
    except UnsupportedAlgorithmError:
        raise UserError(
            f"The ID token is signed with an algorithm the hub does not accept (only {', '.join(algorithms)}), "
            "so it was refused."
        ) from None
    except (JoseError, ValueError):
        raise UserError(f"The identity provider's answer is not a valid ID token; {_AGAIN}.") from None
    return dict(claims)


def _claim_problem(error: ClaimError, skew: int) -> str:
    """What a failed claim check means to the person signing in (the claim's name, never its value)."""
    claim = error.claim
    if isinstance(error, MissingClaimError):
        return f"The ID token lacks its required '{claim}' claim, so it was refused; {_AGAIN}."
    if claim in ("aud", "azp"):
        return (
            "The ID token was issued to another application, not this hub's oidc.client_id, so it was refused; "
            f"check oidc.client_id against the app registration, then {_AGAIN}."
        )
    if claim == "iss":
        return (
            "The ID token was issued by another provider than oidc.issuer, so it was refused; check oidc.issuer, "
            f"then {_AGAIN}."
        )
    if claim == "nonce":
        return f"The ID token does not belong to this sign-in (nonce mismatch), so it was refused; {_AGAIN}."
    if claim in ("iat", "nbf"):
        return (
            f"The ID token is dated in the future; check this computer's clock (allowed skew {skew} s), then {_AGAIN}."
        )
    return f"The ID token's '{claim}' claim is invalid, so it was refused; {_AGAIN}."


def _first_text(claims: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _role_values(claim: object, key: str | None) -> Iterator[str]:
    """Strings from a roles claim: a string or list of strings, or with `key` an object or list of objects."""
    for item in claim if isinstance(claim, list) else [claim]:
        if key is not None:
            item = item.get(key) if isinstance(item, Mapping) else None
        if isinstance(item, str) and item:
            yield item


def _code_from(answer: Mapping[str, str], *, state: str) -> str:
    """The authorization code, once the answer is shown to be this sign-in's (RFC 6749 4.1.2, 10.12)."""
    received_state = answer.get("state")
    if received_state is not None and not hmac.compare_digest(received_state.encode(), state.encode()):
        raise UserError(
            "The sign-in answer does not belong to this sign-in (state mismatch), so it was refused; "
            f"{_AGAIN}. If it happens again, another program on this computer may be interfering."
        )
    error = answer.get("error")
    if error == "access_denied":
        raise UserError(
            "Sign-in was cancelled or refused at the identity provider (access_denied); run the sign-in again, "
            "or ask its administrator to give you access to MASH Hub."
        )
    if error is not None:
        raise UserError(f"The identity provider refused the sign-in ({_error_code(error)}); {_AGAIN}.")
    code = answer.get("code")
    if received_state is None or not code:
        raise UserError(f"The sign-in answer has no authorization code or no state, so it was refused; {_AGAIN}.")
    return code


def _error_code(value: object) -> str:
    """An OAuth error code if it looks like one; anything else could carry text nobody vetted."""
    return value if isinstance(value, str) and _ERROR_CODE.fullmatch(value) else "unrecognised error"


def _exchange_code(
    client: httpx.Client,
    settings: OidcSettings,
    provider: ProviderMetadata,
    *,
    secret: str | None,
    code: str,
    code_verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    """Tokens for the code (RFC 6749 4.1.3, with RFC 7636's verifier), authenticated as the hub's client."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    client_auth = ClientAuth(settings.client_id, secret, provider.client_auth_method(has_secret=secret is not None))
    _, headers, body = client_auth.prepare(
        "POST",
        provider.token_endpoint,
        {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        urlencode(form),
    )
    response = _request(client, settings, "POST", provider.token_endpoint, content=body, headers=headers)
    tokens = _json_object(response)
    if response.status_code != httpx.codes.OK or tokens is None:
        error = tokens.get("error") if tokens else None
        raise UserError(
            f"The identity provider refused to exchange the sign-in code for tokens "
            f"({_error_code(error) if error else f'HTTP {response.status_code}'}); {_AGAIN}."
        )
    if not isinstance(tokens.get("id_token"), str):
        raise UserError(
            f"The identity provider sent no ID token; check that oidc.scopes includes openid, then {_AGAIN}."
        )
    return tokens


def _userinfo(
    client: httpx.Client, settings: OidcSettings, provider: ProviderMetadata, tokens: Mapping[str, Any]
) -> dict[str, Any]:
    """Claims from the UserInfo endpoint, where CIS2 releases roles (OIDC Core 5.3)."""
    access_token = tokens.get("access_token")
    if provider.userinfo_endpoint is None or not isinstance(access_token, str):
        raise UserError(
            "oidc.claims_from_userinfo is set, but the identity provider has no UserInfo endpoint or sent no "
            f"access token; unset it or check oidc.issuer. {SETTINGS_HINT}"
        )
    headers = {"Authorization": f"Bearer {access_token}"}
    return _get_json(client, settings, provider.userinfo_endpoint, "user information", headers=headers)


def _get_json(
    client: httpx.Client, settings: OidcSettings, url: str, what: str, *, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    response = _request(client, settings, "GET", url, headers=headers)
    document = _json_object(response)
    if response.status_code != httpx.codes.OK or document is None:
        raise UserError(
            f"The identity provider answered HTTP {response.status_code} for its {what} at {urlsplit(url).path}; "
            f"check oidc.issuer, then {_AGAIN}."
        )
    return document


def _request(client: httpx.Client, settings: OidcSettings, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        reason = "timed out" if isinstance(error, httpx.TimeoutException) else type(error).__name__
        raise UserError(
            f"Cannot reach the identity provider at {settings.issuer} ({reason}); check the network and "
            f"oidc.issuer, then {_AGAIN}."
        ) from None


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


class _CallbackListener:
    """An HTTP listener on 127.0.0.1 and a free port that takes the provider's one redirect, then stops."""

    def __init__(self) -> None:
        self._server = _CallbackServer()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="oidc-callback")
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> _CallbackListener:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def wait_for_answer(self, open_url: Callable[[str], None], url: str, timeout: float) -> dict[str, str]:
        """The redirect's query parameters, after `open_url(url)`; a `UserError` if none comes in `timeout` s."""
        open_url(url)
        if not self._server.answered.wait(timeout):
            raise UserError(
                f"No answer from the identity provider within {timeout:g} s; run the sign-in again and finish "
                "it in the browser window it opens."
            )
        return self._server.answer


class _CallbackServer(http.server.HTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CallbackHandler)
        self.answer: dict[str, str] = {}
        self.answered = threading.Event()


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    """Takes the first request to /callback; anything else, or a second callback, is 404."""

    server: _CallbackServer
    timeout = 10  # a connection that sends nothing cannot hold the listener

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH or self.server.answered.is_set():
            self.send_error(http.HTTPStatus.NOT_FOUND)
            return
        self.server.answer = dict(parse_qsl(parts.query))
        page = (
            b"<!doctype html><title>MASH Hub sign-in</title>"
            b"<p>MASH Hub has the identity provider's answer. Return to the terminal to see whether sign-in "
            b"succeeded; you can close this tab.</p>"
        )
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(page)
        self.server.answered.set()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the authorization code and state."""
