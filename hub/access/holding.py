"""Who holds a referral: its allocation, or, for the person asking, a rota rule that gives it to them.

`hub referral list --mine` and the web application's inbox ("Your referrals") show the same referrals,
so both ask here.
"""

from __future__ import annotations

from hub.access.guard import SignedIn
from hub.access.permissions import Permission
from hub.store.access_records import ReferralSummary

ROTA = " (rota)"


def holder(signed: SignedIn, summary: ReferralSummary) -> str | None:
    """The username holding the referral (with " (rota)" when a rota rule gives it to the asker); None if nobody."""
    if summary.allocated_to is None and signed.decision(Permission.HISTORY_READ, summary.referral_id).basis == (
        "allocated"
    ):
        return f"{signed.principal.username}{ROTA}"
    return summary.allocated_to


def held_by(signed: SignedIn, summaries: list[ReferralSummary]) -> dict[str, str | None]:
    """Each referral's holder, by referral id."""
    return {summary.referral_id: holder(signed, summary) for summary in summaries}


def mine(
    signed: SignedIn, summaries: list[ReferralSummary], holders: dict[str, str | None] | None = None
) -> list[ReferralSummary]:
    """The referrals the signed-in person holds, by allocation or by rota, in the order given (`holders`, if
    the caller has them already: `held_by`)."""
    holders = held_by(signed, summaries) if holders is None else holders
    return [s for s in summaries if (holders[s.referral_id] or "").removesuffix(ROTA) == signed.principal.username]
