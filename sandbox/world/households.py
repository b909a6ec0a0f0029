"""Who lives with whom: UK-shaped households with their names, ages, moves, ties and schools.

One call builds a *family unit*: a household, plus the separate household of a child's other
parent when that parent lives elsewhere (so an ex-partner's previous address is the family's
home, as in real records). Household types follow the ONS mix: one in three households is one
person; about a quarter of families with dependent children have a lone parent; some are step
families with half-siblings. Surnames follow the families: a wife may take her husband's name
and revert after a separation, children carry the father's, the mother's or both names joined,
and a child may take a step-parent's name by deed poll; every earlier surname is kept as an
alias. Moves give everyone their previous addresses, and children change school when a move
puts them in another school's area.
"""

from __future__ import annotations

import random

from sandbox.model.truth import Household, IdFactory, Relationship
from sandbox.world.city.catchment import Catchments
from sandbox.world.city.communities import (
    COMPOUND_SURNAME_RATE_MIXED,
    compound_surname,
    mixed_given_names,
    partner_community,
    pick_community,
    similar_given_name,
)
from sandbox.world.city.garbling import nickname_for
from sandbox.world.city.naming import Community, Sex
from sandbox.world.homes import Homes, copy_homes
from sandbox.world.timeline import TODAY, YEAR, Home, age_at, as_date, years_before
from sandbox.world.units import Being, Figures, SchoolSpell, Unit, freeze

HOUSEHOLD_KINDS: dict[str, float] = {
    "single_adult": 0.29,
    "couple": 0.25,
    "couple_with_children": 0.15,
    "step_family": 0.025,
    "lone_parent": 0.065,
    "multi_generational": 0.02,
    "adults_with_adult_children": 0.08,
    "sharers": 0.03,
}
"""Share of households of each type (ONS Families and Households, rounded)."""

BIRTHS = (1, 2, 3, 4)
BIRTH_WEIGHTS = (0.45, 0.38, 0.12, 0.05)
TWIN_RATE = 0.015
"""Share of births that are twins (about 1.5% of maternities in England and Wales)."""
EX_PARTNER_ELSEWHERE = 0.7
"""Share of lone-parent and step families whose children's other parent is in the population."""
MARRIED = 0.55
TAKES_HUSBANDS_NAME = 0.75
DOUBLE_BARRELS_ON_MARRIAGE = 0.04
REVERTS_AFTER_SEPARATION = 0.4
CHILD_DEED_POLL = 0.12
"""Share of a step-family's older children who take the step-parent's surname by deed poll."""
USES_STEP_PARENTS_NAME = 0.2
"""Share of a step-family's older children who use the step-parent's surname informally (schools record it)."""
ADULT_DEED_POLL = 0.002
JUNIOR = 0.05
"""Share of sons of a resident father who get his first name (and so often his whole name)."""
KNOWN_BY_NICKNAME = 0.08
KNOWN_BY_MIDDLE_NAME = 0.02
OTHER_ADULT_IN_FAMILY = 0.03


