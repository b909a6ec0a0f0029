"""What schools hold: a CTF pupil record for every child on a school roll, with their history.

Each pupil has their UPN, current school and earlier schools (moves and the move to secondary),
four terms of attendance (falling after an attendance decline), suspensions and exclusions, SEN
support or an EHCP, free school meals and time missing education. A permanent exclusion moves the
pupil to another school. A duplicate pupil record carries a temporary UPN, as when a school
enrols a child before the previous school's file arrives.
"""

from __future__ import annotations

import random
from datetime import date

from sandbox.model.records import (
    Address,
    AttendancePeriod,
    EducationRecords,
    Exclusion,
    FsmPeriod,
    MissingEducation,
    Pupil,
    School,
    SchoolSpell,
    SenRecord,
)
from sandbox.model.truth import IdFactory, LifeEvent, TruePerson
from sandbox.world.city.catchment import Catchments
from sandbox.world.timeline import TODAY, as_date, between
from sandbox.world.units import SchoolSpell as TrueSpell
from sandbox.world.views.noise import Draft, Noiser

ON_ROLL = 0.995
ENDED_FSM = 0.2
REPLACED_TEMPORARY_UPN = 0.1
TERMS = (
    (date(2025, 9, 3), date(2025, 12, 19), 142),
    (date(2026, 1, 5), date(2026, 3, 27), 116),
    (date(2026, 4, 13), date(2026, 7, 22), 130),
    (date(2026, 9, 3), date(2026, 10, 30), 78),
)
"""(start, end, sessions possible) of the last academic year's terms and this autumn so far."""
SCHOOL_EVENTS = frozenset(
    {
        "free_school_meals", "sen_support", "ehcp", "attendance_decline", "suspension", "permanent_exclusion",
        "missing_education",
    }
)  # fmt: skip


