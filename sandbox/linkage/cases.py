"""Linkage test cases from a generated population, weighted towards the cases that trip matchers up.

A case is what a referral says about a person and what one agency's search returns for it. The
query holds the person's true details, garbled as referrals are (no NHS number, a nickname, only
the first given name, an old address, now and then no birth date). The candidates are that
agency's own records, so their errors are the generator's noise: the person's record (label true;
several when the agency holds a duplicate) and people easily mistaken for them (label false): a
twin, a sibling, a father who shares his son's name, a namesake elsewhere in the city, housemates,
someone born on the day-month transposed date. Labels come from the ground truth (`person_id`),
which the cases never show.

Format (issue 5, item 6), one JSON object per line:

    {"case_id": "twins-000001", "query": PERSON, "candidates": [PERSON + "record_id" + "label" + "agency", ...]}

The same population, count and seed give the same bytes: every choice comes from a seeded
`random.Random` and everything is walked in sorted order.

This module chooses and builds the cases; the look-alikes come from `city` (the population indexed)
and `kinds` (who is mistaken for whom), the query from `referrals`, the candidates from `interchange`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.linkage.city import PERSON_TABLES, City
from sandbox.linkage.interchange import AS_PERSON
from sandbox.linkage.kinds import KIND_RULES, Kind
from sandbox.linkage.referrals import referral_query
from sandbox.population.dataset import Dataset
from sandbox.population.tables import AGENCIES

HARD_SHARES: dict[str, float] = {
    "twins": 0.15,
    "same-name": 0.17,
    "name-change": 0.16,
    "transposed-date": 0.15,
    "missing-identifier": 0.15,
}
"""The hard kinds the linkage targets are measured on, and their share of the cases."""
OTHER_SHARES: dict[str, float] = {"household": 0.10, "easy": 0.12}
"""Housemates and siblings (moderately hard), and plain cases, as a realistic leaven."""
KINDS = (*HARD_SHARES, *OTHER_SHARES)
MAX_CANDIDATES = 8
"""An agency search answers with a handful of people; the person's own records always fit."""


class LinkageCaseError(ValueError):
    """An impossible request (a count or seed out of range); the message names the field."""


class TooManyCases(LinkageCaseError):
    """More cases than the population can supply while keeping the mix mostly hard."""

    def __init__(self, wanted: int, capacity: int) -> None:
        self.wanted, self.capacity = wanted, capacity
        super().__init__(f"cases: this population can supply at most {capacity:,} (got {wanted:,})")


def check_request(count: int, seed: int) -> None:
    """Refuse a count below 1 or a negative seed before any work is done."""
    if count < 1:
        raise LinkageCaseError(f"cases: must be at least 1 (got {count})")
    if seed < 0:
        raise LinkageCaseError(f"seed: must be 0 or more (got {seed})")


@dataclass(frozen=True)
class Case:
    """One case, with the truth it was built from (`subject_id`, `agency`) kept out of its document."""

    case_id: str
    kind: str
    agency: str
    subject_id: str
    query: dict[str, Any]
    candidates: tuple[dict[str, Any], ...]

    def document(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "query": self.query, "candidates": list(self.candidates)}

    def line(self) -> str:
        """The case as one JSON line (no newline)."""
        return json.dumps(self.document(), ensure_ascii=False)


# --- Choosing and building cases -----------------------------------------------------------------


def _split(total: int, shares: Mapping[str, float], caps: Mapping[str, int]) -> dict[str, int]:
    """`total` shared out by `shares` (largest remainder, ties in kind order), no kind above its cap;
    what a full kind cannot take goes to the others."""
    counts = dict.fromkeys(shares, 0)
    remaining = total
    open_kinds = [kind for kind in shares if caps[kind] > 0]
    while remaining and open_kinds:
        weight = sum(shares[kind] for kind in open_kinds)
        exact = {kind: remaining * shares[kind] / weight for kind in open_kinds}
        quotas = {kind: int(value) for kind, value in exact.items()}
        by_remainder = sorted(open_kinds, key=lambda kind: -(exact[kind] - quotas[kind]))
        for kind in by_remainder[: remaining - sum(quotas.values())]:
            quotas[kind] += 1
        for kind in open_kinds:
            given = min(quotas[kind], caps[kind] - counts[kind])
            counts[kind] += given
            remaining -= given
        open_kinds = [kind for kind in open_kinds if counts[kind] < caps[kind]]
    return counts


