"""`hub linkage estimate`: read the source, estimate without labels, write the model, report how it went.

Sources: a file of interchange cases (`--from-cases`: a council's own agency searches exported in the
format, or FEBRL turned into it), or, by default, cases drawn from a generated sandbox population, which
is how the committed `config/linkage_model.json` is made; or the hub's own stored agency replies
(`--from-store`, `hub.cli.linkage_sources`). Labels are never read. The model is
written whole through a temporary file, so a failed run leaves the old one in place.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table

from hub.errors import UserError
from hub.linkage.estimate import EstimationError, EstimationRequest, TrainingPairs, estimate_model, pairs_from_cases

if TYPE_CHECKING:
    from hub.cli.linkage_sources import StoredReplies


@dataclass(frozen=True)
class GeneratedSource:
    """Sandbox cases as the default source: a population (generated, or `data`) and how many cases."""

    data: Path | None
    people: int
    population_seed: int
    cases: int
    cases_seed: int


def _training_from_file(path: Path) -> TrainingPairs:
    if path.is_dir():
        raise UserError(f"Cannot read {path}: it is a folder. Give the cases file.")
    try:
        with path.open(encoding="utf-8") as file:
            return pairs_from_cases(file, path.name)
    except FileNotFoundError:
        raise UserError(f"Cannot read {path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not readable UTF-8 text"
        raise UserError(f"Cannot read {path}: {reason}.") from None


def _training_generated(source: GeneratedSource, console: Console) -> TrainingPairs:
    from sandbox.linkage.cases import linkage_cases
    from sandbox.population.dataset import Dataset, DatasetError
    from sandbox.world.default import write_default_population

    def read(directory: Path) -> TrainingPairs:
        try:
            dataset = Dataset(directory)
        except DatasetError as error:
            raise UserError(str(error)) from None
        lines = (json.dumps(case) for case in linkage_cases(dataset, source.cases, source.cases_seed))
        training = pairs_from_cases(lines, "sandbox cases")
        training.source = {
            "kind": "sandbox cases (labels not read)",
            "people": dataset.manifest["people"],
            "population_seed": dataset.manifest["seed"],
            "generator": dataset.manifest.get("generator", {}),
            "cases": training.source["cases"],
            "cases_seed": source.cases_seed,
        }
        return training

    if source.data is not None:
        if not source.data.is_dir():
            raise UserError(
                f"Cannot read {source.data}: not a population folder. Create one with `hub sandbox generate`."
            )
        return read(source.data)
    with tempfile.TemporaryDirectory(prefix="hub-linkage-estimate-") as folder:
        console.print(f"  generating {source.people:,} people (seed {source.population_seed}) ...")
        return read(write_default_population(Path(folder) / "population", source.population_seed, source.people))


def write_model(document: dict[str, Any], out: Path) -> None:
    """Write through a temporary file in the same folder, then replace: never a half-written model."""
    if not out.parent.is_dir():
        raise UserError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=out.parent, delete=False, suffix=".tmp") as file:
            file.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        os.replace(file.name, out)
    except OSError as error:
        raise UserError(f"Cannot write {out}: {error.strerror or 'the file system refused'}.") from None


def estimate_command(
    request: EstimationRequest,
    *,
    out: Path,
    from_cases: Path | None,
    generated: GeneratedSource,
    console: Console,
    err: Console,
    stored: StoredReplies | None = None,
) -> dict[str, Any]:
    """Estimate, write `out`, and report the source, convergence and parameters (`stored`: from the store)."""
    if not out.parent.is_dir():
        raise UserError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    name = stored.name if stored else str(from_cases or "sandbox cases")
    console.print(f"Reading pairs from {name} (labels are not read) ...")
    if stored is not None:
        training = stored.read()
    else:
        training = _training_from_file(from_cases) if from_cases else _training_generated(generated, console)
    for note in training.notes:
        err.print(note, markup=False, soft_wrap=True, highlight=False)
    console.print(
        f"  {training.pairs:,} returned pairs in {len(training.cases):,} cases"
        + (f"; {len(training.notes):,} note(s) on stderr" if training.notes else "")
    )
    console.print(f"Estimating: u from {request.random_pairs:,} random pairs, m by expectation maximisation ...")
    try:
        document = estimate_model(training, request)
    except EstimationError as error:
        raise UserError(
            f"Cannot estimate from {stored.name if stored else from_cases or 'the sandbox cases'}: {error}."
        ) from None
    if stored is not None:
        document = stored.publishable(document)
    write_model(document, out)
    print_estimate(document, out, console)
    return document


def print_estimate(document: dict[str, Any], out: Path, console: Console) -> None:
    """Convergence per session, the prior, the parameters and what was assumed."""
    provenance = document["provenance"]
    sessions = Table(title="Training sessions (expectation maximisation)", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("rule", "pairs", "iterations", "converged", "share same person"):
        sessions.add_column(column, justify="left" if column == "rule" else "right")
    for session in provenance["sessions"]:
        sessions.add_row(
            session["rule"],
            f"{session['pairs']:,}",
            str(session["iterations"]),
            "yes" if session["converged"] else "NO",
            f"{session['match_share']:.3f}",
        )
    console.print(sessions)
    console.print(parameters_table(document))
    agencies = document.get("agencies", {})
    console.print(
        "Own parameters for: "
        + (
            ", ".join(f"{name} ({values['provenance']['pairs']:,} pairs)" for name, values in agencies.items())
            or "none"
        )
        + "."
    )
    console.print(f"Assumed levels: {', '.join(provenance['assumed_levels']) or 'none'}.")
    console.print(f"Levels never seen (no weight): {', '.join(provenance['unseen_levels']) or 'none'}.")
    unconverged = [session["rule"] for session in provenance["sessions"] if not session["converged"]]
    if unconverged:
        console.print(f"[bold]Not converged: {', '.join(unconverged)}.[/] Use more cases, then estimate again.")
    console.print(
        f"Wrote {out}: prior {document['prior_match_probability']:.3g} per pair. "
        f"Try it before adopting it: hub linkage evaluate CASES --model {out}"
    )


def parameters_table(document: dict[str, Any]) -> Table:
    """Every level's m, u and weight (bits), the way docs/linkage.md explains them."""
    import math

    table = Table(title="Parameters", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("field", "level", "m", "u", "weight"):
        table.add_column(column, justify="left" if column in ("field", "level") else "right")
    for field, spec in document["comparisons"].items():
        for level, values in spec["levels"].items():
            weight = math.log2(values["m"] / values["u"])
            table.add_row(field, level, f"{values['m']:.3g}", f"{values['u']:.3g}", f"{weight:+.1f}")
    return table
