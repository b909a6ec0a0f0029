"""A generated population as labelled pairs for `hub linkage estimate`: the ground truth says whose record is whose.

`LabelledCity` gives the hub what its `LabelledPopulation` asks for, in the interchange format of the
linkage cases: each person as a referral describes them (the plain kind, no forced hard case) and
each agency record as a candidate. The hub never imports the sandbox; the CLI hands this over.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from sandbox.linkage.city import PERSON_TABLES, City
from sandbox.linkage.interchange import AS_PERSON
from sandbox.linkage.referrals import referral_query
from sandbox.population.dataset import Dataset

REFERRAL_KIND = "easy"
"""How the referral side of each pair is garbled: the plain kind, no forced hard case."""


class LabelledCity:
    """The population of a dataset, with every agency record labelled by the person it is about."""

    def __init__(self, dataset: Dataset) -> None:
        self.city = City(dataset)
        self.manifest = dataset.manifest
        self.person_ids = sorted(self.city.people)
        self.held = [
            (agency, record_id, person_id)
            for agency, by_person in sorted(self.city.records.items())
            for person_id, record_ids in sorted(by_person.items())
            for record_id in record_ids
        ]

    @property
    def provenance(self) -> dict[str, Any]:
        return {"seed": self.manifest["seed"], "generator": self.manifest.get("generator", {})}

    def records_of(self, person_id: str) -> Iterator[tuple[str, str]]:
        for agency, by_person in sorted(self.city.records.items()):
            for record_id in by_person.get(person_id, []):
                yield agency, record_id

    def agency_document(self, agency: str, record_id: str) -> dict[str, Any]:
        database = self.city.databases[agency]
        return AS_PERSON[agency](database.table(PERSON_TABLES[agency]).get(record_id), database)

    def referral_document(self, person_id: str, rng: random.Random) -> dict[str, Any]:
        return referral_query(self.city.people[person_id], REFERRAL_KIND, [], rng)

    def names(self) -> Iterator[tuple[str, str]]:
        for person in self.city.people.values():
            yield person.given_names[0], person.family_name
