"""The credentials a sandbox issues to the hub for one run, and the file the hub's connectors read them from.

Each kind matches a guard: an NHS signed-JWT application (an API key and an RSA key pair), an OAuth
client id and secret, a static API key, a client certificate from the development CA, or none.
`connector_credentials()` is the JSON a connector reads (`connectors.sdk.auth.AgencyCredentials`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, overload

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from sandbox.common.tls import PRIVATE_KEY_MODE, DevPki, write_atomically

API_KEY_HEADER = "X-API-Key"
NHS_RSA_KEY_BITS = 4096
"""The NHS guide has applications generate 4096-bit RSA keys for signed JWT authentication."""

CredentialKind = Literal["nhs_signed_jwt", "client_secret", "api_key", "mutual_tls", "none"]


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
