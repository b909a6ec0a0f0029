"""The linkage-case interchange format (fixed; docs/linkage.md), one JSON case per line:

    {"case_id": "...", "query": PERSON, "candidates": [PERSON + {"record_id": "...", "label": true|false}, ...]}

A line that does not follow it raises `MalformedCase`, whose message names the field, never a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from hub.linkage.records import InterchangePerson, describe_document_problem


class MalformedCase(ValueError):
    """A line that is not a case of the interchange format; the message says what is wrong."""


class CandidateDocument(InterchangePerson):
    record_id: str = Field(min_length=1)
    label: StrictBool


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
    try:
        case = CaseDocument.model_validate(document)
    except ValidationError as error:
        raise MalformedCase(describe_document_problem(error)) from None
    return Case(case.case_id, case.query, tuple(case.candidates))
