"""The checks' pending jobs in the hub's database: `connectors.sdk.jobs.JobBook` for one check.

Each operation is one short transaction. A check runs in one task at a time (Airflow's try), so the
book needs no locking beyond that; a duplicated attempt at worst polls the same job twice.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlalchemy.orm import sessionmaker

from connectors.sdk.jobs import PendingJob
from hub.store.engine import upsert
from hub.store.tables import PendingJobRow


class StoredJobBook:
    """One check's pending jobs (referral, agency, subject), kept in the `pending_jobs` table."""

    def __init__(self, engine: Engine, referral_id: str, agency: str, subject_id: str) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._check = {"referral_id": referral_id, "agency": agency, "subject_id": subject_id}

    def pending(self, request_key: str) -> PendingJob | None:
        with self._sessions() as session:
            row = session.get(PendingJobRow, (*self._check.values(), request_key))
            if row is None:
                return None
            return PendingJob(row.request_key, row.location, row.request_id, row.accepted_at, row.poll_after)

    def accepted(self, job: PendingJob) -> None:
        values = {
            **self._check,
            "request_key": job.request_key,
            "location": job.location,
            "request_id": job.request_id,
            "accepted_at": job.accepted_at,
            "poll_after": job.poll_after,
        }
        with self._sessions() as session, session.begin():
            upsert(session, PendingJobRow.__table__, values, [*self._check, "request_key"])  # type: ignore[arg-type]

    def settled(self, request_key: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                delete(PendingJobRow).where(
                    *(getattr(PendingJobRow, name) == value for name, value in self._check.items()),
                    PendingJobRow.request_key == request_key,
                )
            )

    def forget_all(self) -> None:
        """Drop every pending job of this check (a new check of the referral starts afresh)."""
        with self._sessions() as session, session.begin():
            session.execute(
                delete(PendingJobRow).where(
                    *(getattr(PendingJobRow, name) == value for name, value in self._check.items())
                )
            )
