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

    {"case_id": "twins-000001", "query": PERSON, "candidates": [PERSON + "record_id" + "label", ...]}

The same population, count and seed give the same bytes: every choice comes from a seeded
`random.Random` and everything is walked in sorted order.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox.common.store import Database, search_key
from sandbox.health.keys import transposed
from sandbox.housing.documents import current_of
from sandbox.model.records import HealthPatient, HousingPerson, PoliceNominal, Pupil
from sandbox.model.truth import REFERENCE_DATE, TruePerson
from sandbox.population.dataset import Dataset
from sandbox.population.tables import AGENCIES
from sandbox.world.city.garbling import nickname_for, spelling_variant

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
PERSON_TABLES = {"health": "patients", "police": "nominals", "education": "pupils", "housing": "people"}
BIRTH_DATE_FIELDS = {"health": "birth_date", "police": "date_of_birth", "education": "dob", "housing": "date_of_birth"}
SIBLINGS = ("sibling", "half_sibling")
PARENTS = ("mother", "father", "step_parent", "grandparent")

# How referrals describe people (each a probability per case).
NHS_NUMBER_GIVEN = 0.45
FIRST_GIVEN_NAME_ONLY = 0.35
NICKNAME_GIVEN = 0.12
KNOWN_AS_AMONG_OTHER_NAMES = 0.3
SPELT_DIFFERENTLY = 0.04
NO_BIRTH_DATE = 0.03
NO_SEX = 0.05
OLD_ADDRESS = 0.12
NO_ADDRESS = 0.06
PREFERRED_SURNAME_GIVEN = 0.5
NO_BIRTH_DATE_WITHOUT_IDENTIFIERS = 0.55


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


def person(
    given_names: str | None,
    family_name: str | None,
    other_names: Iterable[str | None],
    birth_date: date | None,
    sex: str | None,
    address_line: str | None,
    postcode: str | None,
    nhs_number: str | None,
) -> dict[str, Any]:
    """A PERSON of the interchange format, every field present, other names distinct and non-empty."""
    return {
        "given_names": given_names or None,
        "family_name": family_name or None,
        "other_names": list(dict.fromkeys(name for name in other_names if name)),
        "birth_date": birth_date.isoformat() if birth_date else None,
        "sex": sex,
        "address_line": address_line,
        "postcode": postcode,
        "nhs_number": nhs_number,
    }


def _name_key(given_names: tuple[str, ...], family_name: str) -> tuple[str, str]:
    return (search_key(given_names[0]) or "", search_key(family_name) or "")


def _swapped(born: date) -> date | None:
    """The day-month transposition of a birth date, if it is another real date not in the future."""
    other = transposed(born)
    return other if other is not None and other <= REFERENCE_DATE else None


# --- The population, indexed for finding look-alikes --------------------------------------------


