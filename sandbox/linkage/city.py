"""The population indexed for finding look-alikes: by name, birth date, home and family, and who each agency holds.

A linkage case needs, for one person, the people easily mistaken for them (a twin, a namesake, a
housemate, someone born on the transposed date) and which of them each agency holds. `City` reads
the truth and each agency's file once and answers those questions from in-memory indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sandbox.common.store import Database, search_key
from sandbox.health.keys import transposed
from sandbox.model.truth import REFERENCE_DATE, TruePerson
from sandbox.population.dataset import Dataset
from sandbox.population.tables import AGENCIES

PERSON_TABLES = {"health": "patients", "police": "nominals", "education": "pupils", "housing": "people"}
BIRTH_DATE_FIELDS = {"health": "birth_date", "police": "date_of_birth", "education": "dob", "housing": "date_of_birth"}
SIBLINGS = ("sibling", "half_sibling")
PARENTS = ("mother", "father", "step_parent", "grandparent")


def _name_key(given_names: tuple[str, ...], family_name: str) -> tuple[str, str]:
    return (search_key(given_names[0]) or "", search_key(family_name) or "")


def transposed_birth_date(born: date) -> date | None:
    """The day-month transposition of a birth date, if it is another real date not in the future."""
    other = transposed(born)
    return other if other is not None and other <= REFERENCE_DATE else None


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
