"""Housekeeping every five minutes (and at once when Airflow starts): referrals left unchecked are
triggered, and checks past their working-time due time are escalated.

Thin by design: the work lives in `hub.checks.reconcile`. Only referral ids pass through Airflow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import dag, task

CHECKS_DAG_ID = "mash_referral"


@task
def unstarted_referrals() -> list[dict[str, object]]:
    """One trigger per referral stored but never checked (ids only), each with a run id of its own."""
    from hub.checks.reconcile import referrals_to_trigger

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return [
        {"conf": {"referral_id": referral_id}, "trigger_run_id": f"reconcile__{referral_id}__{stamp}"}
        for referral_id in referrals_to_trigger()
    ]


@task
def escalate_overdue() -> dict[str, int]:
    """Tell the MASH managers, once, about every referral whose checks are past their due time."""
    from hub.checks.reconcile import escalate_overdue as escalate

    return escalate()


@dag(
    dag_id="mash_housekeeping",
    schedule=timedelta(minutes=5),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["mash", "housekeeping"],
    doc_md=__doc__,
)
def mash_housekeeping() -> None:
    TriggerDagRunOperator.partial(task_id="trigger_checks", trigger_dag_id=CHECKS_DAG_ID).expand_kwargs(
        unstarted_referrals()
    )
    escalate_overdue()


mash_housekeeping()
