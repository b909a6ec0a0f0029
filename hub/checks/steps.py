"""The steps of a referral's checks, as plain functions the DAG calls with ids only.

Airflow carries referral, agency and subject ids; everything personal is read from, and written to,
the encrypted store inside these functions. Return values go to XCom, so they hold ids, statuses
and counts, never personal data. Exceptions raised here end up in Airflow's logs, so every one is
replaced by a `PipelineError` whose message is built from ids alone.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from hub.agencies import AgencySetupError, build_connector
from hub.chronology.assembly import PairKey, assemble, prior_referrals
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import AgencyReply, LinkOutcome, PriorReferral, ReplyStatus

if TYPE_CHECKING:
    from connectors.sdk.connections import ConnectionLookup

ACTOR = "airflow:mash_referral"
PURPOSE = "mash_checks"

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class PipelineError(RuntimeError):
    """A step failed; the message names the step and ids only, so it is safe in any log."""


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
            except PipelineError:
                raise
            except UserError as exc:
                raise PipelineError(f"{step}: {exc}") from None
            except Exception as exc:  # noqa: BLE001 - deliberately total: see docstring
                raise PipelineError(
                    f"{step} failed with {type(exc).__name__}; details withheld (personal data)"
                ) from None

        return wrapper

    return decorate


@_ids_only_errors("plan")
def plan_checks(referral_id: str, settings: HubSettings | None = None) -> list[str]:
    """The subject ids every agency is asked about."""
    store = open_store(settings)
    referral = store.load_referral(referral_id, actor=ACTOR, purpose=PURPOSE)
    subject_ids = [subject.subject_id for subject in referral.subjects]
    log.info("Referral %s: checking %d subjects", referral_id, len(subject_ids))
    return subject_ids


@_ids_only_errors("check")
def run_check(
    referral_id: str,
    agency_id: str,
    subject_id: str,
    settings: HubSettings | None = None,
    *,
    connections: ConnectionLookup | None = None,
) -> str:
    """Ask one agency about one subject, store the encrypted reply and its raw exchanges, return its status.

    `connections` finds the agency's Airflow Connection (the DAG passes Airflow's own lookup). The
    referral's RAG rating sets how long a reply may take. A failed check is stored (so the family
    history shows "check failed", not "not checked") and then raised, so Airflow shows the task as
    failed too.
    """
    settings = settings or HubSettings.from_env()
    store = open_store(settings)
    referral = store.load_referral(referral_id, actor=ACTOR, purpose=PURPOSE)
    subject = referral.subject(subject_id)
    try:
        connector = build_connector(
            settings, agency_id, rag=referral.rag, lookup=connections, state=store.resilience_state()
        )
    except AgencySetupError as error:
        _store_unchecked(store, referral_id, agency_id, subject_id, error.code)
        raise PipelineError(f"{agency_id} check for {subject_id} failed: {error}") from None
    checked = connector.check_recorded(referral_id, subject)
    reply = checked.reply
    store.save_reply(reply, actor=ACTOR, recording=checked.recording, lawful_basis=connector.config.lawful_basis)
    log.info(
        "Referral %s: %s check for %s is %s (%d records, %d exchanges, %s ms)",
        referral_id,
        agency_id,
        subject_id,
        reply.status.value,
        len(reply.entries),
        len(checked.recording.exchanges),
        reply.duration_ms,
    )
    if reply.status is ReplyStatus.FAILED:
        raise PipelineError(f"{agency_id} check for {subject_id} failed: {reply.error_code or 'unknown error'}")
    return reply.status.value


def _store_unchecked(store: HubStore, referral_id: str, agency_id: str, subject_id: str, code: str) -> None:
    """An agency the hub could not even call is a failed check, so the history says so (not "pending")."""
    now = datetime.now(UTC)
    reply = AgencyReply(
        agency=agency_id,
        referral_id=referral_id,
        subject_id=subject_id,
        status=ReplyStatus.FAILED,
        requested_at=now,
        completed_at=now,
        error_code=code,
    )
    store.save_reply(reply, actor=ACTOR)


@_ids_only_errors("assemble")
def assemble_chronologies(
    referral_id: str, assembled_at: datetime, settings: HubSettings | None = None
) -> list[dict[str, str | int]]:
    """Link replies to subjects, assemble each child's chronology, and store it encrypted.

    `assembled_at` comes from the DAG run, not the clock, so re-running the task stores the same state.
    """
    return store_chronologies(open_store(settings), referral_id, assembled_at, actor=ACTOR, purpose=PURPOSE)


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

    Also what a practitioner's decision runs, so the history they read next reflects it.
    """
    referral = store.load_referral(referral_id, actor=actor, purpose=purpose)
    replies = store.load_replies(referral_id, actor=actor, purpose=purpose)
    earlier = {
        subject.subject_id: store.prior_involvement(subject.person, excluding=referral_id, actor=actor, purpose=purpose)
        for subject in referral.subjects
    }
    prior = prior_referrals(referral, earlier)
    decisions = {**inherited_decisions(store, prior), **store.link_decisions(referral_id)}
    chronologies = assemble(referral, replies, assembled_at=assembled_at, decisions=decisions, prior=prior)
    stored: list[dict[str, str | int]] = []
    for chronology in chronologies:
        version = store.save_chronology(chronology, actor=actor)
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
