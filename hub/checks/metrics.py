"""Prometheus figures about the checks, computed from the hub's database at each scrape.

Checks run in many Airflow worker processes (and Celery workers on other machines), so counters kept in
any one process would not add up; the database is the one place every worker writes to. Each scrape runs
six aggregate queries over plain columns only (`check_progress`, `agency_replies` times, `connector_state`,
`referral_checks`, `mash_decisions`, `referrals.received_at`): no ciphertext is read, nothing is decrypted,
no audit event is written, and a label is only ever an agency id, a state or a code.

Figures are gauges of what the database holds now (retention deletes old referrals, so they can fall), and
histograms built from the durations on record:
- `hub_checks{agency,state}`: checks by their phase in the ledger;
- `hub_check_failures{agency,state,reason}`: checks retrying or given up, by failure code;
- `hub_check_latency_seconds{agency}`: time from asking an agency to its answer;
- `hub_checks_overdue{agency}` and `hub_referrals_overdue`: unfinished past the due time `hub.deadlines`
  set when the checks were planned (working hours and holidays already counted in it);
- `hub_circuit_state{agency,state}` (1 for the current one of closed, open, half_open) and
  `hub_circuit_consecutive_failures{agency}`;
- `hub_time_to_decision_seconds`: from a referral's receipt to its first recorded MASH decision.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import ColumnElement, Engine, and_, case, extract, func, select
from sqlalchemy.engine import Connection

from hub.store.check_ledger import UNFINISHED
from hub.store.decision_tables import MashDecisionRow
from hub.store.tables import (
    AgencyReplyRow,
    CheckProgressRow,
    ReferralChecksRow,
    ReferralRow,
    ResilienceStateRow,
)
from schemas import CheckPhase, ChecksStage

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0, 14400.0, 86400.0)
"""Seconds: most agencies answer within a second, some hours later (a reply they send back later)."""
HOUR = 3600.0
DECISION_BUCKETS = tuple(HOUR * hours for hours in (1, 2, 4, 8, 24, 48, 72, 120, 168))
"""Hours (as seconds) up to a week: statutory guidance asks for a decision within one working day."""
FAILED = (CheckPhase.RETRYING.value, CheckPhase.GAVE_UP.value)
ENDED = (ChecksStage.COMPLETE.value, ChecksStage.COULD_NOT_START.value)


class CheckMetrics(Collector):
    """A `prometheus_client` collector reading the figures above from the hub's database at each scrape."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        now = self.clock()
        with self.engine.connect() as connection:
            yield from self._checks(connection)
            yield from self._failures(connection)
            yield self._histogram(
                connection,
                "hub_check_latency_seconds",
                "Time from asking an agency to its answer, per agency (answers on record).",
                AgencyReplyRow.agency,
                self._seconds(AgencyReplyRow.requested_at, AgencyReplyRow.completed_at),
                LATENCY_BUCKETS,
                AgencyReplyRow.completed_at.is_not(None),
                from_=AgencyReplyRow.__table__,
            )
            yield from self._overdue(connection, now)
            yield from self._circuits(connection, now.timestamp())
            yield self._histogram(
                connection,
                "hub_time_to_decision_seconds",
                "Time from a referral's receipt to its first recorded MASH decision.",
                None,
                self._seconds(ReferralRow.received_at, MashDecisionRow.recorded_at),
                DECISION_BUCKETS,
                MashDecisionRow.number == 1,
                from_=MashDecisionRow.__table__.join(
                    ReferralRow.__table__, ReferralRow.referral_id == MashDecisionRow.referral_id
                ),
            )
        scrape = GaugeMetricFamily("hub_metrics_scrape_seconds", "How long the database queries of this scrape took.")
        scrape.add_metric([], time.perf_counter() - started)
        yield scrape

    def _checks(self, connection: Connection) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "hub_checks", "Agency checks on record, by agency and state.", labels=["agency", "state"]
        )
        rows = connection.execute(
            select(CheckProgressRow.agency, CheckProgressRow.phase, func.count()).group_by(
                CheckProgressRow.agency, CheckProgressRow.phase
            )
        )
        for agency, phase, count in rows:
            family.add_metric([agency, phase], count)
        yield family

    def _failures(self, connection: Connection) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "hub_check_failures",
            "Checks whose last attempt failed (retrying, or given up), by agency and failure code.",
            labels=["agency", "state", "reason"],
        )
        reason = func.coalesce(CheckProgressRow.reason, "unknown")
        rows = connection.execute(
            select(CheckProgressRow.agency, CheckProgressRow.phase, reason, func.count())
            .where(CheckProgressRow.phase.in_(FAILED))
            .group_by(CheckProgressRow.agency, CheckProgressRow.phase, reason)
        )
        for agency, phase, code, count in rows:
            family.add_metric([agency, phase, code], count)
        yield family

    def _overdue(self, connection: Connection, now: datetime) -> Iterator[Metric]:
        checks = GaugeMetricFamily(
            "hub_checks_overdue", "Unfinished checks past their due time, by agency.", labels=["agency"]
        )
        rows = connection.execute(
            select(CheckProgressRow.agency, func.count())
            .where(CheckProgressRow.phase.in_([phase.value for phase in UNFINISHED]), CheckProgressRow.due_at < now)
            .group_by(CheckProgressRow.agency)
        )
        for agency, count in rows:
            checks.add_metric([agency], count)
        yield checks
        referrals = GaugeMetricFamily(
            "hub_referrals_overdue", "Referrals whose checks have not all ended by their due time."
        )
        count = connection.execute(
            select(func.count()).where(ReferralChecksRow.state.not_in(ENDED), ReferralChecksRow.due_at < now)
        ).scalar_one()
        referrals.add_metric([], count)
        yield referrals

    def _circuits(self, connection: Connection, now: float) -> Iterator[Metric]:
        states = GaugeMetricFamily(
            "hub_circuit_state",
            "Each agency's circuit breaker: 1 for its current state (closed, open, half_open), 0 for the others.",
            labels=["agency", "state"],
        )
        failures = GaugeMetricFamily(
            "hub_circuit_consecutive_failures", "Failed requests in a row, per agency.", labels=["agency"]
        )
        rows = connection.execute(
            select(ResilienceStateRow.key, ResilienceStateRow.failures, ResilienceStateRow.opened_until)
        )
        for agency, failed, opened_until in rows:
            current = circuit_state(opened_until, now)
            for state in ("closed", "open", "half_open"):
                states.add_metric([agency, state], 1.0 if state == current else 0.0)
            failures.add_metric([agency], failed or 0)
        yield states
        yield failures

    def _seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        """`end - start` in seconds, in SQL (SQLite keeps instants as text, PostgreSQL as timestamps)."""
        if self.engine.dialect.name == "sqlite":
            return (func.julianday(end) - func.julianday(start)) * 86400.0
        return extract("epoch", end) - extract("epoch", start)

    def _histogram(
        self,
        connection: Connection,
        name: str,
        documentation: str,
        label: Any,
        seconds: ColumnElement[Any],
        buckets: Sequence[float],
        where: ColumnElement[bool],
        *,
        from_: Any,
    ) -> Metric:
        """A histogram in one aggregate query: a count per bucket (`SUM(CASE ...)`), the total and the sum."""
        columns: list[Any] = [func.count(), func.coalesce(func.sum(seconds), 0.0)]
        columns += [func.sum(case((seconds <= bound, 1), else_=0)) for bound in buckets]
        keys = [label] if label is not None else []
        query = select(*keys, *columns).select_from(from_).where(and_(where))
        if label is not None:
            query = query.group_by(label)
        family = HistogramMetricFamily(name, documentation, labels=["agency"] if label is not None else None)
        for row in connection.execute(query):
            values = list(row)
            labels = [values.pop(0)] if label is not None else []
            total, summed, *counts = values
            if not total:
                continue
            cumulative = [(_bound(bound), float(count or 0)) for bound, count in zip(buckets, counts, strict=True)]
            family.add_metric(labels, [*cumulative, ("+Inf", float(total))], float(summed))
        return family


def circuit_state(opened_until: float | None, now: float) -> str:
    """closed (never opened, or closed by a success), open (refusing until a time), half_open (a trial is due)."""
    if opened_until is None:
        return "closed"
    return "open" if now < opened_until else "half_open"


def _bound(bound: float) -> str:
    return str(float(bound))


def registry_for(engine: Engine, **kwargs: Any) -> CollectorRegistry:
    """A registry holding only the check metrics (not this process's own, which say nothing of the workers)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CheckMetrics(engine, **kwargs))
    return registry