class HouseholdBuilder:
    """Builds family units from a seeded RNG; every id comes from the one shared IdFactory."""

    def __init__(self, rng: random.Random, ids: IdFactory, places: Catchments, figures: Figures) -> None:
        self._rng = rng
        self._ids = ids
        self._places = places
        self._homes = Homes(rng, ids, places)
        self.figures = figures
        self.relationships: list[Relationship] = []
        self._kinds = tuple(HOUSEHOLD_KINDS)
        self._kind_weights = tuple(HOUSEHOLD_KINDS.values())

    # --- planning ----------------------------------------------------------------------------

    def build(self, room: int) -> list[Unit]:
        """One family unit of at most `room` people (exactly `room` when nothing bigger fits)."""
        rng = self._rng
        kind = rng.choices(self._kinds, self._kind_weights)[0]
        births: list[int] = []
        step_births: list[int] = []
        extra = 0
        adults = 2
        if kind == "single_adult":
            adults = 1
        elif kind == "sharers":
            adults, extra = 0, rng.choice((2, 2, 3, 4))
        elif kind != "couple":
            births = [self._births() for _ in range(rng.choices(BIRTHS, BIRTH_WEIGHTS)[0])]
            if kind == "lone_parent":
                adults = 1
            elif kind in {"multi_generational", "adults_with_adult_children"}:
                adults = rng.choice((1, 2))
            if kind == "multi_generational":
                extra = rng.choice((1, 2))
            elif kind in {"couple_with_children", "step_family"} and rng.random() < OTHER_ADULT_IN_FAMILY:
                extra = 1
            if kind == "step_family":
                step_births = [self._births() for _ in range(rng.choice((1, 1, 2)))]
        ex_elsewhere = kind in {"lone_parent", "step_family"} and rng.random() < EX_PARTNER_ELSEWHERE
        size = adults + extra + sum(births) + sum(step_births) + ex_elsewhere
        if size > room:
            return self._fitting(room)
        if kind == "single_adult":
            return [self._single()]
        if kind == "couple":
            return [self._couple()]
        if kind == "sharers":
            return [self._sharers(extra)]
        return self._family(kind, adults, births, step_births, ex_elsewhere, extra)

    def _births(self) -> int:
        return 2 if self._rng.random() < TWIN_RATE else 1

    def _fitting(self, room: int) -> list[Unit]:
        """The last household: exactly the people still needed."""
        if room == 1:
            return [self._single()]
        if room == 2:
            return [self._couple()]
        return self._family("couple_with_children", 2, [1] * (room - 2), [], False, 0)

    # --- people ------------------------------------------------------------------------------

    def _being(
        self,
        community: Community,
        sex: Sex,
        born: int,
        *,
        given: tuple[str, ...] | None = None,
        family: str | None = None,
        second: Community | None = None,
        real: bool = True,
    ) -> Being:
        """A person; an unreal one (a parent not in the population) only lends a surname."""
        rng = self._rng
        year = as_date(born).year
        if given is None:
            if second is not None and second is not community:
                given = mixed_given_names(rng, sex, community, second, year)
            else:
                given = community.given_names(rng, sex, year)
        if family is None:
            family = community.surname(rng, sex)
        if not real:
            return Being("", given, family, born, sex, community)
        being = Being(self._ids.sequence("P"), given, family, born, sex, community)
        being.nhs_number = self._ids.nhs_number()
        draw = rng.random()
        if draw < KNOWN_BY_NICKNAME:
            being.known_as = nickname_for(rng, given[0])
        elif draw < KNOWN_BY_NICKNAME + KNOWN_BY_MIDDLE_NAME and len(given) > 1:
            being.known_as = given[1]
        if being.known_as:
            self.figures.counts["people_known_by_another_given_name"] += 1
        return being

    def _adult(self, community: Community, sex: Sex, born: int, *, real: bool = True) -> Being:
        being = self._being(community, sex, born, real=real)
        if real and self._rng.random() < ADULT_DEED_POLL:
            being.rename(community.surname(self._rng, sex))
            self.figures.counts["name_changes_deed_poll"] += 1
        return being

    def _adult_born(self, low: float, high: float) -> int:
        return years_before(low + self._rng.random() * (high - low))

    def _sex(self) -> Sex:
        return "female" if self._rng.random() < 0.5 else "male"

    def _partner_born(self, born: int) -> int:
        gap = max(-5.0, min(15.0, self._rng.gauss(2.5, 4.0)))
        return min(born - int(gap * YEAR), years_before(18))

    def _together_from(self, first: Being, second: Being, first_child: int | None) -> int:
        adult = max(first.born, second.born) + int(17.5 * YEAR)
        latest = first_child - int(0.8 * YEAR) if first_child is not None else TODAY - 30
        return min(max(adult, years_before(0.2 + self._rng.expovariate(1 / 6), latest)), first_child or TODAY - 30)

    def _marry(self, woman: Being, man: Being) -> bool:
        """Perhaps marry (the woman perhaps taking her husband's name); True if the couple married."""
        rng = self._rng
        if woman.sex != "female" or man.sex != "male" or rng.random() >= MARRIED:
            return False
        if rng.random() < TAKES_HUSBANDS_NAME:
            name = man.family
            if rng.random() < DOUBLE_BARRELS_ON_MARRIAGE:
                name = compound_surname(woman.family, man.family)
            woman.rename(man.community.surname_for_sex(name, "female"))
            if woman.person_id:
                self.figures.counts["name_changes_marriage"] += 1
        return True

    # --- simple households -------------------------------------------------------------------

    def _single(self) -> Unit:
        rng = self._rng
        band = rng.random()
        low, high = (20, 35) if band < 0.25 else (35, 55) if band < 0.55 else (55, 75) if band < 0.8 else (75, 95)
        person = self._adult(pick_community(rng), self._sex(), self._adult_born(low, high))
        tenure = self._homes.tenure()
        self._homes.settle([person], tenure[0], person.born)
        return self._unit("single_adult", [(person, "householder")], [], tenure)

    def _couple(self) -> Unit:
        rng = self._rng
        band = rng.random()
        low, high = (22, 36) if band < 0.3 else (36, 55) if band < 0.5 else (55, 85)
        community = pick_community(rng)
        woman = self._adult(community, "female", self._adult_born(low, high))
        other_sex: Sex = "female" if rng.random() < 0.02 else "male"
        other = self._adult(partner_community(rng, community), other_sex, self._partner_born(woman.born))
        together = self._together_from(woman, other, None)
        self._marry(woman, other)
        tenure = self._homes.tenure()
        self._homes.settle([woman, other], tenure[0], together)
        self._tie_partners(woman, other)
        unit = self._unit("couple", [(woman, "householder"), (other, "partner")], [], tenure)
        unit.partners.append((woman.person_id, other.person_id, together, None))
        return unit

    def _sharers(self, count: int) -> Unit:
        rng = self._rng
        sharers = [self._adult(pick_community(rng), self._sex(), self._adult_born(19, 42)) for _ in range(count)]
        tenure = ("private_rented", rng.random())
        self._homes.settle(sharers, tenure[0], TODAY - int(rng.expovariate(1 / 2) * YEAR))
        return self._unit("sharers", [(person, "other_adult") for person in sharers], [], tenure)

    # --- families ----------------------------------------------------------------------------

    def _birth_days(self, groups: list[list[int]], grown_up: bool) -> list[list[int]]:
        """Birth days of each maternity, oldest first, grouped by father; children stay under 18
        (between 18 and 34 for grown-up children)."""
        rng = self._rng
        gaps = [[1.3 + rng.expovariate(1 / 2.2) for _ in group[1:]] for group in groups]
        between_groups = [2.5 + rng.expovariate(1 / 2.0) for _ in groups[1:]]
        span = sum(map(sum, gaps)) + sum(between_groups)
        limit = 16.3 if grown_up else 16.8
        if span > limit:
            scale = limit / span
            gaps = [[gap * scale for gap in group] for group in gaps]
            between_groups = [gap * scale for gap in between_groups]
            span = limit
        youngest = 18.2 + rng.random() * 12 if grown_up else rng.random() * (17.0 - span)
        day = years_before(youngest + span)
        days_by_group: list[list[int]] = []
        for index, group_gaps in enumerate(gaps):
            if index:
                day += int(between_groups[index - 1] * YEAR)
            days = [day]
            for gap in group_gaps:
                day += int(gap * YEAR)
                days.append(day)
            days_by_group.append([min(day, TODAY - 1) for day in days])
        return days_by_group

    def _family(
        self,
        kind: str,
        adults: int,
        births: list[int],
        step_births: list[int],
        ex_elsewhere: bool,
        extra: int,
    ) -> list[Unit]:
        """A family with children, and the other parent's own household when they live elsewhere."""
        rng = self._rng
        community = pick_community(rng)
        deprivation = rng.random()
        grown_up = kind == "adults_with_adult_children"
        lone = adults == 1
        step = kind == "step_family"
        carer_sex: Sex = "male" if rng.random() < (0.1 if lone else 0.12 if step else 0.0) else "female"
        groups = [births, step_births] if step else [births]
        days_by_group = self._birth_days(groups, grown_up)
        span = age_at(days_by_group[0][0], days_by_group[-1][-1])
        mother_age = max(16.5, min(40.0, rng.gauss(28.5 - 3.0 * deprivation, 5.5), 45.0 - span))
        carer_age = mother_age if carer_sex == "female" else max(18.0, mother_age + 2.5)
        carer = self._adult(community, carer_sex, days_by_group[0][0] - int(carer_age * YEAR))
        other_sex: Sex = "male" if carer_sex == "female" else "female"
        members: list[tuple[Being, str]] = [(carer, "parent_carer")]
        children: list[Being] = []
        ex: Being | None = None
        resident: Being | None = None
        separation: int | None = None
        partners: list[tuple[str, str, int, int | None]] = []
        for index, days in enumerate(days_by_group):
            current = index == len(days_by_group) - 1 and not lone
            real = current or ex_elsewhere
            parent_born = min(self._partner_born(carer.born), days[0] - int(17.5 * YEAR))
            parent = self._adult(partner_community(rng, community), other_sex, parent_born, real=real)
            together = self._together_from(carer, parent, days[0])
            apart: int | None = None
            if current and separation is not None:
                together = max(together, min(separation + int(0.5 * YEAR), days[0] - int(0.8 * YEAR)))
            if not current:
                apart = days[-1] + int((0.2 + rng.random() * 5) * YEAR)
                if index + 1 < len(days_by_group):
                    apart = min(apart, days_by_group[index + 1][0] - int(1.5 * YEAR))
                apart = max(min(apart, TODAY - 60), together + 200)
                separation = apart
            woman, man = (carer, parent) if carer_sex == "female" else (parent, carer)
            married = self._marry(woman, man)
            if apart is not None and married and woman.aliases and rng.random() < REVERTS_AFTER_SEPARATION:
                woman.rename(woman.aliases[-1])
                if woman.person_id:
                    self.figures.counts["name_changes_separation"] += 1
            kids = self._children(groups[index], days, woman, man, married)
            children += kids
            if parent.person_id:
                partners.append((woman.person_id, man.person_id, together, apart))
            if current:
                resident = parent
                members.append((parent, "partner"))
                self._tie_partners(carer, parent)
            elif parent.person_id:
                ex = parent
                self._tie(carer, parent, "ex_partner")
                self._tie(parent, carer, "ex_partner")
        if step and resident is not None:
            for kid in children:
                if resident.person_id not in kid.parents:
                    self._tie(resident, kid, "step_parent")
                    step_name = resident.community.surname_for_sex(resident.family, kid.sex)
                    if step_name == kid.family:
                        continue
                    draw = rng.random()
                    if draw < CHILD_DEED_POLL:
                        kid.rename(step_name)
                        self.figures.counts["name_changes_deed_poll"] += 1
                    elif draw < CHILD_DEED_POLL + USES_STEP_PARENTS_NAME:
                        kid.preferred_surname = step_name
                        self.figures.counts["children_using_a_step_parents_surname"] += 1
        self._tie_siblings(children)
        members += [(kid, "child") for kid in children]
        others: list[Being] = []
        if kind == "multi_generational":
            others = self._grandparents(carer, children, extra)
        elif extra:
            others = [self._adult(pick_community(rng), self._sex(), self._adult_born(19, 60))]
            for kid in children:
                self._tie(others[0], kid, "other_adult")
        members += [(other, "other_adult") for other in others]
        tenure = self._homes.tenure(deprivation)
        formed = children[0].born if lone or not partners else min(partners[0][2], children[0].born)
        self._homes.settle([carer], tenure[0], formed)
        for kid in children:
            kid.homes = copy_homes(carer.homes, kid.born)
        if resident is not None:
            self._homes.move_in(resident, partners[-1][2], carer.homes)
        for other in others:
            self._homes.move_in(other, years_before(rng.random() * 8), carer.homes)
        schools = {kid.person_id: spells for kid in children if (spells := self._homes.schools_for(kid))}
        kind_name = "couple_with_children" if step and resident is None else kind
        units = [self._unit(kind_name, members, children, tenure, schools)]
        units[0].partners = partners
        if ex is not None and separation is not None:
            units.append(self._ex_household(ex, carer, separation))
        return units

    def _children(self, births: list[int], days: list[int], woman: Being, man: Being, married: bool) -> list[Being]:
        rng = self._rng
        if married and woman.family == man.community.surname_for_sex(man.family, "female"):
            choice = "father"
        else:
            draw = rng.random()
            compound = COMPOUND_SURNAME_RATE_MIXED if woman.community is not man.community else 0.06
            choice = "compound" if draw < compound else "mother" if draw < compound + 0.22 else "father"
        parents = frozenset(pid for pid in (woman.person_id, man.person_id) if pid)
        kids: list[Being] = []
        for count, born in zip(births, days, strict=True):
            year = as_date(born).year
            first: Being | None = None
            for _ in range(count):
                sex = self._sex()
                if choice == "father":
                    family = man.community.child_surname(rng, man.family, sex, man.given[0])
                elif choice == "mother":
                    family = woman.community.surname_for_sex(woman.family, sex)
                else:
                    family = compound_surname(woman.family, man.family)
                given: tuple[str, ...] | None = None
                if first is not None:
                    similar = similar_given_name(rng, woman.community, sex, first.given[0], year)
                    given = (similar, *woman.community.given_names(rng, sex, year)[1:])
                elif sex == "male" and man.sex == "male" and family == man.family and rng.random() < JUNIOR:
                    given = (man.given[0], *man.community.given_names(rng, sex, year)[1:])
                    self.figures.counts["sons_named_after_father"] += 1
                kid = self._being(woman.community, sex, born, given=given, family=family, second=man.community)
                kid.parents = parents
                if first is not None:
                    kid.twin_of, first.twin_of = first.person_id, kid.person_id
                    self.figures.counts["twin_pairs"] += 1
                first = first or kid
                kids.append(kid)
        for kid in kids:
            self._tie_parent(woman, kid)
            self._tie_parent(man, kid)
        return kids

    def _grandparents(self, carer: Being, children: list[Being], count: int) -> list[Being]:
        rng = self._rng
        born = carer.born - int((22 + rng.random() * 12) * YEAR)
        family = carer.aliases[-1] if carer.aliases else carer.family
        grandparents = []
        for index in range(count):
            sex: Sex = "female" if index == 0 else "male"
            being = self._adult(carer.community, sex, born - int(index * rng.random() * 3 * YEAR))
            being.family = carer.community.surname_for_sex(family, sex)
            grandparents.append(being)
            self._tie_parent(being, carer)
            for kid in children:
                self._tie(being, kid, "grandparent")
        if len(grandparents) == 2:
            self._tie_partners(grandparents[0], grandparents[1])
        return grandparents

    def _ex_household(self, ex: Being, carer: Being, apart: int) -> Unit:
        """The children's other parent, in a home of their own since the separation."""
        rng = self._rng
        own_from = min(apart + int(rng.random() * 200), TODAY - 1)
        shared = [Home(h.line, h.postcode, h.start, h.end) for h in carer.homes if h.start < apart]
        for home in shared:
            if home.end is None or home.end > own_from:
                home.end = own_from
        if shared:
            shared[-1].end = own_from
        line, postcode = self._places.home(rng, own_from)
        ex.homes = [*shared, Home(line, postcode, own_from)]
        return self._unit("single_adult", [(ex, "householder")], [], self._homes.tenure())

    # --- ties --------------------------------------------------------------------------------

    def _tie(self, person: Being, other: Being, kind: str) -> None:
        if person.person_id and other.person_id:
            self.relationships.append(Relationship(person.person_id, other.person_id, kind))

    def _tie_partners(self, first: Being, second: Being) -> None:
        self._tie(first, second, "partner")
        self._tie(second, first, "partner")

    def _tie_parent(self, parent: Being, kid: Being) -> None:
        self._tie(parent, kid, "mother" if parent.sex == "female" else "father")

    def _tie_siblings(self, children: list[Being]) -> None:
        for kid in children:
            for other in children:
                if other is not kid:
                    self._tie(kid, other, "sibling" if kid.parents == other.parents else "half_sibling")

    # --- output ------------------------------------------------------------------------------

    def _unit(
        self,
        kind: str,
        members: list[tuple[Being, str]],
        children: list[Being],
        tenure: tuple[str, float],
        schools: dict[str, list[SchoolSpell]] | None = None,
    ) -> Unit:
        people = [freeze(being, self.figures) for being, _ in members]
        homes = members[0][0].homes
        current = homes[-1]
        household = Household(
            self._ids.sequence("H", 4),
            current.line,
            current.postcode,
            tuple((being.person_id, role) for being, role in members),
            kind,
        )
        self.figures.kinds[kind] += 1
        return Unit(
            household=household,
            people=people,
            roles={being.person_id: role for being, role in members},
            homes=homes,
            tenure=tenure[0],
            deprivation=tenure[1],
            adults=[being.person_id for being, _ in members if age_at(being.born) >= 18],
            children=[being.person_id for being in children if age_at(being.born) < 18],
            schools=schools or {},
        )
