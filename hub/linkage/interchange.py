"""The linkage-case interchange format (fixed; docs/linkage.md), one JSON case per line:

    {"case_id": "...", "query": PERSON, "candidates": [PERSON + {"record_id": "...", "label": true|false}, ...]}

A line that does not follow it raises `MalformedCase`, whose message names the field, never a value.
A bad value in one record's field (a birth date that is no date, such as 2019-02-30) is not a broken
line: that field is left out of that record, with a note, and the case and its other records are
judged as usual, as the hub treats an agency's bad field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from hub.linkage.records import BirthDate, InterchangePerson, describe_document_problem


class MalformedCase(ValueError):
    """A line that is not a case of the interchange format; the message says what is wrong."""


class CandidateDocument(InterchangePerson):
    record_id: str = Field(min_length=1)
    label: StrictBool
    agency: str | None = Field(default=None, min_length=1)
    """Which agency holds the record (optional): estimation gives agencies with enough pairs their own m."""


class CaseDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(min_length=1)
    query: InterchangePerson
    candidates: list[CandidateDocument]


@dataclass(frozen=True)
class Case:
    case_id: str
    query: InterchangePerson
    candidates: tuple[CandidateDocument, ...]
    set_aside: tuple[str, ...] = ()
    """One note per field left out because its value was unusable ("candidate R2: birth_date")."""

    @property
    def kind(self) -> str:
        """The kind of case: the case id before its last '-' ("twins-000001" → "twins")."""
        return self.case_id.rsplit("-", 1)[0] if "-" in self.case_id else self.case_id


def parse_case(line: str) -> Case:
    """One line as a case, or `MalformedCase`."""
    try:
        document = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        raise MalformedCase(f"not valid JSON (column {error.colno})") from None
    if not isinstance(document, dict):
        raise MalformedCase("not a JSON object")
    set_aside = _set_aside_unusable_fields(document)
    try:
        case = CaseDocument.model_validate(document)
    except ValidationError as error:
        raise MalformedCase(describe_document_problem(error)) from None
    return Case(case.case_id, case.query, tuple(case.candidates), tuple(set_aside))


def _set_aside_unusable_fields(document: dict[str, object]) -> list[str]:
    """Clear each record's birth date that is a string but no date, in place; a note per field cleared.

    A value of the wrong type (a number, a list) still makes the line malformed: that is a broken
    file, not a record's bad value.
    """
    notes = []
    records = [("query", document.get("query"))]
    candidates = document.get("candidates")
    if isinstance(candidates, list):
        records += [(f"candidate {_record_id(candidate)}", candidate) for candidate in candidates]
    for where, record in records:
        if isinstance(record, dict) and isinstance(value := record.get("birth_date"), str):
            try:
                BirthDate.parse(value)
            except ValueError:
                record["birth_date"] = None
                notes.append(f"{where}: birth_date is not a date, so it was left out")
    return notes


def _record_id(candidate: object) -> str:
    record_id = candidate.get("record_id") if isinstance(candidate, dict) else None
    return record_id if isinstance(record_id, str) and record_id else "(no record_id)"
