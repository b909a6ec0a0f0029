"""What the council's housing service holds: social tenancies and homelessness cases.

Social tenants (about 17% of households) have a tenancy at their current home listing everyone
in it, with any arrears, notices and anti-social behaviour cases; a household evicted for
arrears also has its ended tenancy at the previous address. Homelessness applicants have an
H-CLIC style case listing every household member. A person is recorded once (sometimes twice:
the duplicate noise kind) and referred to by their housing reference.
"""

from __future__ import annotations

import random
from datetime import date

from sandbox.housing.vocabulary import ASB_CATEGORIES, ASB_OUTCOMES, TEMPORARY_ACCOMMODATION_TYPES
from sandbox.model.records import Arrears, AsbCase, HomelessnessCase, HousingPerson, HousingRecords, Notice, Tenancy
from sandbox.model.truth import IdFactory, LifeEvent, TruePerson
from sandbox.world.timeline import TODAY, as_date, between
from sandbox.world.units import Unit
from sandbox.world.views.noise import Draft, Noiser

GROUND = "Ground 10 (rent arrears)"
HOUSING_EVENTS = frozenset(
    {"rent_arrears", "notice_seeking_possession", "eviction", "homelessness_application", "asb_case"}
)
TENURES = (("secure council tenancy", "introductory tenancy", "assured tenancy (housing association)"), (0.6, 0.1, 0.3))
KNOWS_EARLIER_SURNAMES = 0.5
DUTIES = {
    "domestic_abuse": "relief",
    "rent_arrears": "prevention",
    "end_of_private_tenancy": "prevention",
    "family_or_friends_no_longer_willing": "relief",
}
MAIN_DUTY = 0.3
"""Share of households placed in temporary accommodation who are later owed the main duty."""
TEMPORARY = tuple(TEMPORARY_ACCOMMODATION_TYPES)
TEMPORARY_WEIGHTS = tuple({"nightly_paid": 4, "bed_and_breakfast": 2, "hostel": 2, "private_sector_leased": 3,
                           "council_or_housing_association_stock": 3}.get(code, 0.5) for code in TEMPORARY)  # fmt: skip
ASB_ENDINGS = tuple(
    code for code in ("warning", "acceptable_behaviour_contract", "no_further_action", "open") if code in ASB_OUTCOMES
)


