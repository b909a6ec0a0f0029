"""One population on disk and one set of real sandbox servers over it, for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.common.settings import SandboxSettings
from sandbox.population.dataset import Dataset
from sandbox.server import SandboxCluster
from sandbox.world.default import write_default_population


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The default seeded population (sample family included), written once as the sandboxes' files."""
    directory: Path = tmp_path_factory.mktemp("sandbox-data") / "population"
    return Dataset(write_default_population(directory, people=2000))


@pytest.fixture(scope="session")
def cluster(dataset: Dataset) -> Iterator[SandboxCluster]:
    with SandboxCluster(dataset, settings=SandboxSettings.unauthenticated()) as running:
        yield running
