"""What the police hold: nominals for the people in their occurrences, and the occurrences.

A person becomes a nominal the first time they appear in an occurrence, with the noisiest details
of any agency (nicknames, dropped middle names, old addresses and old surnames are common). A
duplicate nominal gets some of the person's later occurrences. Domestic abuse incidents carry
the DASH risk, the children present and MARAC for high risk; officers submit Public Protection
Notices for victims and children at risk, repeat missing children and exploitation concerns.
"""

from __future__ import annotations

import random

from sandbox.model.places import MASH, TOWN
from sandbox.model.records import (
    Address,
    MissingEpisode,
    PoliceNominal,
    PoliceOccurrence,
    PoliceRecords,
    ProtectionNotice,
)
from sandbox.model.truth import IdFactory, LifeEvent, TruePerson
from sandbox.world.timeline import address_on
from sandbox.world.views.noise import Draft, Noiser

POLICE_EVENTS = frozenset(
    {"domestic_abuse", "missing_episode", "cse_concern", "theft", "burglary", "assault", "anti_social_behaviour"}
)
KNOWS_ALIASES = 0.5
LATER_ON_DUPLICATE = 0.3
PPN_VICTIM = 0.9
PPN_CHILD = 0.85
SHARED_WITH = MASH
_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"

_DA_SUMMARIES = {
    "standard": "Neighbour reported a verbal argument between partners. No injuries seen.",
    "medium": "Call from the victim: pushed and threatened by partner; bruising to arm.",
    "high": "Victim assaulted and strangled by partner; fears for her life. Previous incidents disclosed.",
}
_DA_OUTCOMES = {
    "standard": "Words of advice; DASH completed.",
    "medium": "Suspect arrested; DASH completed; referral to MASH.",
    "high": "Suspect arrested and charged; DASH high risk; referred to MARAC.",
}
_OTHER = {
    # kind/detail: (occurrence type, location type, summary, outcome)
    "theft/shoplifting": ("theft", "retail", "Shoplifting from a supermarket.", "Community resolution."),
    "theft/theft_from_person": (
        "theft", "public_place", "Mobile phone stolen from the victim's bag in the town centre.", "Filed: no suspect.",
    ),
    "burglary/": ("burglary", "home_address", "Rear door forced; laptop and jewellery taken.", "Filed: no suspect."),
    "assault/": ("assault", "licensed_premises", "Assault outside licensed premises; victim treated for facial injury.",
                 "Suspect cautioned."),
    "anti_social_behaviour/": ("anti_social_behaviour", "public_place", "Group causing a nuisance and damage at a "
                               "bus shelter.", "Words of advice; ASB warning letter."),
}  # fmt: skip