class HousingView:
    """Builds housing records for one family unit at a time."""

    def __init__(self, rng: random.Random, ids: IdFactory, noiser: Noiser) -> None:
        self._rng = rng
        self._ids = ids
        self._noiser = noiser
        self._kin: dict[str, tuple[Unit, str]] = {}
        """Person -> (their household, their role in it), for the family unit being recorded."""

    def record(
        self, records: HousingRecords, units: list[Unit], people: dict[str, TruePerson], events: list[LifeEvent]
    ) -> None:
        refs: dict[str, list[str]] = {}
        self._kin = {pid: (unit, role) for unit in units for pid, role in unit.roles.items()}
        housing_events = sorted((event for event in events if event.kind in HOUSING_EVENTS), key=lambda e: e.on)
        for unit in units:
            if unit.tenure == "social" and unit.adults:
                mine = [event for event in housing_events if event.household_id == unit.household.household_id]
                self._tenancies(records, refs, unit, people, mine)
        for event in housing_events:
            if event.kind == "homelessness_application":
                self._homelessness(records, refs, people, event)

    def _ref(
        self, records: HousingRecords, refs: dict[str, list[str]], person: TruePerson, *, either: bool = False
    ) -> str:
        known = refs.get(person.person_id)
        if known is None:
            known = refs[person.person_id] = [self._person(records, person)]
            if self._noiser.duplicate():
                known.append(self._person(records, person))
        return known[-1] if either and len(known) > 1 and self._rng.random() < 0.5 else known[0]

    def _person(self, records: HousingRecords, person: TruePerson) -> str:
        draft = self._noiser.apply(Draft.of(person), person)
        known = self._rng.random() < KNOWS_EARLIER_SURNAMES
        housing_person = HousingPerson(
            person_ref=self._ids.sequence("HP", 7),
            person_id=person.person_id,
            surname=draft.family,
            forename=draft.given[0],
            date_of_birth=draft.birth_date,
            sex=draft.sex,
            previous_surnames=draft.earlier_surnames if known else (),
        )
        records.people.append(housing_person)
        return housing_person.person_ref

    def _tenancies(
        self,
        records: HousingRecords,
        refs: dict[str, list[str]],
        unit: Unit,
        people: dict[str, TruePerson],
        events: list[LifeEvent],
    ) -> None:
        rng = self._rng
        tenant = people[unit.adults[0]]
        tenant_ref = self._ref(records, refs, tenant)
        members = tuple(
            (self._ref(records, refs, people[pid]), self._relationship(tenant, people[pid], tenancy=True))
            for pid in unit.roles
            if pid != tenant.person_id
        )
        current, previous = unit.homes[-1], unit.homes[-2] if len(unit.homes) > 1 else None
        now: list[LifeEvent] = [event for event in events if event.detail != "previous_tenancy"]
        before: list[LifeEvent] = [event for event in events if event.detail == "previous_tenancy"]
        if before and previous is not None and previous.end is not None:
            ended = rng.choices(*TENURES)[0]
            records.tenancies.append(
                Tenancy(
                    self._ids.sequence("TEN", 7), previous.line, previous.postcode, ended, as_date(previous.start),
                    as_date(previous.end), tenant_ref, members, *self._arrears_and_notices(before, ended),
                )
            )  # fmt: skip
        asb = tuple(
            AsbCase(
                self._ids.sequence("ASB", 7),
                event.on,
                event.detail if event.detail in ASB_CATEGORIES else "other",
                self._ref(records, refs, people[event.people[0][0]]) if rng.random() < 0.7 else None,
                rng.choice(ASB_ENDINGS),
            )
            for event in now
            if event.kind == "asb_case"
        )
        tenure = "introductory tenancy" if before else rng.choices(*TENURES)[0]
        records.tenancies.append(
            Tenancy(
                self._ids.sequence("TEN", 7), current.line, current.postcode, tenure, as_date(current.start), None,
                tenant_ref, members, *self._arrears_and_notices(now, tenure), asb,
            )
        )  # fmt: skip

    def _arrears_and_notices(
        self, events: list[LifeEvent], tenure: str
    ) -> tuple[tuple[Arrears, ...], tuple[Notice, ...]]:
        rng = self._rng
        arrears: list[Arrears] = []
        notices: list[Notice] = []
        for event in events:
            if event.kind == "rent_arrears":
                weeks = 2 + int(rng.expovariate(1 / 4))
                as_at = min(TODAY, event.on.toordinal() + between(rng, 30, 120))
                arrears.append(Arrears(as_date(as_at), weeks * rng.randint(9000, 14000), weeks))
            elif event.kind == "notice_seeking_possession":
                notice_type = "section_8" if tenure.startswith("assured") else "notice_seeking_possession"
                notices.append(Notice(self._ids.sequence("NSP", 7), notice_type, event.on, GROUND))
            elif event.kind == "eviction":
                evicted = event.on.toordinal()
                for stage, days_before in (("possession_order_outright", 70), ("warrant_of_possession", 21)):
                    served = as_date(evicted - days_before - between(rng, 0, 20))
                    notices.append(Notice(self._ids.sequence("NSP", 7), stage, served, GROUND))
                notices.append(Notice(self._ids.sequence("NSP", 7), "eviction", event.on, GROUND))
        return tuple(arrears), tuple(sorted(notices, key=lambda notice: notice.served_on))

    def _homelessness(
        self, records: HousingRecords, refs: dict[str, list[str]], people: dict[str, TruePerson], event: LifeEvent
    ) -> None:
        rng = self._rng
        applicant = people[event.people[0][0]]
        members = tuple(
            (self._ref(records, refs, people[pid], either=True), self._relationship(applicant, people[pid], event.on))
            for pid, _ in event.people[1:]
        )
        with_children = any(relationship == "child" for _, relationship in members)
        placed = (with_children or event.detail == "domestic_abuse") and rng.random() < 0.6
        placement = None
        if placed:
            placement = "refuge" if event.detail == "domestic_abuse" and rng.random() < 0.4 else None
            placement = placement or rng.choices(TEMPORARY, TEMPORARY_WEIGHTS)[0]
        duty = "main_duty" if placed and rng.random() < MAIN_DUTY else DUTIES.get(event.detail, "relief")
        records.homelessness.append(
            HomelessnessCase(
                self._ids.sequence("HL", 7),
                self._ref(records, refs, applicant, either=True),
                members,
                event.on,
                duty,
                temporary_accommodation=placed,
                reason=event.detail,
                temporary_accommodation_type=placement,
            )
        )

    def _relationship(
        self, anchor: TruePerson, person: TruePerson, on: date | None = None, *, tenancy: bool = False
    ) -> str:
        """How a household member is related to the tenant or applicant, in the housing system's codes."""
        unit, role = self._kin.get(person.person_id, (None, "other"))
        anchor_role = self._kin[anchor.person_id][1] if anchor.person_id in self._kin else ""
        born = person.birth_date
        if role == "partner" or (anchor_role == "partner" and role == "parent_carer"):
            return "partner"
        if role == "child":
            adult = on is not None and (on - born).days >= 18 * 365
            return "other_relative" if adult and not tenancy else "child"
        if role == "other_adult" and unit is not None and unit.household.kind == "multi_generational":
            return "parent"
        return "occupant" if tenancy else "other"
