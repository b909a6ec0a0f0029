"""Sandbox figures: population generation rate, search latency against 1,000,000 people, throughput.

    uv run python bench/bench_sandbox.py                    # 100,000 generated; searches at 1,000,000
    uv run python bench/bench_sandbox.py --search-people 100000

The 1,000,000-person population is generated once into `--data-dir` (default
`~/.cache/mash-hub/bench`) and reused. Searches go over HTTP through the hub's own connectors,
with the sandboxes' real authentication (police over mutual TLS). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hub.runtime.sandboxes import connector_for
from sandbox.model.truth import TruePerson
from sandbox.population.dataset import Dataset
from sandbox.server import SandboxCluster
from sandbox.world.generate import generate
from sandbox.world.settings import load_settings
from schemas import Person, PersonName, Sex

SEED = 1
LATENCY_SAMPLES = 300
THROUGHPUT_SECONDS = 10.0
THROUGHPUT_CLIENTS = 4


def _size(directory: Path) -> str:
    total = sum(path.stat().st_size for path in directory.iterdir())
    return f"{total / 1e6:,.0f} MB"


def _generate(people: int, out: Path) -> float:
    started = time.perf_counter()
    generate(load_settings(people, SEED), out, overwrite=True)
    return time.perf_counter() - started


def bench_generation(people: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "population"
        seconds = _generate(people, out)
        print(f"generate {people:>9,} people: {seconds:6.1f} s  ({people / seconds:,.0f} people/s, {_size(out)})")


def population(people: int, data_dir: Path) -> Dataset:
    directory = data_dir / f"population-{people}-seed-{SEED}"
    if not (directory / "manifest.json").exists():
        print(f"generating {people:,} people for the search figures into {directory} (once) ...", flush=True)
        seconds = _generate(people, directory)
        print(f"generate {people:>9,} people: {seconds:6.1f} s  ({people / seconds:,.0f} people/s, {_size(directory)})")
    return Dataset(directory)


def sample_people(dataset: Dataset, count: int) -> list[TruePerson]:
    """Random true people: the searches use the truth, so some find an agency's noisy record and some not."""
    truth = dataset.database("truth").table("people")
    total = truth.count()
    rng = random.Random(SEED)
    ids = sorted(rng.sample(range(1, total + 1), min(count, total)))
    marks = ", ".join("?" for _ in ids)
    people: list[TruePerson] = truth.where(f"rowid IN ({marks})", ids)
    return people


def as_query(person: TruePerson) -> Person:
    return Person(
        name=PersonName(given_names=list(person.given_names), family_name=person.family_name),
        birth_date=person.birth_date,
        sex=Sex(person.sex),
    )


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_search_latency(cluster: SandboxCluster, queries: list[Person]) -> None:
    print(f"search latency over HTTP, {len(queries)} people each (ms; connector search incl. auth):")
    for agency in cluster.endpoints:
        connector = connector_for(cluster, agency)
        connector.search(queries[0])  # token fetch and TLS handshake outside the figures
        samples, found = [], 0
        for query in queries:
            started = time.perf_counter()
            with contextlib.suppress(Exception):  # a failed search still counts towards latency
                found += bool(connector.search(query))
            samples.append((time.perf_counter() - started) * 1e3)
        print(
            f"  {agency:<10} p50 {statistics.median(samples):6.2f}  p95 {percentile(samples, 0.95):6.2f}  "
            f"max {max(samples):7.2f}   found {found}/{len(queries)}"
        )


def _search_until(
    deadline: float, search: Callable[[Person], object], queries: list[Person], counts: list[int], index: int
) -> None:
    rng = random.Random(index)
    while time.perf_counter() < deadline:
        try:
            search(rng.choice(queries))
        except Exception:  # noqa: BLE001 - throughput counts completed searches only
            continue
        counts[index] += 1


def bench_throughput(cluster: SandboxCluster, queries: list[Person]) -> None:
    print(f"throughput, {THROUGHPUT_CLIENTS} client threads for {THROUGHPUT_SECONDS:.0f} s (searches per second):")
    for agency in cluster.endpoints:
        connectors = [connector_for(cluster, agency) for _ in range(THROUGHPUT_CLIENTS)]
        counts = [0] * THROUGHPUT_CLIENTS
        deadline = time.perf_counter() + THROUGHPUT_SECONDS
        threads = [
            threading.Thread(target=_search_until, args=(deadline, connector.search, queries, counts, index))
            for index, connector in enumerate(connectors)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"  {agency:<10} {sum(counts) / THROUGHPUT_SECONDS:8,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate-people", type=int, default=100_000)
    parser.add_argument("--search-people", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".cache" / "mash-hub" / "bench")
    arguments = parser.parse_args()

    bench_generation(arguments.generate_people)
    dataset = population(arguments.search_people, arguments.data_dir)
    queries = [as_query(person) for person in sample_people(dataset, LATENCY_SAMPLES)]
    started = time.perf_counter()
    with SandboxCluster(dataset) as cluster:
        print(f"sandboxes up over {arguments.search_people:,} people in {time.perf_counter() - started:.1f} s")
        bench_search_latency(cluster, queries)
        bench_throughput(cluster, queries)


if __name__ == "__main__":
    main()
