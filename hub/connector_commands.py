"""`hub connectors ...`: what an integration engineer runs to see, prove and repair agency connectors.

* `list`: the registry as the hub will use it.
* `check AGENCY`: configuration, credentials, reachability, authentication and one synthetic search,
  step by step, ending in one verdict.
* `parse AGENCY FILE`: a captured native reply normalised offline, as it would be stored.
* `renormalise AGENCY`: every stored raw reply of the agency read again with today's mapping.

Nothing here prints personal data except `parse`, whose input the engineer already holds.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from connectors.wording import count
from hub.agencies import build_connector, load_registry, local_connection_lookup
from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from connectors.base import Connector
    from connectors.registry import RegisteredAgency
    from schemas import AgencyReply

T = TypeVar("T")
PROBE_REFERRAL = "HUB-CONNECTOR-CHECK"
RENORMALISE_PURPOSE = "connector mapping fix: re-normalise stored replies"


def list_connectors(settings: HubSettings, console: Console) -> None:
    registry = load_registry(settings)
    lookup = local_connection_lookup(settings)
    table = Table(title=f"Agencies in {registry.source}", title_justify="left")
    for column in ("Agency", "Endpoint", "Credentials (Connection)", "Pool", "Rate limit", "Deadlines R/A/G"):
        table.add_column(column, overflow="fold")
    for agency in registry:
        config = agency.config
        deadlines = config.deadlines
        table.add_row(
            config.id,
            config.endpoint,
            _credentials_state(config.credentials, lookup),
            f"{config.pool.slots} slots",
            f"{config.rate_limit.per_second:g}/s",
            " / ".join(_duration(value.total_seconds()) for value in (deadlines.red, deadlines.amber, deadlines.green)),
        )
    console.print(table)
    for agency in registry:
        console.print(f"  [bold]{agency.id}[/]: {agency.config.name} ({agency.config.connector})")


def _credentials_state(conn_id: str | None, lookup: Callable[[str], object]) -> str:
    if conn_id is None:
        return "none needed"
    try:
        found = lookup(conn_id) is not None
    except ValueError:
        return f"{conn_id} [red](unreadable)[/]"
    return f"{conn_id}" if found else f"{conn_id} [yellow](not found here)[/]"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# check -------------------------------------------------------------------------------------------------


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
    from connectors.errors import ConnectorError
    from connectors.transport import HttpTransport

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
    from connectors.base import PROBE_PERSON
    from schemas import ReplyStatus, Subject, SubjectRole

    subject = Subject(subject_id="PROBE", role=SubjectRole.SUBJECT_CHILD, person=PROBE_PERSON)
    reply = connector.check(PROBE_REFERRAL, subject)
    if reply.status is ReplyStatus.FAILED:
        hint = {
            "http_401": "the agency refused the credentials",
            "http_403": "the credentials are not allowed this search",
            "malformed_reply": "the agency answered in a form the connector does not understand",
            "connection_error": "the connection was refused, dropped or cut off, or TLS failed",
            "timeout": "the agency did not answer in time",
        }.get(reply.error_code or "", "the agency kept failing: see docs/connectors.md, error codes")
        raise UserError(f"the search failed with {reply.error_code} ({hint}).")
    outcome = f"{reply.status.value.replace('_', ' ')} in {reply.duration_ms} ms"
    return outcome, outcome


# parse -------------------------------------------------------------------------------------------------


def parse_file(settings: HubSettings, agency_id: str, file: Path, console: Console) -> None:
    """Normalise one captured reply offline and print the shared-schema JSON, as it would be stored."""
    from connectors.errors import ConnectorError, MalformedReply

    agency = load_registry(settings).get_or_none(agency_id)
    if agency is None:
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. `hub connectors list` shows the known ones.")
    try:
        document = file.read_bytes()
    except OSError as error:
        raise UserError(f"Cannot read {file} ({error.strerror or type(error).__name__}).") from None
    try:
        normalised = agency.connector_class.parse_document(document)
    except MalformedReply as error:
        raise UserError(
            f"{file} is not a {agency_id} reply the connector understands ({error}). "
            "Check it is one complete reply body, as the agency sent it."
        ) from None
    except ConnectorError as error:
        raise UserError(
            f"{file} is a {agency_id} reply that holds no records: it answers '{error.code}', "
            "which a live check reports as a failed check."
        ) from None
    restricted, dropped = agency.connector_class.returns.restrict(normalised)
    if agency.id != agency.connector_class.agency:
        restricted = restricted.model_copy(update={"agency": agency.id})
    console.print_json(restricted.model_dump_json())
    if dropped:
        Console(stderr=True, highlight=False).print(
            f"[yellow]note:[/] not on {agency_id}'s allow-list, so never stored: {', '.join(sorted(dropped))}"
        )


# new ---------------------------------------------------------------------------------------------------


def scaffold_connector(agency: str, *, root: Path, title: str | None, endpoint: str, console: Console) -> None:
    from connectors.scaffold import ScaffoldError, plan

    try:
        written = plan(agency, root.resolve(), title=title, endpoint=endpoint).write()
    except ScaffoldError as error:
        raise UserError(f"Cannot scaffold '{agency}': {error}") from None
    console.print(f"Scaffolded agency [bold]{agency}[/]:")
    for path in written:
        console.print(f"  {path.relative_to(root.resolve())}")
    console.print(
        "Next: run `uv run --locked pytest tests/contract tests/connectors -k "
        f"{agency}` (it passes as scaffolded), then follow docs/connectors.md to point the connector, its test "
        "double and fixtures at the real agency."
    )


# renormalise -------------------------------------------------------------------------------------------


@dataclass
class RenormaliseSummary:
    replies: int = 0
    changed: int = 0
    unchanged: int = 0
    not_replayable: int = 0
    chronologies: int = 0


def renormalise(
    settings: HubSettings, agency_id: str, *, actor: str, console: Console, referral_id: str | None = None
) -> RenormaliseSummary:
    """Read every stored raw reply of an agency again with today's connector, and re-assemble what changed."""
    from connectors.errors import ConnectorError
    from hub.chronology import assemble
    from hub.services import open_store

    store = open_store(settings)
    registry = load_registry(settings)
    agency = registry.get_or_none(agency_id)
    if agency is None:
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. `hub connectors list` shows the known ones.")
    recorded = store.recorded_checks(agency_id, referral_id)
    summary = RenormaliseSummary()
    if not recorded:
        console.print(f"No stored raw replies from {agency_id}{f' for {referral_id}' if referral_id else ''}.")
        return summary
    connector = agency.connector_class(agency.config)
    changed_referrals: set[str] = set()
    by_referral: dict[str, list[str]] = {}
    for referral, subject in recorded:
        by_referral.setdefault(referral, []).append(subject)
    console.print(
        f"Re-reading {len(recorded)} stored {agency_id} replies across {count(len(by_referral), 'referral')} ..."
    )
    for number, (referral, subjects) in enumerate(sorted(by_referral.items()), start=1):
        stored_referral = store.load_referral(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        stored = {
            reply.subject_id: reply
            for reply in store.load_replies(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
            if reply.agency == agency_id
        }
        for subject_id in subjects:
            summary.replies += 1
            recording = store.load_recording(referral, agency_id, subject_id, actor=actor, purpose=RENORMALISE_PURPOSE)
            if recording is None:
                continue
            try:
                fresh = connector.renormalise(referral, stored_referral.subject(subject_id), recording)
            except ConnectorError:
                summary.not_replayable += 1
                continue
            previous = stored.get(subject_id)
            if previous is not None and _same_content(previous, fresh):
                summary.unchanged += 1
                continue
            store.save_reply(fresh, actor=actor, purpose=RENORMALISE_PURPOSE)
            summary.changed += 1
            changed_referrals.add(referral)
        console.print(f"  [{number}/{len(by_referral)}] referral {referral}: {len(subjects)} replies re-read")
    now = datetime.now(UTC)
    for referral in sorted(changed_referrals):
        loaded = store.load_referral(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        replies = store.load_replies(referral, actor=actor, purpose=RENORMALISE_PURPOSE)
        for chronology in assemble(loaded, replies, assembled_at=now):
            store.save_chronology(chronology, actor=actor, purpose=RENORMALISE_PURPOSE)
            summary.chronologies += 1
    console.print(
        f"{summary.replies} replies re-read: {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{summary.not_replayable} could not be replayed"
        + (
            " (the connector now makes requests their recordings lack; run their checks again)"
            if summary.not_replayable
            else ""
        )
        + f". {summary.chronologies} chronologies re-assembled (a new version only where the content changed)."
    )
    return summary


def _same_content(before: AgencyReply, after: AgencyReply) -> bool:
    """Whether re-reading changed what the reply says (its timing is the original check's either way)."""
    keep = {"status", "candidates", "entries", "error_code"}
    return before.model_dump(include=keep) == after.model_dump(include=keep)
