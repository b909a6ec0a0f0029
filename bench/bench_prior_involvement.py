"""Prior involvement figures: the person index at 1,000,000 people, and the lookups of a 6-person referral.

    uv run python bench/bench_prior_involvement.py                  # 1,000,000 people (built once, cached)
    uv run python bench/bench_prior_involvement.py --people 100000

Every household of a generated population becomes an earlier referral, imported through the hub's
own bulk intake (`HubStore.save_referrals`: encrypted, audited, indexed), into a SQLite store cached
in `--data-dir`. A new referral of 6 people (a household's members as a referral would describe them,
some with a typo or a swapped day and month) is then looked up: one `prior_involvement` per person,
decrypting and returning the candidates. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from hub.crypto import LocalKeyProvider
from hub.store import HubStore
from hub.store.person_index import IndexedSubject
from sandbox.model.truth import TruePerson
from sandbox.population.dataset import Dataset
from sandbox.world.generate import generate
from sandbox.world.settings import load_settings
from schemas import Address, Person, PersonName, Referral, Sex, Subject, SubjectRole

SEED = 1
REFERRAL_PEOPLE = 6
SAMPLES = 200
ACTOR = "bench"
PURPOSE = "prior involvement benchmark"
RECEIVED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def population(people: int, data_dir: Path) -> Dataset:
    directory = data_dir / f"population-{people}-seed-{SEED}"
    if not (directory / "manifest.json").exists():
        print(f"generating {people:,} people into {directory} (once) ...", flush=True)
        generate(load_settings(people, SEED), directory, overwrite=True)
    return Dataset(directory)


def as_person(true: TruePerson) -> Person:
    return Person(
        name=PersonName(given_names=list(true.given_names), family_name=true.family_name),
        aliases=[PersonName(given_names=list(true.given_names), family_name=old) for old in true.alias_family_names],
        birth_date=true.birth_date,
        sex=Sex(true.sex),
        address=Address(line=true.address_line, postcode=true.postcode),
    )


def households(dataset: Dataset) -> Iterator[list[TruePerson]]:
    """Each household's members, children first (a referral's subject is a child where there is one)."""
    truth = dataset.database("truth")
    people = truth.table("people")
    for household in truth.table("households"):
        members = [people.get(person_id) for person_id, _ in household.members]
        found = sorted((m for m in members if m is not None), key=lambda m: m.birth_date, reverse=True)
        if found:
            yield found


def earlier_referral(number: int, members: list[TruePerson]) -> Referral:
    subjects = [
        Subject(
            subject_id=f"S{index}",
            role=SubjectRole.SUBJECT_CHILD if index == 1 else SubjectRole.OTHER_ADULT,
            person=as_person(member),
        )
        for index, member in enumerate(members[:8], start=1)
    ]
    return Referral.model_validate(
        {
            "referral_id": f"REF-OLD-{number:07d}",
            "received_at": RECEIVED,
            "referrer": {"kind": "police", "organisation": "Northbridge Police"},
            "concern_categories": ["neglect"],
            "rag": "green",
            "narrative": "Earlier referral (synthetic, for the benchmark).",
            "subjects": [subject.model_dump() for subject in subjects],
        }
    )


def indexed_store(dataset: Dataset, people: int, data_dir: Path) -> HubStore:
    path = data_dir / f"person-index-{people}-seed-{SEED}.db"
    store = HubStore(f"sqlite:///{path}", LocalKeyProvider(data_dir / f"person-index-{people}.kek"))
    store.create_schema()
    if not path.with_suffix(".done").exists():
        print(f"importing every household of {people:,} people as an earlier referral (once) ...", flush=True)
        started = time.perf_counter()
        referrals = (earlier_referral(number, members) for number, members in enumerate(households(dataset), 1))
        new, _ = store.save_referrals(referrals, batch_size=2000, actor=ACTOR, purpose=PURPOSE)
        seconds = time.perf_counter() - started
        print(f"  {new:,} referrals imported in {seconds:.0f} s ({people / seconds:,.0f} people/s)")
        path.with_suffix(".done").touch()
    return store


def garbled(person: Person, rng: random.Random) -> Person:
    """How a new referral might describe the same person: sometimes a typo, sometimes a swapped date."""
    roll = rng.random()
    if roll < 0.2 and person.birth_date and person.birth_date.day <= 12:
        born = person.birth_date
        return person.model_copy(update={"birth_date": date(born.year, born.day, born.month)})
    if roll < 0.4 and person.name is not None:
        family = person.name.family_name
        cut = rng.randrange(1, len(family))
        typo = family[:cut] + family[cut + 1 :] if len(family) > 3 else family
        return person.model_copy(update={"name": person.name.model_copy(update={"family_name": typo})})
    return person


def lookup(store: HubStore, who: Person) -> list[IndexedSubject]:
    return store.prior_involvement(who, excluding="REF-NEW", actor=ACTOR, purpose=PURPOSE)


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".cache" / "mash-hub" / "bench")
    arguments = parser.parse_args()
    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    dataset = population(arguments.people, arguments.data_dir)
    store = indexed_store(dataset, arguments.people, arguments.data_dir)

    rng = random.Random(SEED)
    pool = [members for members, _ in zip(households(dataset), range(20_000), strict=False) if len(members) >= 2]
    timings: list[float] = []
    candidates: list[int] = []
    found_self = 0
    for _ in range(SAMPLES):
        members = rng.choice(pool)
        referral_people = [garbled(as_person(member), rng) for member in rng.choices(members, k=REFERRAL_PEOPLE)]
        started = time.perf_counter()
        hits = [
            store.prior_involvement(who, excluding="REF-NEW", actor=ACTOR, purpose=PURPOSE) for who in referral_people
        ]
        timings.append((time.perf_counter() - started) * 1e3)
        candidates.extend(len(found) for found in hits)
        found_self += sum(1 for found in hits if found)
    print(
        f"prior involvement for a {REFERRAL_PEOPLE}-person referral against {arguments.people:,} indexed people "
        f"({SAMPLES} referrals): p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms"
    )
    print(
        f"  candidates per person: mean {statistics.mean(candidates):.1f}, p95 {percentile(candidates, 0.95):.0f}; "
        f"people with an earlier record found: {found_self / (SAMPLES * REFERRAL_PEOPLE):.1%}"
    )


if __name__ == "__main__":
    main()
