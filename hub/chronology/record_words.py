"""Agency records in a practitioner's words: "Police nominal record 2", never `Patient/44c4a2ef-…`.

Agencies' record ids are machine keys (FHIR resource ids, UPN-bearing CTF paths, nominal numbers).
To a practitioner they read as machine output, and some carry an identifier (a pupil's UPN) into
every printed copy. The practitioner's reading names the agency and the kind of record instead; the
ids stay in the history's JSON document and the audit trail, where IG and engineers trace a record.

Within one history, an agency's person records are numbered when it holds more than one, so every
table of that history names the same record the same way ("Police nominal record 2" in the identity
links and in the chronology's people), in a stable order (by id), however often it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

AGENCY_WORDS = {"health": "Health (NHS)", "police": "Police", "education": "Education", "housing": "Housing"}
"""The agencies as a practitioner names them; an agency not listed is its id, capitalised."""

PERSON_RECORD_WORDS = {
    "health": "NHS patient record",
    "police": "Police nominal record",
    "education": "School pupil record",
    "housing": "Housing person record",
}
"""What an agency's record of one person is called."""


def agency_words(agency: str) -> str:
    """The agency as a practitioner names it: "Police", "Health (NHS)"."""
    return AGENCY_WORDS.get(agency, agency.replace("_", " ").capitalize())


def person_record_words(agency: str) -> str:
    """An agency's record of one person, unnumbered: "Police nominal record"."""
    return PERSON_RECORD_WORDS.get(agency, f"{agency_words(agency)} record")


def records_words(agency: str, times: int = 1) -> str:
    """An agency's records, counted: "a housing record", "2 housing records"."""
    kind = agency.replace("_", " ")
    return f"a {kind} record" if times == 1 else f"{times} {kind} records"


class PersonRecords:
    """The labels of the agency person records one history mentions, numbered per agency when it has several."""

    def __init__(self, records: Iterable[tuple[str, str]] = ()) -> None:
        by_agency: dict[str, set[str]] = {}
        for agency, record_id in records:
            by_agency.setdefault(agency, set()).add(record_id)
        self._labels: dict[tuple[str, str], str] = {}
        for agency, ids in by_agency.items():
            words = person_record_words(agency)
            ordered = sorted(ids)
            for number, record_id in enumerate(ordered, start=1):
                self._labels[(agency, record_id)] = words if len(ordered) == 1 else f"{words} {number}"

    def label(self, agency: str, record_id: str) -> str:
        """The record's label; one this history never listed gets its agency's unnumbered words."""
        return self._labels.get((agency, record_id), person_record_words(agency))

    _NOTE = re.compile(r"^(?P<agency>[a-z0-9_]+) record (?P<record>\S+): ")

    def note(self, note: str) -> str:
        """A stored note that names a record ("police record P-5: birth date ...") with the record's label."""
        found = self._NOTE.match(note)
        if found is None:
            return note
        return f"{self.label(found['agency'], found['record'])}: {note[found.end() :]}"