class City:
    """The truth and who each agency holds, indexed by name, birth date, home and family."""

    def __init__(self, dataset: Dataset) -> None:
        truth = dataset.database("truth")
        self.people: dict[str, TruePerson] = {p.person_id: p for p in truth.table("people")}
        self.databases: dict[str, Database] = {agency: dataset.database(agency) for agency in AGENCIES}
        self.records: dict[str, dict[str, list[str]]] = {}
        """agency -> person -> their record ids there, in id order."""
        self.recorded_births: dict[str, dict[str, str | None]] = {}
        """agency -> record id -> the birth date it holds (ISO), as noise left it."""
        for agency in AGENCIES:
            self.records[agency], self.recorded_births[agency] = self._record_keys(agency)
        self.relatives = self._relatives(truth)
        self._by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._by_birth: dict[date, list[str]] = defaultdict(list)
        self._by_home: dict[tuple[str, str], list[str]] = defaultdict(list)
        for person_id in sorted(self.people):
            true = self.people[person_id]
            self._by_name[_name_key(true.given_names, true.family_name)].append(person_id)
            self._by_birth[true.birth_date].append(person_id)
            self._by_home[(true.address_line, true.postcode)].append(person_id)

    def _record_keys(self, agency: str) -> tuple[dict[str, list[str]], dict[str, str | None]]:
        """Each person's record ids at the agency and each record's birth date, without decoding the records."""
        born = f"json_extract(doc, '$.{BIRTH_DATE_FIELDS[agency]}')"
        table = PERSON_TABLES[agency]
        # Both names are this module's constants; nothing from outside reaches the SQL.
        rows = self.databases[agency].query(f"SELECT person_id, id, {born} FROM {table} ORDER BY person_id, id")  # noqa: S608
        held: dict[str, list[str]] = defaultdict(list)
        births: dict[str, str | None] = {}
        for person_id, record_id, birth_date in rows:
            held[person_id].append(record_id)
            births[record_id] = birth_date
        return dict(held), births

    @staticmethod
    def _relatives(truth: Database) -> dict[str, dict[str, str]]:
        """person -> {relative: what the relative is to them}, from the directed ties both ways."""
        relatives: dict[str, dict[str, str]] = defaultdict(dict)
        for tie in truth.table("relationships"):
            relatives[tie.other_id][tie.person_id] = tie.kind
            relatives[tie.person_id].setdefault(tie.other_id, "child" if tie.kind in PARENTS else tie.kind)
        return dict(relatives)

    def ordered_relatives(self, subject: TruePerson) -> list[str]:
        return sorted(self.relatives.get(subject.person_id, {}))

    def siblings(self, subject: TruePerson) -> list[str]:
        ties = self.relatives.get(subject.person_id, {})
        return sorted(other for other, kind in ties.items() if kind in SIBLINGS)

    def housemates(self, subject: TruePerson) -> list[str]:
        """Everyone at the same current address, those sharing the surname first."""
        others = [pid for pid in self._by_home[(subject.address_line, subject.postcode)] if pid != subject.person_id]
        return sorted(others, key=lambda pid: (self.people[pid].family_name != subject.family_name, pid))

    def namesakes(self, subject: TruePerson, family_names: Iterable[str] = ()) -> list[str]:
        """People with the same first given name and family name (or one of `family_names`):
        relatives first (a father and his namesake son), then the closest in age."""
        found: list[str] = []
        for family in (subject.family_name, *family_names):
            found += self._by_name.get(_name_key(subject.given_names, family), [])
        ties = self.relatives.get(subject.person_id, {})
        born = subject.birth_date.toordinal()
        others = {pid for pid in found if pid != subject.person_id}
        return sorted(
            others, key=lambda pid: (pid not in ties, abs(self.people[pid].birth_date.toordinal() - born), pid)
        )

    def born_on(self, day: date, subject: TruePerson) -> list[str]:
        """People born on `day`, those sharing the subject's surname or postcode first."""
        others = [pid for pid in self._by_birth.get(day, []) if pid != subject.person_id]
        return sorted(
            others,
            key=lambda pid: (
                self.people[pid].family_name != subject.family_name,
                self.people[pid].postcode != subject.postcode,
                pid,
            ),
        )

    def earlier_name_relatives(self, subject: TruePerson) -> list[str]:
        """Relatives who bear one of the subject's earlier surnames (a married woman's parents or siblings)."""
        earlier = {search_key(name) for name in subject.alias_family_names}
        ties = self.ordered_relatives(subject)
        return [pid for pid in ties if search_key(self.people[pid].family_name) in earlier]


# --- The kinds of case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """Who can be a subject, who could be mistaken for them, and which of those must be at the agency."""

    eligible: Callable[[TruePerson], bool]
    confusers: Callable[[City, TruePerson], list[str]]
    required: Callable[[City, TruePerson], list[str]] | None
    """Look-alikes of which at least one must be held by the agency (None: no false candidate needed)."""
    fits: Callable[[City, TruePerson, str], bool] | None = None
    """Whether the person's own record at an agency suits the kind (None: any record does)."""


def _unique(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(pid for group in groups for pid in group))


