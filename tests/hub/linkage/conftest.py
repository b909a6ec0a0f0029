from __future__ import annotations

import pytest

from hub.linkage.engine import Linker, load_linker
from tests.hub.linkage.builders import SETTINGS


@pytest.fixture(scope="session")
def linker() -> Linker:
    """The engine as committed: config/linkage.yaml and the model file it names."""
    return load_linker(SETTINGS)
