"""The API's routes: submit a referral, follow its progress (the submitting client only), and health.

Each goes through the access guard as a client principal (`client:<name>`), so every allowed call and
every refusal is in the audit trail with the client's role. The referral goes through the same intake as
the CLI and the web form (`hub.intake.validation`, then `hub.checks.intake.receive_referral`).

A retry: the same referral (byte-for-byte the same content) from the same client answers 200 with the
same answer and starts nothing again; the same id with different content, or an id another submitter
used, answers 409 (referrals are never overwritten).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hub.access.guard import AccessRefused
from hub.access.permissions import Permission
from hub.checks.intake import INTAKE_PURPOSE, Received, airflow_trigger, checks_words, receive_referral
from hub.intake.json_document import MAX_BYTES
from hub.intake.problems import ReferralRefused
from hub.intake.validation import check_referral_bytes
from hub.quality.assessment import QualityAssessment
from hub.store import ReferralConflict
from hub.web.api import models
from hub.web.api.auth import ApiCaller, ApiRefusal, Caller
from hub.web.api.limits import TooLarge, bounded_body
from schemas import Referral
from schemas.models import OpaqueId

API_VERSION = "1.0.0"
CHANNEL = "api"
STATUS_PURPOSE = "referral status for its submitter"
JSON = "application/json"
TAKEN = "This referral id is already taken by a different referral. Give the referral a new id and send it again."
NOT_FOUND = "No referral with this id was submitted by this client."
TOO_LARGE = f"The referral is too large: a referral may be at most {MAX_BYTES:,} bytes (1 MiB)."
NOT_JSON = "Send the referral as JSON: Content-Type: application/json."

router = APIRouter()


class ProblemsFound(Exception):
    """A referral refused at the door: answered 400 with every problem."""

    def __init__(self, refused: ReferralRefused) -> None:
        super().__init__("refused")
        self.refused = refused


def _refusal(description: str) -> dict[str, Any]:
    return {"model": models.Refusal, "description": description}


Responses = dict[int | str, dict[str, Any]]
UNAUTHORISED: Responses = {401: _refusal("No key, or not a valid one (which of these is not said).")}
FORBIDDEN: Responses = {403: _refusal("This client's role may not submit referrals.")}
RATE: Responses = {429: _refusal("Too many requests from this client: `Retry-After` says how many seconds to wait.")}


def _permit(caller: Caller, purpose: str) -> None:
    """The guard's decision on submitting (audited if refused), as a 403."""
    try:
        with caller.signed.permit(Permission.REFERRAL_SUBMIT, purpose=purpose):
            pass
    except AccessRefused as refused:
        raise ApiRefusal(403, str(refused)) from None


def _answer(received: Received) -> models.Received:
    assessment = received.assessment
    quality = None
    if assessment is not None:
        gaps = [models.Gap(id=gap.id, question=gap.question, missing=gap.words, why=gap.why) for gap in assessment.gaps]
        quality = models.Quality(
            score=assessment.score,
            checklist_version=assessment.checklist_version,
            gaps=gaps,
            feedback_note=received.feedback or "",
        )
    return models.Received(
        referral_id=received.referral_id,
        status_url=status_url(received.referral_id),
        checks_started=received.checks_started,
        checks=checks_words(received),
        quality=quality,
        quality_note=received.quality_line if assessment is None else _scored(assessment),
    )


def _scored(assessment: QualityAssessment) -> str:
    gaps = len(assessment.gaps)
    return (
        f"Referral quality: {assessment.score} out of 100, {gaps} gap{'s' if gaps != 1 else ''} against the council's "
        "checklist of what a good referral states. The feedback note says what would have helped."
    )


def status_url(referral_id: str) -> str:
    return f"/api/v1/referrals/{referral_id}/status"


def _may_send(caller: Caller, referral_id: str) -> bool:
    """Whether the id is free, or this client's own (a retry)."""
    store = caller.signed.store
    earlier = store.submission(referral_id)
    if earlier is None:
        return not store.referral_exists(referral_id)
    return earlier.submitter == caller.signed.actor


