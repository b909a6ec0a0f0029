"""The local agency sandboxes from the hub's side: generate a population, serve it, tell connectors where.

While sandboxes run, `$HUB_HOME/run/` holds their endpoints, and the client credentials they issued
as the Airflow Connections `config/agencies.yaml` names; the hub's connectors read both from there
(Airflow through its local-file secrets backend). Those files are written once every sandbox has
bound its port, and removed only by the process that wrote them (`hub.runtime.runfiles`): a second
`hub sandbox up` that cannot bind fails in one line and leaves the running sandboxes' files alone.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from rich.console import Console

from connectors.sdk.connections import write_connections_file
from hub.errors import UserError
from hub.runtime.runfiles import PublishedFile
from hub.settings import HubSettings, make_tree_private

if TYPE_CHECKING:
    from connectors.sdk.base import Connector
    from sandbox.common.settings import SandboxSettings
    from sandbox.population.dataset import Dataset
    from sandbox.server import SandboxCluster


_published: dict[Path, PublishedFile] = {}
"""The runtime files this process wrote (`record_sandboxes`), and so may remove."""


def record_sandboxes(
    settings: HubSettings, cluster: SandboxCluster, *, endpoints: Mapping[str, str] | None = None
) -> None:
    """Tell the hub's connectors where the running sandboxes are and how to authenticate to them.

    Call it once the cluster is serving. The files are this process's until `forget_sandboxes`.
    """
    settings.ensure_home()
    document = json.dumps(dict(endpoints or cluster.endpoints), indent=2).encode("utf-8")
    _published[settings.sandbox_endpoints_file] = PublishedFile.write(settings.sandbox_endpoints_file, document)
    write_connections_file(settings.connections_file, sandbox_connections(settings, cluster))
    _published[settings.connections_file] = PublishedFile.claim(settings.connections_file)


def sandbox_connections(settings: HubSettings, cluster: SandboxCluster) -> dict[str, dict[str, Any]]:
    """The Connections the registry names, holding the credentials each sandbox issued this run."""
    from connectors.sdk.auth import CREDENTIALS_FILE
    from connectors.sdk.connections import connection_from_credentials
    from hub.agencies import load_registry

    connections = {}
    for agency in load_registry(settings):
        if agency.config.credentials is None or agency.id not in cluster.credentials:
            continue
        issued = {agency.id: cluster.credentials[agency.id].connector_credentials()}
        credentials = CREDENTIALS_FILE.validate_python(issued)[agency.id]
        connections[agency.config.credentials] = connection_from_credentials(
            credentials, host=cluster.endpoints[agency.id]
        )
    return connections


def connector_for(cluster: SandboxCluster, agency: str, **settings: Any) -> Connector:
    """A connector as the hub builds it: the sandbox's endpoint and the credentials it issued this run.

    `settings` are `AgencyConfig` fields (e.g. `timeouts`, `retry`) to use instead of the defaults.
    """
    from connectors.sdk.auth import CREDENTIALS_FILE
    from connectors.testing import CONNECTORS

    issued = {agency: cluster.credentials[agency].connector_credentials()}
    credentials = CREDENTIALS_FILE.validate_python(issued)[agency]
    return CONNECTORS[agency].configured(cluster.endpoints[agency], credentials=credentials, **settings)


def forget_sandboxes(settings: HubSettings) -> None:
    """Remove the runtime files this process wrote, unless another process has written them since."""
    for path in (settings.sandbox_endpoints_file, settings.connections_file):
        if (published := _published.pop(path, None)) is not None:
            published.remove()


def load_sandbox_settings(settings: HubSettings, config: Path | None) -> SandboxSettings:
    """`--config FILE`, else `config/sandboxes.yaml` if present, else the built-in defaults."""
    from sandbox.common.settings import SandboxSettings, SandboxSettingsError

    path = config or settings.config_dir / "sandboxes.yaml"
    if config is None and not path.exists():
        return SandboxSettings()
    try:
        return SandboxSettings.load(path)
    except SandboxSettingsError as error:
        raise UserError(str(error)) from None


def generate_population(
    out: Path, *, people: int, seed: int, noise: Path | None, force: bool, console: Console
) -> None:
    """`hub sandbox generate`: refuse impossible settings in one line, show progress, print the figures."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from sandbox.population.dataset import DatasetError
    from sandbox.world.generate import generate
    from sandbox.world.settings import SettingsError, load_settings

    try:
        generator_settings = load_settings(people, seed, noise)
    except SettingsError as error:
        raise UserError(f"Cannot generate that population: {error}.") from None
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("generating people", total=people)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = generate(generator_settings, out, overwrite=force, on_progress=advance)
        except DatasetError as error:
            raise UserError(str(error)) from None
    for line in report.summary():
        console.print(line)
    console.print(f"Serve it with: hub sandbox up --data {out}")


def open_population(settings: HubSettings, data: Path | None, *, people: int, seed: int, console: Console) -> Dataset:
    """`--data DIR`, else the default population under `$HUB_HOME/sandbox`, generated on first use."""
    from sandbox.population.dataset import Dataset, DatasetError
    from sandbox.world.default import write_default_population

    directory = data or settings.sandbox_dir / f"population-{seed}-{people}"
    if data is None and not directory.exists():
        console.print(f"Generating a population of {people:,} people (seed {seed}) in {directory} ...")
        write_default_population(directory, seed=seed, people=people)
        make_tree_private(directory)  # published 0755 by the dataset writer; under $HUB_HOME, owner-only
    try:
        return Dataset(directory)
    except DatasetError as error:
        raise UserError(str(error)) from None


