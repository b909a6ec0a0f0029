"""What the NHS holds: a PDS record for nearly everyone, A&E attendances and CP-IS flags.

PDS is the cleanest source: about 98.5% of people are registered with a GP, the record carries
the full name history and address history, 0.2% are restricted (`R`), and almost every NHS
number is verified ("01"). A duplicate registration has a second NHS number that was never
traced (status 02, 03 or 04) and its own noise; some encounters are filed against it.
"""

from __future__ import annotations

import random
from datetime import date

from sandbox.model.places import COUNCIL
from sandbox.model.records import HealthEncounter, HealthFlag, HealthPatient, HealthRecords
from sandbox.model.truth import IdFactory, LifeEvent, TruePerson
from sandbox.world.city.catchment import Catchments
from sandbox.world.timeline import TODAY, between
from sandbox.world.views.noise import Draft, Noiser

REGISTERED = 0.985
RESTRICTED = 0.002
UNVERIFIED = 0.01
DUPLICATE_STATUSES = ("02", "03", "04")
ENCOUNTERS_ON_DUPLICATE = 0.3
FLAG_CODES = {"child_protection_plan": "CPP", "looked_after": "LAC"}


class HealthView:
    """Builds health records for one batch at a time into a `HealthRecords`."""

    def __init__(self, rng: random.Random, ids: IdFactory, places: Catchments, noiser: Noiser) -> None:
        self._rng = rng
        self._ids = ids
        self._places = places
        self._noiser = noiser

    def record(self, records: HealthRecords, people: list[TruePerson], events: list[LifeEvent]) -> None:
        """The records of one family unit's people, and of the events they were part of."""
        rng = self._rng
        patients: dict[str, list[str]] = {}
        postcodes = {person.person_id: person.postcode for person in people}
        for person in people:
            if rng.random() >= REGISTERED:
                continue
            primary = self._patient(person, person.nhs_number or "", "01" if rng.random() >= UNVERIFIED else "02")
            records.patients.append(primary)
            ids = [primary.patient_id]
            if self._noiser.duplicate():
                status = rng.choice(DUPLICATE_STATUSES)
                duplicate = self._patient(person, self._ids.duplicate_nhs_number(), status, earlier=True)
                records.patients.append(duplicate)
                ids.append(duplicate.patient_id)
            patients[person.person_id] = ids
        for event in events:
            if event.kind == "ae_attendance":
                person_id = event.people[0][0]
                if person_id in patients:
                    hospital = self._places.hospital(postcodes[person_id])
                    self._encounter(records, event, patients[person_id], hospital)
            elif event.kind in FLAG_CODES:
                person_id = event.people[0][0]
                if person_id in patients:
                    records.flags.append(
                        HealthFlag(
                            self._ids.opaque(),
                            patients[person_id][0],
                            FLAG_CODES[event.kind],
                            event.on,
                            event.end,
                            COUNCIL,
                        )
                    )

    def _patient(self, person: TruePerson, nhs_number: str, status: str, *, earlier: bool = False) -> HealthPatient:
        rng = self._rng
        draft = self._noiser.apply(Draft.of(person), person)
        postcode = draft.postcode or person.postcode
        born = person.birth_date.toordinal()
        settled = (draft.address_since or person.birth_date).toordinal()
        registered = min(max(born + 42, settled + between(rng, 7, 120)), TODAY)
        if earlier:
            registered = between(rng, born + 42, registered) if registered > born + 42 else registered
        restricted = rng.random() < RESTRICTED
        return HealthPatient(
            patient_id=self._ids.opaque(),
            person_id=person.person_id,
            nhs_number=nhs_number,
            given_names=tuple(draft.given),
            family_name=draft.family,
            birth_date=draft.birth_date or person.birth_date,
            gender=draft.sex or "unknown",
            address_line=draft.line or person.address_line,
            postcode=postcode,
            gp=self._places.gp(postcode),
            gp_registered_on=date.fromordinal(registered),
            previous_family_names=draft.earlier_surnames,
            previous_addresses=draft.previous_addresses,
            address_since=draft.address_since,
            restricted=restricted,
            verification_status=status,
        )

    def _encounter(self, records: HealthRecords, event: LifeEvent, patient_ids: list[str], hospital: str) -> None:
        on_duplicate = len(patient_ids) > 1 and self._rng.random() < ENCOUNTERS_ON_DUPLICATE
        patient_id = patient_ids[-1] if on_duplicate else patient_ids[0]
        records.encounters.append(
            HealthEncounter(self._ids.opaque(), patient_id, event.on, "EMER", event.detail, hospital)
        )