class EducationView:
    """Builds pupil records for the children of one family unit at a time."""

    def __init__(self, rng: random.Random, ids: IdFactory, places: Catchments, noiser: Noiser) -> None:
        self._rng = rng
        self._ids = ids
        self._places = places
        self._noiser = noiser

    def record(
        self,
        records: EducationRecords,
        people: dict[str, TruePerson],
        schools: dict[str, list[TrueSpell]],
        events: list[LifeEvent],
    ) -> None:
        by_child: dict[str, list[LifeEvent]] = {}
        for event in events:
            if event.kind in SCHOOL_EVENTS:
                by_child.setdefault(event.people[0][0], []).append(event)
        for child, spells in schools.items():
            if self._rng.random() >= ON_ROLL:
                continue
            person = people[child]
            pupil = self._pupil(person, spells, by_child.get(child, []))
            records.pupils.append(pupil)
            if self._noiser.duplicate():
                records.pupils.append(self._duplicate(person, pupil))

    def _pupil(self, person: TruePerson, true_spells: list[TrueSpell], events: list[LifeEvent]) -> Pupil:
        rng = self._rng
        assert person.upn is not None
        spells = [
            SchoolSpell(s.school, as_date(s.entry), as_date(s.leaving) if s.leaving else None, s.leaving_reason)
            for s in true_spells
        ]
        exclusions: list[Exclusion] = []
        sen: list[SenRecord] = []
        missing: list[MissingEducation] = []
        decline: date | None = None
        fsm: list[FsmPeriod] = []
        for event in sorted(events, key=lambda e: e.on):
            if event.kind == "suspension":
                exclusions.append(Exclusion(event.on, "FIXD", event.detail, rng.choice((1, 2, 2, 4, 6, 10))))
            elif event.kind == "permanent_exclusion":
                exclusions.append(Exclusion(event.on, "PERM", event.detail, 0))
                spells = self._moved_on(spells, event.on, person.postcode)
            elif event.kind in {"sen_support", "ehcp"}:
                sen.append(SenRecord(event.on, "K" if event.kind == "sen_support" else "E", event.detail))
            elif event.kind == "missing_education":
                missing.append(MissingEducation(event.on, event.end, event.detail))
            elif event.kind == "attendance_decline":
                decline = event.on
            elif event.kind == "free_school_meals":
                fsm.append(self._free_meals(event.on))
        current = spells[-1]
        draft = self._noiser.apply(Draft.of(person), person)
        former = None if not draft.knows_current_surname else (person.alias_family_names or (None,))[0]
        return Pupil(
            upn=person.upn,
            person_id=person.person_id,
            surname=draft.family,
            forenames=tuple(draft.given),
            dob=draft.birth_date or person.birth_date,
            gender=person.sex,
            school=current.school,
            entry_date=current.entry,
            attendance=self._attendance(spells[0].entry, decline),
            exclusions=tuple(exclusions),
            sen=tuple(sen),
            school_history=tuple(spells[:-1]),
            address=Address(draft.line, draft.postcode) if draft.line else None,
            preferred_forename=person.known_as,
            former_surname=former,
            fsm_eligible=any(period.end is None for period in fsm),
            missing_education=tuple(missing),
            former_upn=self._former_upn(current),
            preferred_surname=person.preferred_surname,
            fsm_periods=tuple(fsm),
        )

    def _free_meals(self, start: date) -> FsmPeriod:
        """Most eligibility lasts; a fifth ended when the family's income rose."""
        ended = start.toordinal() + between(self._rng, 200, 1100)
        if self._rng.random() < ENDED_FSM and ended < TODAY:
            return FsmPeriod(start, as_date(ended))
        return FsmPeriod(start)

    def _former_upn(self, current: SchoolSpell) -> str | None:
        """A pupil who joined mid-year sometimes first had a temporary UPN, since replaced."""
        if current.entry.month == 9 or self._rng.random() >= REPLACED_TEMPORARY_UPN:
            return None
        school = current.school
        return self._ids.temporary_upn(school.lea, school.estab, current.entry.year)

    def _moved_on(self, spells: list[SchoolSpell], excluded: date, postcode: str) -> list[SchoolSpell]:
        """After a permanent exclusion the pupil starts at another school (often alternative provision)."""
        current = spells[-1]
        if current.entry >= excluded:
            return spells
        others = [school for school in self._places.estate.secondary_schools if school != current.school]
        fallback: School = self._places.special_school(postcode)
        school = others[self._rng.randrange(len(others))] if others else fallback
        entry = date.fromordinal(excluded.toordinal() + between(self._rng, 5, 30))
        if entry.toordinal() > TODAY:
            return spells
        ended = SchoolSpell(current.school, current.entry, excluded, "permanent_exclusion")
        return [*spells[:-1], ended, SchoolSpell(school, entry, None)]

    def _attendance(self, entry: date, decline: date | None) -> tuple[AttendancePeriod, ...]:
        rng = self._rng
        base = min(1.0, max(0.75, rng.gauss(0.95, 0.03)))
        periods = []
        for start, end, possible in TERMS:
            if entry > start:
                continue
            rate = base
            if decline is not None and end >= decline:
                rate = max(0.3, base - 0.1 - rng.random() * 0.35)
            attended = round(possible * rate)
            absent = possible - attended
            authorised = round(absent * (0.7 if rate > 0.9 else 0.4) * rng.random() * 1.4)
            authorised = min(absent, authorised)
            periods.append(AttendancePeriod(start, end, possible, attended, authorised, absent - authorised))
        return tuple(periods)

    def _duplicate(self, person: TruePerson, pupil: Pupil) -> Pupil:
        """A second record at the current school, under a temporary UPN, with its own noise."""
        draft = self._noiser.apply(Draft.of(person), person)
        school = pupil.school
        return Pupil(
            upn=self._ids.temporary_upn(school.lea, school.estab, pupil.entry_date.year),
            person_id=person.person_id,
            surname=draft.family,
            forenames=tuple(draft.given),
            dob=draft.birth_date or person.birth_date,
            gender=person.sex,
            school=school,
            entry_date=pupil.entry_date,
            attendance=pupil.attendance[-1:],
            address=Address(draft.line, draft.postcode) if draft.line else None,
            preferred_forename=person.known_as,
        )
