"""Restricted records: shown in full only to those cleared for that agency's restricted material.

An agency marks some entries restricted (police sensitive intelligence and child sexual exploitation
concerns). Whoever is not cleared for that agency (`config/roles.yaml`, `restricted_agencies`) sees
that such a record exists, when, that it concerns the child, and whom to ask, but not what it says
or whom else it names: the practitioner knows there
is something to ask about, and the agency decides who learns more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas import Chronology, ChronologyEntry, EntryCategory, Involvement, InvolvementRole, Sensitivity

WITHHELD_RECORD_ID = "restricted"


@dataclass(frozen=True)
class Clearance:
    """Which agencies' restricted entries the reader may see, and whom to ask about the others."""

    agencies: frozenset[str] = frozenset()
    ask: Mapping[str, str] = field(default_factory=dict)

    def withhold(self, chronology: Chronology) -> Chronology:
        """The chronology as this reader may see it: each restricted entry they are not cleared for stands in
        as a notice of its existence, with its date and whom to ask.

        Notices are numbered in order (`restricted-1`, ...), so each stays a separate entry wherever entries
        are told apart by agency and record id (a comparison of versions), without showing the agency's id.
        """
        entries: list[ChronologyEntry] = []
        withheld = 0
        for entry in chronology.entries:
            if self._cleared(entry):
                entries.append(entry)
            else:
                withheld += 1
                entries.append(self._notice(entry, chronology.child_subject_id, withheld))
        return chronology.model_copy(update={"entries": entries}) if withheld else chronology

    def _cleared(self, entry: ChronologyEntry) -> bool:
        return entry.sensitivity is not Sensitivity.RESTRICTED or entry.source.agency in self.agencies

    def _notice(self, entry: ChronologyEntry, child_subject_id: str, number: int) -> ChronologyEntry:
        agency = entry.source.agency
        whom = self.ask.get(agency) or f"the {agency} MASH representative"
        return entry.model_copy(
            update={
                "category": EntryCategory.OTHER,
                "summary": f"A restricted {agency} record exists. To learn more, ask {whom}.",
                "action_taken": None,
                "ended_on": None,
                "facts": None,  # what the agency's fields say (a DASH level, an exploitation concern) is restricted too
                "source": entry.source.model_copy(update={"record_id": f"{WITHHELD_RECORD_ID}-{number}"}),
                # Who else it names, and as what (victim, suspect), is part of what is restricted.
                "people": [
                    Involvement(
                        agency_person_id=WITHHELD_RECORD_ID, role=InvolvementRole.SUBJECT, subject_id=child_subject_id
                    )
                ],
            }
        )
