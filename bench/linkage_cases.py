"""The linkage bench's labelled cases: generated once by `hub sandbox linkage-cases`' own code, then reused.

Each population and each cases file is named by its size and seeds and cached in the bench's
`--data-dir`, so a second run reads them instead of generating them again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from hub.linkage.interchange import Case, parse_case
from hub.runtime.sandboxes import generate_linkage_cases
from hub.settings import HubSettings
from sandbox.world.default import write_default_population


def seeded_population(people: int, seed: int, data_dir: Path) -> Path:
    """A population folder, generated once (named as `bench_prior_involvement.py` names its own)."""
    directory = data_dir / f"population-{people}-seed-{seed}"
    if not (directory / "manifest.json").exists():
        print(f"generating {people:,} people into {directory} (once) ...", flush=True)
        write_default_population(directory, seed=seed, people=people)
    return directory


def cases_file(people: int, count: int, seeds: tuple[int, int], data_dir: Path) -> Path:
    """Labelled cases, written once by `hub sandbox linkage-cases`' own code and reused."""
    population_seed, seed = seeds
    path = data_dir / f"linkage-cases-{count}-seed-{seed}-of-{people}-seed-{population_seed}.jsonl"
    if not path.exists():
        generate_linkage_cases(
            HubSettings.from_env(),
            cases=count,
            seed=seed,
            out=path,
            data=seeded_population(people, population_seed, data_dir),
            stdout=sys.stdout.buffer,
            console=Console(stderr=True, highlight=False),
        )
    return path


def read_cases(path: Path) -> list[Case]:
    with path.open(encoding="utf-8") as file:
        return [parse_case(line) for line in file if line.strip()]
