"""The `hub` command: the demo, referral intake, family histories, and the local services."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connectors.scaffold import DEFAULT_ENDPOINT
from hub.errors import UserError
from hub.settings import REPO_ROOT, HubSettings

app = typer.Typer(
    help="MASH Hub: multi-agency safeguarding checks, compiled into an encrypted family history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
referral_app = typer.Typer(help="Submit referrals for checking.", no_args_is_help=True)
chronology_app = typer.Typer(help="Read compiled family histories.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local agency sandboxes (health, police, education, housing).", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit trail: who accessed what, when, why, under which lawful basis.", no_args_is_help=True
)
airflow_app = typer.Typer(help="Airflow on the embedded default (SQLite, LocalExecutor).", no_args_is_help=True)
connectors_app = typer.Typer(
    help="Agency connectors, for integration engineers: list, check, parse, renormalise, new.", no_args_is_help=True
)
review_app = typer.Typer(
    help="Candidate identity links the hub would not make alone: list, confirm, reject.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
app.add_typer(referral_app, name="referral")
app.add_typer(connectors_app, name="connectors")
app.add_typer(chronology_app, name="chronology")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(audit_app, name="audit")
app.add_typer(airflow_app, name="airflow")
linkage_app = typer.Typer(
    help="Probabilistic identity linkage: evaluate it on labelled cases, estimate its model.", no_args_is_help=True
)
app.add_typer(linkage_app, name="linkage")

console = Console(highlight=False)
SAMPLE_REFERRAL = REPO_ROOT / "config" / "examples" / "referral.json"


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command()
def demo(
    referral_file: Annotated[
        Path, typer.Option("--referral", help="Referral JSON to run instead of the bundled sample.")
    ] = SAMPLE_REFERRAL,
) -> None:
    """Start the sandboxes and Airflow, run a sample referral end to end, print its family history."""
    from hub.demo import run_demo

    run_demo(HubSettings.from_env(), referral_file, console)


@referral_app.command("submit")
def referral_submit(
    file: Annotated[Path, typer.Argument(help="Referral JSON (see config/examples/referral.json).")],
    wait: Annotated[bool, typer.Option(help="Wait for the checks to finish and print the history.")] = False,
) -> None:
    """Store a referral (encrypted) and trigger its checks in Airflow."""
    from hub.workflow import follow_run, show_history, submit_referral

    settings = HubSettings.from_env()
    referral_id, run_id, client = submit_referral(settings, file, actor=cli_actor(), console=console)
    if wait:
        follow_run(client, run_id, console)
        show_history(settings, referral_id, actor=cli_actor(), console=console)


@chronology_app.command("show")
def chronology_show(
    referral_id: Annotated[str, typer.Argument(help="The referral's id, e.g. REF-2026-000417.")],
    html: Annotated[Path | None, typer.Option(help="Also write the history as an HTML report to this file.")] = None,
) -> None:
    """Print the latest family history for a referral."""
    from hub.workflow import show_history

    show_history(HubSettings.from_env(), referral_id, actor=cli_actor(), console=console, html=html)


@audit_app.command("show")
def audit_show(referral_id: Annotated[str, typer.Argument(help="The referral's id.")]) -> None:
    """List every access to a referral, its agency replies and its chronologies."""
    from hub.workflow import show_audit_trail

    show_audit_trail(HubSettings.from_env(), referral_id, console)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain: any edited or deleted event is reported."""
    from hub.workflow import verify_audit_trail

    verify_audit_trail(HubSettings.from_env(), console)


AgencyArgument = Annotated[str, typer.Argument(help="The agency's id in config/agencies.yaml, e.g. health.")]


@connectors_app.command("list")
def connectors_list() -> None:
    """The registered agencies: connector, endpoint, credentials, pool, rate limit and deadlines."""
    from hub.connector_commands import list_connectors

    list_connectors(HubSettings.from_env(), console)


@connectors_app.command("check")
def connectors_check(agency: AgencyArgument) -> None:
    """Prove the path to an agency: config, credentials, reachability, auth and one synthetic search."""
    from hub.connector_commands import check_connector

    check_connector(HubSettings.from_env(), agency, console)


@connectors_app.command("parse")
def connectors_parse(
    agency: AgencyArgument,
    file: Annotated[Path, typer.Argument(help="One captured reply body, exactly as the agency sent it.")],
) -> None:
    """Normalise a captured native reply offline and print it as shared-schema JSON."""
    from hub.connector_commands import parse_file

    parse_file(HubSettings.from_env(), agency, file, console)


@connectors_app.command("renormalise")
def connectors_renormalise(
    agency: AgencyArgument,
    referral: Annotated[str | None, typer.Option(help="Only this referral's replies.")] = None,
) -> None:
    """Re-read every stored raw reply of an agency with today's mapping; changed histories get a new version."""
    from hub.connector_commands import renormalise

    renormalise(HubSettings.from_env(), agency, actor=cli_actor(), console=console, referral_id=referral)


