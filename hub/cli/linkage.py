"""`hub linkage ...`: evaluate identity linkage on labelled cases, estimate its model without labels, learn.

The commands load, run and print; a configuration mistake becomes one line. By default estimation
draws its cases from a generated sandbox population (`sandbox.linkage.cases`), which only the CLI and
the runtime may import: the linkage engine itself never sees the sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hub.cli.common import console
from hub.errors import UserError
from hub.settings import REPO_ROOT

DEFAULT_RANDOM_PAIRS = 300_000

if TYPE_CHECKING:
    from hub.cli.linkage_sources import StoredReplies
    from hub.linkage.engine import Linker

app = typer.Typer(
    help="Probabilistic identity linkage: evaluate it on labelled cases, estimate its model, learn from reviews.",
    no_args_is_help=True,
)


@app.command("evaluate")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled cases, one JSON object per line (hub sandbox linkage-cases).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only one JSON object with the figures.")] = False,
    config: Annotated[Path | None, typer.Option(help="Linkage settings (default: config/linkage.yaml).")] = None,
    model: Annotated[
        Path | None, typer.Option(help="Model file to judge with instead of the configured one (hub linkage estimate).")
    ] = None,
) -> None:
    """Judge every candidate against its case's query; print precision, recall, review and false links."""
    evaluate_command(file, as_json=as_json, settings_path=config, model_file=model, console=console)


@app.command("estimate")
def estimate(
    from_cases: Annotated[
        Path | None,
        typer.Option(
            help="Cases of the interchange format to estimate from; labels are not read (default: sandbox cases)."
        ),
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store",
            help="Estimate from the hub's own stored referrals and agency replies (signed in, linkage.manage; "
            "every read audited). Names in fewer than 10 referrals are not written to the model.",
        ),
    ] = False,
    out: Annotated[Path, typer.Option(help="Model file to write.")] = REPO_ROOT / "config" / "linkage_model.json",
    random_pairs: Annotated[int, typer.Option(min=1000, help="Random pairs that give u.")] = DEFAULT_RANDOM_PAIRS,
    seed: Annotated[int, typer.Option(min=0, help="Seed for drawing the random pairs.")] = 1,
    data: Annotated[
        Path | None, typer.Option(help="Without --from-cases: population folder (default: generate one).")
    ] = None,
    people: Annotated[
        int, typer.Option(min=1000, help="Without --from-cases: people in the generated population.")
    ] = 50_000,
    population_seed: Annotated[int, typer.Option(min=0, help="Without --from-cases: seed of the population.")] = 101,
    cases: Annotated[int, typer.Option(min=100, help="Without --from-cases: sandbox cases to draw.")] = 6_000,
    cases_seed: Annotated[int, typer.Option(min=0, help="Without --from-cases: seed of the sandbox cases.")] = 1,
) -> None:
    """Estimate the model without labels: u from random pairs, m by expectation maximisation, per agency too."""
    from hub.cli.linkage_estimate import GeneratedSource, estimate_command
    from hub.linkage.estimate import EstimationRequest

    if from_store and from_cases is not None:
        raise UserError("Give either --from-cases FILE or --from-store, not both: each is a whole source.")
    generated = GeneratedSource(data, people, population_seed, cases, cases_seed)
    estimate_command(
        EstimationRequest(random_pairs, seed),
        out=out,
        from_cases=from_cases,
        generated=generated,
        console=console,
        err=Console(stderr=True, highlight=False),
        stored=_stored_replies() if from_store else None,
    )


def _stored_replies() -> StoredReplies:
    from hub.cli.common import signed_in
    from hub.cli.linkage_sources import StoredReplies

    return StoredReplies(signed_in())


PriorStrength = Annotated[
    float,
    typer.Option(min=1, help="Pseudo-counts the model's m is worth the first time (more: decisions move it less)."),
]
MarginBits = Annotated[float, typer.Option(min=0, help="How far past a decided pair's match weight a threshold moves.")]
LowestReview = Annotated[
    float, typer.Option(min=1e-9, max=0.5, help="The review threshold is never lowered below this probability.")
]
Config = Annotated[Path | None, typer.Option(help="Linkage settings (default: config/linkage.yaml).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print only one JSON object with the figures.")]


@app.command("learn")
def learn(
    out: Annotated[
        Path | None, typer.Option(help="Write the learnt linkage.yaml and model file into this folder.")
    ] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Replace the configured settings and model files.")] = False,
    config: Config = None,
    prior_strength: PriorStrength = 50.0,
    margin_bits: MarginBits = 1.0,
    lowest_review: LowestReview = 0.001,
    as_json: AsJson = False,
) -> None:
    """Refine each agency's m and thresholds from practitioners' review decisions; a dry run unless --out/--apply."""
    from hub.cli.common import signed_in
    from hub.cli.linkage_learning import learn_command
    from hub.linkage.learning import LearningOptions

    options = LearningOptions(prior_strength, margin_bits, lowest_review)
    learn_command(signed_in(), config=config, options=options, out=out, apply=apply, as_json=as_json, console=console)


@app.command("report")
def report(
    config: Config = None,
    prior_strength: PriorStrength = 50.0,
    margin_bits: MarginBits = 1.0,
    lowest_review: LowestReview = 0.001,
    as_json: AsJson = False,
) -> None:
    """Per agency: review decisions so far, and how the current and the learnt parameters would judge them."""
    from hub.cli.common import signed_in
    from hub.cli.linkage_learning import report_command
    from hub.linkage.learning import LearningOptions

    options = LearningOptions(prior_strength, margin_bits, lowest_review)
    report_command(signed_in(), config=config, options=options, as_json=as_json, console=console)


def _linker(settings_path: Path | None, model_file: Path | None = None) -> Linker:
    from hub.linkage.engine import load_linker
    from schemas.config_files import ConfigFileError

    if model_file is not None and model_file.is_dir():
        raise UserError(f"Cannot read {model_file}: it is a folder. Give the model file.")
    try:
        return load_linker(settings_path, model_file)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def evaluate_command(
    file: Path, *, as_json: bool, settings_path: Path | None, console: Console, model_file: Path | None = None
) -> None:
    """`hub linkage evaluate`: figures on stdout, malformed lines and refused records on stderr."""
    from hub.linkage.evaluation import evaluate_file, print_evaluation

    if file.is_dir():
        raise UserError(f"Cannot read {file}: it is a folder. Give the cases file.")
    evaluation = evaluate_file(file, _linker(settings_path, model_file))
    print_evaluation(evaluation, as_json=as_json, out=console, err=Console(stderr=True, highlight=False))