def _twin(_: City, subject: TruePerson) -> list[str]:
    return [subject.twin_of] if subject.twin_of else []


def _twin_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(_twin(city, subject), city.siblings(subject), city.housemates(subject))


def _same_name_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.namesakes(subject), city.housemates(subject))


def _name_change_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(
        city.earlier_name_relatives(subject),
        city.housemates(subject),
        city.namesakes(subject, subject.alias_family_names),
        city.ordered_relatives(subject),
    )


def _transposed_confusers(city: City, subject: TruePerson) -> list[str]:
    swapped = _swapped(subject.birth_date)
    lookalikes = city.born_on(swapped, subject) if swapped else []
    same_surname = [pid for pid in lookalikes if city.people[pid].family_name == subject.family_name]
    return _unique(same_surname, city.siblings(subject), city.housemates(subject), lookalikes)


def _dated_as_born_or_swapped(city: City, subject: TruePerson, agency: str) -> bool:
    """The person's first record there holds the true birth date or its swap: the query can differ by just a swap."""
    swapped = _swapped(subject.birth_date)
    recorded = city.recorded_births[agency][city.records[agency][subject.person_id][0]]
    return swapped is not None and recorded in (subject.birth_date.isoformat(), swapped.isoformat())


def _missing_identifier_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.namesakes(subject), city.housemates(subject), city.ordered_relatives(subject))


def _household_confusers(city: City, subject: TruePerson) -> list[str]:
    return _unique(city.housemates(subject), city.siblings(subject), city.ordered_relatives(subject))


def _easy_confusers(city: City, subject: TruePerson) -> list[str]:
    """A couple of people born the same day: what a birth-date search brings back besides the person."""
    return city.born_on(subject.birth_date, subject)[:2]


def _everyone(subject: TruePerson) -> bool:
    return True


KIND_RULES: dict[str, Kind] = {
    "twins": Kind(lambda s: s.twin_of is not None, _twin_confusers, _twin),
    "same-name": Kind(_everyone, _same_name_confusers, lambda city, s: city.namesakes(s)),
    "name-change": Kind(
        lambda s: bool(s.alias_family_names or s.preferred_surname), _name_change_confusers, _name_change_confusers
    ),
    "transposed-date": Kind(
        lambda s: _swapped(s.birth_date) is not None,
        _transposed_confusers,
        _transposed_confusers,
        _dated_as_born_or_swapped,
    ),
    "missing-identifier": Kind(_everyone, _missing_identifier_confusers, _missing_identifier_confusers),
    "household": Kind(_everyone, _household_confusers, _household_confusers),
    "easy": Kind(_everyone, _easy_confusers, None),
}


# --- Agency records as PERSONs -------------------------------------------------------------------


def _health_person(patient: HealthPatient, _: Database) -> dict[str, Any]:
    """PDS withholds a restricted (`R`) patient's address."""
    hidden = patient.restricted
    return person(
        " ".join(patient.given_names),
        patient.family_name,
        patient.previous_family_names,
        patient.birth_date,
        patient.gender,
        None if hidden else patient.address_line,
        None if hidden else patient.postcode,
        patient.nhs_number,
    )


def _police_person(nominal: PoliceNominal, _: Database) -> dict[str, Any]:
    address = nominal.address
    return person(
        " ".join(nominal.forenames),
        nominal.surname,
        (*nominal.alias_surnames, *nominal.alias_forenames),
        nominal.date_of_birth,
        nominal.sex,
        address.line if address else None,
        address.postcode if address else None,
        None,
    )


def _education_person(pupil: Pupil, _: Database) -> dict[str, Any]:
    address = pupil.address
    return person(
        " ".join(pupil.forenames),
        pupil.surname,
        (pupil.former_surname, pupil.preferred_surname, pupil.preferred_forename),
        pupil.dob,
        pupil.gender,
        address.line if address else None,
        address.postcode if address else None,
        None,
    )


