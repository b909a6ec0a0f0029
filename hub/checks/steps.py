"""The steps of a referral's checks, as plain functions the DAG calls with ids only.

Airflow carries referral, agency and subject ids; everything personal is read from, and written to,
the encrypted store inside these functions. Return values go to XCom, so they hold ids, statuses
and counts, never personal data. Exceptions raised here end up in Airflow's logs, so every one is
replaced by a `PipelineError` whose message is built from ids alone.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from connectors.sdk.config import CheckRetryPolicy
from connectors.sdk.jobs import ReplyPending
from hub.agencies import AgencySetupError, build_connector, registered_agencies
from hub.checks.attempts import Attempt, earliest_retry
from hub.chronology.assembly import PairKey, assemble, prior_referrals
from hub.deadlines.config import load_deadlines, referral_due_at
from hub.errors import UserError
from hub.observability.tracing import check_span, set_outcome
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import (
    AgencyReply,
    CheckPhase,
    CheckProgress,
    ChecksStage,
    LinkOutcome,
    PriorReferral,
    Referral,
    ReplyStatus,
)

if TYPE_CHECKING:
    from connectors.sdk.connections import ConnectionLookup

ACTOR = "service:pipeline"
"""The pipeline acts as a service identity of its own (role `service`), never as a person."""
PURPOSE = "mash_checks"
SUPERSEDED = "superseded"
"""What a check attempt returns when a newer attempt of the same check is already on record."""
FIRST_ATTEMPT = Attempt()
IN_FLIGHT = (CheckPhase.NOT_ASKED, CheckPhase.ASKED)
"""Checks the first, partial, history waits for: every other check has an answer, a reason, or a promise."""
FINAL = (CheckPhase.ANSWERED, CheckPhase.GAVE_UP)
"""Checks an agency's later attempts leave alone: they have an answer, or a reason that trying again cannot mend."""

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class PipelineError(RuntimeError):
    """A step failed; the message names the step and ids only, so it is safe in any log.

    `retryable` is False when trying again cannot help (Airflow then fails the task at once).
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ReplyAwaited(Exception):
    """The agency will reply later: run the check again at `poll_at` (the DAG defers to the triggerer until then).

    Raised instead of waiting in the worker, so no worker or pool slot is held while an agency takes hours.
    """

    def __init__(self, poll_at: datetime) -> None:
        super().__init__(f"awaiting the agency's reply; polling again at {poll_at:%H:%M:%S}")
        self.poll_at = poll_at


def _ids_only_errors(step: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Replace any exception with one whose text cannot carry personal data.

    Library exceptions (pydantic, SQLAlchemy) quote the values they choke on; those values may be a
    child's name, so the original is dropped (`from None`) rather than chained into the log.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except (PipelineError, ReplyAwaited):
                raise
            except UserError as exc:
                raise PipelineError(f"{step}: {exc}", retryable=False) from None
            except Exception as exc:  # noqa: BLE001 - deliberately total: see docstring
                raise PipelineError(
                    f"{step} failed with {type(exc).__name__}; details withheld (personal data)"
                ) from None

        return wrapper

    return decorate


def _traced(function: Callable[P, str]) -> Callable[P, str]:
    """One OpenTelemetry span per check attempt (`hub.observability.tracing`): ids, attempt and outcome only.

    The outcome is what the attempt returned, `awaiting_reply` when it defers, or `retrying`/`gave_up`
    when the check failed; any other exception marks the span as an error by its type.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
        ids = (given["referral"].referral_id, given["agency_id"], given["subject_id"], given["attempt"].number)
        with check_span(*ids, expected=(ReplyAwaited,)) as span:
            try:
                outcome = function(*args, **kwargs)
            except ReplyAwaited:
                set_outcome(span, CheckPhase.AWAITING_REPLY.value)
                raise
            except PipelineError as error:
                set_outcome(span, (CheckPhase.RETRYING if error.retryable else CheckPhase.GAVE_UP).value)
                raise
            set_outcome(span, outcome)
            return outcome

    return wrapper