def generate_linkage_cases(
    settings: HubSettings,
    *,
    cases: int,
    seed: int,
    out: Path | None,
    data: Path | None,
    stdout: BinaryIO,
    console: Console,
) -> None:
    """`hub sandbox linkage-cases`: JSON lines to `out` (written atomically) or `stdout`; messages on `console`.

    Every refusal comes before anything is written: bad numbers, a missing --out folder, an
    unreadable population, more cases than the population supplies.
    """
    from sandbox.linkage.cases import LinkageCaseError, LinkageCases, check_request
    from sandbox.population.dataset import DatasetError
    from sandbox.world.default import DEFAULT_PEOPLE, DEFAULT_SEED

    try:
        check_request(cases, seed)
    except LinkageCaseError as error:
        raise UserError(f"Cannot write linkage cases: {error}.") from None
    if out is not None and not out.parent.is_dir():
        raise UserError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    if out is not None and out.is_dir():
        raise UserError(f"Cannot write {out}: it is a folder. Give a file name.")
    dataset = open_population(settings, data, people=DEFAULT_PEOPLE, seed=DEFAULT_SEED, console=console)
    try:
        builder = LinkageCases(dataset)
        plan = builder.plan(cases)
    except LinkageCaseError as error:
        raise UserError(f"Cannot write linkage cases: {error}; ask for fewer or use a bigger population.") from None
    except DatasetError as error:
        raise UserError(str(error)) from None
    lines = (f"{case.line()}\n".encode() for case in builder.cases(cases, seed))
    if out is None:
        _write_to_pipe(stdout, lines)
    else:
        try:
            _write_atomically(out, lines)
        except OSError as error:
            raise UserError(f"Cannot write {out}: {error.strerror or 'the file system refused'}.") from None
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in plan.items() if count)
    console.print(f"{cases:,} linkage cases ({kinds}) from {dataset.directory}" + (f" written to {out}" if out else ""))


def _write_to_pipe(stream: BinaryIO, chunks: Iterable[bytes]) -> None:
    """Write to standard output; a reader that stops early (`| head`) is not an error."""
    try:
        stream.writelines(chunks)
        stream.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())  # nothing left to flush at exit


def _write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write into a hidden sibling and rename it into place, so a failure leaves nothing half-written."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.writelines(chunks)
        os.chmod(temporary, 0o644)  # synthetic cases, readable like any output (mkstemp makes 0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def serve_sandboxes(
    settings: HubSettings,
    *,
    data: Path | None,
    config: Path | None,
    people: int,
    seed: int,
    host: str,
    base_port: int,
    tls_hostnames: list[str],
    console: Console,
) -> None:
    from sandbox.server import DEFAULT_PORTS, SandboxCluster, SandboxStartupError, serve_forever

    sandbox_settings = load_sandbox_settings(settings, config)
    dataset = open_population(settings, data, people=people, seed=seed, console=console)
    ports = {agency: base_port + offset for offset, agency in enumerate(DEFAULT_PORTS)}
    cluster = SandboxCluster(
        dataset,
        settings=sandbox_settings,
        ports=ports,
        seed=dataset.seed,
        host=host,
        pki_dir=settings.sandbox_dir / "tls",
        tls_hostnames=["localhost", *tls_hostnames],
    )

    def announce(running: SandboxCluster) -> None:
        record_sandboxes(settings, running)
        for agency, url in running.endpoints.items():
            agency_settings = sandbox_settings.for_agency(agency)
            timing = "answers later on request" if agency_settings.asynchronous else "answers at once"
            console.print(f"{agency:<10} {url:<28} auth {agency_settings.auth}, {timing}")
        console.print(
            f"Serving {dataset.manifest.get('people', '?'):,} synthetic people from {dataset.directory}. "
            f"Airflow Connections with their credentials: {settings.connections_file}. Press Ctrl-C to stop."
        )

    try:
        serve_forever(cluster, on_ready=announce)
    except OSError as exc:
        raise UserError(_cannot_bind(host, ports, exc)) from None
    except SandboxStartupError as exc:
        raise UserError(
            f"Cannot start the sandboxes: {exc}. Try again, or choose other ports with --base-port."
        ) from None
    finally:
        forget_sandboxes(settings)


def _cannot_bind(host: str, ports: Mapping[str, int], error: OSError) -> str:
    """One line for a sandbox that could not bind: which port, why, and what to do."""
    first, last = min(ports.values()), max(ports.values())
    if error.errno != errno.EADDRINUSE:
        return (
            f"Cannot start the sandboxes on {host}, ports {first}-{last}: {error.strerror or error}. "
            "Choose other ports with --base-port, or another --host."
        )
    busy = [f"{port} ({agency})" for agency, port in ports.items() if not _can_bind(host, port)]
    where = f"port {busy[0]}" if busy else f"one of ports {first}-{last}"
    return (
        f"Cannot start the sandboxes: {where} is already in use; sandboxes may already be running "
        "(`hub sandbox up` elsewhere). Use those, stop them (Ctrl-C), or pick free ports with --base-port."
    )


def _can_bind(host: str, port: int) -> bool:
    """Whether a listening socket could bind this port now (with the options the sandboxes' servers use)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
