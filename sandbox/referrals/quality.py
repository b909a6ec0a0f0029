"""How well each referrer writes: quality profiles, and what a referral states or leaves out.

Councils' scrutiny committees report that referrals are often poor and that risks are not articulated,
and that some referrers write consistently better than others. So each referrer organisation has a
profile, drawn once, and each of its referrals states each part of a good referral with that profile's
chance. The parts follow what a council's threshold document asks a referral to state (the hub's
checklist, `config/referral_quality.yaml`, checks the same things, by the same item ids, but this
generator does not read it): what happened in enough detail, the risk and how soon, the child's voice,
what has been tried, consent, every child's details and NHS number, school and GP, the parents named,
and the referrer's contact details.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from schemas import ReferrerKind


class Part(StrEnum):
    """A part of a good referral; the values are the checklist's item ids."""

    WHAT_HAPPENED = "what_happened"
    RISK = "risk_what_might_happen"
    HOW_SOON = "risk_how_likely_soon"
    CHILD_VOICE = "child_voice"
    WHAT_TRIED = "what_was_tried"
    CONSENT = "consent"
    CHILD_IDENTITY = "child_identity"
    NHS_NUMBER = "nhs_number"
    SCHOOL_AND_GP = "school_and_gp"
    PARENTS_NAMED = "others_involved"
    CONTACT = "referrer_contact"


@dataclass(frozen=True)
class Profile:
    """The chance a referral from an organisation with this profile states each part."""

    name: str
    chances: dict[Part, float]

    def draw(self, rng: random.Random, kind: ReferrerKind) -> set[Part]:
        """The parts one referral states; health referrers hold the NHS number and nearly always give it."""
        stated = {part for part, chance in self.chances.items() if rng.random() < chance}
        if kind is ReferrerKind.HEALTH and rng.random() < 0.95:
            stated.add(Part.NHS_NUMBER)
        if kind in (ReferrerKind.FAMILY, ReferrerKind.PUBLIC) and rng.random() < 0.9:
            stated.discard(Part.NHS_NUMBER)  # a neighbour or a grandparent rarely knows it
        return stated


def _profile(name: str, detail: float, risk: float, voice: float, tried: float, consent: float,
             identity: float, nhs: float, places: float, parents: float, contact: float) -> Profile:  # fmt: skip
    chances = {
        Part.WHAT_HAPPENED: detail,
        Part.RISK: risk,
        Part.HOW_SOON: risk * 0.9,
        Part.CHILD_VOICE: voice,
        Part.WHAT_TRIED: tried,
        Part.CONSENT: consent,
        Part.CHILD_IDENTITY: identity,
        Part.NHS_NUMBER: nhs,
        Part.SCHOOL_AND_GP: places,
        Part.PARENTS_NAMED: parents,
        Part.CONTACT: contact,
    }
    return Profile(name, chances)


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        #         name        detail risk  voice tried consent identity nhs  places parents contact
        _profile("thorough", 0.97, 0.95, 0.92, 0.92, 0.95, 0.97, 0.85, 0.92, 0.98, 0.98),
        _profile("good", 0.9, 0.82, 0.75, 0.75, 0.8, 0.92, 0.6, 0.75, 0.95, 0.92),
        _profile("mixed", 0.7, 0.6, 0.45, 0.5, 0.5, 0.8, 0.35, 0.5, 0.85, 0.75),
        _profile("brief", 0.4, 0.4, 0.2, 0.25, 0.2, 0.6, 0.15, 0.25, 0.7, 0.55),
        _profile("poor", 0.15, 0.15, 0.08, 0.08, 0.05, 0.4, 0.05, 0.1, 0.45, 0.35),
    )
}
"""From consistently complete to consistently thin; the names appear in the manifest."""
PROFILE_NAMES = tuple(PROFILES)

PROFILE_MIX: dict[str, tuple[float, ...]] = {
    #              thorough good mixed brief poor
    "police_specialist": (0.6, 0.35, 0.05, 0, 0),
    "police_frontline": (0, 0.15, 0.4, 0.35, 0.1),
    "school": (0.2, 0.3, 0.25, 0.17, 0.08),
    "gp": (0.05, 0.2, 0.4, 0.25, 0.1),
    "health_service": (0.2, 0.4, 0.3, 0.1, 0),
    "local_authority": (0.25, 0.45, 0.25, 0.05, 0),
    "housing": (0, 0.2, 0.4, 0.3, 0.1),
    "individual": (0, 0, 0.1, 0.4, 0.5),
    "voluntary": (0.05, 0.25, 0.35, 0.25, 0.1),
}
"""The chance an organisation of each sort has each profile: specialist police teams and council services
write full referrals, frontline teams and GPs vary, members of the public write what they saw."""


def draw_profile(rng: random.Random, sort: str) -> str:
    return rng.choices(PROFILE_NAMES, PROFILE_MIX[sort])[0]
