"""A deterministic synthetic population: ground truth plus every agency's view of it.

The sample referral's household is always household 0; the rest are seeded random households,
so the same seed always gives the same people, records and ids.
"""

from __future__ import annotations

import random
from pathlib import Path

from sandbox.sample_family import add_sample_family
from sandbox.synthetic import add_random_households
from sandbox.truth import Household, IdFactory, Population, TruePerson

DEFAULT_SEED = 2026


def build_population(seed: int = DEFAULT_SEED, households: int = 50) -> Population:
    """Build `households` households (at least one: the sample family) from `seed`."""
    rng = random.Random(seed)
    ids = IdFactory(rng)
    population = Population(seed=seed)
    add_sample_family(population, ids)
    add_random_households(population, ids, rng, max(households - 1, 0))
    return population


def write_default_population(directory: Path, seed: int = DEFAULT_SEED, households: int = 50) -> Path:
    """A small population with the sample family, as a dataset the sandboxes serve."""
    from sandbox.dataset import write_population

    population = build_population(seed, households)
    return write_population(population, directory, {"seed": seed, "households": households}, overwrite=True)


__all__ = ["DEFAULT_SEED", "Household", "Population", "TruePerson", "build_population"]
