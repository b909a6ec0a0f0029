"""The retention schedule, applied daily (docs/information-governance.md, "Retention and destruction").

Thin by design: the work is `hub.retention.daily_run`, as `service:retention` for the council's today.
It is idempotent (what a run destroyed is recorded, what it left the next run finds again), so a missed
day or a second run changes nothing more. Only counts pass through Airflow, never a referral id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task


@task(retries=1, retry_delay=timedelta(minutes=30))
def apply_retention_schedule() -> dict[str, int]:
    """Schedule every referral, move keys into their epochs, destroy what is due; the run's counts."""
    from hub.retention import daily_run

    return daily_run()


@dag(
    dag_id="mash_retention",
    schedule="30 1 * * *",  # 01:30 UTC: past midnight in the council's day, summer or winter (UK).
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["mash", "retention"],
    doc_md=__doc__,
)
def mash_retention() -> None:
    apply_retention_schedule()


mash_retention()
