"""Rate-limit and circuit-breaker state in the hub's database, shared by every Airflow worker.

Each operation is one short transaction on one row. SQLite serialises it with `BEGIN IMMEDIATE`;
PostgreSQL with `SELECT ... FOR UPDATE` on the agency's row. See `connectors.resilience`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.resilience import circuit_after, circuit_allows, next_arrival
from hub.store.engine import insert_if_missing
from hub.store.tables import ResilienceStateRow


class SqlResilienceState:
    """`connectors.resilience.ResilienceState` on the hub's SQLite or PostgreSQL database."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _row(self, key: str) -> Iterator[ResilienceStateRow]:
        with self._sessions() as session, session.begin():
            yield self._locked(session, key)

    @staticmethod
    def _locked(session: Session, key: str) -> ResilienceStateRow:
        table = ResilienceStateRow.__table__
        row = session.scalars(select(ResilienceStateRow).where(ResilienceStateRow.key == key).with_for_update()).first()
        if row is None:
            insert_if_missing(session, table, {"key": key, "failures": 0}, ["key"])  # type: ignore[arg-type]
            row = session.scalars(
                select(ResilienceStateRow).where(ResilienceStateRow.key == key).with_for_update()
            ).one()
        return row

    def reserve(self, key: str, now: float, interval: float, burst: int) -> float:
        with self._row(key) as row:
            row.arrival, wait = next_arrival(row.arrival, now, interval, burst)
            return wait

    def allow(self, key: str, now: float, reset_after: float) -> bool:
        with self._row(key) as row:
            allowed, row.opened_until = circuit_allows(row.opened_until, now, reset_after)
            return allowed

    def record(self, key: str, now: float, *, success: bool, threshold: int, reset_after: float) -> None:
        with self._row(key) as row:
            circuit = circuit_after(
                row.failures or 0, success=success, now=now, threshold=threshold, reset_after=reset_after
            )
            row.failures, row.opened_until = circuit.failures, circuit.opened_until
