"""The referral form for professional referrers: start, the form, check your answers, sent, and their list.

A police officer, teacher, health visitor or housing officer signs in like staff (role `referrer`:
`referral.submit` and nothing else) and refers a child here; practitioners and managers may use it too.
Nothing is kept until the referral is sent: each page posts every answer (`hub.web.pages.refer_form`), so
"Add another person", "Remove" and "Change" work without JavaScript and no draft lies in the store. Sending
goes through the one intake every channel uses (`hub.checks.intake.receive_referral`, channel `web`): the
same check as the CLI and the API, the quality assessment and its feedback note, the audit trail, and the
checks started (or, truthfully, not yet). `/refer/sent` lists the person's own submissions with their
checks as counts: never anything an agency holds, and never anyone else's.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from hub.access.permissions import Permission
from hub.checks.intake import INTAKE_PURPOSE, Received, airflow_trigger, checks_words, receive_referral
from hub.chronology.reading import council_time_zone
from hub.intake.json_document import MAX_BYTES
from hub.quality.checklist import load_checklist
from hub.store import ReferralConflict
from hub.web.api.referrals import STATUS_PURPOSE
from hub.web.pages import refer_form as form_model
from hub.web.pages.refer_form import Answers, check_answers, new_reference, read_answers, summary_rows
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser
from schemas import CheckPhase, ChecksStage, Referral

router = APIRouter()
CHANNEL = "web"
START_PURPOSE = "referral form"
SENT_SHOWN = 100
"""The newest submissions the list shows: a referrer's year's worth."""
STAGE_WORDS = {
    ChecksStage.NOT_STARTED: "Not started yet: they start within minutes",
    ChecksStage.TRIGGERED: "Started",
    ChecksStage.IN_PROGRESS: "In progress",
    ChecksStage.COULD_NOT_START: "Could not start: the MASH team is told and starts them again",
    ChecksStage.COMPLETE: "Finished",
}


def within_limit(request: Request) -> None:
    """Refuse (413) a post larger than a referral may be (the intake's limit) before its form is read."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_BYTES:
        raise HTTPException(413)


ReferralForm = Annotated[FormData, Depends(checked_form)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _may_refer(user: WebUser) -> None:
    """Refuse (audited, the 403 page) a role that may not submit referrals."""
    with user.permit(Permission.REFERRAL_SUBMIT, purpose=START_PURPOSE):
        pass


@router.get("/refer")
def start(request: Request, user: SignedInUser) -> Response:
    """What a good referral states, from the council's checklist, and when to phone instead."""
    _may_refer(user)
    checklist = load_checklist(user.settings)
    return _pages(request).render(
        request, "refer_start.html", items=checklist.items, urgent=checklist.levels.get(4), sent_link=True
    )


@router.get("/refer/new")
def blank_form(request: Request, user: SignedInUser) -> Response:
    _may_refer(user)
    return _form_page(request, Answers())


@router.post("/refer/new", dependencies=[Depends(within_limit)])
def posted_form(request: Request, user: SignedInUser, form: ReferralForm) -> Response:
    """One of the form's buttons: add or remove a person, go back to change an answer, or continue to check."""
    _may_refer(user)
    answers = read_answers(form)
    action = str(form.get("action") or "")
    if action == "add":
        return _form_page(request, answers.with_person_added())
    if action.startswith("remove:") and action[7:].isdigit():
        return _form_page(request, answers.with_person_removed(int(action[7:])))
    if action != "continue":
        return _form_page(request, answers)  # "Change" from check your answers: the form as it was
    now = datetime.now(UTC)
    checked = check_answers(answers, referral_id=answers.reference or new_reference(now), now=now)
    if checked.referral is None:
        return _form_page(request, answers, errors=checked.errors)
    answers.reference = checked.referral.referral_id
    return _pages(request).render(request, "refer_check.html", rows=summary_rows(answers), posted=answers.posted())


@router.post("/refer/send", dependencies=[Depends(within_limit)])
def send(request: Request, user: SignedInUser, form: ReferralForm) -> Response:
    """Check everything again (a post is never trusted), then the one intake, then the confirmation."""
    _may_refer(user)
    answers = read_answers(form)
    now = datetime.now(UTC)
    reference = answers.reference or new_reference(now)
    earlier = user.store.submission(reference)
    if earlier is not None and earlier.submitter == user.signed.actor:  # sent twice (a double click, a refresh)
        return _pages(request).render(request, "refer_sent_one.html", reference=reference, again=True, received=None)
    if earlier is not None or user.store.referral_exists(reference):
        reference = new_reference(now)
    checked = check_answers(answers, referral_id=reference, now=now)
    if checked.referral is None:
        return _form_page(request, answers, errors=checked.errors)
    received = _receive(user, checked.referral)
    return _pages(request).render(
        request,
        "refer_sent_one.html",
        reference=received.referral_id,
        again=False,
        received=received,
        checks=checks_words(received),
        feedback=[unwrapped(paragraph) for paragraph in (received.feedback or "").split("\n\n")],
    )


def unwrapped(paragraph: str) -> str:
    """A paragraph of the feedback note (plain text wrapped for a letter) as lines for a web page: a wrapped
    line joins the one before; an item (`- ...`) or a heading line (`To: ...`) starts its own."""
    lines: list[str] = []
    for line in paragraph.splitlines():
        if lines and not re.match(r"^(- |[A-Z][a-z]+: )", line):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line.strip())
    return "\n".join(lines)


def _receive(user: WebUser, referral: Referral) -> Received:
    """The one intake, allocating to the submitter where roles.yaml says so and their role may hold it."""
    config = user.signed.config
    allocate_to = user.principal.username if config.allocation.submitter_allocated else None
    with user.permit(Permission.REFERRAL_SUBMIT, purpose=INTAKE_PURPOSE):
        try:
            return _intake(user, referral, allocate_to)
        except ReferralConflict:  # another browser took the reference this instant: a new one
            fresh = referral.model_copy(update={"referral_id": new_reference(datetime.now(UTC))})
            return _intake(user, fresh, allocate_to)


def _intake(user: WebUser, referral: Referral, allocate_to: str | None) -> Received:
    return receive_referral(
        user.settings,
        user.store,
        referral,
        actor=user.signed.actor,
        channel=CHANNEL,
        trigger=airflow_trigger(user.settings),
        allocate_to=allocate_to,
        trigger_again=False,
    )


@router.get("/refer/sent")
def sent(request: Request, user: SignedInUser) -> Response:
    """The person's own referrals: reference, when, and their checks as counts (audited as a status read)."""
    rows = []
    with user.permit(Permission.REFERRAL_SUBMIT, purpose=STATUS_PURPOSE):
        for submission in user.store.submissions_by(user.signed.actor)[:SENT_SHOWN]:
            user.store.note_status_read(submission.referral_id, actor=user.signed.actor, purpose=STATUS_PURPOSE)
            checks = user.store.referral_checks(submission.referral_id)
            phases = Counter(item.phase for item in user.store.check_progress(submission.referral_id))
            stage = checks.stage if checks is not None else ChecksStage.NOT_STARTED
            rows.append(
                {
                    "reference": submission.referral_id,
                    "when": submission.submitted_at,
                    "channel": submission.channel,
                    "stage": STAGE_WORDS[stage],
                    "answered": phases[CheckPhase.ANSWERED],
                    "gave_up": phases[CheckPhase.GAVE_UP],
                    "total": sum(phases.values()),
                }
            )
    return _pages(request).render(request, "refer_sent.html", rows=rows, zone=council_time_zone(user.settings))


def _form_page(request: Request, answers: Answers, *, errors: dict[str, str] | None = None) -> Response:
    return _pages(request).render(
        request,
        "refer_form.html",
        status_code=400 if errors else 200,
        answers=answers,
        errors=errors or {},
        form=form_model,
    )
