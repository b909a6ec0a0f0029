"""Housing sandbox: a housing management system's JSON API and its nightly CSV export.

People are found by name and birth date; their records (tenancies with arrears and notices,
H-CLIC style homelessness cases) are then fetched by the housing person reference.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from sandbox.common import new_app, same_text
from sandbox.records import HomelessnessCase, HousingPerson, Tenancy
from sandbox.store import Database, search_key

CSV_COLUMNS = (
    "tenancy_ref",
    "address_line",
    "postcode",
    "tenure",
    "start_date",
    "end_date",
    "tenant_ref",
    "household_size",
    "arrears_balance",
)


class PeopleSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    surname: str = Field(min_length=1)
    forename: str | None = None
    date_of_birth: date


class RecordsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ref: str = Field(min_length=1)


def _pounds(pence: int) -> str:
    return f"{pence / 100:.2f}"


def person_json(database: Database, person: HousingPerson) -> dict[str, Any]:
    tenancies = database.table("tenancies").find(person_refs=person.person_ref)
    current = next((t for t in tenancies if t.end is None), None)
    return {
        "person_ref": person.person_ref,
        "surname": person.surname,
        "forename": person.forename,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "current_address": {"line": current.address_line, "postcode": current.postcode} if current else None,
    }


def tenancy_json(tenancy: Tenancy) -> dict[str, Any]:
    return {
        "tenancy_ref": tenancy.tenancy_ref,
        "address": {"line": tenancy.address_line, "postcode": tenancy.postcode},
        "tenure": tenancy.tenure,
        "start_date": tenancy.start.isoformat(),
        "end_date": tenancy.end.isoformat() if tenancy.end else None,
        "tenant": {"person_ref": tenancy.tenant_ref},
        "household": [{"person_ref": ref, "relationship": relation} for ref, relation in tenancy.members],
        "arrears": [
            {"as_at": a.as_at.isoformat(), "balance": _pounds(a.balance_pence), "weeks_in_arrears": a.weeks}
            for a in tenancy.arrears
        ],
        "notices": [
            {
                "notice_ref": n.notice_ref,
                "type": n.notice_type,
                "served_on": n.served_on.isoformat(),
                "ground": n.ground,
            }
            for n in tenancy.notices
        ],
    }


def homelessness_json(case: HomelessnessCase) -> dict[str, Any]:
    return {
        "case_ref": case.case_ref,
        "applicant_ref": case.applicant_ref,
        "household": [{"person_ref": ref, "relationship": relation} for ref, relation in case.members],
        "application_date": case.application_date.isoformat(),
        "duty": case.duty,
        "temporary_accommodation": case.temporary_accommodation,
    }


def search_people(database: Database, query: PeopleSearch) -> list[HousingPerson]:
    forename = query.forename.split()[:1] if query.forename else []
    found = database.table("people").find(
        surnames=search_key(query.surname), birth_date=query.date_of_birth.isoformat()
    )
    return [person for person in found if (not forename or same_text(person.forename, forename[0]))]


def tenancies_csv(tenancies: Iterable[Tenancy]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for t in tenancies:
        balance = _pounds(t.arrears[-1].balance_pence) if t.arrears else "0.00"
        end = t.end.isoformat() if t.end else ""
        size = 1 + len(t.members)
        writer.writerow(
            (t.tenancy_ref, t.address_line, t.postcode, t.tenure, t.start.isoformat(), end, t.tenant_ref, size, balance)
        )
    return buffer.getvalue()


def create_app(database: Database) -> FastAPI:
    app = new_app("Housing sandbox")

    @app.post("/api/people/search")
    async def people_search(query: PeopleSearch) -> list[dict[str, Any]]:
        return [person_json(database, person) for person in search_people(database, query)]

    @app.post("/api/records")
    async def person_records(request: RecordsRequest) -> dict[str, Any]:
        ref = request.person_ref
        if database.table("people").get(ref) is None:
            raise HTTPException(404, "No such person_ref")
        return {
            "person_ref": ref,
            "tenancies": [tenancy_json(t) for t in database.table("tenancies").find(person_refs=ref)],
            "homelessness": [homelessness_json(c) for c in database.table("homelessness").find(person_refs=ref)],
        }

    @app.get("/export/tenancies.csv")
    async def export_tenancies() -> Response:
        return Response(tenancies_csv(database.table("tenancies")), media_type="text/csv")

    return app
