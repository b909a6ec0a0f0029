"""A large, varied, synthetic set of agency replies for the example household (benchmarks and equivalence tests).

Why varied: an optimised assembly must give the same bytes as the plain one on everything the model can
carry, so the entries mix categories, date precisions, periods, actions, sensitivities, facts, several
people per entry, people no check linked (unknown, and a rejected candidate), and the same event reported
by two of an agency's replies with different people listed (to be merged). Deterministic for a given
size and seed: the same replies every run.

Every event names the subject child (S1), so S1's chronology holds exactly `events` entries.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from schemas import (
    AgencyPerson,
    AgencyReply,
    ChronologyEntry,
    DashRisk,
    DatePrecision,
    EntryCategory,
    EntryFacts,
    ExploitationKind,
    Involvement,
    InvolvementRole,
    Referral,
    ReplyStatus,
    Sensitivity,
    SourceRef,
)
from tests.hub.builders import COMPLETED_AT, REQUESTED_AT, candidate, person

AGENCIES = ("health", "police", "education", "housing")
REJECTED = "rejected"
"""The agency person id suffix of a candidate no check links (a same-named other child)."""


def _person_id(agency: str, subject_id: str) -> str:
    return f"{agency}-{subject_id}"


def _facts(rng: random.Random) -> EntryFacts | None:
    kind = rng.randrange(6)
    if kind == 0:
        return EntryFacts(dash_risk=rng.choice(list(DashRisk)), marac=rng.random() < 0.5)
    if kind == 1:
        return EntryFacts(exploitation=rng.sample(list(ExploitationKind), rng.randint(1, 2)))
    if kind == 2:
        possible = rng.randint(1, 190)
        return EntryFacts(sessions_possible=possible, sessions_attended=rng.randint(0, possible))
    return None


def large_replies(referral: Referral, events: int, *, seed: int = 17) -> list[AgencyReply]:
    """Replies from four agencies for every subject, carrying `events` distinct events about S1 (and others).

    About one event in eight is reported twice (once in S1's reply, once in another subject's, each naming
    the people that reply knows of); one in twenty also names someone no check linked; one in twenty
    shares its date, record and category with the agency's previous event (a tie the content breaks).
    """
    rng = random.Random(seed)
    subject_ids = [subject.subject_id for subject in referral.subjects]
    others = [subject_id for subject_id in subject_ids if subject_id != "S1"]
    entries: dict[tuple[str, str], list[ChronologyEntry]] = {(a, s): [] for a in AGENCIES for s in subject_ids}
    categories = list(EntryCategory)
    roles = list(InvolvementRole)
    last: dict[str, tuple[date, DatePrecision, str, EntryCategory]] = {}
    for index in range(events):
        agency = AGENCIES[index % len(AGENCIES)]
        precision = rng.choice([DatePrecision.DAY] * 6 + [DatePrecision.MONTH, DatePrecision.YEAR])
        occurred_on = date(2012, 1, 1) + timedelta(days=rng.randrange(5000))
        if precision is DatePrecision.MONTH:
            occurred_on = occurred_on.replace(day=1)
        elif precision is DatePrecision.YEAR:
            occurred_on = occurred_on.replace(month=1, day=1)
        record_id, category = f"{agency.upper()}-{index // 3:06d}", rng.choice(categories)
        if agency in last and rng.random() < 0.05:
            occurred_on, precision, record_id, category = last[agency]
        last[agency] = (occurred_on, precision, record_id, category)
        people = [Involvement(agency_person_id=_person_id(agency, "S1"), role=rng.choice(roles))]
        other = rng.choice(others) if rng.random() < 0.4 else None
        if other is not None:
            people.append(Involvement(agency_person_id=_person_id(agency, other), role=rng.choice(roles)))
        if rng.random() < 0.05:
            people.append(Involvement(agency_person_id=f"{agency}-unknown-{index % 7}", role=InvolvementRole.OTHER))
        if rng.random() < 0.02:
            people.append(Involvement(agency_person_id=f"{agency}-{REJECTED}", role=InvolvementRole.WITNESS))
        base = ChronologyEntry(
            occurred_on=occurred_on,
            date_precision=precision,
            ended_on=occurred_on + timedelta(days=rng.randrange(1, 400)) if rng.random() < 0.1 else None,
            category=category,
            summary=f"Synthetic event {index} recorded by {agency}; “quoted” café note {rng.randrange(10**6)}.",
            action_taken=rng.choice([None, None, "Referred to children's social care.", "Advice given."]),
            source=SourceRef(agency=agency, record_id=record_id),
            people=people,
            sensitivity=rng.choice([Sensitivity.STANDARD] * 8 + [Sensitivity.SENSITIVE, Sensitivity.RESTRICTED]),
            facts=_facts(rng),
        )
        entries[(agency, "S1")].append(base)
        if other is not None and rng.random() < 0.3:
            seen_by_other = [people[1], *people[2:]] if rng.random() < 0.5 else list(reversed(people))
            entries[(agency, other)].append(base.model_copy(update={"people": seen_by_other}))
    return [
        AgencyReply(
            agency=agency,
            referral_id=referral.referral_id,
            subject_id=subject.subject_id,
            status=ReplyStatus.FOUND if entries[(agency, subject.subject_id)] else ReplyStatus.NO_RECORD,
            requested_at=REQUESTED_AT,
            completed_at=COMPLETED_AT,
            candidates=[
                AgencyPerson(agency_person_id=_person_id(agency, subject.subject_id), person=subject.person),
                *(
                    [candidate(f"{agency}-{REJECTED}", person("Someone", "Else", "1950-01-01"))]
                    if subject.subject_id == "S1"
                    else []
                ),
            ],
            entries=entries[(agency, subject.subject_id)],
        )
        for agency in AGENCIES
        for subject in referral.subjects
    ]