@connectors_app.command("new")
def connectors_new(
    name: Annotated[str, typer.Argument(help="The new agency's id, e.g. probation or police_west.")],
    title: Annotated[str | None, typer.Option(help="What the agency is, as practitioners know it.")] = None,
    endpoint: Annotated[str, typer.Option(help="Where the agency answers (change it later).")] = DEFAULT_ENDPOINT,
    root: Annotated[Path, typer.Option(help="The hub checkout to write into.")] = REPO_ROOT,
) -> None:
    """Scaffold a connector module, its config entry, fixtures and tests that pass out of the box."""
    from hub.connector_commands import scaffold_connector

    scaffold_connector(name, root=root, title=title, endpoint=endpoint, console=console)


@review_app.command("list")
def review_list(
    referral: Annotated[str | None, typer.Option(help="Only this referral's reviews.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include decided reviews, with who decided.")] = False,
) -> None:
    """Candidate links waiting for a practitioner, with the evidence and why each needs a person."""
    from hub.review_commands import list_reviews

    list_reviews(HubSettings.from_env(), console, actor=cli_actor(), referral_id=referral, include_decided=all_)


ReviewNumber = Annotated[int, typer.Argument(help="The review's number, from `hub review list`.")]
Reason = Annotated[str, typer.Option(help="Why: kept (sealed) with the decision.")]


@review_app.command("confirm")
def review_confirm(review: ReviewNumber, reason: Reason) -> None:
    """This agency record is this person: link it, and assemble the chronology again."""
    from hub.review_commands import decide

    decide(HubSettings.from_env(), review, confirm=True, reason=reason, actor=cli_actor(), console=console)


@review_app.command("reject")
def review_reject(review: ReviewNumber, reason: Reason) -> None:
    """This agency record is someone else: keep it apart, for good."""
    from hub.review_commands import decide

    decide(HubSettings.from_env(), review, confirm=False, reason=reason, actor=cli_actor(), console=console)


@sandbox_app.command("generate")
def sandbox_generate(
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
    from hub.sandboxes import generate_population

    generate_population(out, people=people, seed=seed, noise=noise, force=force, console=console)


@sandbox_app.command("linkage-cases")
def sandbox_linkage_cases(
    cases: Annotated[int, typer.Option(help="How many cases to write (mostly hard ones: twins, namesakes, ...).")],
    seed: Annotated[int, typer.Option(help="Seed: the same population, --cases and --seed write the same bytes.")],
    out: Annotated[Path | None, typer.Option(help="JSON-lines file to write (default: standard output).")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Population folder from `hub sandbox generate` (default: the one `hub sandbox up` serves)."),
    ] = None,
) -> None:
    """Write labelled linkage test cases (a referral's person, one agency's candidates) from the population."""
    from hub.sandboxes import generate_linkage_cases

    generate_linkage_cases(
        HubSettings.from_env(),
        cases=cases,
        seed=seed,
        out=out,
        data=data,
        stdout=sys.stdout.buffer,
        console=Console(stderr=True, highlight=False),
    )


@sandbox_app.command("up")
def sandbox_up(
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
    from hub.sandboxes import serve_sandboxes

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


@airflow_app.command("up")
def airflow_up() -> None:
    """Run Airflow's api-server, scheduler, dag-processor and triggerer under $HUB_HOME until interrupted."""
    from hub.workflow import serve_airflow

    serve_airflow(HubSettings.from_env(), console)


@airflow_app.command("init")
def airflow_init() -> None:
    """Prepare the Airflow the environment configures: migrate its database, set each agency's pool."""
    from hub.workflow import initialise_airflow

    initialise_airflow(HubSettings.from_env(), console)


@linkage_app.command("evaluate")
def linkage_evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled cases, one JSON object per line (hub sandbox linkage-cases).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only one JSON object with the figures.")] = False,
    config: Annotated[Path | None, typer.Option(help="Linkage settings (default: config/linkage.yaml).")] = None,
) -> None:
    """Judge every candidate against its case's query; print precision, recall, review and false links."""
    from hub.linkage.commands import evaluate_command

    evaluate_command(file, as_json=as_json, settings_path=config, console=console)


@linkage_app.command("estimate")
def linkage_estimate(
    out: Annotated[Path, typer.Option(help="Model file to write.")] = REPO_ROOT / "config" / "linkage_model.json",
    data: Annotated[Path | None, typer.Option(help="Population folder (default: generate one).")] = None,
    people: Annotated[int, typer.Option(min=1000, help="People in the generated population.")] = 50_000,
    population_seed: Annotated[int, typer.Option(min=0, help="Seed of the generated population.")] = 101,
    seed: Annotated[int, typer.Option(min=0, help="Seed for drawing the pairs.")] = 1,
    subjects: Annotated[int, typer.Option(min=100, help="People whose own records give the m pairs.")] = 10_000,
    random_pairs: Annotated[int, typer.Option(min=1000, help="Random pairs that give u.")] = 300_000,
) -> None:
    """Estimate the model's m and u probabilities and name frequencies from a synthetic population."""
    from hub.linkage.commands import estimate_command
    from hub.linkage.estimate import EstimationRequest

    request = EstimationRequest(people, population_seed, seed, subjects, random_pairs)
    estimate_command(request, out=out, data=data, console=console)


def main() -> None:
    """Entry point: a user's mistake is one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except UserError as exc:
        Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("HUB_DEBUG"):
            raise
        Console(stderr=True, highlight=False).print(
            f"[bold red]internal error:[/] {type(exc).__name__} at {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}. "
            "Details are withheld because they may contain personal data; re-run with HUB_DEBUG=1 to see them."
        )
        sys.exit(70)
