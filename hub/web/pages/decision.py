"""The MASH decision in the browser: recording it from the referral page, and a manager's sign-off queue.

The same checks and the same audited store as `hub decision record|sign-off|show` (`hub.decisions`):
- the referral page's "MASH decision" section (`_referral_decision.html`, filled by `decision_section`
  inside the page's own `history.read`) lists every decision with its rationale, sign-off and time against
  the target, and holds the form while a decision can be recorded;
- the form posts here under `decision.record` (allocated); bad input is the GOV.UK error summary on a page
  of its own with nothing stored;
- `/decisions` is the managers' queue under `decision.sign_off`: decisions awaiting sign-off (codes, people
  and times: no words), referrals past the target without one, and the team's figures for a period
  (median working time from receipt to decision, and the share within the target);
- `/decisions/{referral}` reads the decision with its rationale under `decision.sign_off` (audited as
  `decision.read`, purpose management oversight) and takes the verdict; a manager's own decision is refused
  by the guard, audited, and is the 403 page.
The rationale and the note travel only in a form's body, never in an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from hub.access.permissions import Permission
from hub.deadlines.config import DeadlinesConfig, load_deadlines
from hub.decisions import recording
from hub.decisions.config import DecisionsConfig, load_decisions
from hub.decisions.timing import DecisionFigures, DecisionTiming, measure, period_figures, standing_decision
from hub.store.decision_records import DecisionRefused, DecisionStatus, StoredDecision
from hub.web.rendering import Pages
from hub.web.security import checked_form
from hub.web.signed_in import SignedInUser, WebUser
from schemas import ChecksStage
from schemas.models import OPAQUE_ID_PATTERN

router = APIRouter()
CheckedForm = Annotated[FormData, Depends(checked_form)]
_ID = re.compile(OPAQUE_ID_PATTERN)
QUEUE_PURPOSE = "decision oversight"
PERIODS = {"7": "the last 7 days", "28": "the last 28 days", "91": "the last 13 weeks", "365": "the last year"}
DEFAULT_PERIOD = "28"


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _referral(user: WebUser, referral_id: str) -> str:
    """The path's referral id if it has an id's shape and is stored; otherwise the 404 page, which quotes nothing."""
    if not _ID.fullmatch(referral_id) or not user.store.referral_exists(referral_id):
        raise HTTPException(status_code=404)
    return referral_id


@dataclass(frozen=True)
class Rules:
    """What the decision pages need from the council's files: outcomes, levels, target, calendar, time zone."""

    decisions: DecisionsConfig
    deadlines: DeadlinesConfig

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(str(self.deadlines.calendar.time_zone))

    def timing(self, received_at: datetime, decided_at: datetime | None) -> DecisionTiming:
        return measure(
            received_at,
            decided_at,
            calendar=self.deadlines.working_calendar,
            target=self.decisions.target,
            now=datetime.now(UTC),
        )


def _rules(user: WebUser) -> Rules:
    return Rules(load_decisions(user.settings), load_deadlines(user.settings))


@dataclass(frozen=True)
class DecisionRow:
    """One decision as a page shows it: the stored decision, its words, and its time against the target."""

    decision: StoredDecision
    outcome: str
    level: str
    timing: DecisionTiming


@dataclass(frozen=True)
class DecisionSection:
    """The referral page's "MASH decision" section: its history, the clock, and what this person may do."""

    referral_id: str
    rows: list[DecisionRow]
    """Newest first."""
    clock: DecisionTiming
    """The referral's clock: to the decision that stands, or running."""
    awaiting: StoredDecision | None
    may_record: bool
    may_sign_off: bool
    rules: Rules
    imported: bool = False
    """Imported history (`ChecksStage.IMPORTED`): decided, if at all, in the council's old system, so no decision
    is recorded here and, without one, no clock runs against the target."""

    @property
    def config(self) -> DecisionsConfig:
        return self.rules.decisions

    def outcome_items(self, chosen: str | None) -> list[dict[str, object]]:
        """The outcome radios, in the council's order, the one given before still chosen."""
        return [
            {"value": code, "text": words, "checked": code == chosen} for code, words in self.config.outcomes.items()
        ]

    def level_items(self, chosen: str | None) -> list[dict[str, object]]:
        return [
            {"value": str(level), "text": f"Level {level}", "hint": {"text": words}, "checked": str(level) == chosen}
            for level, words in sorted(self.config.levels.items())
        ]


