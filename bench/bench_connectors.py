"""Connector SDK figures: what resilience, recording and offline parsing cost per check.

Run with `uv run python bench/bench_connectors.py`. Prints figures; asserts nothing. Not part of the tests.

* a check of each sample subject against the real sandboxes (unauthenticated, so the SDK's own cost
  shows), with the rate limit and circuit breaker state in memory, in SQLite and in PostgreSQL;
* one shared-state operation (a rate-limit reservation or a breaker update) on each backend;
* the raw recording a check keeps: its size, and storing it encrypted beside the reply;
* re-normalising a stored check from its recording, and `parse_document` on captured replies.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from connectors.sdk.base import Connector, RecordedCheck
from connectors.sdk.resilience import MemoryResilienceState, ResilienceState
from connectors.testing import CONNECTORS
from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.resilience_state import SqlResilienceState
from sandbox.common.settings import SandboxSettings
from sandbox.server import SandboxCluster
from schemas import Referral

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "config" / "examples" / "referral.json"
FIXTURES = ROOT / "tests" / "fixtures" / "native"
POSTGRES_URL = "postgresql+psycopg2://127.0.0.1:5432/test"
FAST: dict[str, Any] = {"rate_limit": {"per_second": 10_000, "burst": 10_000}}


def median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e3


def state_backends(folder: Path) -> dict[str, ResilienceState]:
    backends: dict[str, ResilienceState] = {"memory": MemoryResilienceState()}
    sqlite = HubStore(f"sqlite:///{folder / 'bench.db'}", LocalKeyProvider(folder / "kek.bin"))
    sqlite.create_schema()
    backends["sqlite"] = sqlite.resilience_state()
    try:
        with create_engine(POSTGRES_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
        postgres = HubStore(POSTGRES_URL, LocalKeyProvider(folder / "kek.bin"))
        postgres.create_schema()
        backends["postgresql"] = SqlResilienceState(postgres.engine)
    except Exception as error:  # noqa: BLE001 - the figure is optional where PostgreSQL is absent
        print(f"(PostgreSQL not measured: {type(error).__name__})")
    return backends


def check_all(connector: Connector, referral: Referral) -> None:
    for subject in referral.subjects:
        connector.check(referral.referral_id, subject)


def save_all(store: HubStore, checks: list[RecordedCheck]) -> None:
    for checked in checks:
        store.save_reply(checked.reply, actor="bench", recording=checked.recording)


def replay_all(connector: Connector, referral: Referral, checks: list[RecordedCheck]) -> None:
    for checked in checks:
        connector.renormalise(referral.referral_id, referral.subject(checked.reply.subject_id), checked.recording)


def parse_all(connector_class: type[Connector], documents: list[bytes]) -> None:
    for document in documents:
        connector_class.parse_document(document)


def main() -> None:
    referral = Referral.model_validate_json(SAMPLE.read_text(encoding="utf-8"))
    with (
        tempfile.TemporaryDirectory() as scratch,
        SandboxCluster(settings=SandboxSettings.unauthenticated()) as cluster,
    ):
        folder = Path(scratch)
        backends = state_backends(folder)

        print("One shared-state operation (admit: circuit + rate slot, before each request; record: after a failure):")
        for name, state in backends.items():
            admit = median_ms(
                partial(state.admit, "bench", time.time(), interval=1e-6, burst=10**6, reset_after=30), 300
            )
            record = median_ms(
                partial(state.record, "bench", time.time(), success=True, threshold=5, reset_after=30), 300
            )
            print(f"  {name:<11} admit {admit:7.3f} ms   record {record:7.3f} ms")

        print("\nCheck of one sample subject, median ms (each check makes 2-6 requests):")
        print(f"  {'agency':<10}" + "".join(f"{name:>12}" for name in backends))
        for agency, connector_class in CONNECTORS.items():
            row = []
            for state in backends.values():
                connector = connector_class.configured(cluster.endpoints[agency], state=state, **FAST)
                row.append(median_ms(partial(check_all, connector, referral), 15) / len(referral.subjects))
            print(f"  {agency:<10}" + "".join(f"{value:12.2f}" for value in row))

        store = HubStore(f"sqlite:///{folder / 'store.db'}", LocalKeyProvider(folder / "kek.bin"))
        store.create_schema()
        store.save_referral(referral, actor="bench", purpose="bench")
        print("\nRaw recordings kept per check (all sample subjects):")
        for agency, connector_class in CONNECTORS.items():
            connector = connector_class.configured(cluster.endpoints[agency], **FAST)
            checks = [connector.check_recorded(referral.referral_id, subject) for subject in referral.subjects]
            sizes = [len(checked.recording.to_bytes()) for checked in checks]
            save = median_ms(partial(save_all, store, checks), 10) / len(checks)
            replay = median_ms(partial(replay_all, connector, referral, checks), 10) / len(checks)
            print(
                f"  {agency:<10} {statistics.mean(sizes) / 1024:6.1f} KiB mean, {max(sizes) / 1024:6.1f} KiB max; "
                f"save reply + recording {save:6.2f} ms; re-normalise {replay:6.2f} ms"
            )

    print("\nparse_document on captured replies (documents per second):")
    for agency, connector_class in CONNECTORS.items():
        documents = [path.read_bytes() for path in sorted((FIXTURES / agency).glob("*.*")) if path.suffix != ".md"]
        each = median_ms(partial(parse_all, connector_class, documents), 20) / len(documents)
        print(f"  {agency:<10} {1000 / each:9.0f}/s over {len(documents)} sandbox captures")


if __name__ == "__main__":
    main()
