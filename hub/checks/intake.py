"""One way in for every channel: store a valid referral, assess it, note who sent it, and start its checks.

`hub referral submit` (and the demo), the REST API and the web form all call `receive_referral` with a
referral that `hub.intake.validation` has already accepted, so each channel says the same things in its
own form. If Airflow cannot be reached, the referral stays stored with its checks "not started", and the
housekeeping DAG (`dags/mash_housekeeping.py`, every five minutes, `hub.checks.reconcile`) triggers it
once Airflow answers: `Received.checks_started` is then False and the channel says the checks will
start shortly, never that they have started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.access import allocation
from hub.access.roles import load_access_config
from hub.checks.airflow_api import AirflowApi, AirflowClient, retry_policy
from hub.errors import UserError
from hub.quality.assessment import QualityAssessment
from hub.quality.feedback import feedback_note
from hub.quality.records import assess_on_intake, stored_assessment
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.intake_records import Submission
from schemas import ChecksStage, Referral

INTAKE_PURPOSE = "referral_intake"
ALLOCATED_AS_SUBMITTER = "allocated to the referral's submitter"

Trigger = Callable[[str, str], str]
"""Start a referral's checks: (referral id, run id) to the run id Airflow took; a `UserError` if it cannot."""


@dataclass(frozen=True)
class Received:
    """What became of a referral handed in: whether it is new, whether its checks started, and its assessment."""

    referral_id: str
    created: bool
    """False if this exact referral was already stored (a retry, or submitted again)."""
    submission: Submission | None
    """Who first submitted it, by which channel (None if it came in otherwise, e.g. a bulk load):
    a referral someone else submitted is not theirs to follow."""
    checks_started: bool
    run_id: str | None
    not_started_because: str | None
    """Why the checks did not start now (Airflow's words, which carry no personal data); housekeeping starts them."""
    quality_line: str
    """One line on the assessment for whoever submitted (or why it was not assessed)."""
    assessment: QualityAssessment | None

    @property
    def feedback(self) -> str | None:
        """The feedback note for the referrer (plain text; names the referral only by its reference)."""
        return None if self.assessment is None else feedback_note(self.assessment)


def receive_referral(
    settings: HubSettings,
    store: HubStore,
    referral: Referral,
    *,
    actor: str,
    channel: str,
    trigger: Trigger | None,
    allocate_to: str | None = None,
    trigger_again: bool = True,
    read_assessment: bool = True,
) -> Received:
    """Store `referral` (already validated), note its submitter, assess it, and trigger its checks.

    `trigger` None means Airflow could not even be located: the referral is stored for housekeeping.
    `trigger_again` False leaves an identical referral already stored as it is (an API client's retry
    after a lost answer must not run the checks twice); the CLI runs them again, as it always has.
    `allocate_to` is allocated to a newly stored referral in the same breath, so it is never left unallocated,
    if their role may read family histories (`may_hold`): a referrer's own submission goes to managers to
    allocate, as any unallocated referral does, since a police officer or teacher must not read what agencies hold.
    `read_assessment` reads the stored assessment back for the submitter (audited `quality.read`: the trail
    shows the feedback was given); the CLI, which prints only the line, does not.
    """
    referral_id = referral.referral_id
    # A retry must leave the checks of the referral already stored as they are, not put them back to "not started".
    for_checks = trigger_again or not store.referral_exists(referral_id)
    created = store.save_referral(referral, actor=actor, purpose=INTAKE_PURPOSE, for_checks=for_checks, channel=channel)
    submission = store.submission(referral_id)
    if created and allocate_to is not None and may_hold(settings, store, allocate_to):
        store.allocate(referral_id, allocate_to, actor=actor, purpose=ALLOCATED_AS_SUBMITTER)
    if created or trigger_again:
        quality_line = assess_on_intake(settings, store, referral, actor=actor)  # kept even if the trigger fails
    else:
        quality_line = "Referral quality was assessed when it was first received."
    assessment = stored_assessment(store, referral_id, actor=actor, purpose=INTAKE_PURPOSE) if read_assessment else None
    run_id, why_not = None, None
    if created or trigger_again:
        run_id, why_not = _trigger(store, referral_id, trigger)
        started = run_id is not None
    else:
        checks = store.referral_checks(referral_id)
        started = checks is not None and checks.stage is not ChecksStage.NOT_STARTED
        run_id = checks.run_id if checks is not None else None
    return Received(referral_id, created, submission, started, run_id, why_not, quality_line, assessment)


def may_hold(settings: HubSettings, store: HubStore, username: str) -> bool:
    """Whether a referral may be allocated to `username`: an active account whose role may read family histories
    (roles.yaml `history.read`), the same rule a manager's allocation checks (`hub.access.allocation`)."""
    return allocation.may_hold(store.staff_user(username), load_access_config(settings))


def _trigger(store: HubStore, referral_id: str, trigger: Trigger | None) -> tuple[str | None, str | None]:
    """(the run id, None) if the checks started; (None, why) if they did not, leaving them for housekeeping."""
    if trigger is None:
        return None, "Airflow could not be located."
    try:
        run_id = trigger(referral_id, f"referral__{referral_id}__{time.time_ns()}")
    except UserError as error:
        return None, str(error)
    store.mark_checks(referral_id, ChecksStage.TRIGGERED, run_id=run_id, trigger_attempt=True)
    return run_id, None


def airflow_trigger(settings: HubSettings) -> Trigger | None:
    """A trigger for a channel someone is waiting on (a web page, an API call): a short retry budget, since
    housekeeping starts the checks anyway if Airflow does not answer now; None if Airflow cannot be located."""
    try:
        api = AirflowApi.locate(settings)
    except UserError:
        return None
    return AirflowClient(api, timeout=(2.0, 10.0), retry=retry_policy(attempts=2)).trigger


def checks_words(received: Received) -> str:
    """The checks in words for whoever submitted: started, or starting shortly; never started when they are not."""
    if received.checks_started:
        return "The checks have started: the hub is asking each agency what it knows."
    return (
        "The referral is stored, but its checks have not started yet because the hub could not reach its "
        "scheduler. They start automatically within about five minutes of it answering again."
    )
