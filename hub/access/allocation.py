"""Allocating referrals, and the team's caseloads: what a manager decides work with.

`hub referral allocate` and the web application's allocation page allocate through `allocate_referral`,
so the checks (an active account whose role may read family histories) and the audit event
(`referral.allocate`) are the same either way. `caseloads` counts each person's allocated referrals,
their RAG ratings, the checks still open on them and the oldest due time, for the team view: caseloads
are a named pressure on MASH teams, and a manager balances them by seeing them side by side. None of it
is personal data: usernames, ids, ratings, counts and times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.access.roles import AccessConfig
from hub.deadlines.config import DeadlinesConfig
from hub.errors import UserError
from hub.store import HubStore
from hub.store.access_records import ReferralSummary, StaffUser
from schemas import CheckPhase, Rag

ALLOCATE_PURPOSE = "allocation of a referral"
"""The purpose on the audit event of every allocation, from the terminal or the browser."""
CLOSED_PHASES = frozenset({CheckPhase.ANSWERED, CheckPhase.GAVE_UP})
"""A check in any other phase is still open: not asked yet, in flight, awaiting a reply, or retrying."""
RAGS = ("red", "amber", "green")


def may_hold(person: StaffUser | None, config: AccessConfig) -> bool:
    """Whether a referral may be allocated to `person`: an active account whose role may read family histories.

    The one rule for a manager's allocation, the allocation page's list and intake's allocation of the
    person who submits (a referrer, or an IG officer, submits but never holds a referral).
    """
    return person is not None and person.active and config.scope(person.role, Permission.HISTORY_READ) is not None


def allocatable(signed: SignedIn) -> list[StaffUser]:
    """Active accounts whose role may read family histories (the only people a referral can go to), by name."""
    people = (person for person in signed.store.staff_users() if may_hold(person, signed.config))
    return sorted(people, key=lambda person: person.username)


def allocate_referral(signed: SignedIn, referral_id: str, to: str) -> StaffUser:
    """Allocate the referral to `to` (managers: `referral.allocate`; refusals audited); the account allocated to."""
    with signed.permit(Permission.REFERRAL_ALLOCATE, referral_id, purpose=ALLOCATE_PURPOSE):
        person = signed.store.staff_user(to)
        if person is None or not person.active:
            raise UserError(f"There is no active account called '{to[:64]}'. See `hub users list` (administrators).")
        if not may_hold(person, signed.config):
            raise UserError(
                f"{to} holds the {person.role} role, which cannot read family histories; allocate it to a practitioner."
            )
        signed.store.allocate(referral_id, to, actor=signed.actor, purpose=ALLOCATE_PURPOSE)
    return person


def due_at(store: HubStore, deadlines: DeadlinesConfig, summary: ReferralSummary) -> datetime:
    """When the referral's checks are due: as planned in the checks ledger, else from its RAG rating and receipt."""
    checks = store.referral_checks(summary.referral_id)
    planned = checks.due_at if checks is not None else None
    return planned or deadlines.referral_due_at(summary.received_at, Rag(summary.rag))


@dataclass
class Caseload:
    """One person's allocated referrals in figures: how many, by RAG, open checks, and the oldest due time."""

    username: str
    role: str
    referrals: int = 0
    by_rag: Counter[str] = field(default_factory=Counter)
    open_checks: int = 0
    oldest_due: datetime | None = None

    @property
    def red(self) -> int:
        return self.by_rag["red"]

    @property
    def amber(self) -> int:
        return self.by_rag["amber"]

    @property
    def green(self) -> int:
        return self.by_rag["green"]

    def add(self, rag: str, open_checks: int, due: datetime) -> None:
        self.referrals += 1
        self.by_rag[rag] += 1
        self.open_checks += open_checks
        self.oldest_due = due if self.oldest_due is None else min(self.oldest_due, due)

    @property
    def workload(self) -> tuple[int, int, int, int]:
        """What sorts the team: referrals, then red, then amber, then open checks (heaviest first)."""
        return (self.referrals, self.red, self.amber, self.open_checks)


def caseloads(
    store: HubStore, people: Iterable[StaffUser], summaries: Iterable[ReferralSummary], deadlines: DeadlinesConfig
) -> list[Caseload]:
    """Each person's caseload from the referrals allocated to them, heaviest first (then by username).

    Referrals allocated to someone not among `people` (a disabled account, say) count under their username
    too, so no allocated work disappears from the team view.
    """
    loads = {person.username: Caseload(person.username, person.role) for person in people}
    for summary in summaries:
        if summary.allocated_to is None:
            continue
        load = loads.setdefault(summary.allocated_to, Caseload(summary.allocated_to, "no longer active"))
        still_open = sum(check.phase not in CLOSED_PHASES for check in store.check_progress(summary.referral_id))
        load.add(summary.rag, still_open, due_at(store, deadlines, summary))
    by_name = sorted(loads.values(), key=lambda load: load.username)
    return sorted(by_name, key=lambda load: load.workload, reverse=True)
