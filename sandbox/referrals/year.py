"""A year of referrals to Northbridge's MASH, drawn day by day from the generated world.

For each day of the year and each referrer type, a Poisson count of referrals (`volumes`). For each
referral: an organisation of that type, by its propensity; a child that organisation would know (a
school's own pupils, a GP practice's patients, a health visitor's under-fives), weighted by what has
happened in the child's household; about one in five times (DOMAIN.md: 22% are re-referrals within 12
months) a child already referred this year instead; concerns the household's records point to; the
people named (`subjects`) and the account (`narrative`) as well as that organisation's quality profile
lets it write them. Every referral is checked against the shared model (`schemas.Referral`) as it is made.

Everything comes from one seeded random stream, and the organisations' profiles from their own, so the
same population, year, seed and scale give the same referrals, byte for byte.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.referrals.decisions import WorkingTime, simulate_decision
from sandbox.referrals.families import Child, Families
from sandbox.referrals.narrative import Facts, weekday_words, write_narrative
from sandbox.referrals.quality import PROFILES, Part
from sandbox.referrals.referrers import SHARES, Organisation, gp_org_id, organisations, school_org_id
from sandbox.referrals.school_year import SchoolYearCalendar
from sandbox.referrals.subjects import name_subjects
from sandbox.referrals.volumes import REFERRALS_PER_CHILD, day_weight, poisson, time_of_day
from schemas import ConcernCategory, Rag, Referral, ReferrerKind

LONDON = ZoneInfo("Europe/London")
RE_REFERRAL = 0.22
"""England, 2023-24: 22% of referrals were about a child referred within the previous 12 months."""
RE_REFERRAL_LOOKS = 400
"""Children already referred looked at for one the organisation knows (a school's own pupils are few of them)."""
EVIDENCE_LED = 0.7
"""The chance a referral's main concern is one the household's records point to, when they point to one."""
SECOND_CONCERN = 0.3
ROLE_AGES: dict[str, tuple[int, int]] = {
    "health_visiting": (0, 4),
    "midwifery": (0, 0),
    "school_nursing": (5, 17),
    "camhs": (10, 17),
    "teenager": (11, 17),
    "under_five": (0, 4),
}
"""Services that meet children of some ages only (age on 1 July of the year)."""

_Weights = Sequence[tuple[ConcernCategory, float]]
_C = ConcernCategory
CONCERNS: dict[ReferrerKind, _Weights] = {
    ReferrerKind.POLICE: ((_C.DOMESTIC_ABUSE, 45), (_C.MISSING, 12), (_C.PHYSICAL_ABUSE, 10), (_C.NEGLECT, 8),
                          (_C.CRIMINAL_EXPLOITATION, 8), (_C.CHILD_SEXUAL_EXPLOITATION, 5),
                          (_C.PARENTAL_SUBSTANCE_MISUSE, 5), (_C.OTHER, 7)),
    ReferrerKind.EDUCATION: ((_C.NEGLECT, 20), (_C.EDUCATION_CONCERN, 20), (_C.EMOTIONAL_ABUSE, 12),
                             (_C.PHYSICAL_ABUSE, 12), (_C.DOMESTIC_ABUSE, 10), (_C.SEXUAL_ABUSE, 5),
                             (_C.PARENTAL_MENTAL_HEALTH, 5), (_C.CHILD_SEXUAL_EXPLOITATION, 4), (_C.OTHER, 12)),
    ReferrerKind.HEALTH: ((_C.PHYSICAL_ABUSE, 20), (_C.NEGLECT, 20), (_C.PARENTAL_MENTAL_HEALTH, 18),
                          (_C.PARENTAL_SUBSTANCE_MISUSE, 12), (_C.DOMESTIC_ABUSE, 10), (_C.EMOTIONAL_ABUSE, 8),
                          (_C.SEXUAL_ABUSE, 4), (_C.OTHER, 8)),
    ReferrerKind.SOCIAL_CARE: ((_C.NEGLECT, 25), (_C.DOMESTIC_ABUSE, 20), (_C.EMOTIONAL_ABUSE, 10),
                               (_C.PARENTAL_MENTAL_HEALTH, 10), (_C.PARENTAL_SUBSTANCE_MISUSE, 10),
                               (_C.EDUCATION_CONCERN, 8), (_C.CRIMINAL_EXPLOITATION, 7), (_C.OTHER, 10)),
    ReferrerKind.HOUSING: ((_C.HOUSING_INSTABILITY, 60), (_C.NEGLECT, 25), (_C.DOMESTIC_ABUSE, 15)),
    ReferrerKind.FAMILY: ((_C.DOMESTIC_ABUSE, 25), (_C.NEGLECT, 20), (_C.EMOTIONAL_ABUSE, 20),
                          (_C.PHYSICAL_ABUSE, 15), (_C.OTHER, 20)),
    ReferrerKind.PUBLIC: ((_C.NEGLECT, 40), (_C.DOMESTIC_ABUSE, 20), (_C.PHYSICAL_ABUSE, 20), (_C.OTHER, 20)),
    ReferrerKind.OTHER: ((_C.DOMESTIC_ABUSE, 30), (_C.NEGLECT, 20), (_C.CRIMINAL_EXPLOITATION, 10),
                         (_C.CHILD_SEXUAL_EXPLOITATION, 5), (_C.PARENTAL_SUBSTANCE_MISUSE, 10), (_C.OTHER, 25)),
}  # fmt: skip
"""What each referrer type most often refers about, when the household's records do not decide it."""
RED: dict[ConcernCategory, float] = {
    _C.CHILD_SEXUAL_EXPLOITATION: 0.35, _C.SEXUAL_ABUSE: 0.35, _C.PHYSICAL_ABUSE: 0.25,
    _C.CRIMINAL_EXPLOITATION: 0.25, _C.MISSING: 0.2, _C.DOMESTIC_ABUSE: 0.15,
}  # fmt: skip
"""The chance the MASH rates a referral red, by its main concern (otherwise 5%); about 40% of the rest are amber."""
AMBER = 0.4


@dataclass(frozen=True)
class YearRequest:
    year: int
    seed: int
    scale: float


@dataclass(frozen=True)
class Generated:
    """One referral: its document and the non-personal facts the manifest keeps about it."""

    referral: Referral
    organisation: Organisation
    re_referral: bool
    gaps: tuple[str, ...]
    outcome: str
    level: int
    decided_at: datetime
    child_key: str
    """The subject child's id in the world's truth: for counting children, never written out."""

    def manifest_row(self) -> dict[str, Any]:
        referral = self.referral
        return {
            "referral_id": referral.referral_id,
            "received_at": referral.received_at.isoformat(),
            "referrer_kind": referral.referrer.kind.value,
            "referrer_org_id": self.organisation.org_id,
            "quality_profile": self.organisation.profile,
            "re_referral": "yes" if self.re_referral else "no",
            "concern_categories": ";".join(category.value for category in referral.concern_categories),
            "rag": referral.rag.value,
            "children": len(referral.children),
            "gaps": ";".join(self.gaps),
            "outcome": self.outcome,
            "level": self.level,
            "decided_at": self.decided_at.isoformat(),
        }


MANIFEST_COLUMNS = (
    "referral_id", "received_at", "referrer_kind", "referrer_org_id", "quality_profile", "re_referral",
    "concern_categories", "rag", "children", "gaps", "outcome", "level", "decided_at",
)  # fmt: skip


class _Pool:
    """Children an organisation could refer, drawn by weight in O(log n) (cumulative weights and bisection)."""

    def __init__(self, members: list[int], weights: list[float]) -> None:
        self.members = members
        self.index = set(members)
        self._cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> int | None:
        if not self.members or self._cumulative[-1] <= 0:
            return None
        point = rng.random() * self._cumulative[-1]
        return self.members[min(bisect.bisect_right(self._cumulative, point), len(self.members) - 1)]


class ReferralYear:
    """The referrals of one year, generated in order of receipt."""

    def __init__(self, families: Families, request: YearRequest) -> None:
        self.families = families
        self.request = request
        self.organisations = organisations(families, request.seed)
        self.calendar = SchoolYearCalendar(request.year)
        self._rng = random.Random(f"{request.seed}:referrals:{request.year}")
        self._clock = WorkingTime()
        self._pools: dict[str, _Pool] = {}
        self._last_referred: dict[int, date] = {}
        self._referred: list[int] = []
        mid_year = date(request.year, 7, 1)
        self._ages = [child.age_on(mid_year) for child in families.children]
        self._known_by: dict[str, list[int]] = {}
        """A school's pupils and a GP practice's patients, by organisation id."""
        for index, child in enumerate(families.children):
            if child.school:
                self._known_by.setdefault(school_org_id(child.school), []).append(index)
            if child.gp:
                self._known_by.setdefault(gp_org_id(child.gp), []).append(index)
        self.expected = self._children_in_year() * REFERRALS_PER_CHILD * request.scale

    def _children_in_year(self) -> int:
        start, end = date(self.request.year, 1, 1), date(self.request.year, 12, 31)
        return sum(1 for child in self.families.children if child.child_on(end) or child.child_on(start))

    # --- who could be referred by whom ----------------------------------------------------------

    def _pool(self, organisation: Organisation) -> _Pool:
        key = organisation.org_id if organisation.sort in ("school", "gp") else f"role:{organisation.role}"
        if key not in self._pools:
            self._pools[key] = self._build_pool(organisation)
        return self._pools[key]

    def _build_pool(self, organisation: Organisation) -> _Pool:
        children = self.families.children
        if organisation.sort in ("school", "gp"):
            members = self._known_by.get(organisation.org_id, [])
        else:
            low, high = ROLE_AGES.get(organisation.role, (0, 17))
            members = [i for i, age in enumerate(self._ages) if low <= age <= high]
        return _Pool(members, [children[i].weight for i in members])

    def _choose_organisation(self, kind: ReferrerKind) -> Organisation | None:
        """An organisation of the type, by propensity; None in a world without one (a tiny world has no school)."""
        candidates = [org for org in self.organisations if org.kind is kind and org.propensity > 0]
        weights = [org.propensity * (org.pupils or 1) for org in candidates]
        return self._rng.choices(candidates, weights)[0] if candidates else None

    def _choose_child(self, organisation: Organisation, day: date) -> tuple[int, bool] | None:
        """A child for the organisation on `day`, and whether it is a re-referral within 12 months."""
        pool, rng = self._pool(organisation), self._rng
        if self._referred and rng.random() < RE_REFERRAL:
            sample = (self._referred[rng.randrange(len(self._referred))] for _ in range(RE_REFERRAL_LOOKS))
            fits = [i for i in sample if i in pool.index and self._eligible(i, day)][:20]
            if fits:
                return rng.choices(fits, [self.families.children[i].weight for i in fits])[0], True
        for _ in range(40):
            drawn = pool.draw(rng)
            if drawn is not None and drawn not in self._last_referred and self._eligible(drawn, day):
                return drawn, False
        for _ in range(40):  # everyone this organisation knows has been referred already
            drawn = pool.draw(rng)
            if drawn is not None and self._eligible(drawn, day):
                return drawn, self._re_referral(drawn, day)
        return None

    def _eligible(self, index: int, day: date) -> bool:
        return self.families.children[index].child_on(day)

    def _re_referral(self, index: int, day: date) -> bool:
        last = self._last_referred.get(index)
        return last is not None and (day - last).days <= 365

    # --- one referral -------------------------------------------------------------------------------

    def _concerns(self, kind: ReferrerKind, child: Child) -> list[ConcernCategory]:
        rng = self._rng
        categories, weights = zip(*CONCERNS[kind], strict=True)
        if child.concerns and rng.random() < EVIDENCE_LED:
            first = child.concerns[0]
        else:
            first = rng.choices(categories, weights)[0]
        chosen = [first]
        if rng.random() < SECOND_CONCERN:
            second = rng.choices(categories, weights)[0]
            if second is not first:
                chosen.append(second)
        return chosen

    def _rag(self, concern: ConcernCategory) -> Rag:
        draw = self._rng.random()
        red = RED.get(concern, 0.05)
        return Rag.RED if draw < red else Rag.AMBER if draw < red + (1 - red) * AMBER else Rag.GREEN

    def _facts(self, organisation: Organisation, child: Child, parent_id: str | None, day: date) -> Facts:
        person = child.person
        possessive = {"female": "her", "male": "his"}.get(person.sex, "their")
        word = self.families.parent_word(parent_id, person.person_id) if parent_id else None
        weekday, day_words = weekday_words(day)
        school = self.families.schools.get(child.school) if child.school else None
        gp = self.families.gp_practices.get(child.gp) if child.gp else None
        digits = sum(map(ord, organisation.org_id)) % 900 + 100
        individual = organisation.sort == "individual"
        return Facts(
            child=person.known_as or person.given_names[0],
            parent=f"{possessive} {word or 'parent'}",
            weekday=weekday,
            day=day_words,
            year_group=_year_group(person.birth_date, day),
            school=school.name if school else None,
            gp=gp,
            phone=f"07700 900{self._rng.randrange(1000):03d}" if individual else f"0191 498 0{digits}",
            email=None if individual else f"safeguarding@{organisation.org_id}.northbridge.example",
        )

    def _referral(self, number: int, received: datetime, organisation: Organisation) -> Generated | None:
        day = received.date()
        chosen = self._choose_child(organisation, day)
        if chosen is None:
            return None
        index, re_referral = chosen
        child, rng = self.families.children[index], self._rng
        stated = PROFILES[organisation.profile].draw(rng, organisation.kind)
        subjects, structural, parent_id = name_subjects(
            rng, self.families, child, day, stated, school_referrer=organisation.sort == "school"
        )
        concerns = self._concerns(organisation.kind, child)
        facts = self._facts(organisation, child, parent_id, day)
        narrative, written = write_narrative(rng, concerns[0], organisation.sort, stated, facts)
        really = structural | written
        rag = self._rag(concerns[0])
        referral = Referral.model_validate(
            {
                "referral_id": f"SYN{self.request.seed}-{self.request.year}-{number:06d}",
                "received_at": received.isoformat(),
                "referrer": {"kind": organisation.kind.value, "organisation": organisation.name},
                "concern_categories": [concern.value for concern in concerns],
                "rag": rag.value,
                "narrative": narrative,
                "subjects": subjects,
            }
        )
        self._last_referred[index] = day
        self._referred.append(index)
        outcome, level, decided_at = simulate_decision(rng, organisation.kind, rag, received, self._clock)
        gaps = tuple(part.value for part in Part if part not in really)
        return Generated(referral, organisation, re_referral, gaps, outcome, level, decided_at, child.person.person_id)

    # --- the year -------------------------------------------------------------------------------------

    def days(self) -> list[date]:
        return self.calendar.days()

    def referrals(self, on_day: Callable[[int, int], None] | None = None) -> Iterator[Generated]:
        """Every referral of the year, in order of receipt; `on_day(done, total)` after each day."""
        rng, days = self._rng, self.days()
        end_of_term = self.calendar.last_weeks_of_term()
        totals = {kind: sum(day_weight(kind, day, self.calendar, end_of_term) for day in days) for kind in SHARES}
        number = 0
        for done, day in enumerate(days, start=1):
            slots: list[tuple[datetime, Organisation]] = []
            for kind, share in SHARES.items():
                mean = self.expected * share * day_weight(kind, day, self.calendar, end_of_term) / totals[kind]
                for _ in range(poisson(rng, mean)):
                    received = datetime.combine(day, time_of_day(rng, kind), LONDON)
                    if (organisation := self._choose_organisation(kind)) is not None:
                        slots.append((received, organisation))
            slots.sort(key=lambda slot: (slot[0], slot[1].org_id))
            for received, organisation in slots:
                generated = self._referral(number + 1, received, organisation)
                if generated is not None:
                    number += 1
                    yield generated
            if on_day is not None:
                on_day(done, len(days))


def _year_group(born: date, day: date) -> str:
    """The school year group in England: Reception for children who were 4 on the last 31 August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    age = start_year - born.year - ((born.month, born.day) > (8, 31))
    group = age - 4
    return "Reception" if group <= 0 else f"Year {min(group, 13)}"
