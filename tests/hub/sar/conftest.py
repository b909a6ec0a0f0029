"""One stored household per test module and backend: storing it and exporting for Amara happen once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hub.crypto import LocalKeyProvider
from hub.sar.bundle import SubjectAccessBundle
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.request import SubjectAccessRequest, parse_request
from hub.store import HubStore
from tests.hub.conftest import BACKENDS, fresh_database
from tests.hub.sar.household import AMARA_NHS, store_household

IG = "user:test.ig"
PURPOSES = {"mash_enquiry": "MASH enquiry", "management_oversight": "Management oversight"}


@pytest.fixture(scope="module", params=BACKENDS)
def household(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubStore]:
    folder = tmp_path_factory.mktemp("household")
    with fresh_database(request.param, f"sqlite:///{folder / 'hub.db'}") as url:
        store = HubStore(url, LocalKeyProvider(folder / "keys" / "kek.bin"))
        store.create_schema()
        store_household(store)
        yield store
        store.close()


@pytest.fixture(scope="module")
def amara_request() -> SubjectAccessRequest:
    return parse_request(AMARA_NHS, [], [], actor=IG, now=datetime.now(UTC))


@pytest.fixture(scope="module")
def amara(household: HubStore, amara_request: SubjectAccessRequest) -> SubjectAccessBundle:
    """Everything held about Amara, found by her NHS number."""
    return gather(household, amara_request, Setting(purposes=PURPOSES))
