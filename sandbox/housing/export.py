"""The housing system's nightly CSV exports, streamed a page at a time.

At 1,000,000 people an export is far too big to build in memory, so each one walks its table in
id order (`RecordTable.__iter__` pages by id) and yields a chunk of CSV per page. The same data
gives byte-identical files: rows follow the record ids, and nothing depends on the time of export.
Files are RFC 4180 CSV (UTF-8, CRLF line ends, a header row); empty fields mean "not recorded".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse

from sandbox.common.store import Database
from sandbox.housing.documents import case_refs, is_proceeding, iso, people_by_ref, pounds
from sandbox.model.records import HomelessnessCase, HousingPerson, Tenancy

T = TypeVar("T")
Row = Sequence[Any]
PAGE = 500

PEOPLE_COLUMNS = ("person_ref", "surname", "forename", "previous_surnames", "date_of_birth", "sex")
TENANCY_COLUMNS = (
    "tenancy_ref",
    "address_line",
    "postcode",
    "tenure",
    "start_date",
    "end_date",
    "person_ref",
    "relationship_to_tenant",
    "arrears_balance",
    "arrears_weeks",
    "arrears_as_at",
    "latest_action",
    "latest_action_date",
    "asb_cases",
)
HOMELESSNESS_COLUMNS = (
    "case_ref",
    "application_date",
    "member_number",
    "person_ref",
    "relationship_to_applicant",
    "surname",
    "forename",
    "date_of_birth",
    "sex",
    "reason_for_loss_of_last_settled_home",
    "duty",
    "temporary_accommodation",
    "temporary_accommodation_type",
)


def pages(records: Iterable[T], size: int = PAGE) -> Iterator[list[T]]:
    iterator = iter(records)
    while page := list(islice(iterator, size)):
        yield page


def csv_text(rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_chunks(
    columns: Sequence[str], records: Iterable[T], rows_of: Callable[[list[T]], Iterable[Row]]
) -> Iterator[str]:
    """The header, then one chunk of rows per page of records."""
    yield csv_text([columns])
    for page in pages(records):
        yield csv_text(rows_of(page))


def people_rows(page: list[HousingPerson]) -> Iterator[Row]:
    for p in page:
        yield (p.person_ref, p.surname, p.forename, ";".join(p.previous_surnames), iso(p.date_of_birth), p.sex)


def tenancy_rows(page: list[Tenancy]) -> Iterator[Row]:
    """One row per person on each tenancy (the tenant first), repeating the tenancy's own facts."""
    for t in page:
        latest_arrears = max(t.arrears, key=lambda a: a.as_at, default=None)
        latest_action = max(t.notices, key=lambda n: (n.served_on, is_proceeding(n), n.notice_ref), default=None)
        facts = (
            pounds(latest_arrears.balance_pence) if latest_arrears else None,
            latest_arrears.weeks if latest_arrears else None,
            iso(latest_arrears.as_at) if latest_arrears else None,
            latest_action.notice_type if latest_action else None,
            iso(latest_action.served_on) if latest_action else None,
            len(t.asb_cases),
        )
        tenancy = (t.tenancy_ref, t.address_line, t.postcode, t.tenure, iso(t.start), iso(t.end))
        for ref, relationship in ((t.tenant_ref, "tenant"), *t.members):
            yield (*tenancy, ref, relationship, *facts)


def homelessness_rows(database: Database) -> Callable[[list[HomelessnessCase]], Iterator[Row]]:
    """H-CLIC style: one row per household member (the applicant is member 1), with their details."""

    def rows(page: list[HomelessnessCase]) -> Iterator[Row]:
        people = people_by_ref(database, (ref for case in page for ref in case_refs(case)))
        for case in page:
            ta = "Y" if case.temporary_accommodation else "N"
            outcome = (case.reason, case.duty, ta, case.temporary_accommodation_type)
            for number, (ref, relationship) in enumerate(((case.applicant_ref, "applicant"), *case.members), 1):
                person = people.get(ref)
                details = (
                    (person.surname, person.forename, iso(person.date_of_birth), person.sex)
                    if person
                    else (None, None, None, None)
                )
                yield (case.case_ref, iso(case.application_date), number, ref, relationship, *details, *outcome)

    return rows


def csv_response(name: str, chunks: Iterator[str]) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def people_export(database: Database) -> StreamingResponse:
    return csv_response("people.csv", csv_chunks(PEOPLE_COLUMNS, database.table("people"), people_rows))


def tenancies_export(database: Database) -> StreamingResponse:
    return csv_response("tenancies.csv", csv_chunks(TENANCY_COLUMNS, database.table("tenancies"), tenancy_rows))


def homelessness_export(database: Database) -> StreamingResponse:
    chunks = csv_chunks(HOMELESSNESS_COLUMNS, database.table("homelessness"), homelessness_rows(database))
    return csv_response("homelessness.csv", chunks)