class PoliceView:
    """Builds police records for the events of one family unit at a time."""

    def __init__(self, rng: random.Random, ids: IdFactory, noiser: Noiser) -> None:
        self._rng = rng
        self._ids = ids
        self._noiser = noiser

    def record(self, records: PoliceRecords, people: dict[str, TruePerson], events: list[LifeEvent]) -> None:
        nominals: dict[str, list[str]] = {}
        for event in sorted((event for event in events if event.kind in POLICE_EVENTS), key=lambda e: e.on):
            persons = tuple(
                (self._nominal(records, nominals, people[pid], role, event), role) for pid, role in event.people
            )
            occurrence = self._occurrence(event, persons, people)
            records.occurrences.append(occurrence)
            self._notices(records, event, occurrence)

    def _nominal(
        self, records: PoliceRecords, nominals: dict[str, list[str]], person: TruePerson, role: str, event: LifeEvent
    ) -> str:
        known = nominals.get(person.person_id)
        if known is None:
            known = nominals[person.person_id] = [self._new_nominal(records, person, role, event)]
            if self._noiser.duplicate():
                known.append(self._new_nominal(records, person, role, event))
            return known[0]
        return known[-1] if len(known) > 1 and self._rng.random() < LATER_ON_DUPLICATE else known[0]

    def _new_nominal(self, records: PoliceRecords, person: TruePerson, role: str, event: LifeEvent) -> str:
        rng = self._rng
        draft = self._noiser.apply(Draft.of(person), person)
        adult_suspect = role == "suspect" and (event.on.year - person.birth_date.year) >= 18
        markers: tuple[str, ...] = ()
        if event.kind == "domestic_abuse" and role == "suspect":
            markers = ("domestic_abuse", "violence") if event.severity == "high" else ("domestic_abuse",)
        nominal = PoliceNominal(
            nominal_id=self._ids.sequence("NOM", 7),
            person_id=person.person_id,
            surname=draft.family,
            forenames=tuple(draft.given),
            date_of_birth=draft.birth_date,
            sex=draft.sex or "unknown",
            alias_surnames=draft.earlier_surnames if rng.random() < KNOWS_ALIASES else (),
            alias_forenames=(person.known_as,) if person.known_as and rng.random() < KNOWS_ALIASES else (),
            address=Address(draft.line, draft.postcode) if draft.line else None,
            pnc_id=self._pnc_id(event.on.year) if adult_suspect else None,
            warning_markers=markers,
        )
        records.nominals.append(nominal)
        return nominal.nominal_id

    def _pnc_id(self, year: int) -> str:
        """A Police National Computer id: year, serial and check character (mod 23)."""
        serial = int(self._ids.sequence("PNC", 7)[3:])
        number = (year % 100) * 10_000_000 + serial
        return f"{year % 100:02d}/{serial:07d}{_PNC_LETTERS[number % 23]}"

    def _occurrence(
        self, event: LifeEvent, persons: tuple[tuple[str, str], ...], people: dict[str, TruePerson]
    ) -> PoliceOccurrence:
        reference = self._ids.sequence(f"OCC-{event.on.year}-", 5)
        subject = people[event.people[0][0]]
        home, postcode = address_on(subject, event.on)
        if event.kind == "domestic_abuse":
            flags = tuple(
                flag
                for flag, present in (
                    ("child_present", any(role == "child_present" for _, role in event.people)),
                    ("repeat_victim", event.detail == "repeat"),
                    ("marac", event.severity == "high"),
                )
                if present
            )
            return PoliceOccurrence(
                reference, "domestic_abuse", event.on, "home_address", home, _DA_SUMMARIES[event.severity],
                _DA_OUTCOMES[event.severity], persons, dash_risk=event.severity, location_postcode=postcode,
                flags=flags,
            )  # fmt: skip
        if event.kind == "missing_episode":
            days = (event.end - event.on).days if event.end else None
            found = (
                "found safe the same day" if days == 0 else f"found safe after {days} days" if days else "not yet found"
            )
            reporter = people[event.people[1][0]] if len(event.people) > 1 else None
            reported_by = "carer" if reporter is None else "mother" if reporter.sex == "female" else "father"
            missing = MissingEpisode(event.on, event.end, event.severity, reported_by)
            summary = f"Child reported missing from home; {found}."
            return PoliceOccurrence(
                reference, "missing_person", event.on, "home_address", home, summary,
                "Return home interview requested.", persons, location_postcode=postcode, missing=missing,
                flags=("repeat_missing",) if event.detail == "repeat" else (),
            )  # fmt: skip
        if event.kind == "cse_concern":
            return PoliceOccurrence(
                reference, "child_sexual_exploitation", event.on, "public_place", f"Town centre, {TOWN}",
                "Child seen getting into cars with older males; found with alcohol and a new phone.",
                "Referred to MASH; strategy discussion requested.", persons, flags=("cse_concern",),
            )  # fmt: skip
        kind, location_type, summary, outcome = _OTHER[f"{event.kind}/{event.detail}"]
        at_home = location_type == "home_address"
        return PoliceOccurrence(
            reference, kind, event.on, location_type, home if at_home else f"Town centre, {TOWN}", summary, outcome,
            persons, location_postcode=postcode if at_home else None,
        )  # fmt: skip

    def _notices(self, records: PoliceRecords, event: LifeEvent, occurrence: PoliceOccurrence) -> None:
        rng = self._rng
        wanted: list[tuple[str, str, str]] = []
        for nominal_id, role in occurrence.persons:
            if event.kind == "domestic_abuse":
                if role == "victim" and rng.random() < PPN_VICTIM:
                    wanted.append((nominal_id, "domestic_abuse", event.severity))
                elif role == "child_present" and rng.random() < PPN_CHILD:
                    wanted.append((nominal_id, "child_at_risk", event.severity))
            elif event.kind == "missing_episode" and role == "missing_person":
                if event.detail == "repeat" or event.severity == "high":
                    wanted.append((nominal_id, "missing", event.severity))
            elif event.kind == "cse_concern" and role == "victim":
                wanted.append((nominal_id, "child_sexual_exploitation", event.severity))
        for nominal_id, concern, risk in wanted:
            records.notices.append(
                ProtectionNotice(
                    self._ids.sequence("PPN", 7),
                    occurrence.occurrence_id,
                    nominal_id,
                    event.on,
                    concern,
                    risk if risk in {"standard", "medium", "high"} else "standard",
                    SHARED_WITH,
                )
            )
