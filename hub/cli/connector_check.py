"""`hub connectors check AGENCY`: prove the path to an agency step by step, ending in one verdict.

Configuration, credentials, reachability (TCP and TLS), authentication and one synthetic search, each
printed as it completes; the first failure ends the check with what to do next. Nothing here
prints personal data: the search is for the SDK's synthetic probe person.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from rich.console import Console

from hub.agencies import build_connector, load_registry
from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from connectors.sdk.base import Connector
    from connectors.sdk.registry import RegisteredAgency

T = TypeVar("T")
PROBE_REFERRAL = "HUB-CONNECTOR-CHECK"


@dataclass(frozen=True)
class Step:
    name: str
    passed: bool
    detail: str


class CheckFailed(UserError):
    """`hub connectors check` found a problem: the verdict is the message."""


def check_connector(settings: HubSettings, agency_id: str, console: Console) -> None:
    """Each step printed as it completes; the first failure ends the check with what to do next."""
    agency = load_registry(settings).get_or_none(agency_id)
    if agency is None:
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. `hub connectors list` shows the known ones.")
    console.print(f"Checking [bold]{agency.id}[/] ({agency.config.name}) at {agency.config.endpoint}")
    connector = _step(console, "configuration", lambda: _configured(settings, agency))
    _step(console, "reachable", lambda: _reach(connector))
    _step(console, "authenticated", lambda: _authenticate(connector))
    detail = _step(console, "synthetic search", lambda: _probe(connector))
    console.print(
        f"[bold green]PASS[/]: {agency.id} is reachable, accepts the hub's credentials and answered a synthetic "
        f"search ({detail})."
    )


def _step(console: Console, name: str, run: Callable[[], tuple[T, str]]) -> T:
    try:
        value, detail = run()
    except UserError as error:
        console.print(f"  [red]✗[/] {name}")
        raise CheckFailed(f"FAIL at {name}: {error}") from None
    console.print(f"  [green]✓[/] {name}: {detail}")
    return value


def _configured(settings: HubSettings, agency: RegisteredAgency) -> tuple[Connector, str]:
    connector = build_connector(settings, agency.id)
    credentials = connector.credentials
    kind = "no credentials" if credentials is None else f"'{credentials.type}' credentials"
    source = f"from Connection '{agency.config.credentials}'" if agency.config.credentials else ""
    return connector, f"{agency.config.connector}, {kind} {source}".strip()


def _reach(connector: Connector) -> tuple[None, str]:
    """A TCP connection, and for https a verified TLS handshake (with the client certificate), sending nothing."""
    parts = urlsplit(connector.config.endpoint)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    timeout = connector.config.timeouts.connect
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            if parts.scheme == "https":
                with _tls_context(connector).wrap_socket(raw, server_hostname=host):
                    pass
    except TimeoutError:
        raise UserError(
            f"no answer from {host}:{port} within {timeout:g} s. Is the agency up, and the port open?"
        ) from None
    except ssl.SSLError as error:
        raise UserError(
            f"the TLS handshake with {host}:{port} failed ({error.reason or type(error).__name__}). Check the "
            "Connection's ca_bundle (the CA that signed the agency's certificate) and, for mutual TLS, its "
            "client_cert and client_key."
        ) from None
    except OSError as error:
        raise UserError(
            f"cannot connect to {host}:{port} ({error.strerror or type(error).__name__}). "
            "Check the endpoint (HUB_AGENCY_<ID>_ENDPOINT overrides it) and that the agency is running."
        ) from None
    secured = " with a verified TLS handshake" if parts.scheme == "https" else ""
    return None, f"{host}:{port} answered{secured} in {(time.monotonic() - started) * 1000:.0f} ms"


def _tls_context(connector: Connector) -> ssl.SSLContext:
    kwargs = connector.credentials.requests_kwargs() if connector.credentials else {"verify": True}
    verify = kwargs["verify"]
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    cert = kwargs.get("cert")
    if isinstance(cert, tuple):
        context.load_cert_chain(*cert)
    elif isinstance(cert, str):
        context.load_cert_chain(cert)
    return context


def _authenticate(connector: Connector) -> tuple[None, str]:
    """Fetch a token where the agency issues them; other schemes are proven by the search that follows."""
    from connectors.sdk.errors import ConnectorError
    from connectors.sdk.transport import HttpTransport

    transport = HttpTransport(
        connector.config, credentials=connector.credentials, reply_deadline=connector.reply_deadline
    )
    token = getattr(transport.auth, "token", None)
    if token is None:
        kind = "none" if connector.credentials is None else connector.credentials.type
        return None, f"'{kind}' credentials are presented with each request (proven by the search)"
    try:
        token()
    except ConnectorError as error:
        raise UserError(
            f"the agency's token endpoint refused the hub ({error.code}: {error}). "
            f"Check Connection '{connector.config.credentials}' holds current credentials."
        ) from None
    return None, "access token issued"


def _probe(connector: Connector) -> tuple[str, str]:
    from connectors.sdk.base import PROBE_PERSON
    from schemas import ReplyStatus, Subject, SubjectRole

    subject = Subject(subject_id="PROBE", role=SubjectRole.SUBJECT_CHILD, person=PROBE_PERSON)
    reply = connector.check(PROBE_REFERRAL, subject)
    if reply.status is ReplyStatus.FAILED:
        hint = {
            "http_401": "the agency refused the credentials",
            "http_403": "the credentials are not allowed this search",
            "malformed_reply": "the agency answered in a form the connector does not understand",
            "connector_error": "the connector itself failed: the log names the error and the line",
            "connection_error": "the connection was refused, dropped or cut off, or TLS failed",
            "timeout": "the agency did not answer in time",
        }.get(reply.error_code or "", "the agency kept failing: see docs/connectors.md, error codes")
        raise UserError(f"the search failed with {reply.error_code} ({hint}).")
    outcome = f"{reply.status.value.replace('_', ' ')} in {reply.duration_ms} ms"
    return outcome, outcome
