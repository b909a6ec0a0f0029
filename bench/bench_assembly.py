"""Assembling and encrypting a large chronology: where the time goes, stage by stage (issue 17).

The input is `tests.hub.chronology.large_input.large_replies`: four agencies' replies for the example
household, every event naming the subject child, so S1's chronology holds exactly N entries (some
events reported twice and merged, some naming people no check linked, some tying on date and record).
For N = 1,000 and 10,000:

- assemble: `hub.chronology.assembly.assemble` (linkage, attribution, merge, sort, minimisation),
  for every child of the referral (S1's chronology and S2's);
- then, for S1's chronology alone, the parts of saving it: content key (serialising entries and checks
  to canonical JSON, and the keyed digest over it, which decides whether a new version is due),
  serialise (the stored document), encrypt (AES-256-GCM under the child's data key), and store
  (`HubStore.save_chronology` end to end on SQLite: all of the above, plus the key, the row and the
  audit event; each save a changed chronology, so each writes a new version);
- total: assemble + store, the figure the issue aims at (at most 0.2 s for 10,000 entries).

Each figure is the median of `--repeat` runs, as wall-clock time and as this process's CPU time: on a
shared machine the CPU time is the steadier measure of the work itself; the load average is printed.

Run with `uv run python bench/bench_assembly.py [--repeat 5]`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from hub.chronology.assembly import assemble
from hub.crypto import LocalKeyProvider, encrypt, keyed_digest, new_data_key, row_aad
from hub.store import HubStore
from hub.store.chronology_records import _Serialised
from hub.store.gc_pause import collector_paused
from schemas import Chronology
from tests.hub.builders import ASSEMBLED_AT, example_referral
from tests.hub.chronology.large_input import large_replies

ACTOR, PURPOSE = "bench", "benchmark"
STAGES = ("assemble", "key", "serialise", "encrypt", "store", "total")


def timed(repeat: int, action: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` runs of `action`, run as the save path runs it."""
    walls, cpus = [], []
    for _ in range(repeat):
        with _as_saved():
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


@contextlib.contextmanager
def _as_saved() -> Iterator[None]:
    with collector_paused():
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is printed")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; milliseconds, wall / CPU")
    print(f"{'entries':>8} " + " ".join(f"{stage:>15}" for stage in STAGES))
    for events, figures in measure((1_000, 10_000), args.repeat):
        print(f"{events:>8,} " + " ".join(f"{wall:>7.1f} / {cpu:>5.1f}" for wall, cpu in figures.values()))


def measure(sizes: Iterable[int], repeat: int) -> Iterator[tuple[int, dict[str, tuple[float, float]]]]:
    """For each number of entries in turn, every stage's median (wall ms, CPU ms) by name (`STAGES`); also for
    `bench_throughput.py`, which prints the 10,000-entry total beside Airflow's figures."""
    referral = example_referral()
    digest_key, data_key = new_data_key(), new_data_key()
    aad = row_aad("chronology", referral.referral_id, "S1", 1)
    with tempfile.TemporaryDirectory() as folder:
        store = HubStore(f"sqlite:///{folder}/hub.db", LocalKeyProvider(Path(folder) / "kek.bin"))
        store.create_schema()
        store.save_referral(referral, actor=ACTOR, purpose=PURPOSE)
        for events in sizes:
            replies = large_replies(referral, events)
            chronologies = assemble(referral, replies, assembled_at=ASSEMBLED_AT)
            [s1] = [chronology for chronology in chronologies if chronology.child_subject_id == "S1"]
            assert len(s1.entries) == events, len(s1.entries)
            serialised = _Serialised(s1)
            document = serialised.document(2)
            figures = {
                "assemble": timed(repeat, partial(assemble, referral, replies, assembled_at=ASSEMBLED_AT)),
                "key": timed(repeat, partial(_content_key, digest_key, s1)),
                "serialise": timed(repeat, partial(serialised.document, 2)),
                "encrypt": timed(repeat, partial(encrypt, data_key, document, aad)),
                "store": timed(repeat, partial(_save_changed, store, s1)),
            }
            figures["total"] = (
                figures["assemble"][0] + figures["store"][0],
                figures["assemble"][1] + figures["store"][1],
            )
            yield events, figures
        store.close()


def _content_key(digest_key: bytes, chronology: Chronology) -> str:
    return keyed_digest(digest_key, "chronology", _Serialised(chronology).content)


def _save_changed(store: HubStore, chronology: Chronology) -> int:
    return store.save_chronology(_changed(chronology), actor=ACTOR)


_STEP = [0]


def _changed(chronology: Chronology) -> Chronology:
    """The chronology with one check's count changed, so every save writes a new version (the costly path)."""
    _STEP[0] += 1
    [first, *rest] = chronology.checks
    return chronology.model_copy(
        update={"checks": [first.model_copy(update={"record_count": first.record_count + _STEP[0]}), *rest]}
    )


if __name__ == "__main__":
    main()