def decision_section(user: WebUser, referral_id: str, *, purpose: str) -> DecisionSection:
    """The section for a referral, read (and audited as `decision.read`) inside the caller's permitted block."""
    rules = _rules(user)
    summary = user.store.referral_summary(referral_id)
    if summary is None:
        raise HTTPException(status_code=404)
    decisions = user.store.read_decisions(referral_id, actor=user.signed.actor, purpose=purpose)
    standing = standing_decision(decisions)
    newest = decisions[-1] if decisions else None
    awaiting = newest if newest is not None and newest.status is DecisionStatus.AWAITING_SIGN_OFF else None
    checks = user.store.referral_checks(referral_id)
    imported = checks is not None and checks.stage is ChecksStage.IMPORTED
    open_to_record = (newest is None or newest.status is DecisionStatus.RETURNED) and not imported
    return DecisionSection(
        referral_id=referral_id,
        rows=[
            DecisionRow(
                decision,
                rules.decisions.outcome_words(decision.outcome),
                rules.decisions.level_words(decision.level),
                rules.timing(summary.received_at, decision.recorded_at),
            )
            for decision in reversed(decisions)
        ],
        clock=rules.timing(summary.received_at, None if standing is None else standing.recorded_at),
        awaiting=awaiting,
        may_record=open_to_record and user.may(Permission.DECISION_RECORD, referral_id),
        may_sign_off=awaiting is not None
        and not recording.own_decision(awaiting, user.signed.actor)
        and user.may(Permission.DECISION_SIGN_OFF, referral_id),
        rules=rules,
        imported=imported,
    )


