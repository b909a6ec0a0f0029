""" "Your referrals": the practitioner's inbox, the referrals they hold with RAG, due time and each agency's checks.

The same referrals as `hub referral list --mine` (`hub.access.holding`), under the same permission and
purpose. Nothing here is personal data: ids, RAG ratings, times and the checks ledger's phases, which say
where each check stands without reading any reply (so "answered" rather than "records found" or "no
record": telling those apart means reading the history, which is the referral page's job).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.access.holding import ROTA, held_by, mine
from hub.access.permissions import Permission
from hub.agencies import registered_agencies
from hub.chronology.check_states import STATE_WORDS
from hub.chronology.reading import council_time_zone
from hub.chronology.record_words import agency_words
from hub.deadlines.config import load_deadlines
from hub.store import HubStore
from hub.store.access_records import ReferralSummary
from hub.web.rendering import Pages
from hub.web.signed_in import SignedInUser
from schemas import CheckPhase, CheckProgress, CheckState, Rag

router = APIRouter()

LIST_PURPOSE = "referral list"
"""As `hub referral list`: the audit trail shows the same purpose whichever way the list was read."""

RAG_TAGS = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}
RAG_RANKS = {"red": 1, "amber": 2, "green": 3}


def rag_rank(rag: str) -> int:
    """A RAG rating's place when a table sorts by it (`data-sort-value`): red, then amber, then green, then unknown."""
    return RAG_RANKS.get(rag, len(RAG_RANKS) + 1)


@dataclass(frozen=True)
class AgencyProgress:
    """Where one agency's checks for a referral stand, as a tag (words, never colour alone) and a count."""

    agency: str
    tag: str
    tag_class: str
    counts: str


@dataclass(frozen=True)
class InboxRow:
    referral_id: str
    rag: str
    received_at: datetime
    due_at: datetime
    by_rota: bool
    agencies: list[AgencyProgress]

    @property
    def rag_class(self) -> str:
        return RAG_TAGS.get(self.rag, "govuk-tag--grey")

    @property
    def rag_rank(self) -> int:
        return rag_rank(self.rag)


def agency_progress(name: str, checks: Sequence[CheckProgress], now: datetime) -> AgencyProgress:
    """One agency's checks in a tag and a count: failed, then overdue, then retrying, before any good news."""
    total = len(checks)
    phases = [check.phase for check in checks]
    answered = phases.count(CheckPhase.ANSWERED)
    gave_up = phases.count(CheckPhase.GAVE_UP)
    outstanding = [c for c in checks if c.phase not in (CheckPhase.ANSWERED, CheckPhase.GAVE_UP)]
    counts = f"{answered} of {total} answered" + (f", {gave_up} failed" if gave_up else "")
    if not total:
        return AgencyProgress(name, STATE_WORDS[CheckState.NOT_ASKED].capitalize(), "govuk-tag--grey", "not started")
    if gave_up:
        tag, colour = STATE_WORDS[CheckState.FAILED], "govuk-tag--red"
    elif any(c.due_at is not None and now > c.due_at for c in outstanding):
        tag, colour = STATE_WORDS[CheckState.OVERDUE], "govuk-tag--red"
    elif CheckPhase.RETRYING in phases:
        tag, colour = STATE_WORDS[CheckState.FAILED_RETRYING], "govuk-tag--orange"
    elif not outstanding:
        tag, colour = "answered", "govuk-tag--green"
    elif all(phase is CheckPhase.NOT_ASKED for phase in phases):
        tag, colour = STATE_WORDS[CheckState.NOT_ASKED], "govuk-tag--grey"
    else:
        tag, colour = STATE_WORDS[CheckState.AWAITING_REPLY], "govuk-tag--blue"
    return AgencyProgress(name, tag.capitalize(), colour, counts)


def inbox_rows(
    user_store: HubStore,
    summaries: list[ReferralSummary],
    holders: dict[str, str | None],
    *,
    agencies: list[tuple[str, str]],
    due: dict[str, datetime],
    now: datetime,
) -> list[InboxRow]:
    rows = []
    for summary in summaries:
        by_agency: dict[str, list[CheckProgress]] = defaultdict(list)
        for check in user_store.check_progress(summary.referral_id):
            by_agency[check.agency].append(check)
        rows.append(
            InboxRow(
                referral_id=summary.referral_id,
                rag=summary.rag,
                received_at=summary.received_at,
                due_at=due[summary.referral_id],
                by_rota=(holders[summary.referral_id] or "").endswith(ROTA),
                agencies=[agency_progress(name, by_agency.get(agency_id, []), now) for agency_id, name in agencies],
            )
        )
    return rows


@router.get("/referrals")
def inbox(request: Request, user: SignedInUser) -> Response:
    settings, store = user.settings, user.store
    with user.permit(Permission.REFERRAL_LIST, purpose=LIST_PURPOSE):
        summaries = store.referral_summaries()
    holders = held_by(user.signed, summaries)
    summaries = mine(user.signed, summaries, holders)
    deadlines = load_deadlines(settings)
    due = {}
    for summary in summaries:
        checks = store.referral_checks(summary.referral_id)
        planned = checks.due_at if checks is not None else None
        due[summary.referral_id] = planned or deadlines.referral_due_at(summary.received_at, Rag(summary.rag))
    agencies = [(agency.id, agency_words(agency.id)) for agency in registered_agencies(settings)]
    rows = inbox_rows(store, summaries, holders, agencies=agencies, due=due, now=datetime.now(UTC))
    zone: tzinfo = council_time_zone(settings)
    pages: Pages = request.app.state.pages
    return pages.render(request, "inbox.html", rows=rows, zone=zone, agencies=[name for _, name in agencies])
