"""`hub connectors ...`: what an integration engineer runs to see, prove and repair agency connectors.

* `list`: the registry as the hub will use it.
* `check AGENCY`: configuration, credentials, reachability, authentication and one synthetic search,
  step by step, ending in one verdict (`hub.cli.connector_check`).
* `parse AGENCY FILE`: a captured native reply normalised offline, as it would be stored.
* `renormalise AGENCY`: every stored raw reply of the agency read again with today's mapping
  (`hub.checks.renormalise`).

Nothing here prints personal data except `parse`, whose input the engineer already holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from connectors.scaffold import DEFAULT_ENDPOINT
from hub.agencies import load_registry, local_connection_lookup
from hub.cli.common import console, signed_in
from hub.errors import UserError
from hub.settings import REPO_ROOT, HubSettings

app = typer.Typer(
    help="Agency connectors, for integration engineers: list, check, parse, renormalise, new.", no_args_is_help=True
)
AgencyArgument = Annotated[str, typer.Argument(help="The agency's id in config/agencies.yaml, e.g. health.")]


@app.command("list")
def list_command() -> None:
    """The registered agencies: connector, endpoint, credentials, pool, rate limit and deadlines."""
    list_connectors(HubSettings.from_env(), console)


@app.command("check")
def check(agency: AgencyArgument) -> None:
    """Prove the path to an agency: config, credentials, reachability, auth and one synthetic search."""
    from hub.cli.connector_check import check_connector

    check_connector(HubSettings.from_env(), agency, console)


@app.command("parse")
def parse(
    agency: AgencyArgument,
    file: Annotated[Path, typer.Argument(help="One captured reply body, exactly as the agency sent it.")],
) -> None:
    """Normalise a captured native reply offline and print it as shared-schema JSON."""
    parse_file(HubSettings.from_env(), agency, file, console)


@app.command("renormalise")
def renormalise(
    agency: AgencyArgument,
    referral: Annotated[str | None, typer.Option(help="Only this referral's replies.")] = None,
) -> None:
    """Re-read every stored raw reply of an agency with today's mapping; changed histories get a new version."""
    from hub.access.permissions import Permission
    from hub.checks.renormalise import RENORMALISE_PURPOSE, renormalise

    signed = signed_in()
    with signed.permit(Permission.CONNECTORS_MANAGE, referral, purpose=RENORMALISE_PURPOSE):
        renormalise(signed.settings, agency, actor=signed.actor, console=console, referral_id=referral)


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="The new agency's id, e.g. probation or police_west.")],
    title: Annotated[str | None, typer.Option(help="What the agency is, as practitioners know it.")] = None,
    endpoint: Annotated[str, typer.Option(help="Where the agency answers (change it later).")] = DEFAULT_ENDPOINT,
    root: Annotated[Path, typer.Option(help="The hub checkout to write into.")] = REPO_ROOT,
) -> None:
    """Scaffold a connector module, its config entry, fixtures and tests that pass out of the box."""
    scaffold_connector(name, root=root, title=title, endpoint=endpoint, console=console)


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


# parse -------------------------------------------------------------------------------------------------


def parse_file(settings: HubSettings, agency_id: str, file: Path, console: Console) -> None:
    """Normalise one captured reply offline and print the shared-schema JSON, as it would be stored.

    A file the connector cannot read, whatever its parser raised, is refused in one line naming the code
    a live check would fail with (`malformed_reply`) and a fixed reason, never quoting the file.
    """
    from connectors.sdk.base import parsing
    from connectors.sdk.errors import ConnectorError, MalformedReply

    agency = load_registry(settings).get_or_none(agency_id)
    if agency is None:
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. `hub connectors list` shows the known ones.")
    try:
        document = file.read_bytes()
    except OSError as error:
        raise UserError(f"Cannot read {file} ({error.strerror or type(error).__name__}).") from None
    try:
        with parsing():  # a connector whose own guard misses an error is refused alike
            normalised = agency.connector_class.parse_document(document)
            restricted, dropped = agency.connector_class.returns.restrict(normalised)
            stored = restricted.model_dump_json()  # text no store can hold (a lone surrogate) is malformed too
    except MalformedReply as error:
        article = "an" if agency_id[:1] in "aeiou" else "a"
        raise UserError(
            f"{file} is not {article} {agency_id} reply the connector understands ({error.code}: {error}). "
            "Check it is one complete reply body, as the agency sent it."
        ) from None
    except ConnectorError as error:
        raise UserError(
            f"{file} is a {agency_id} reply that holds no records: it answers '{error.code}', "
            "which a live check reports as a failed check."
        ) from None
    if agency.id != agency.connector_class.agency:
        stored = restricted.model_copy(update={"agency": agency.id}).model_dump_json()
    console.print_json(stored)
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