@router.post("/referrals/{referral_id}/decision")
def record(referral_id: str, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Record the decision as `hub decision record` does, then back to the referral page's section."""
    referral_id = _referral(user, referral_id)
    given = {name: str(form.get(name) or "") for name in ("outcome", "level", "rationale")}
    config = load_decisions(user.settings)
    with user.permit(Permission.DECISION_RECORD, referral_id, purpose=recording.DECISION_PURPOSE):
        try:
            recording.record_decision(
                user.store,
                config,
                referral_id,
                outcome=given["outcome"],
                level=given["level"],
                rationale=given["rationale"],
                actor=user.signed.actor,
            )
        except recording.DecisionProblems as refused:
            return _decision_page(request, user, referral_id, errors=refused.problems, given=given)
        except DecisionRefused as refused:
            return _decision_page(request, user, referral_id, errors={"outcome": str(refused)}, given=given)
    return RedirectResponse(f"/referrals/{referral_id}?decided=1#decision", status_code=303)


def _decision_page(
    request: Request, user: WebUser, referral_id: str, *, errors: dict[str, str], given: dict[str, str]
) -> Response:
    """The decision section on a page of its own, with the error summary and what was typed (400)."""
    with user.reading_history(referral_id) as purpose:
        section = decision_section(user, referral_id, purpose=purpose)
    return _pages(request).render(
        request, "decision.html", status_code=400, decision=section, errors=errors, given=given, zone=section.rules.zone
    )


@router.get("/decisions")
def queue(request: Request, user: SignedInUser) -> Response:
    """Decisions awaiting sign-off, referrals past the target without one, and the team's figures for a period."""
    with user.permit(Permission.DECISION_SIGN_OFF, purpose=QUEUE_PURPOSE):
        pass  # managers only: anyone else is refused here, audited
    period = request.query_params.get("period", DEFAULT_PERIOD)
    error = None if period in PERIODS else "Choose a period from the list"
    with user.permit(Permission.REFERRAL_LIST, purpose=QUEUE_PURPOSE):
        summaries = user.store.referral_summaries()
    rules = _rules(user)
    decisions = user.store.decision_listing()
    by_referral: dict[str, list[StoredDecision]] = {}
    for decision in decisions:
        by_referral.setdefault(decision.referral_id, []).append(decision)
    received = {summary.referral_id: summary.received_at for summary in summaries}
    awaiting = [
        DecisionRow(
            newest,
            rules.decisions.outcome_words(newest.outcome),
            rules.decisions.level_words(newest.level),
            rules.timing(received[referral_id], newest.recorded_at),
        )
        for referral_id, rows in sorted(by_referral.items())
        if referral_id in received and (newest := rows[-1]).status is DecisionStatus.AWAITING_SIGN_OFF
    ]
    awaiting.sort(key=lambda row: row.decision.recorded_at)
    late = [
        (summary, timing)
        for summary in summaries
        if standing_decision(by_referral.get(summary.referral_id, ())) is None
        and (timing := rules.timing(summary.received_at, None)).met is False
    ]
    late.sort(key=lambda pair: pair[1].due_at)
    now = datetime.now(UTC)
    figures: DecisionFigures = period_figures(
        received.items(),
        decisions,
        calendar=rules.deadlines.working_calendar,
        target=rules.decisions.target,
        since=now - timedelta(days=int(period if error is None else DEFAULT_PERIOD)),
        now=now,
    )
    return _pages(request).render(
        request,
        "decisions.html",
        status_code=400 if error else 200,
        awaiting=awaiting,
        late=late,
        figures=figures,
        period=period if error is None else DEFAULT_PERIOD,
        periods=PERIODS,
        error=error,
        target=str(rules.decisions.target),
        zone=rules.zone,
        signed_off=request.query_params.get("signed", "") == "1",
        actor=user.signed.actor,
    )


@router.get("/decisions/{referral_id}")
def sign_off_page(referral_id: str, request: Request, user: SignedInUser) -> Response:
    """The decision with its rationale, and the manager's verdict while it awaits sign-off."""
    return _sign_off_page(request, user, _referral(user, referral_id))


@router.post("/decisions/{referral_id}")
def sign_off(referral_id: str, request: Request, user: SignedInUser, form: CheckedForm) -> Response:
    """Agree or return the decision as `hub decision sign-off` does, then back to the queue with a banner."""
    referral_id = _referral(user, referral_id)
    given = {name: str(form.get(name) or "") for name in ("number", "verdict", "note")}
    purpose = recording.SIGN_OFF_PURPOSE
    config = load_decisions(user.settings)
    with user.permit(Permission.DECISION_SIGN_OFF, referral_id, purpose=purpose):
        waiting = standing_decision(user.store.decision_listing([referral_id]))
        if waiting is None or waiting.sign_off is not None or given["number"] != str(waiting.number):
            return RedirectResponse(f"/decisions/{referral_id}", status_code=303)  # changed meanwhile: see it now
        if recording.own_decision(waiting, user.signed.actor):
            explanation = recording.OWN_DECISION
            user.signed.refuse(Permission.DECISION_SIGN_OFF, referral_id, purpose=purpose, explanation=explanation)
        try:
            recording.sign_off_decision(
                user.store,
                config,
                referral_id,
                waiting.number,
                verdict=given["verdict"],
                note=given["note"],
                actor=user.signed.actor,
            )
        except recording.DecisionProblems as refused:
            return _sign_off_page(request, user, referral_id, errors=refused.problems, given=given)
        except DecisionRefused:
            return RedirectResponse(f"/decisions/{referral_id}", status_code=303)
    return RedirectResponse("/decisions?signed=1", status_code=303)


def _sign_off_page(
    request: Request,
    user: WebUser,
    referral_id: str,
    *,
    errors: dict[str, str] | None = None,
    given: dict[str, str] | None = None,
) -> Response:
    purpose = recording.SIGN_OFF_PURPOSE
    with user.permit(Permission.DECISION_SIGN_OFF, referral_id, purpose=purpose):
        section = decision_section(user, referral_id, purpose=purpose)
    return _pages(request).render(
        request,
        "decision_sign_off.html",
        status_code=400 if errors else 200,
        decision=section,
        errors=errors or {},
        given=given or {},
        zone=section.rules.zone,
    )