@_ids_only_errors("plan")
def plan_checks(referral_id: str, settings: HubSettings | None = None) -> list[str]:
    """Put every agency × subject check on record as not yet asked, and return the subject ids (ids only)."""
    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    referral = store.load_referral(referral_id, actor=ACTOR, purpose=PURPOSE)
    subject_ids = [subject.subject_id for subject in referral.subjects]
    agencies = [agency.id for agency in registered_agencies(settings)]
    store.plan_checks(
        referral_id, agencies, subject_ids, due_at=referral_due_at(settings, referral.received_at, referral.rag)
    )
    log.info("Referral %s: checking %d subjects with %d agencies", referral_id, len(subject_ids), len(agencies))
    return subject_ids


@_ids_only_errors("check")
def run_check(
    referral_id: str,
    agency_id: str,
    subject_id: str,
    settings: HubSettings | None = None,
    *,
    connections: ConnectionLookup | None = None,
    attempt: Attempt = FIRST_ATTEMPT,
    defer: bool = False,
) -> str:
    """Ask one agency about one subject, store the encrypted reply, its raw exchanges and the check's progress.

    The one-check form of `run_agency_checks` (which the DAG runs), for tools and tests: the same
    check, the same ledger and the same errors, then the family history refreshed as that function's
    docstring says.
    """
    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    referral = store.load_referral(referral_id, actor=ACTOR, purpose=PURPOSE)
    try:
        return _check_subject(
            store, settings, referral, agency_id, subject_id, connections=connections, attempt=attempt, defer=defer
        )
    finally:
        refresh_history(store, referral_id, settings)


@dataclass(frozen=True)
class _SubjectResult:
    """How one subject's check ended within an agency's attempt: an outcome, or the error it raised."""

    subject_id: str
    outcome: str | None = None
    error: PipelineError | None = None
    awaited: ReplyAwaited | None = None


@_ids_only_errors("checks")
def run_agency_checks(
    referral_id: str,
    agency_id: str,
    settings: HubSettings | None = None,
    *,
    connections: ConnectionLookup | None = None,
    attempt: Attempt = FIRST_ATTEMPT,
    defer: bool = False,
) -> dict[str, int]:
    """Ask one agency about every subject of the referral without a final answer yet, several at once.

    One Airflow task per agency rather than one per agency and subject: each task costs a process, the
    DAG file parsed again and the hub's modules imported (about a second of CPU), while a check itself
    is mostly waiting on the agency. Each subject's check is still its own: its own ledger row and
    attempt number, its own reply, its own failure (`_check_subject`). Up to `pool.people_at_once`
    subjects are asked at once, each in a thread with a connector of its own; the store, its data keys
    and the agency's token are shared.

    A later attempt (Airflow's retry, or the resume after a deferral) asks only the subjects still
    without a final answer (`FINAL`), so an answer is never asked for twice. Afterwards the family
    history is refreshed once, and the attempt ends by what its subjects did: a failure that may pass
    raises a retryable `PipelineError` (Airflow tries again later); else a reply still awaited raises
    `ReplyAwaited` for the earliest poll; else a failure that cannot pass raises a final one. Returns
    counts of the outcomes (for XCom: no personal data).
    """
    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    referral = store.load_referral(referral_id, actor=ACTOR, purpose=PURPOSE)
    progress = store.check_progress(referral_id)
    final = {item.subject_id for item in progress if item.agency == agency_id and item.phase in FINAL}
    subjects = [subject.subject_id for subject in referral.subjects if subject.subject_id not in final]
    if not subjects:
        return {}

    def check(subject_id: str) -> _SubjectResult:
        try:
            outcome = _check_subject(
                store, settings, referral, agency_id, subject_id, connections=connections, attempt=attempt, defer=defer
            )
        except ReplyAwaited as awaited:
            return _SubjectResult(subject_id, awaited=awaited)
        except PipelineError as error:
            return _SubjectResult(subject_id, error=error)
        return _SubjectResult(subject_id, outcome=outcome)

    at_once = min(len(subjects), _people_at_once(settings, agency_id))
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix=f"check-{agency_id}") as threads:
        results = list(threads.map(check, subjects))
    refresh_history(store, referral_id, settings)
    return _agency_verdict(agency_id, results)


def _people_at_once(settings: HubSettings, agency_id: str) -> int:
    """The agency's `pool.people_at_once` (1 when the registry cannot be read: its checks then fail at once)."""
    try:
        agency = next(item for item in registered_agencies(settings) if item.id == agency_id)
    except (StopIteration, AgencySetupError, UserError):
        return 1
    return agency.pool.people_at_once


