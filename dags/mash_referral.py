"""MASH checks for one referral: fan out to every agency, then assemble each child's chronology.

Thin by design: wiring only. The work lives in `hub.checks.steps`, which never imports Airflow.
Triggered with `{"referral_id": "..."}` and nothing else: no personal data enters Airflow.
One task group per agency in `config/agencies.yaml`, each in the agency's own pool; each agency's
credentials come from the Airflow Connection its entry names, through Airflow's secrets backends.

`plan` puts every check on record, each `check` retries as its agency's `check_retry` says (only for
failures that may pass), `assemble` runs however the checks ended and closes any left unfinished, and
`outcome` fails the run when the checks could not start or any check gave up: a run is "success" only
when the practitioner has every agency's answer.
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
    """Subject ids for the fan-out: ids only, so the XCom holds nothing personal."""
    from hub.checks.steps import plan_checks

    return plan_checks(_referral_id())


class AgencyCheck(BaseOperator):
    """One agency, one person (`hub.checks.steps.run_check`), mapped over the referral's subjects.

    Retried by Airflow only for failures that may pass; others fail at once. An agency that will reply
    later is waited for on the triggerer, not here: the task defers until the job is due to be polled,
    holding no worker or pool slot, then resumes to poll it once. An operator rather than `@task`,
    because resuming from a trigger calls a method of the operator.
    """

    template_fields = ("subject_id",)

    def __init__(self, *, agency_id: str, subject_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.agency_id = agency_id
        self.subject_id = subject_id

    def execute(self, context: Context) -> str:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        from hub.checks.attempts import Attempt
        from hub.checks.steps import PipelineError, ReplyAwaited, run_check

        ti = context["ti"]
        attempt = Attempt(number=ti.try_number, tries=ti.max_tries + 1)
        referral_id: str = context["params"]["referral_id"]
        try:
            return run_check(
                referral_id,
                self.agency_id,
                self.subject_id,
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

    def resume(self, context: Context, event: Any = None) -> str:
        """Back from the triggerer: the job is due to be polled, so the check runs again."""
        return self.execute(context)


@task(trigger_rule=TriggerRule.ALL_DONE, retries=2, retry_delay=timedelta(seconds=5))
def assemble() -> list[dict[str, str | int]]:
    """Runs however the checks ended: closes any left unfinished, then stores what did arrive."""
    from hub.checks.steps import assemble_chronologies

    run_after: datetime = get_current_context()["dag_run"].run_after
    return assemble_chronologies(_referral_id(), assembled_at=run_after)


@task(trigger_rule=TriggerRule.ALL_DONE)
def outcome() -> dict[str, int]:
    """The run's verdict: failed if the checks could not start or any check gave up (ids and codes only)."""
    from hub.checks.steps import check_outcome

    return check_outcome(_referral_id())


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
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=RUN_BACKSTOP,
        callback=AsyncCallback("hub.checks.deadline_alert.run_past_deadline"),
    ),
)
def mash_referral() -> None:
    subject_ids = plan()
    checks = []
    for agency in registered_agencies(HubSettings.from_env()):
        with TaskGroup(group_id=agency.id, tooltip=agency.name):
            retry = agency.check_retry
            checks.append(
                AgencyCheck.partial(
                    task_id="check",
                    agency_id=agency.id,
                    pool=agency.pool_name,
                    retries=retry.tries - 1,
                    retry_delay=retry.delay,
                    retry_exponential_backoff=2.0,
                    max_retry_delay=retry.max_delay,
                    map_index_template="{{ task.subject_id }}",
                ).expand(subject_id=subject_ids)
            )
    checks >> assemble() >> outcome()


mash_referral()
