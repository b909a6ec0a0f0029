"""Rate-limit and circuit-breaker state in the hub's database, shared by every Airflow worker.

One row per agency; each operation is one short transaction on it. SQLite serialises it with `BEGIN IMMEDIATE`;
PostgreSQL with `SELECT ... FOR UPDATE` on the agency's row. See `connectors.sdk.resilience`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.resilience import Admission, AgencyState
from hub.store.engine import insert_if_missing
from hub.store.tables import ResilienceStateRow


class SqlResilienceState:
    """`connectors.sdk.resilience.ResilienceState` on the hub's SQLite or PostgreSQL database."""

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

    def admit(self, agency: str, now: float, *, interval: float, burst: int, reset_after: float) -> Admission:
        with self._row(agency) as row:
            state = _state_of(row)
            admission = state.admit(now, interval, burst, reset_after)
            _store(row, state)
            return admission

    def record(
        self,
        agency: str,
        now: float,
        *,
        success: bool,
        threshold: int,
        reset_after: float,
        cause: str | None = None,
    ) -> None:
        with self._row(agency) as row:
            state = _state_of(row)
            state.record(now, success=success, threshold=threshold, reset_after=reset_after, cause=cause)
            _store(row, state)


def _state_of(row: ResilienceStateRow) -> AgencyState:
    return AgencyState(arrival=row.arrival, failures=row.failures or 0, opened_until=row.opened_until, cause=row.cause)


def _store(row: ResilienceStateRow, state: AgencyState) -> None:
    row.arrival, row.failures, row.opened_until = state.arrival, state.failures, state.opened_until
    row.cause = state.cause
