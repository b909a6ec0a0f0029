"""Housing sandbox: a council housing management system's API gateway and its nightly CSV exports.

Like the gateways in front of NEC, Civica or Northgate housing systems it finds people by surname
(current or previous) with a birth date or a postcode (`sandbox.housing.search`), then returns
everything held about one person reference: tenancies with their household, arrears, notices,
possession proceedings and anti-social behaviour, and H-CLIC style homelessness cases. Errors are
RFC 7807 problem details (`sandbox.housing.problems`). Bulk consumers take the streamed CSV
exports (`sandbox.housing.export`). Authentication is added around the app by `sandbox.common.auth`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sandbox.common.api import new_app
from sandbox.common.store import Database
from sandbox.housing.documents import (
    case_refs,
    current_of,
    homelessness_json,
    people_by_ref,
    person_json,
    tenancy_json,
    tenancy_refs,
)
from sandbox.housing.export import homelessness_export, people_export, tenancies_export
from sandbox.housing.problems import (
    Problem,
    RequestModel,
    install_problem_handlers,
    malformed_body,
    read_json,
    render_error,
)
from sandbox.housing.search import PeopleSearch, current_tenancy, search_people
from sandbox.model.records import HomelessnessCase, HousingPerson, Tenancy

__all__ = ["create_app", "malformed_body", "render_error"]


class RecordsRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    RULES: ClassVar[dict[str, str]] = {"person_ref": "must be a person reference from a people search"}

    person_ref: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


def person_records(database: Database, ref: str) -> dict[str, Any]:
    """Everything held about one person: their tenancies and homelessness cases, oldest first."""
    person: HousingPerson | None = database.table("people").get(ref)
    if person is None:
        raise Problem(404, "person_not_found", "No person is held with that person_ref.")
    tenancies: list[Tenancy] = database.table("tenancies").find(person_refs=ref)
    cases: list[HomelessnessCase] = database.table("homelessness").find(person_refs=ref)
    tenancies.sort(key=lambda tenancy: (tenancy.start, tenancy.tenancy_ref))
    cases.sort(key=lambda case: (case.application_date, case.case_ref))
    mentioned = [r for tenancy in tenancies for r in tenancy_refs(tenancy)] + [r for c in cases for r in case_refs(c)]
    people = people_by_ref(database, mentioned)
    return {
        "person_ref": ref,
        "person": person_json(person, current_of(tenancies)),
        "tenancies": [tenancy_json(tenancy, people) for tenancy in tenancies],
        "homelessness": [homelessness_json(case, people) for case in cases],
    }


def found_people(database: Database, query: PeopleSearch) -> list[dict[str, Any]]:
    return [
        person_json(match.person, current_tenancy(database, match.person.person_ref), match.matched_on)
        for match in search_people(database, query)
    ]


def create_app(database: Database) -> FastAPI:
    """The gateway over one housing file. Lookups run in worker threads, each with its own
    read-only SQLite connection, so concurrent requests do not queue behind one another."""
    app = new_app("Housing sandbox (housing management API gateway)")
    install_problem_handlers(app)

    @app.post("/api/people/search")
    async def people_search(request: Request) -> list[dict[str, Any]]:
        query = await read_json(request, PeopleSearch)
        return await run_in_threadpool(found_people, database, query)

    @app.post("/api/records")
    async def records(request: Request) -> dict[str, Any]:
        wanted = await read_json(request, RecordsRequest)
        return await run_in_threadpool(person_records, database, wanted.person_ref)

    @app.get("/export/people.csv")
    def export_people() -> StreamingResponse:
        return people_export(database)

    @app.get("/export/tenancies.csv")
    def export_tenancies() -> StreamingResponse:
        return tenancies_export(database)

    @app.get("/export/homelessness.csv")
    def export_homelessness() -> StreamingResponse:
        return homelessness_export(database)

    return app
