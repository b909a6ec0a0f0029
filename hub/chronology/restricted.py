"""Restricted records: shown in full only to those cleared for that agency's restricted material.

An agency marks some entries restricted (police sensitive intelligence and child sexual exploitation
concerns). Whoever is not cleared for that agency (`config/roles.yaml`, `restricted_agencies`) sees
that such a record exists, when, and whom to ask, but not what it says: the practitioner knows there
is something to ask about, and the agency decides who learns more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas import Chronology, ChronologyEntry, EntryCategory, Sensitivity

WITHHELD_RECORD_ID = "restricted"


@dataclass(frozen=True)
class Clearance:
    """Which agencies' restricted entries the reader may see, and whom to ask about the others."""

    agencies: frozenset[str] = frozenset()
    ask: Mapping[str, str] = field(default_factory=dict)

    def withhold(self, chronology: Chronology) -> Chronology:
        """The chronology as this reader may see it: each restricted entry they are not cleared for stands in
        as a notice of its existence, with its date and whom to ask."""
        entries = [self._shown(entry) for entry in chronology.entries]
        if all(shown is entry for shown, entry in zip(entries, chronology.entries, strict=True)):
            return chronology
        return chronology.model_copy(update={"entries": entries})

    def _shown(self, entry: ChronologyEntry) -> ChronologyEntry:
        if entry.sensitivity is not Sensitivity.RESTRICTED or entry.source.agency in self.agencies:
            return entry
        agency = entry.source.agency
        whom = self.ask.get(agency) or f"the {agency} MASH representative"
        return entry.model_copy(
            update={
                "category": EntryCategory.OTHER,
                "summary": f"A restricted {agency} record exists. To learn more, ask {whom}.",
                "action_taken": None,
                "ended_on": None,
                "source": entry.source.model_copy(update={"record_id": WITHHELD_RECORD_ID}),
            }
        )