def _agency_verdict(agency_id: str, results: list[_SubjectResult]) -> dict[str, int]:
    """An agency attempt's end: retry, defer, fail or succeed, as `run_agency_checks` says (ids and codes only)."""
    failures = [result.error for result in results if result.error is not None]
    retryable = [error for error in failures if error.retryable]
    awaited = [result.awaited for result in results if result.awaited is not None]
    if retryable:
        raise PipelineError("; ".join(str(error) for error in retryable), retryable=True)
    if awaited:
        raise ReplyAwaited(min(waiting.poll_at for waiting in awaited))
    if failures:
        raise PipelineError("; ".join(str(error) for error in failures), retryable=False)
    return dict(Counter(result.outcome or "unknown" for result in results))


@_ids_only_errors("check")
@_traced
def _check_subject(
    store: HubStore,
    settings: HubSettings,
    referral: Referral,
    agency_id: str,
    subject_id: str,
    *,
    connections: ConnectionLookup | None,
    attempt: Attempt,
    defer: bool,
) -> str:
    """Ask one agency about one subject, store the encrypted reply, its raw exchanges and the check's progress.

    `connections` finds the agency's Airflow Connection (the DAG passes Airflow's own lookup); `attempt`
    is Airflow's try. The referral's RAG rating sets how long a reply may take. A failed check is stored
    as "failed, retrying" (with the next try's time) or "failed" with its reason, and then raised, so
    Airflow retries it or shows it failed; `PipelineError.retryable` says which. A late attempt that a
    newer one has overtaken stores nothing. The caller refreshes the family history afterwards.

    With `defer`, an agency that accepts the request for a later reply is not waited for here: the
    check is recorded as awaiting its reply and `ReplyAwaited` says when to run it again; the next run
    polls the same job once (`connectors.sdk.jobs`).
    """
    referral_id = referral.referral_id
    subject = referral.subject(subject_id)
    asked = CheckProgress(agency=agency_id, subject_id=subject_id, phase=CheckPhase.ASKED, attempts=attempt.number)
    if not store.record_progress(referral_id, asked):
        return _overtaken(referral_id, asked)
    policy, lawful_basis, recording, setup_problem = CheckRetryPolicy(), None, None, None
    try:
        connector = build_connector(
            settings,
            agency_id,
            rag=referral.rag,
            lookup=connections,
            state=store.resilience_state(),
            retry_requests=attempt.is_first,
        )
    except AgencySetupError as error:
        reply, setup_problem = _failed_reply(referral_id, agency_id, subject_id, error.code), str(error)
    else:
        policy, lawful_basis = connector.config.check_retry, connector.config.lawful_basis
        book = (
            store.job_book(referral_id, agency_id, subject_id, actor=ACTOR, callback_base=settings.callback_base_url())
            if defer
            else None
        )
        if book is not None:
            connector.jobs = book
        else:
            connector.on_accepted = functools.partial(_awaiting, store, settings, referral_id, asked)
        try:
            checked = connector.check_recorded(referral_id, subject)
        except ReplyPending as pending:
            store.record_progress(referral_id, asked.model_copy(update={"phase": CheckPhase.AWAITING_REPLY}))
            poll_at = datetime.now(UTC) + timedelta(seconds=pending.job.poll_after)
            log.info(
                "Referral %s: %s check for %s awaits its reply; polling again at %s",
                referral_id,
                agency_id,
                subject_id,
                f"{poll_at:%H:%M:%S}",
            )
            raise ReplyAwaited(poll_at) from None
        if book is not None:
            book.forget_all()  # the check has its answer
        reply, recording = checked.reply, checked.recording
    progress = _progress_after(reply, attempt, policy)
    if not store.save_reply(reply, actor=ACTOR, recording=recording, lawful_basis=lawful_basis, progress=progress):
        return _overtaken(referral_id, asked)
    outcome = progress.phase.value if reply.status is ReplyStatus.FAILED else reply.status.value
    log.info(
        "Referral %s: %s check for %s is %s, attempt %d (%d records, %s ms)",
        referral_id,
        agency_id,
        subject_id,
        outcome,
        attempt.number,
        len(reply.entries),
        reply.duration_ms,
        extra={  # fields of their own in JSON logs (`hub.observability.logs`): ids, counts and codes only
            "referral_id": referral_id,
            "agency": agency_id,
            "subject_id": subject_id,
            "outcome": outcome,
            "attempt": attempt.number,
            "records": len(reply.entries),
            "duration_ms": reply.duration_ms,
            "error_code": reply.error_code,
        },
    )
    if reply.status is ReplyStatus.FAILED:
        raise PipelineError(
            f"{agency_id} check for {subject_id} failed: {setup_problem or reply.error_code or 'unknown error'}",
            retryable=progress.phase is CheckPhase.RETRYING,
        )
    return reply.status.value


