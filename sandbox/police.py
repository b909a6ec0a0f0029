"""Police sandbox: POLE-style JSON (nominals, and occurrences with each person's role).

Like a force's research desk it searches nominals by surname (including known aliases),
forenames and birth date, then lists the occurrences a nominal is linked to.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from sandbox.common import new_app, same_text
from sandbox.records import PoliceNominal, PoliceOccurrence
from sandbox.store import Database, search_key


class NominalSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    surname: str = Field(min_length=1)
    forenames: str | None = None
    date_of_birth: date | None = None


class OccurrenceSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nominal_id: str = Field(min_length=1)


def nominal_json(nominal: PoliceNominal) -> dict[str, Any]:
    return {
        "nominal_id": nominal.nominal_id,
        "surname": nominal.surname,
        "forenames": " ".join(nominal.forenames),
        "date_of_birth": nominal.date_of_birth.isoformat(),
        "sex": nominal.sex,
        "aliases": [{"surname": surname} for surname in nominal.alias_surnames],
    }


def occurrence_json(occurrence: PoliceOccurrence) -> dict[str, Any]:
    return {
        "occurrence_id": occurrence.occurrence_id,
        "type": occurrence.occurrence_type,
        "date": occurrence.occurred_on.isoformat(),
        "location": {"type": occurrence.location_type, "address": occurrence.location_address},
        "summary": occurrence.summary,
        "outcome": occurrence.outcome,
        "dash_risk": occurrence.dash_risk,
        "persons": [{"nominal_id": nominal_id, "role": role} for nominal_id, role in occurrence.persons],
    }


def search_nominals(database: Database, query: NominalSearch) -> list[PoliceNominal]:
    matches = []
    for nominal in database.table("nominals").find(surnames=search_key(query.surname)):
        if query.date_of_birth and nominal.date_of_birth != query.date_of_birth:
            continue
        first = query.forenames.split()[0] if query.forenames and query.forenames.split() else None
        if first and not any(same_text(first, forename) for forename in nominal.forenames):
            continue
        matches.append(nominal)
    return matches


def create_app(database: Database) -> FastAPI:
    app = new_app("Police sandbox (POLE)")

    @app.post("/nominals/search")
    async def nominals(query: NominalSearch) -> dict[str, Any]:
        return {"nominals": [nominal_json(nominal) for nominal in search_nominals(database, query)]}

    @app.post("/occurrences/search")
    async def occurrences(query: OccurrenceSearch) -> dict[str, Any]:
        linked = database.table("occurrences").find(nominal_ids=query.nominal_id)
        linked.sort(key=lambda occurrence: occurrence.occurred_on)
        return {"occurrences": [occurrence_json(occurrence) for occurrence in linked]}

    return app
