"""The `hub linkage` commands' work, kept out of `hub/cli.py`: load, run, print; config errors become one line."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from hub.errors import UserError
from hub.linkage.engine import Linker, load_linker
from hub.linkage.estimate import EstimationRequest, run_estimate
from hub.linkage.evaluation import evaluate_file, print_evaluation
from schemas.config_files import ConfigFileError


def _linker(settings_path: Path | None) -> Linker:
    try:
        return load_linker(settings_path)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def evaluate_command(file: Path, *, as_json: bool, settings_path: Path | None, console: Console) -> None:
    """`hub linkage evaluate`: figures on stdout, malformed lines and refused records on stderr."""
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