def _overtaken(referral_id: str, asked: CheckProgress) -> str:
    """A newer attempt of the same check is on record: this one stores nothing."""
    log.warning(
        "Referral %s: %s check for %s attempt %d overtaken", referral_id, asked.agency, asked.subject_id, asked.attempts
    )
    return SUPERSEDED


def _awaiting(store: HubStore, settings: HubSettings, referral_id: str, asked: CheckProgress) -> None:
    """The agency accepted the request and will reply later: on record as awaiting its reply."""
    try:
        store.record_progress(referral_id, asked.model_copy(update={"phase": CheckPhase.AWAITING_REPLY}))
        refresh_history(store, referral_id, settings)
    except Exception as exc:  # noqa: BLE001 - progress is a courtesy; the reply itself is what must be stored
        log.warning(
            "Referral %s: could not record %s as awaiting a reply (%s)", referral_id, asked.agency, type(exc).__name__
        )


def _progress_after(reply: AgencyReply, attempt: Attempt, policy: CheckRetryPolicy) -> CheckProgress:
    """The check's place in the ledger once this attempt's reply is in."""
    common = {"agency": reply.agency, "subject_id": reply.subject_id, "attempts": attempt.number}
    if reply.status is not ReplyStatus.FAILED:
        return CheckProgress(**common, phase=CheckPhase.ANSWERED)
    failure = {"reason": reply.error_code, "cause": reply.error_cause, "cause_count": reply.error_cause_count}
    if attempt.will_retry(reply.error_code):
        failed_at = reply.completed_at or datetime.now(UTC)
        return CheckProgress(
            **common, **failure, phase=CheckPhase.RETRYING, next_attempt_at=earliest_retry(policy, attempt, failed_at)
        )
    return CheckProgress(**common, **failure, phase=CheckPhase.GAVE_UP)


def _failed_reply(referral_id: str, agency_id: str, subject_id: str, code: str) -> AgencyReply:
    """An agency the hub could not even call is a failed check, so the history says so (not "not asked")."""
    now = datetime.now(UTC)
    return AgencyReply(
        agency=agency_id,
        referral_id=referral_id,
        subject_id=subject_id,
        status=ReplyStatus.FAILED,
        requested_at=now,
        completed_at=now,
        error_code=code,
    )


def refresh_history(store: HubStore, referral_id: str, settings: HubSettings) -> None:
    """Assemble again as `partial_history` in config/deadlines.yaml says: by default once no check is still
    to be asked or in flight (the first, partial, history), then for each later reply. A failure here is
    logged, not raised: the run's last step assembles anyway.
    """
    try:
        mode = load_deadlines(settings).partial_history.assemble
        if mode == "end_only":
            return
        pending = [item for item in store.check_progress(referral_id) if item.phase in IN_FLIGHT]
        if pending and mode == "first_wave":
            return
        store_chronologies(store, referral_id, datetime.now(UTC), actor=ACTOR, purpose=PURPOSE)
    except Exception as exc:  # noqa: BLE001 - see docstring; the type alone is safe to log
        log.warning(
            "Referral %s: history not refreshed (%s); the run's last step assembles it", referral_id, type(exc).__name__
        )


@_ids_only_errors("assemble")
def assemble_chronologies(
    referral_id: str, assembled_at: datetime, settings: HubSettings | None = None
) -> list[dict[str, str | int]]:
    """Close the referral's checks, then link replies to subjects and store each child's chronology.

    Runs once every check task has ended, so a check still "asked" or "retrying" lost its worker and is
    closed as failed (`worker_lost`), and one never asked is closed as `checks_not_started`: no stored
    version keeps a state that is no longer true. `assembled_at` comes from the DAG run.
    """
    store = open_store(settings)
    checks = store.referral_checks(referral_id)
    plan_failed = checks is None or checks.stage not in (ChecksStage.IN_PROGRESS, ChecksStage.COMPLETE)
    for closed in store.close_checks(referral_id, plan_failed=plan_failed):
        log.warning(
            "Referral %s: %s check for %s closed as %s", referral_id, closed.agency, closed.subject_id, closed.reason
        )
    return store_chronologies(store, referral_id, assembled_at, actor=ACTOR, purpose=PURPOSE)


