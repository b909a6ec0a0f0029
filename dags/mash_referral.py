"""MASH checks for one referral: fan out to every agency, then assemble each child's chronology.

Thin by design: wiring only. The work lives in `hub.checks.steps`, which never imports Airflow.
Triggered with `{"referral_id": "..."}` and nothing else: no personal data enters Airflow.
One task group per agency in `config/agencies.yaml`, each in the agency's own pool; each agency's
credentials come from the Airflow Connection its entry names, through Airflow's secrets backends.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from airflow.sdk import BaseHook, Param, TaskGroup, TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowNotFoundException

from hub.agencies import registered_agencies
from hub.settings import HubSettings
from schemas.models import OPAQUE_ID_PATTERN

if TYPE_CHECKING:
    from connectors.sdk.connections import ConnectionFields


def _referral_id() -> str:
    referral_id: str = get_current_context()["params"]["referral_id"]
    return referral_id


def airflow_connection(conn_id: str) -> ConnectionFields | None:
    """An agency's Connection as Airflow resolves it (secrets backend, `AIRFLOW_CONN_*`, metadata DB)."""
    from connectors.sdk.connections import ConnectionFields

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return ConnectionFields(
        conn_type=connection.conn_type,
        host=connection.host,
        login=connection.login,
        password=connection.password,
        extra=connection.extra_dejson,
    )


@task
def plan() -> list[str]:
    """Subject ids for the fan-out: ids only, so the XCom holds nothing personal."""
    from hub.checks.steps import plan_checks

    return plan_checks(_referral_id())


@task(map_index_template="{{ subject_id }}")
def check(agency_id: str, subject_id: str) -> str:
    from hub.checks.steps import run_check

    return run_check(_referral_id(), agency_id, subject_id, connections=airflow_connection)


@task(trigger_rule=TriggerRule.ALL_DONE)
def assemble() -> list[dict[str, str | int]]:
    """Runs even when a check failed, so the history shows "check failed" rather than nothing."""
    from hub.checks.steps import assemble_chronologies

    run_after: datetime = get_current_context()["dag_run"].run_after
    return assemble_chronologies(_referral_id(), assembled_at=run_after)


@dag(
    dag_id="mash_referral",
    schedule=None,
    catchup=False,
    max_active_tasks=8,
    tags=["mash", "checks"],
    params={
        "referral_id": Param(
            type="string",
            pattern=OPAQUE_ID_PATTERN,
            description="Opaque id of a referral already stored by `hub referral submit`.",
        )
    },
    doc_md=__doc__,
)
def mash_referral() -> None:
    subject_ids = plan()
    checks = []
    for agency in registered_agencies(HubSettings.from_env()):
        with TaskGroup(group_id=agency.id, tooltip=agency.name):
            in_pool = check.override(pool=agency.pool_name)
            checks.append(in_pool.partial(agency_id=agency.id).expand(subject_id=subject_ids))
    checks >> assemble()


mash_referral()
