"""What happens to households over ten years, and how one event leads to the next.

Each household gets a latent risk tier from its deprivation (and social renting): most are tier 0
and have little or nothing on record. The tier sets the rates of the event chains, each drawn
as it unfolds, so the correlations practitioners expect are in the data:

- domestic abuse (children often present) → A&E within days → Public Protection Notices
  (police view) → a child protection plan (CP-IS), sometimes care → a homelessness application;
- a teenager's missing episodes → a child sexual exploitation concern → a plan;
- falling attendance → suspensions → a permanent exclusion;
- rent arrears → a notice seeking possession → eviction → a homelessness application (the
  household then lives at its current address), or a private tenancy ended → homelessness;
- and ordinary background events: A&E for accidents, thefts and burglaries, anti-social
  behaviour, SEN support and free school meals (commoner where deprivation is higher).

Every event is a `LifeEvent` of the truth; each agency view records the ones it would know.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from sandbox.model.truth import IdFactory, LifeEvent, TruePerson
from sandbox.world.timeline import (
    TODAY,
    WINDOW_START,
    YEAR,
    as_date,
    between,
    years_after,
    years_before,
)
from sandbox.world.units import Unit

TIERS = (0, 1, 2, 3)

DA_HOUSEHOLDS = (0.004, 0.04, 0.3, 0.7)
"""Share of couples (current or separated) with police-recorded domestic abuse, by risk tier."""
DASH = (("standard", "medium", "high"), ((0.65, 0.27, 0.08), (0.5, 0.35, 0.15), (0.4, 0.4, 0.2), (0.3, 0.4, 0.3)))
CHILD_PRESENT = 0.75
AE_AFTER_DA_VICTIM = {"standard": 0.1, "medium": 0.25, "high": 0.45}
AE_AFTER_DA_CHILD = 0.12
AE_AFTER_DA_DAYS = 14
"""A child present at an incident may attend A&E within this many days."""
PLAN_AFTER_DA = {"standard": 0.03, "medium": 0.12, "high": 0.35}
CARE_AFTER_PLAN = 0.08
HOMELESS_AFTER_DA = {"standard": 0.01, "medium": 0.05, "high": 0.15}
NEGLECT_PLAN = (0.0, 0.002, 0.04, 0.2)
"""Share of households with children whose children have a plan for neglect (no police incident behind it)."""
ASKED_TO_LEAVE = (0.002, 0.01, 0.03, 0.06)
"""Share of households with a young adult (18-24) who is asked to leave and applies as homeless."""
MISSING_TEENS = (0.002, 0.02, 0.12, 0.35)
CSE_AFTER_MISSING = {"female": 0.3, "male": 0.12}
PLAN_AFTER_CSE = 0.25
ATTENDANCE_DECLINE = (0.04, 0.1, 0.3, 0.5)
SUSPENSION_AFTER_DECLINE = 0.6
PERMANENT_AFTER_SUSPENSIONS = 0.3
BACKGROUND_SUSPENSION = (0.02, 0.06, 0.1, 0.15)
MISSING_EDUCATION = (0.0005, 0.002, 0.01, 0.04)
SEN_SUPPORT = 0.12
EHCP = 0.04
ARREARS = (0.03, 0.12, 0.3, 0.45)
NOTICE_AFTER_ARREARS = (0.3, 0.35, 0.4, 0.6)
EVICTION_BEFORE_MOVE = (0.0, 0.02, 0.1, 0.2)
"""Share of social tenants who moved in the window whose last move followed an eviction for arrears."""
PRIVATE_TENANCY_ENDED = (0.01, 0.04, 0.12, 0.2)
ASB_CASE = (0.01, 0.05, 0.12, 0.25)
BURGLARY = 0.02
THEFT_VICTIM = 0.03
SHOPLIFTING = (0.003, 0.03, 0.1, 0.2)
ASSAULT = (0.001, 0.01, 0.05, 0.15)
POLICE_ASB = (0.002, 0.02, 0.06, 0.12)
AE_PEOPLE = (0.1, 0.18, 0.3, 0.45)

AE_CHILD_REASONS = (
    "Fall from playground equipment", "Sprained ankle", "Fractured wrist", "Minor head injury", "Burn to hand",
    "Ingestion of household substance", "Laceration to knee", "Asthma attack",
)  # fmt: skip
AE_ADULT_REASONS = (
    "Chest pain", "Laceration to hand", "Sprained wrist", "Back pain", "Abdominal pain", "Fall at home",
    "Road traffic collision", "Alcohol intoxication",
)  # fmt: skip
AE_DA_VICTIM_REASONS = ("Assault - facial injury", "Assault - bruising to arms", "Assault - head injury")
AE_DA_CHILD_REASONS = ("Minor head injury", "Bruising - unexplained", "Anxiety and distress", "Fractured arm")
PLAN_CATEGORIES = (("neglect", "emotional_abuse", "physical_abuse", "sexual_abuse"), (0.5, 0.38, 0.08, 0.04))
EXCLUSION_REASONS = (("PA", "VA", "DB", "VP", "DM", "OW"), (0.25, 0.1, 0.4, 0.1, 0.05, 0.1))
"""CTF exclusion reasons: physical assault on a pupil or adult, persistent disruption, verbal abuse, drugs, other."""
SEN_NEEDS = (("SEMH", "SLCN", "ASD", "MLD", "SPLD"), (0.25, 0.25, 0.2, 0.15, 0.15))
ASB_CATEGORIES = ("noise", "harassment", "drugs", "criminal_damage", "verbal_abuse")


def _pick(rng: random.Random, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
    return rng.choices(table[0], table[1])[0]


class EventModel:
    """Draws a household's risk tier and its events; counts events by kind for the manifest."""

    def __init__(self, rng: random.Random, ids: IdFactory) -> None:
        self._rng = rng
        self._ids = ids
        self.counts: Counter[str] = Counter()
        self.tiers: Counter[int] = Counter()

    def risk(self, unit: Unit) -> int:
        d = unit.deprivation
        boost = 1.5 if unit.tenure == "social" else 1.0
        draw = self._rng.random()
        high = (0.004 + 0.03 * d * d) * boost
        moderate = high + (0.015 + 0.09 * d * d) * boost
        low = moderate + 0.08 + 0.18 * d
        return 3 if draw < high else 2 if draw < moderate else 1 if draw < low else 0

    def happen(self, unit: Unit, people: dict[str, TruePerson]) -> list[LifeEvent]:
        """Every event of one household, in the order drawn (agency views sort what they need)."""
        unit.risk = tier = self.risk(unit)
        self.tiers[tier] += 1
        events: list[LifeEvent] = []
        make = self._maker(unit, events)
        self._domestic_abuse(unit, people, tier, make)
        self._neglect(unit, people, tier, make)
        self._teenagers(unit, people, tier, make)
        self._school(unit, people, tier, make)
        self._housing(unit, people, tier, make)
        self._background(unit, people, tier, make)
        return events

    def _maker(self, unit: Unit, events: list[LifeEvent]) -> Callable[..., LifeEvent | None]:
        ids, counts, household_id = self._ids, self.counts, unit.household.household_id

        def make(
            kind: str,
            day: int,
            roles: tuple[tuple[str, str], ...],
            severity: str = "",
            detail: str = "",
            end: int | None = None,
        ) -> LifeEvent | None:
            if day > TODAY:
                return None  # not happened yet on the reference date
            event = LifeEvent(
                ids.sequence("EV", 7),
                kind,
                as_date(day),
                household_id,
                roles,
                severity,
                detail,
                as_date(end) if end is not None and end <= TODAY else None,
            )
            events.append(event)
            counts[kind] += 1
            return event

        return make

    # --- domestic abuse and what follows -----------------------------------------------------

    def _domestic_abuse(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        rng = self._rng
        plans: dict[str, int] = {}
        for woman, man, together, apart in unit.partners:
            if rng.random() >= DA_HOUSEHOLDS[tier]:
                continue
            start = max(together, WINDOW_START)
            end = TODAY if apart is None else min(TODAY, apart + int(2 * YEAR))
            if end - start < 30:
                continue
            incidents = 1 if tier < 2 else 1 + int(rng.expovariate(1 / (1.0 if tier == 2 else 2.5)))
            days = sorted(between(rng, start, end) for _ in range(incidents))
            dash_weights = DASH[1][tier]
            for number, day in enumerate(days):
                victim, suspect = (woman, man) if rng.random() < 0.85 else (man, woman)
                risk = rng.choices(DASH[0], dash_weights)[0]
                separated = apart is not None and day >= apart
                present = [
                    child
                    for child in unit.children
                    if _born(people, child) < day - 30 and rng.random() < (0.5 if separated else CHILD_PRESENT)
                ]
                roles = ((victim, "victim"), (suspect, "suspect"), *((child, "child_present") for child in present))
                make("domestic_abuse", day, roles, risk, "repeat" if number else "first")
                if rng.random() < AE_AFTER_DA_VICTIM[risk]:
                    make(
                        "ae_attendance",
                        day + between(rng, 0, 2),
                        ((victim, "patient"),),
                        "",
                        rng.choice(AE_DA_VICTIM_REASONS),
                    )
                for child in present:
                    if rng.random() < AE_AFTER_DA_CHILD:
                        reason = rng.choice(AE_DA_CHILD_REASONS)
                        make(
                            "ae_attendance", day + between(rng, 0, AE_AFTER_DA_DAYS), ((child, "patient"),), "", reason
                        )
                    if rng.random() < PLAN_AFTER_DA[risk]:
                        self._plan(people, child, day + between(rng, 30, 120), plans, make)
                if rng.random() < HOMELESS_AFTER_DA[risk]:
                    applied = day + between(rng, 3, 60)
                    members = tuple(
                        (child, "household_member") for child in unit.children if _born(people, child) < applied
                    )
                    make("homelessness_application", applied, ((victim, "applicant"), *members), "", "domestic_abuse")

    def _neglect(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        """Plans for neglect, usually for all the children at once; sometimes care follows."""
        rng = self._rng
        if not unit.children or rng.random() >= NEGLECT_PLAN[tier]:
            return
        start = between(rng, max(WINDOW_START, _born(people, unit.children[-1]) + 60), TODAY)
        plans: dict[str, int] = {}
        for child in unit.children:
            if _born(people, child) < start:
                self._plan(people, child, start, plans, make, "neglect")

    def _plan(
        self,
        people: dict[str, TruePerson],
        child: str,
        start: int,
        plans: dict[str, int],
        make: Callable[..., LifeEvent | None],
        category: str = "",
    ) -> None:
        """A child protection plan unless one is already running; perhaps care later."""
        rng = self._rng
        if start > TODAY or plans.get(child, 0) > start or _age(people, child, start) >= 18:
            return
        end = start + between(rng, 180, 730)
        plans[child] = end
        make("child_protection_plan", start, ((child, "subject"),), "", category or _pick(rng, PLAN_CATEGORIES), end)
        if rng.random() < CARE_AFTER_PLAN:
            cared = start + between(rng, 90, 540)
            if cared <= TODAY and _age(people, child, cared) < 18:
                legal = "section_20" if rng.random() < 0.4 else "care_order"
                make("looked_after", cared, ((child, "subject"),), "", legal, cared + between(rng, 200, 1500))

    # --- teenagers: missing episodes and exploitation ---------------------------------------

    def _teenagers(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        rng = self._rng
        plans: dict[str, int] = {}
        reporter = unit.adults[0] if unit.adults else None
        for child in unit.children:
            born = _born(people, child)
            start, end = max(years_after(12, born), WINDOW_START), min(years_after(18, born) - 1, TODAY)
            if end - start < 30 or rng.random() >= MISSING_TEENS[tier]:
                continue
            episodes = 1 + int(rng.expovariate(1 / (1.5 if tier < 3 else 3.0)))
            day = between(rng, start, max(start, end - 60 * episodes))
            risk = "medium" if tier < 3 else "high"
            sex = people[child].sex
            for number in range(episodes):
                if day > end:
                    break
                returned = day + between(rng, 0, 3)
                roles = ((child, "missing_person"), *(((reporter, "reporting_person"),) if reporter else ()))
                level = rng.choice(("low", "medium", risk))
                make("missing_episode", day, roles, level, "repeat" if number else "first", returned)
                if number == 1 and rng.random() < CSE_AFTER_MISSING[sex]:
                    concern = returned + between(rng, 0, 30)
                    if concern <= TODAY:
                        make("cse_concern", concern, ((child, "victim"),), "high" if tier == 3 else "medium")
                        if rng.random() < PLAN_AFTER_CSE:
                            self._plan(people, child, concern + between(rng, 20, 90), plans, make)
                day = returned + between(rng, 7, 60)

    # --- school: attendance, suspensions, exclusions, SEN, free school meals -----------------

    def _school(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        rng = self._rng
        for child, spells in unit.schools.items():
            entry = spells[0].entry
            roles = ((child, "pupil"),)
            age = _age(people, child, TODAY)
            if rng.random() < 0.04 + 0.5 * unit.deprivation**1.5 + (0.15 if tier >= 2 else 0.0):
                make("free_school_meals", between(rng, entry, TODAY), roles)
            boost = 1.4 if tier >= 2 else 1.0
            draw = rng.random()
            if draw < EHCP * boost:
                make("ehcp", between(rng, entry, TODAY), roles, "", _pick(rng, SEN_NEEDS))
            elif draw < (EHCP + SEN_SUPPORT) * boost:
                make("sen_support", between(rng, entry, TODAY), roles, "", _pick(rng, SEN_NEEDS))
            if age < 9:
                continue
            recent = max(entry, years_before(2.2))
            if rng.random() < ATTENDANCE_DECLINE[tier]:
                decline = between(rng, recent, TODAY - 60)
                make("attendance_decline", decline, roles, "severe" if rng.random() < 0.3 else "persistent")
                if age >= 10 and rng.random() < SUSPENSION_AFTER_DECLINE:
                    day = decline
                    suspensions = 1 + int(rng.expovariate(1 / 1.2))
                    for _ in range(suspensions):
                        day += between(rng, 20, 120)
                        if day > TODAY:
                            break
                        make("suspension", day, roles, "", _pick(rng, EXCLUSION_REASONS))
                    else:
                        if suspensions >= 2 and rng.random() < PERMANENT_AFTER_SUSPENSIONS:
                            day += between(rng, 10, 90)
                            if day <= TODAY:
                                make("permanent_exclusion", day, roles, "", _pick(rng, EXCLUSION_REASONS))
            elif age >= 11 and rng.random() < BACKGROUND_SUSPENSION[tier]:
                make("suspension", between(rng, recent, TODAY), roles, "", _pick(rng, EXCLUSION_REASONS))
            if rng.random() < MISSING_EDUCATION[tier]:
                gone = between(rng, recent, TODAY - 20)
                back = gone + between(rng, 20, 300)
                make("missing_education", gone, roles, "", rng.choice(("moved_away", "not_attending", "unknown")), back)

    # --- housing: arrears, notices, evictions, homelessness, ASB ------------------------------

    def _housing(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        rng = self._rng
        if not unit.adults:
            return
        tenant = unit.adults[0]
        moved_in = unit.homes[-1].start
        household = tuple((pid, "household_member") for pid in unit.roles if pid != tenant and pid in people)
        if unit.tenure == "social":
            previous = unit.homes[-2] if len(unit.homes) > 1 else None
            if (
                previous is not None
                and moved_in > WINDOW_START + 2 * YEAR
                and moved_in - previous.start > 2 * YEAR
                and rng.random() < EVICTION_BEFORE_MOVE[tier]
            ):
                evicted = moved_in - between(rng, 0, 14)
                notice = evicted - between(rng, 90, 300)
                arrears = notice - between(rng, 60, 180)
                make("rent_arrears", arrears, ((tenant, "tenant"),), "", "previous_tenancy")
                make("notice_seeking_possession", notice, ((tenant, "tenant"),), "", "previous_tenancy")
                make("eviction", evicted, ((tenant, "tenant"),), "", "previous_tenancy")
                applied = evicted - between(rng, 14, 56)
                applicants = ((tenant, "applicant"), *_present(people, household, applied))
                make("homelessness_application", applied, applicants, "", "rent_arrears")
            elif rng.random() < ARREARS[tier]:
                arrears = between(rng, max(moved_in + 60, years_before(3)), TODAY - 30)
                make("rent_arrears", arrears, ((tenant, "tenant"),))
                if rng.random() < NOTICE_AFTER_ARREARS[tier]:
                    notice = arrears + between(rng, 60, 240)
                    if notice <= TODAY:
                        make("notice_seeking_possession", notice, ((tenant, "tenant"),))
            if rng.random() < ASB_CASE[tier]:
                teens = [child for child in unit.children if _age(people, child, TODAY) >= 12]
                perpetrator = rng.choice(teens) if teens and rng.random() < 0.4 else tenant
                opened = between(rng, max(moved_in, WINDOW_START), TODAY)
                make("asb_case", opened, ((perpetrator, "perpetrator"),), "", rng.choice(ASB_CATEGORIES))
        young = [pid for pid in unit.roles if pid in people and 18 <= _age(people, pid, TODAY) < 25 and pid != tenant]
        if young and unit.roles[young[0]] == "child" and rng.random() < ASKED_TO_LEAVE[tier]:
            applied = between(rng, max(years_after(18, _born(people, young[0])), WINDOW_START), TODAY)
            make(
                "homelessness_application",
                applied,
                ((young[0], "applicant"),),
                "",
                "family_or_friends_no_longer_willing",
            )
        renting = unit.tenure == "private_rented" and moved_in > WINDOW_START + 60 and len(unit.homes) > 1
        if renting and rng.random() < PRIVATE_TENANCY_ENDED[tier]:
            applied = moved_in - between(rng, 20, 56)
            applicants = ((tenant, "applicant"), *_present(people, household, applied))
            make("homelessness_application", applied, applicants, "", "end_of_private_tenancy")

    # --- ordinary background -----------------------------------------------------------------

    def _background(
        self, unit: Unit, people: dict[str, TruePerson], tier: int, make: Callable[..., LifeEvent | None]
    ) -> None:
        rng = self._rng
        adults = unit.adults
        members = [pid for pid in unit.roles if pid in people]
        for pid in members:
            if rng.random() < AE_PEOPLE[tier]:
                born = _born(people, pid)
                for _ in range(1 + int(rng.expovariate(1 / 0.4))):
                    day = between(rng, max(born + 30, WINDOW_START), TODAY)
                    child = _age(people, pid, day) < 18
                    reason = rng.choice(AE_CHILD_REASONS if child else AE_ADULT_REASONS)
                    make("ae_attendance", day, ((pid, "patient"),), "", reason)
        if not adults:
            return
        if rng.random() < BURGLARY:
            make("burglary", between(rng, WINDOW_START, TODAY), ((rng.choice(adults), "victim"),))
        if rng.random() < THEFT_VICTIM:
            make("theft", between(rng, WINDOW_START, TODAY), ((rng.choice(adults), "victim"),), "", "theft_from_person")
        offenders = adults + [child for child in unit.children if _age(people, child, TODAY) >= 15]
        if rng.random() < SHOPLIFTING[tier]:
            make("theft", between(rng, WINDOW_START, TODAY), ((rng.choice(offenders), "suspect"),), "", "shoplifting")
        if rng.random() < ASSAULT[tier]:
            make("assault", between(rng, WINDOW_START, TODAY), ((rng.choice(adults), "suspect"),))
        if rng.random() < POLICE_ASB[tier]:
            make("anti_social_behaviour", between(rng, WINDOW_START, TODAY), ((rng.choice(offenders), "suspect"),))


def _born(people: dict[str, TruePerson], person_id: str) -> int:
    return people[person_id].birth_date.toordinal()


def _age(people: dict[str, TruePerson], person_id: str, on: int) -> float:
    return (on - _born(people, person_id)) / YEAR


def _present(
    people: dict[str, TruePerson], household: tuple[tuple[str, str], ...], on: int
) -> tuple[tuple[str, str], ...]:
    return tuple(member for member in household if _born(people, member[0]) < on)
