"""A new referral's linking step at scale, timed as the pipeline runs it.

A referral of 6 household members (garbled as `bench_prior_involvement.py` does) is linked against
the person index: one `prior_involvement` lookup per person, the linker judging every earlier
subject found (`hub.chronology.assembly.prior_referrals`), then `link_candidates` on 4 agencies'
answers of 3 candidates each per person. Prints p50/p95 with the lookup/judging breakdown.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench_prior_involvement import (
    RECEIVED,
    as_person,
    garbled,
    households,
    indexed_store,
    lookup,
    percentile,
    population,
)

from hub.chronology.assembly import prior_referrals
from hub.linkage import Linker
from hub.store import HubStore
from sandbox.model.truth import TruePerson
from schemas import AgencyPerson, Person, Referral, Subject, SubjectRole

AGENCIES = ("health", "police", "education", "housing")
CANDIDATES_PER_AGENCY = 3
AGENCY_HOLDS_PERSON = 0.75
"""How often an agency's answer includes the person themself (the rest are look-alikes)."""
REFERRAL_PEOPLE = 6
NEW_REFERRAL = "REF-NEW"


def agency_answer(
    person: TruePerson, lookalikes: Sequence[TruePerson], agency: str, rng: random.Random
) -> list[AgencyPerson]:
    """What one agency's search might return: the person (usually) and look-alikes, 3 records in all."""
    chosen = [person] if rng.random() < AGENCY_HOLDS_PERSON else []
    others = [other for other in lookalikes if other.person_id != person.person_id]
    chosen += rng.sample(others, min(len(others), CANDIDATES_PER_AGENCY - len(chosen)))
    return [
        AgencyPerson(agency_person_id=f"{agency}:{index}", person=garbled(as_person(who), rng))
        for index, who in enumerate(chosen)
    ]


def new_referral(people: Sequence[Person]) -> Referral:
    roles = [SubjectRole.SUBJECT_CHILD] + [SubjectRole.OTHER_ADULT] * (len(people) - 1)
    subjects = [
        Subject(subject_id=f"S{index}", role=role, person=person)
        for index, (role, person) in enumerate(zip(roles, people, strict=True), start=1)
    ]
    return Referral.model_validate(
        {
            "referral_id": NEW_REFERRAL,
            "received_at": RECEIVED + timedelta(days=30),
            "referrer": {"kind": "police", "organisation": "Northbridge Police"},
            "concern_categories": ["neglect"],
            "rag": "amber",
            "narrative": "New referral (synthetic, for the benchmark).",
            "subjects": [subject.model_dump() for subject in subjects],
        }
    )


@dataclass
class ReferralTiming:
    lookup_ms: float
    judging_ms: float
    earlier_found: int
    pairs: int

    @property
    def total_ms(self) -> float:
        return self.lookup_ms + self.judging_ms


def link_referral(
    store: HubStore, linker: Linker, members: list[TruePerson], pool: Sequence[TruePerson], rng: random.Random
) -> ReferralTiming:
    """Time one referral's linking step: the lookups, then judging what they found and the agencies' answers."""
    chosen = rng.choices(members, k=REFERRAL_PEOPLE)
    referral = new_referral([garbled(as_person(member), rng) for member in chosen])
    lookalikes = [*members, *rng.sample(pool, 2)]
    answers = [[agency_answer(member, lookalikes, agency, rng) for agency in AGENCIES] for member in chosen]
    started = time.perf_counter()
    earlier = {subject.subject_id: lookup(store, subject.person) for subject in referral.subjects}
    looked_up = time.perf_counter()
    prior_referrals(referral, earlier, linker=linker)
    for subject, subject_answers in zip(referral.subjects, answers, strict=True):
        for answer in subject_answers:
            linker.link_candidates(subject.person, answer)
    judged = time.perf_counter()
    found = sum(len(hits) for hits in earlier.values())
    agency_pairs = sum(len(answer) for subject_answers in answers for answer in subject_answers)
    return ReferralTiming((looked_up - started) * 1e3, (judged - looked_up) * 1e3, found, found + agency_pairs)


def _spread(label: str, values: Sequence[float]) -> str:
    return f"{label} p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"


def bench_referrals(people: int, data_dir: Path, linker: Linker, samples: int, *, seed: int) -> None:
    """Time `samples` referrals' linking steps against an index of `people`, drawn with `seed`."""
    print(f"\n== Linking a {REFERRAL_PEOPLE}-person referral against {people:,} indexed people ({samples} referrals)")
    dataset = population(people, data_dir)
    store = indexed_store(dataset, people, data_dir)
    first_households = (members for members, _ in zip(households(dataset), range(20_000), strict=False))
    households_pool = [members for members in first_households if len(members) >= 2]
    everyone = [member for members in households_pool for member in members]
    rng = random.Random(seed)
    link_referral(store, linker, households_pool[0], everyone, rng)  # warm caches and the connection
    timings = [link_referral(store, linker, rng.choice(households_pool), everyone, rng) for _ in range(samples)]
    print(
        _spread("whole linking step:", [t.total_ms for t in timings])
        + f", max {max(t.total_ms for t in timings):.1f} ms"
    )
    print("  " + _spread("prior-involvement lookups:", [t.lookup_ms for t in timings]))
    print("  " + _spread("judging:", [t.judging_ms for t in timings]))
    print(
        f"  per referral: {statistics.mean(t.earlier_found for t in timings):.1f} earlier subjects found, "
        f"{statistics.mean(t.pairs for t in timings):.1f} pairs judged "
        f"({len(AGENCIES)} agencies x up to {CANDIDATES_PER_AGENCY} candidates per person, plus the earlier subjects)"
    )
