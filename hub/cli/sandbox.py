"""`hub sandbox ...`: the synthetic population and the four agency sandboxes (the work is `hub.runtime.sandboxes`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="The local agency sandboxes (health, police, education, housing).", no_args_is_help=True)


@app.command("generate")
def generate(
    people: Annotated[
        int, typer.Option(help="People in the population (4 to 1,000,000; the sample family's 4 included).")
    ],
    out: Annotated[Path, typer.Option(help="Folder to write (new or empty; see --force).")],
    seed: Annotated[int, typer.Option(help="Seed: the same seed and settings write byte-identical files.")] = 2026,
    noise: Annotated[
        Path | None, typer.Option(help="YAML of noise rates per agency and kind (see docs/sandboxes/population.md).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already holds files.")] = False,
) -> None:
    """Generate a seeded synthetic population and each agency's imperfect view of it."""
    from hub.runtime.sandboxes import generate_population

    generate_population(out, people=people, seed=seed, noise=noise, force=force, console=console)


@app.command("linkage-cases")
def linkage_cases(
    cases: Annotated[int, typer.Option(help="How many cases to write (mostly hard ones: twins, namesakes, ...).")],
    seed: Annotated[int, typer.Option(help="Seed: the same population, --cases and --seed write the same bytes.")],
    out: Annotated[Path | None, typer.Option(help="JSON-lines file to write (default: standard output).")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Population folder from `hub sandbox generate` (default: the one `hub sandbox up` serves)."),
    ] = None,
) -> None:
    """Write labelled linkage test cases (a referral's person, one agency's candidates) from the population."""
    from hub.runtime.sandboxes import generate_linkage_cases

    generate_linkage_cases(
        HubSettings.from_env(),
        cases=cases,
        seed=seed,
        out=out,
        data=data,
        stdout=sys.stdout.buffer,
        console=Console(stderr=True, highlight=False),
    )


@app.command("referrals")
def referrals(
    year: Annotated[int, typer.Option(help="Calendar year of the referrals (2017 to 2027, the world's ten years).")],
    out: Annotated[Path, typer.Option(help="Folder to write (new or empty; see --force).")],
    seed: Annotated[
        int, typer.Option(help="Seed: the same population, year, seed and scale write the same bytes.")
    ] = 2026,
    scale: Annotated[
        float, typer.Option(help="Times England's rate of referrals per child (about 5 a year per 100 children).")
    ] = 1.0,
    data: Annotated[
        Path | None,
        typer.Option(help="Population folder from `hub sandbox generate` (default: the one `hub sandbox up` serves)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it already holds files.")] = False,
) -> None:
    """Generate a year of referrals about the population's children, from many referrers of differing quality."""
    _write_referral_year(year=year, out=out, seed=seed, scale=scale, data=data, force=force)


def _write_referral_year(*, year: int, out: Path, seed: int, scale: float, data: Path | None, force: bool) -> None:
    """Refuse bad options in one line before reading anything, show progress by day, then print the figures."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from hub.errors import UserError
    from hub.runtime.sandboxes import open_population
    from sandbox.population.dataset import DatasetError
    from sandbox.referrals.writer import ReferralYearError, check_request, write_year
    from sandbox.world.default import DEFAULT_PEOPLE, DEFAULT_SEED

    try:
        request = check_request(year, seed, scale)
    except ReferralYearError as error:
        raise UserError(f"Cannot generate referrals: {error}.") from None
    dataset = open_population(HubSettings.from_env(), data, people=DEFAULT_PEOPLE, seed=DEFAULT_SEED, console=console)
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("generating days", total=366)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = write_year(dataset, request, out, force=force, on_progress=advance)
        except ReferralYearError as error:
            raise UserError(str(error)) from None
        except DatasetError as error:
            raise UserError(str(error)) from None
    for line in report.summary():
        console.print(line)
    console.print(f"Submit one with: hub referral submit {out}/<referral_id>.json; manifest.csv lists them all.")


@app.command("up")
def up(
    data: Annotated[
        Path | None,
        typer.Option(help="Population folder from `hub sandbox generate` (default: one under $HUB_HOME/sandbox)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Auth, timing and fault settings (default: config/sandboxes.yaml).")
    ] = None,
    people: Annotated[
        int, typer.Option(min=4, help="Size of the default population, when --data is not given.")
    ] = 2000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the default population, when --data is not given.")] = 2026,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 inside a container).")] = "127.0.0.1",
    base_port: Annotated[int, typer.Option(help="Health listens here; police, education, housing on the next.")] = 8781,
    tls_hostname: Annotated[
        list[str] | None, typer.Option(help="Extra host name for the TLS certificate (e.g. a compose service name).")
    ] = None,
) -> None:
    """Serve the four agency sandboxes until interrupted."""
    from hub.runtime.sandboxes import serve_sandboxes

    serve_sandboxes(
        HubSettings.from_env(),
        data=data,
        config=config,
        people=people,
        seed=seed,
        host=host,
        base_port=base_port,
        tls_hostnames=tls_hostname or [],
        console=console,
    )