def _housing_person(housing: HousingPerson, database: Database) -> dict[str, Any]:
    """Housing people carry no address of their own: their open tenancy's is the one shown."""
    tenancy = current_of(database.table("tenancies").find(person_refs=housing.person_ref))
    return person(
        housing.forename,
        housing.surname,
        housing.previous_surnames,
        housing.date_of_birth,
        housing.sex,
        tenancy.address_line if tenancy else None,
        tenancy.postcode if tenancy else None,
        None,
    )


AS_PERSON: dict[str, Callable[[Any, Database], dict[str, Any]]] = {
    "health": _health_person,
    "police": _police_person,
    "education": _education_person,
    "housing": _housing_person,
}


# --- Queries: the person as a referral describes them --------------------------------------------


def _referral_given_names(subject: TruePerson, rng: random.Random) -> tuple[list[str], list[str]]:
    """Given names as referred (often only the first; sometimes a nickname) and other names they go by."""
    given = list(subject.given_names[:1] if rng.random() < FIRST_GIVEN_NAME_ONLY else subject.given_names)
    others: list[str] = []
    nickname = subject.known_as or nickname_for(rng, given[0])
    if nickname and rng.random() < NICKNAME_GIVEN:
        others.append(given[0])
        given[0] = nickname
    elif subject.known_as and rng.random() < KNOWN_AS_AMONG_OTHER_NAMES:
        others.append(subject.known_as)
    if rng.random() < SPELT_DIFFERENTLY:
        given[0] = spelling_variant(rng, given[0]) or given[0]
    return given, others


def _referral_family_name(subject: TruePerson, kind: str, rng: random.Random) -> tuple[str, list[str]]:
    """The surname a referral gives: usually the current one; for name changes often an earlier or a used one."""
    family = subject.family_name
    if subject.preferred_surname and rng.random() < PREFERRED_SURNAME_GIVEN:
        return subject.preferred_surname, [family] if rng.random() < 0.5 else []
    if kind == "name-change" and subject.alias_family_names:
        draw = rng.random()
        if draw < 0.4:
            return family, list(subject.alias_family_names)
        if draw < 0.7:
            return subject.alias_family_names[0], []
    return family, []


def _referral_address(subject: TruePerson, rng: random.Random) -> tuple[str | None, str | None]:
    draw = rng.random()
    if draw < NO_ADDRESS:
        return None, None
    if draw < NO_ADDRESS + OLD_ADDRESS and subject.previous_addresses:
        moved_from = subject.previous_addresses[0]
        return moved_from.line, moved_from.postcode
    return subject.address_line, subject.postcode


def _referral_birth_date(subject: TruePerson, kind: str, held: list[dict[str, Any]], rng: random.Random) -> date | None:
    """For transposed-date cases the query and the person's record disagree by a day-month swap."""
    if kind == "transposed-date":
        swapped = _swapped(subject.birth_date)
        recorded_swapped = swapped is not None and held[0]["birth_date"] == swapped.isoformat()
        return subject.birth_date if recorded_swapped else swapped
    missing = NO_BIRTH_DATE_WITHOUT_IDENTIFIERS if kind == "missing-identifier" else NO_BIRTH_DATE
    return None if rng.random() < missing else subject.birth_date


def referral_query(subject: TruePerson, kind: str, held: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """The subject as a referral describes them; `held` are their records at the agency searched."""
    given, other_given = _referral_given_names(subject, rng)
    family, other_family = _referral_family_name(subject, kind, rng)
    if rng.random() < SPELT_DIFFERENTLY:
        family = spelling_variant(rng, family) or family
    born = _referral_birth_date(subject, kind, held, rng)
    sex = None if rng.random() < NO_SEX else subject.sex
    line, postcode = _referral_address(subject, rng)
    nhs_given = kind != "missing-identifier" and rng.random() < NHS_NUMBER_GIVEN
    return person(
        " ".join(given), family, (*other_family, *other_given), born, sex, line, postcode,
        subject.nhs_number if nhs_given else None,
    )  # fmt: skip


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
        candidates = {record: {**self._as_person(agency, record), "record_id": f"{agency}:{record}", "label": label}
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