def _receive(caller: Caller, referral: Referral) -> Received:
    signed = caller.signed
    if not _may_send(caller, referral.referral_id):  # before storing: nothing of another's is touched
        raise ApiRefusal(409, TAKEN)
    with signed.permit(Permission.REFERRAL_SUBMIT, purpose=INTAKE_PURPOSE):
        try:
            received = receive_referral(
                signed.settings,
                signed.store,
                referral,
                actor=signed.actor,
                channel=CHANNEL,
                trigger=airflow_trigger(signed.settings),
                trigger_again=False,
            )
        except ReferralConflict:
            raise ApiRefusal(409, TAKEN) from None
    if received.submission is None or received.submission.submitter != signed.actor:
        raise ApiRefusal(409, TAKEN)  # stored meanwhile by someone else, identically
    return received


@router.post(
    "/referrals",
    status_code=201,
    summary="Submit a referral",
    response_model=models.Received,
    responses={
        200: {"model": models.Received, "description": "This client sent this same referral before: the same answer."},
        201: {"description": "Stored; `Location` is its status."},
        400: {
            "model": models.Problems,
            "description": "Refused: every problem, naming its field. Nothing stored.",
        },
        **UNAUTHORISED,
        **FORBIDDEN,
        409: _refusal("The id is taken by a different referral, or by another submitter's."),
        413: _refusal(f"Larger than {MAX_BYTES:,} bytes."),
        415: _refusal("Not sent as application/json."),
        **RATE,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Referral"}}},
            "description": "A referral (schemas/json/referral.v1.schema.json), UTF-8 JSON, at most 1 MiB.",
        }
    },
)
async def submit(request: Request, response: Response, caller: ApiCaller) -> models.Received:
    """Validate, store (encrypted), assess and start the checks, as `hub referral submit` does."""
    await run_in_threadpool(_permit, caller, INTAKE_PURPOSE)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != JSON:
        raise ApiRefusal(415, NOT_JSON)
    try:
        data = await bounded_body(request, MAX_BYTES)
    except TooLarge:
        raise ApiRefusal(413, TOO_LARGE) from None
    try:
        referral = check_referral_bytes(data)
    except ReferralRefused as refused:
        raise ProblemsFound(refused) from None
    received = await run_in_threadpool(_receive, caller, referral)
    response.headers["Location"] = status_url(received.referral_id)
    if not received.created:
        response.status_code = 200
    return _answer(received)


def _status(caller: Caller, referral_id: str) -> models.Status:
    signed = caller.signed
    with signed.permit(Permission.REFERRAL_SUBMIT, purpose=STATUS_PURPOSE):
        submission = signed.store.submission(referral_id)
        if submission is None or submission.submitter != signed.actor:
            try:
                signed.refuse(Permission.REFERRAL_SUBMIT, referral_id, purpose=STATUS_PURPOSE, explanation=NOT_FOUND)
            except AccessRefused:
                raise ApiRefusal(404, NOT_FOUND) from None
        signed.store.note_status_read(referral_id, actor=signed.actor, purpose=STATUS_PURPOSE)
    checks = signed.store.referral_checks(referral_id)
    progress = signed.store.check_progress(referral_id)
    agencies = []
    for agency in sorted({item.agency for item in progress}):
        states = Counter(item.phase.value for item in progress if item.agency == agency)
        agencies.append(models.AgencyChecks(agency=agency, checks=sum(states.values()), states=dict(states)))
    return models.Status(
        referral_id=referral_id,
        received_at=submission.submitted_at,
        checks=checks.stage.value if checks is not None else "not_started",
        agencies=agencies,
    )


@router.get(
    "/referrals/{referral_id}/status",
    summary="A referral's progress",
    response_model=models.Status,
    responses={
        400: {"model": models.Problems, "description": "Not a referral id."},
        **UNAUTHORISED,
        403: _refusal("This client's role may not submit referrals, so has none to follow."),
        404: _refusal("This client submitted no referral with this id."),
        **RATE,
    },
)
def status(referral_id: OpaqueId, caller: ApiCaller) -> models.Status:
    """Received, and each agency's checks as states: for the client that submitted it, and no one else."""
    try:
        return _status(caller, referral_id)
    except AccessRefused as refused:
        raise ApiRefusal(403, str(refused)) from None


@router.get("/health", summary="Is the API up", response_model=models.Health)
def health() -> models.Health:
    """Liveness for a partner's monitoring: no key needed, nothing read, nothing audited."""
    return models.Health(status="ok", api_version=API_VERSION)
