"""MASH checks for one referral: fan out to every agency, then assemble each child's chronology.

Thin by design: wiring only. The work lives in `hub.checks.steps`, which never imports Airflow.
Triggered with `{"referral_id": "..."}` and nothing else: no personal data enters Airflow.
One task group per agency in `config/agencies.yaml`, each in the agency's own pool; each agency's
credentials come from the Airflow Connection its entry names, through Airflow's secrets backends.

`plan` puts every check on record; each agency's `check` asks it about every person of the referral
at once and retries as the agency's `check_retry` says (only for failures that may pass, and only the
people still without an answer); `assemble` runs however the checks ended, closes any left unfinished,
stores the history, and then fails the run when the checks could not start or any check gave up: a run
is "success" only when the practitioner has every agency's answer.

Six tasks a referral, whatever its size: a task costs about a second of CPU before it does anything
(a process, this file parsed, the hub imported), so one task per agency and person would spend most of
a referral's CPU starting tasks (docs/deployment.md, "Throughput").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook, BaseOperator, Context, Param, TaskGroup, TriggerRule, dag, get_current_context, task
from airflow.sdk.definitions.callback import AsyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from hub.agencies import registered_agencies
from hub.settings import HubSettings
from schemas.models import OPAQUE_ID_PATTERN

if TYPE_CHECKING:
    from connectors.sdk.connections import ConnectionFields

RUN_BACKSTOP = timedelta(days=5)
"""A run still going this long after it was queued is escalated by Airflow's Deadline Alert (a backstop:
each check's working-time due time is escalated by `mash_housekeeping`, which Deadline Alerts cannot do)."""


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


@task(retries=2, retry_delay=timedelta(seconds=5))
def plan() -> list[str]:
    """Every check on record as not yet asked; returns the subject ids (ids only: the XCom holds nothing personal)."""
    from hub.checks.steps import plan_checks

    return plan_checks(_referral_id())


class AgencyCheck(BaseOperator):
    """One agency, every person of the referral (`hub.checks.steps.run_agency_checks`).

    Retried by Airflow only for failures that may pass; others fail at once. An agency that will reply
    later is waited for on the triggerer, not here: the task defers until the earliest job is due to be
    polled, holding no worker or pool slot, then resumes to poll. An operator rather than `@task`,
    because resuming from a trigger calls a method of the operator.
    """

    def __init__(self, *, agency_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.agency_id = agency_id

    def execute(self, context: Context) -> dict[str, int]:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        from hub.checks.attempts import Attempt
        from hub.checks.steps import PipelineError, ReplyAwaited, run_agency_checks

        ti = context["ti"]
        attempt = Attempt(number=ti.try_number, tries=ti.max_tries + 1)
        referral_id: str = context["params"]["referral_id"]
        try:
            return run_agency_checks(
                referral_id,
                self.agency_id,
                connections=airflow_connection,
                attempt=attempt,
                defer=True,
            )
        except ReplyAwaited as waiting:
            self.defer(trigger=DateTimeTrigger(moment=waiting.poll_at), method_name="resume")
        except PipelineError as error:
            if error.retryable:
                raise
            raise AirflowFailException(str(error)) from None

    def resume(self, context: Context, event: Any = None) -> dict[str, int]:
        """Back from the triggerer: a job is due to be polled, so the agency's unanswered checks run again."""
        return self.execute(context)


@task(trigger_rule=TriggerRule.ALL_DONE, retries=2, retry_delay=timedelta(seconds=5))
def assemble() -> dict[str, int]:
    """Runs however the checks ended: closes any left unfinished, stores what did arrive, then gives the verdict.

    The run's verdict is this task's: failed (at once, not retried) if the checks could not start or
    any check gave up, with one clause per agency in ids and codes; else the checks' phases counted.
    """
    from hub.checks.steps import PipelineError, assemble_chronologies, check_outcome

    run_after: datetime = get_current_context()["dag_run"].run_after
    referral_id = _referral_id()
    assemble_chronologies(referral_id, assembled_at=run_after)
    try:
        return check_outcome(referral_id)
    except PipelineError as error:
        raise AirflowFailException(str(error)) from None


@dag(
    dag_id="mash_referral",
    schedule=None,
    catchup=False,
    max_active_tasks=8,
    # Finish the referrals already started before starting new ones: under a backlog, Airflow's default
    # (`downstream`) ranks every new run's `plan` above the `assemble` that would complete an older one.
    default_args={"weight_rule": "upstream"},
    tags=["mash", "checks"],
    params={
        "referral_id": Param(
            type="string",
            pattern=OPAQUE_ID_PATTERN,
            description="Opaque id of a referral already stored by `hub referral submit`.",
        )
    },
    doc_md=__doc__,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=RUN_BACKSTOP,
        callback=AsyncCallback("hub.checks.deadline_alert.run_past_deadline"),
    ),
)
def mash_referral() -> None:
    planned = plan()
    checks = []
    for agency in registered_agencies(HubSettings.from_env()):
        with TaskGroup(group_id=agency.id, tooltip=agency.name):
            retry = agency.check_retry
            checks.append(
                AgencyCheck(
                    task_id="check",
                    agency_id=agency.id,
                    pool=agency.pool_name,
                    retries=retry.tries - 1,
                    retry_delay=retry.delay,
                    retry_exponential_backoff=2.0,
                    max_retry_delay=retry.max_delay,
                )
            )
    planned >> checks >> assemble()


mash_referral()
