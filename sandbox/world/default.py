"""The default synthetic population: the generator's output for a seed, sample family included.

The generator itself lives in `sandbox.world` (see `sandbox.world.generate`); this module keeps
the small entry points the sandboxes and tests use.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.model.truth import Household, Population, TruePerson
from sandbox.world.generate import build_population as _build
from sandbox.world.generate import generate
from sandbox.world.settings import GeneratorSettings

DEFAULT_SEED = 2026
DEFAULT_PEOPLE = 2000


def build_population(seed: int = DEFAULT_SEED, people: int = DEFAULT_PEOPLE) -> Population:
    """A small population in memory (`people` includes the sample family's 4; 4 gives only them)."""
    return _build(GeneratorSettings(people=people, seed=seed))


def write_default_population(directory: Path, seed: int = DEFAULT_SEED, people: int = DEFAULT_PEOPLE) -> Path:
    """Generate a population with default noise into `directory` (replacing it) for the sandboxes to serve."""
    return generate(GeneratorSettings(people=people, seed=seed), directory, overwrite=True).directory


__all__ = ["DEFAULT_SEED", "Household", "Population", "TruePerson", "build_population", "write_default_population"]