@_ids_only_errors("outcome")
def check_outcome(referral_id: str, settings: HubSettings | None = None) -> dict[str, int]:
    """The run's verdict: raise if the checks could not start or any check gave up, one clause per agency.

    The history has already been assembled from everything that arrived; this only makes the run say
    "failed" when the practitioner does not have every answer.
    """
    store = open_store(settings)
    checks = store.referral_checks(referral_id)
    if checks is None or checks.stage is ChecksStage.COULD_NOT_START:
        raise PipelineError(f"Referral {referral_id}: the checks could not start; no agency was asked")
    progress = store.check_progress(referral_id)
    failures = failed_checks_by_agency(progress)
    if failures:
        raise PipelineError(f"Referral {referral_id}: " + "; ".join(failures))
    return dict(Counter(item.phase.value for item in progress))


def failed_checks_by_agency(progress: list[CheckProgress]) -> list[str]:
    """ "housing: 4 of 4 checks failed (http_503)" for each agency with a check that gave up (ids and codes only)."""
    lines = []
    for agency in sorted({item.agency for item in progress}):
        checks = [item for item in progress if item.agency == agency]
        failed = [item for item in checks if item.phase is CheckPhase.GAVE_UP]
        if failed:
            reasons = ", ".join(sorted({item.reason or "unknown" for item in failed}))
            lines.append(f"{agency}: {len(failed)} of {len(checks)} checks failed ({reasons})")
    return lines


def inherited_decisions(store: HubStore, prior: list[PriorReferral]) -> dict[PairKey, bool]:
    """Practitioners' decisions about a person in an earlier referral, carried to the same person now.

    Only through a prior-involvement link the model made outright (not one awaiting review): a rejected
    agency record is not proposed again for the same child, and a confirmed one is reused.
    """
    carried: dict[PairKey, bool] = {}
    for item in prior:
        if item.outcome is not LinkOutcome.LINKED:
            continue
        for (agency, agency_person_id, subject_id), confirmed in store.link_decisions(item.earlier_referral_id).items():
            if subject_id == item.earlier_subject_id:
                carried.setdefault((agency, agency_person_id, item.subject_id), confirmed)
    return carried


def store_chronologies(
    store: HubStore, referral_id: str, assembled_at: datetime, *, actor: str, purpose: str
) -> list[dict[str, str | int]]:
    """Assemble with practitioners' link decisions, store each child's chronology, queue new reviews.

    Also what a practitioner's decision runs, so the history they read next reflects it. The assembly
    revision is read first: if anything changed while this assembly ran, it stores nothing, because the
    assembly that change set off will store a newer picture.
    """
    revision = store.assembly_revision(referral_id)
    progress = store.check_progress(referral_id)
    referral = store.load_referral(referral_id, actor=actor, purpose=purpose)
    replies = store.load_replies(referral_id, actor=actor, purpose=purpose)
    earlier = {
        subject.subject_id: store.prior_involvement(subject.person, excluding=referral_id, actor=actor, purpose=purpose)
        for subject in referral.subjects
    }
    prior = prior_referrals(referral, earlier)
    decisions = {**inherited_decisions(store, prior), **store.link_decisions(referral_id)}
    chronologies = assemble(
        referral, replies, assembled_at=assembled_at, decisions=decisions, prior=prior, progress=progress
    )
    stored: list[dict[str, str | int]] = []
    for chronology in chronologies:
        version = store.save_chronology(chronology, actor=actor, revision=revision)
        if version is None:
            log.info("Referral %s: assembly overtaken by a newer change; not stored", referral_id)
            return stored
        stored.append({"child": chronology.child_subject_id, "version": version, "entries": len(chronology.entries)})
        log.info(
            "Referral %s: chronology for %s stored as version %d (%d entries)",
            referral_id,
            chronology.child_subject_id,
            version,
            len(chronology.entries),
        )
    if chronologies:
        queued = store.propose_reviews(referral_id, chronologies[0].links, actor=actor, purpose=purpose)
        log.info("Referral %s: %d candidate links queued for practitioner review", referral_id, queued)
    return stored
