"""One agency sandbox, assembled: its app behind its auth, async replies and fault injection.

    uvicorn -> FaultInjector -> auth gateway -> AsyncReplies (police, education) -> agency app

Fault injection is outermost so it can drop or cut short real connections and also hit token
and poll requests; the auth gateway serves the token endpoint and refuses unauthenticated
requests before a search is queued, as an API gateway in front of the agency's system does.
Each run issues fresh client credentials, which the hub's connectors read from the credentials
file the caller writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from sandbox.common.api import ErrorRenderer
from sandbox.common.async_replies import AsyncReplies
from sandbox.common.auth.api_key import ApiKeyGuard
from sandbox.common.auth.client_secret import ClientSecretGuard
from sandbox.common.auth.credentials import (
    ApiKeyClient,
    IssuedCredentials,
    MutualTlsClient,
    SecretClient,
    SignedJwtClient,
    issue_credentials,
)
from sandbox.common.auth.guard import SandboxGuard
from sandbox.common.auth.mutual_tls import MutualTlsGuard
from sandbox.common.auth.signed_jwt import SignedJwtGuard
from sandbox.common.faults import FaultInjector
from sandbox.common.settings import AgencySandbox
from sandbox.common.store import Database
from sandbox.common.tls import DevPki
from sandbox.education import app as education
from sandbox.health import app as health
from sandbox.housing import app as housing
from sandbox.police import app as police


@dataclass(frozen=True)
class AgencyModule:
    """What the shared layers need from an agency's sandbox module."""

    create_app: Callable[[Database], FastAPI]
    render_error: ErrorRenderer
    malformed_body: Callable[[], tuple[bytes, str]]
    async_paths: tuple[str, ...] = ()


AGENCY_MODULES: dict[str, AgencyModule] = {
    "health": AgencyModule(health.create_app, health.render_error, health.malformed_body),
    "police": AgencyModule(
        police.create_app,
        police.render_error,
        police.malformed_body,
        ("/nominals/search", "/occurrences/search", "/ppns/search"),
    ),
    "education": AgencyModule(
        education.create_app, education.render_error, education.malformed_body, ("/pupils/search",)
    ),
    "housing": AgencyModule(housing.create_app, housing.render_error, housing.malformed_body),
}


@dataclass
class AssembledAgency:
    """The agency app and the layers around it; `faults`, the outermost, is what uvicorn serves."""

    app: FastAPI
    faults: FaultInjector
    replies: AsyncReplies | None
    guard: SandboxGuard | None
    client: IssuedCredentials
    ssl_kwargs: dict[str, Any] | None


def _guard(client: IssuedCredentials, render_error: ErrorRenderer) -> SandboxGuard | None:
    match client:
        case SignedJwtClient():
            return SignedJwtGuard([client], render_error)
        case SecretClient():
            return ClientSecretGuard([client], render_error)
        case ApiKeyClient():
            return ApiKeyGuard([client], render_error)
        case MutualTlsClient():
            return MutualTlsGuard(render_error)
        case _:
            return None


def assemble(
    agency: str, database: Database, settings: AgencySandbox, pki: DevPki | None, *, seed: int | None = None
) -> AssembledAgency:
    """Build one agency's server app from its settings; `pki` is required when it serves TLS."""
    module = AGENCY_MODULES[agency]
    if settings.tls != "off" and pki is None:
        raise ValueError(f"{agency} serves TLS but no development PKI was given")
    tls_pki = pki if settings.tls != "off" else None
    client: IssuedCredentials = issue_credentials(settings.auth, pki=tls_pki)
    app = module.create_app(database)
    inner: ASGIApp = app
    replies = None
    if settings.asynchronous is not None and module.async_paths:
        replies = AsyncReplies(
            app, settings.asynchronous, paths=module.async_paths, render_error=module.render_error, seed=seed
        )
        inner = replies
    guard = _guard(client, module.render_error)
    if guard is not None:
        inner = guard.gateway(inner)
    faults = FaultInjector(
        inner, settings.faults, render_error=module.render_error, malformed_body=module.malformed_body, seed=seed
    )
    ssl_kwargs = tls_pki.server_ssl_kwargs(require_client_cert=settings.tls == "mutual") if tls_pki else None
    return AssembledAgency(app, faults, replies, guard, client, ssl_kwargs)
