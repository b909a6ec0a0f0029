"""IG output over a large trail: search, CSV and FHIR export, and the IG report, with their peak memory.

Run with `uv run python bench/bench_audit_export.py [--events N] [--fhir-events M]`. Prints figures;
asserts nothing. Not part of the tests.

The trail is synthetic: staff `user:p0..p49` reading and writing chronologies of referrals `REF-B-*`
around the clock for a month, with some break-glass and refusals, written in one audited transaction.
Every reading goes through `HubStore.read_audit_trail`, as the commands do: streamed in batches, so
peak memory should stay flat as the trail grows.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.audit import AuditAction, AuditEvent
from hub.audit.csv_export import write_csv
from hub.audit.fhir_export import write_bundle
from hub.audit.reports import ig_report
from hub.audit.search import AuditQuery, build_query
from hub.crypto import LocalKeyProvider
from hub.deadlines.calendar import WorkingCalendar
from hub.store import HubStore, audit_log
from hub.store.audit_log import Access

START = datetime(2026, 3, 1, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def write_events(store: HubStore, count: int) -> None:
    """`count` synthetic events (ids only) in one transaction, sealed once, as the store writes them."""
    rng = random.Random(17)
    with store._audited("service:bench", "bench") as (session, _, _now):
        for n in range(count):
            user = f"user:p{rng.randrange(50)}"
            referral = f"REF-B-{rng.randrange(2000):05d}"
            basis = rng.choices(["allocated", "role", f"break-glass:{n}", "none"], weights=[90, 6, 3, 1])[0]
            action = rng.choice([AuditAction.CHRONOLOGY_READ, AuditAction.REFERRAL_READ, AuditAction.REPLY_WRITE])
            audit_log.append(
                session,
                Access(actor=user, purpose="practitioner_view", lawful_basis="bench", role="practitioner", basis=basis),
                action=AuditAction.BREAK_GLASS if basis.startswith("break-glass") and n % 2 else action,
                object_id=f"{referral}/S{rng.randrange(1, 4)}/v1",
                referral_id=referral,
                occurred_at=START + timedelta(seconds=n * 2_592_000 // count),
                outcome="denied" if basis == "none" else "success",
            )


def measured(label: str, count_events: Callable[[], int]) -> None:
    started = time.perf_counter()
    events = count_events()
    elapsed = time.perf_counter() - started
    rate = events / elapsed if elapsed else float("inf")
    print(f"{label:<44} {events:>9} events in {elapsed:7.2f} s  {rate:>10,.0f} events/s")


def peak_memory(label: str, action: Callable[[], object]) -> None:
    """Peak Python memory while `action` runs (tracemalloc slows it down, so it is timed separately above)."""
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<44} peak {peak / 2**20:7.1f} MiB")


def read(store: HubStore, query: AuditQuery) -> Callable[[], Iterator[AuditEvent]]:
    return lambda: store.read_audit_trail(query, action=AuditAction.AUDIT_READ, actor="user:bench", purpose="bench")


def count(events: Iterable[AuditEvent]) -> int:
    return sum(1 for _ in events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--fhir-events", type=int, default=10_000, help="FHIR validates every resource: slower")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        store = HubStore(f"sqlite:///{Path(folder) / 'hub.db'}", LocalKeyProvider(Path(folder) / "kek.bin"))
        store.create_schema()
        started = time.perf_counter()
        write_events(store, args.events)
        print(f"== a trail of {args.events} events written in {time.perf_counter() - started:.1f} s (SQLite)")

        everything = read(store, AuditQuery())
        one_user = read(store, build_query(zone=LONDON, user="p7"))
        break_glass = read(store, build_query(zone=LONDON, break_glass=True))
        one_week = read(store, build_query(zone=LONDON, since="2026-03-09", until="2026-03-15"))
        measured("search: every event", lambda: count(everything()))
        measured("search: one person (indexed actor)", lambda: count(one_user()))
        measured("search: break-glass", lambda: count(break_glass()))
        measured("search: one week", lambda: count(one_week()))
        measured("export csv: every event", lambda: write_csv(everything(), io.StringIO()))
        first = read(store, AuditQuery(through_seq=args.fhir_events))
        generated = datetime.now(UTC)
        measured(
            f"export fhir: the first {args.fhir_events}",
            lambda: write_bundle(first(), io.StringIO(), generated_at=generated),
        )
        calendar = WorkingCalendar()
        measured(
            "report: every event",
            lambda: ig_report(everything(), calendar=calendar).events_examined,
        )
        print("== memory: streamed, against holding the answer")
        nowhere = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))  # the output is not what is measured
        peak_memory("export csv: every event, streamed", lambda: write_csv(everything(), nowhere))
        peak_memory("the same events held in a list", lambda: list(everything()))
        store.close()


if __name__ == "__main__":
    main()
