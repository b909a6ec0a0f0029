"""`hub linkage ...`: evaluate identity linkage on labelled cases, and estimate its model from a population.

The commands load, run and print; a configuration mistake becomes one line. Estimation draws its
labelled pairs from a generated sandbox population (`sandbox.linkage.pairs`), which only the CLI
and the runtime may import: the linkage engine itself never sees the sandbox.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from hub.cli.common import console
from hub.errors import UserError
from hub.settings import REPO_ROOT

if TYPE_CHECKING:
    from hub.linkage.engine import Linker
    from hub.linkage.estimate import EstimationRequest

app = typer.Typer(
    help="Probabilistic identity linkage: evaluate it on labelled cases, estimate its model, learn from reviews.",
    no_args_is_help=True,
)


@app.command("evaluate")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled cases, one JSON object per line (hub sandbox linkage-cases).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only one JSON object with the figures.")] = False,
    config: Annotated[Path | None, typer.Option(help="Linkage settings (default: config/linkage.yaml).")] = None,
) -> None:
    """Judge every candidate against its case's query; print precision, recall, review and false links."""
    evaluate_command(file, as_json=as_json, settings_path=config, console=console)


@app.command("estimate")
def estimate(
    out: Annotated[Path, typer.Option(help="Model file to write.")] = REPO_ROOT / "config" / "linkage_model.json",
    data: Annotated[Path | None, typer.Option(help="Population folder (default: generate one).")] = None,
    people: Annotated[int, typer.Option(min=1000, help="People in the generated population.")] = 50_000,
    population_seed: Annotated[int, typer.Option(min=0, help="Seed of the generated population.")] = 101,
    seed: Annotated[int, typer.Option(min=0, help="Seed for drawing the pairs.")] = 1,
    subjects: Annotated[int, typer.Option(min=100, help="People whose own records give the m pairs.")] = 10_000,
    random_pairs: Annotated[int, typer.Option(min=1000, help="Random pairs that give u.")] = 300_000,
) -> None:
    """Estimate the model's m and u probabilities and name frequencies from a synthetic population."""
    from hub.linkage.estimate import EstimationRequest

    request = EstimationRequest(people, population_seed, seed, subjects, random_pairs)
    estimate_command(request, out=out, data=data, console=console)


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


def _linker(settings_path: Path | None) -> Linker:
    from hub.linkage.engine import load_linker
    from schemas.config_files import ConfigFileError

    try:
        return load_linker(settings_path)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def evaluate_command(file: Path, *, as_json: bool, settings_path: Path | None, console: Console) -> None:
    """`hub linkage evaluate`: figures on stdout, malformed lines and refused records on stderr."""
    from hub.linkage.evaluation import evaluate_file, print_evaluation

    if file.is_dir():
        raise UserError(f"Cannot read {file}: it is a folder. Give the cases file.")
    evaluation = evaluate_file(file, _linker(settings_path))
    print_evaluation(evaluation, as_json=as_json, out=console, err=Console(stderr=True, highlight=False))


def estimate_command(request: EstimationRequest, *, out: Path, data: Path | None, console: Console) -> None:
    """`hub linkage estimate`: write the model file and say what it was estimated from."""
    if data is not None and not data.is_dir():
        raise UserError(f"Cannot read {data}: not a population folder. Create one with `hub sandbox generate`.")
    if not out.parent.is_dir():
        raise UserError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    generated = f"a new population of {request.people:,} (seed {request.population_seed})"
    source = f"the population in {data}" if data else generated
    console.print(f"Estimating linkage parameters from {source} ...")
    try:
        document = run_estimate(request, out, data)
    except OSError as error:
        raise UserError(f"Cannot write {out}: {error.strerror or 'the file system refused'}.") from None
    provenance = document["provenance"]
    console.print(
        f"Wrote {out}: {provenance['matched_pairs']:,} labelled pairs (m), {provenance['random_pairs']:,} random "
        f"pairs (u), {provenance['population']['people']:,} people; assumed levels: "
        f"{', '.join(provenance['assumed_levels']) or 'none'}."
    )


def run_estimate(request: EstimationRequest, out: Path, data: Path | None = None) -> dict[str, Any]:
    """Estimate from `data` (a population folder), or from a population generated for the purpose; write `out`."""
    from hub.linkage.estimate import estimate_model
    from sandbox.linkage.pairs import LabelledCity
    from sandbox.population.dataset import Dataset
    from sandbox.world.default import write_default_population

    if data is not None:
        document = estimate_model(LabelledCity(Dataset(data)), request)
    else:
        with tempfile.TemporaryDirectory(prefix="hub-linkage-estimate-") as folder:
            directory = write_default_population(Path(folder) / "population", request.population_seed, request.people)
            document = estimate_model(LabelledCity(Dataset(directory)), request)
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return document