class LinkageCases:
    """Every possible case of every kind in a population; `cases` draws a seeded mix of them."""

    def __init__(self, dataset: Dataset) -> None:
        self.city = City(dataset)
        self.pools = {kind: self._pool(KIND_RULES[kind]) for kind in KINDS}
        """kind -> the (subject, agency) pairs it can be built from, in sorted order."""

    def _pool(self, kind: Kind) -> list[tuple[str, str]]:
        city = self.city
        pool = []
        for person_id in sorted(city.people):
            subject = city.people[person_id]
            held_by = [agency for agency in AGENCIES if person_id in city.records[agency]]
            if not held_by or not kind.eligible(subject):
                continue
            required = kind.required(city, subject) if kind.required else None
            for agency in held_by:
                if kind.fits and not kind.fits(city, subject, agency):
                    continue
                if required is None or any(pid in city.records[agency] for pid in required):
                    pool.append((person_id, agency))
        return pool

    def _other_cases(self, count: int) -> int:
        return min(round(count * sum(OTHER_SHARES.values())), sum(len(self.pools[kind]) for kind in OTHER_SHARES))

    @property
    def capacity(self) -> int:
        """The most cases this population supplies with the hard kinds keeping their share."""
        hard = sum(len(self.pools[kind]) for kind in HARD_SHARES)
        low, high = 0, hard + sum(len(self.pools[kind]) for kind in OTHER_SHARES)
        while low < high:
            middle = (low + high + 1) // 2
            if middle - self._other_cases(middle) <= hard:
                low = middle
            else:
                high = middle - 1
        return low

    def plan(self, count: int) -> dict[str, int]:
        """Cases of each kind for `count` cases: hard kinds by their shares, a full kind's rest to the others."""
        capacity = self.capacity
        if count > capacity:
            raise TooManyCases(count, capacity)
        sizes = {kind: len(pool) for kind, pool in self.pools.items()}
        other = _split(self._other_cases(count), OTHER_SHARES, sizes)
        hard = _split(count - sum(other.values()), HARD_SHARES, sizes)
        return {kind: {**hard, **other}[kind] for kind in KINDS}

    def cases(self, count: int, seed: int) -> Iterator[Case]:
        """`count` cases, shuffled, numbered in order; the same population, count and seed give the same cases."""
        check_request(count, seed)
        rng = random.Random(f"{seed}:linkage-cases")
        chosen = [
            (kind, person_id, agency)
            for kind, wanted in self.plan(count).items()
            for person_id, agency in _round_robin(self.pools[kind], wanted, rng)
        ]
        rng.shuffle(chosen)
        for number, (kind, person_id, agency) in enumerate(chosen, start=1):
            case_rng = random.Random(f"{seed}:{kind}:{person_id}:{agency}")
            yield self._case(f"{kind}-{number:06d}", kind, person_id, agency, case_rng)

    def _case(self, case_id: str, kind: str, person_id: str, agency: str, rng: random.Random) -> Case:
        city = self.city
        subject = city.people[person_id]
        held = city.records[agency]
        own = held[person_id]
        others = [record for pid in KIND_RULES[kind].confusers(city, subject) for record in held.get(pid, [])]
        picked = [(record, True) for record in own] + [(record, False) for record in others]
        picked = picked[: max(MAX_CANDIDATES, len(own))]
        candidates = {record: {**self._as_person(agency, record), "record_id": f"{agency}:{record}", "label": label,
                                "agency": agency}
                      for record, label in picked}  # fmt: skip
        query = referral_query(subject, kind, [candidates[record] for record in own], rng)
        ordered = tuple(candidates[record] for record in sorted(candidates))
        return Case(case_id, kind, agency, person_id, query, ordered)

    def _as_person(self, agency: str, record_id: str) -> dict[str, Any]:
        database = self.city.databases[agency]
        record = database.table(PERSON_TABLES[agency]).get(record_id)
        return AS_PERSON[agency](record, database)


def _round_robin(pool: list[tuple[str, str]], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` pairs drawn in turn from each agency's shuffled share of the pool, so every agency's view is tried."""
    by_agency = {agency: [pid for pid, held_by in pool if held_by == agency] for agency in AGENCIES}
    for subjects in by_agency.values():
        rng.shuffle(subjects)
    picked: list[tuple[str, str]] = []
    while len(picked) < count:
        for agency in AGENCIES:
            if by_agency[agency] and len(picked) < count:
                picked.append((by_agency[agency].pop(), agency))
    return picked


def linkage_cases(dataset: Dataset, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """The cases as documents of the interchange format (see the module docstring)."""
    check_request(count, seed)
    return (case.document() for case in LinkageCases(dataset).cases(count, seed))
