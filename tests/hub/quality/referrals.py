"""Synthetic referrals of differing quality for the quality tests: the sample referral, and a good one."""

from __future__ import annotations

from typing import Any

from schemas import Referral
from tests.hub.builders import example_referral

GOOD_NARRATIVE = (
    "Last night at about 23:00 officers attended 14 Larch Close after a neighbour heard shouting. Mr Hartley had "
    "pushed Ms Okafor against a wall while both children were in the next room. Amara told the officer she hides "
    "under her bed when they argue and said she is scared to go home. There have been three incidents since "
    "September and they are escalating; we are worried that the children will be harmed, and the risk is "
    "immediate because Mr Hartley returns to the address tonight. Amara attends Northbridge Primary School and "
    "the family is registered with Larch Road Surgery (GP). Early help support was offered in October and a "
    "team around the family meeting was held. Ms Okafor knows about this referral and gave consent. Contact "
    "PC Rowan Ellis, Public Protection Unit, on 01632 960123 or rowan.ellis@police.example."
)


def referral(**changes: Any) -> Referral:
    """The sample referral with `changes` to its top-level fields."""
    data = example_referral().model_dump(mode="json")
    data.update(changes)
    return Referral.model_validate(data)


def good_referral() -> Referral:
    return referral(narrative=GOOD_NARRATIVE, referral_id="REF-2026-000900")
