"""Education sandbox: the local authority's pupil records, searched by a MASH and returned as a CTF.

`POST /pupils/search` takes a form or JSON body: a UPN (matching the current or a former UPN), or a
surname (legal, former or preferred) with a date of birth and optionally a forename (first, middle
or preferred). The date of birth is `dob`, or a range `dob_from` to `dob_to` (inclusive, at most
`MAX_DOB_RANGE_DAYS` days apart), as an admissions officer tracing a child whose recorded birth date
may be a few days out would ask; the cap keeps a range search a trace of one child, never a
trawl through a year group. Every match comes back in one Common Transfer File
(`sandbox.education.ctf`); none is an empty CTFpupilData, not an error. Bad requests get the
documented XML error body, which never repeats what was sent:

    <Error><Code>invalid_request</Code><Message>...</Message></Error>

The app answers synchronously; the shared async layer may turn the search into a job.
"""

from __future__ import annotations

import logging
from datetime import date
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from lxml import etree
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.common.api import BodyError, new_app, read_fields, same_text
from sandbox.common.store import Database
from sandbox.education.ctf import code_of, ctf_document
from sandbox.education.keys import surname_birth_key, upn_key
from sandbox.model.records import Pupil
from schemas.identifiers import is_valid_upn

logger = logging.getLogger(__name__)

XML = "application/xml"
SEARCH_PATH = "/pupils/search"
FIELDS = frozenset({"upn", "surname", "dob", "dob_from", "dob_to", "forename"})
MAX_DOB_RANGE_DAYS = 31
"""The widest birth-date range a search may ask for: enough for a date keyed a few days or weeks out."""
BODY_TYPES = ("application/x-www-form-urlencoded", "application/json")
MAX_MESSAGE_LENGTH = 200


class EducationError(Exception):
    """A request the records service refuses, with its HTTP status and error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def render_error(status: int, code: str, message: str) -> Response:
    """The documented error body: `<Error><Code/><Message/></Error>` (valid against the project's XSD)."""
    root = etree.Element("Error")
    etree.SubElement(root, "Code").text = code_of(code, default="error")
    etree.SubElement(root, "Message").text = message.strip()[:MAX_MESSAGE_LENGTH] or HTTPStatus(status).phrase
    return Response(etree.tostring(root, encoding="utf-8", xml_declaration=True), status_code=status, media_type=XML)


def malformed_body() -> tuple[bytes, str]:
    """A CTF cut off in its header, for fault injection."""
    return b'<?xml version="1.0" encoding="utf-8"?>\n<CTfile><Header><DocumentName>Common Tr', XML


def _bad_request(code: str, message: str) -> EducationError:
    return EducationError(400, code, message)


def _birth_date(text: str, field: str = "dob") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _bad_request("invalid_dob", f"{field} must be a date written YYYY-MM-DD") from None


def birth_dates_asked(fields: dict[str, str]) -> tuple[date, date]:
    """The inclusive range of birth dates a search asks for: `dob` alone, or `dob_from` to `dob_to`."""
    ranged = [name for name in ("dob_from", "dob_to") if name in fields]
    if "dob" in fields and ranged:
        raise _bad_request("invalid_request", "give dob, or dob_from and dob_to, not both")
    if "dob" in fields:
        born = _birth_date(fields["dob"])
        return born, born
    if len(ranged) != 2:
        raise _bad_request("invalid_request", "search needs upn, or surname and dob (or dob_from and dob_to)")
    earliest, latest = _birth_date(fields["dob_from"], "dob_from"), _birth_date(fields["dob_to"], "dob_to")
    if earliest > latest:
        raise _bad_request("invalid_dob_range", "dob_from must not be after dob_to")
    if (latest - earliest).days > MAX_DOB_RANGE_DAYS:
        raise _bad_request("invalid_dob_range", f"dob_from and dob_to may be at most {MAX_DOB_RANGE_DAYS} days apart")
    return earliest, latest


def _matches_forename(pupil: Pupil, forename: str) -> bool:
    names = (*pupil.forenames, *((pupil.preferred_forename,) if pupil.preferred_forename else ()))
    return any(same_text(forename, name) for name in names)


def search_pupils(database: Database, fields: dict[str, str]) -> list[Pupil]:
    """Pupils by UPN or former UPN, else by surname and birth date or range (then forename): indexed lookups only."""
    fields = {key: value for key, value in fields.items() if value.strip()}
    if unknown := set(fields) - FIELDS:
        message = f"{len(unknown)} unexpected field(s); allowed: {', '.join(sorted(FIELDS))}"
        raise _bad_request("invalid_request", message)
    pupils = database.table("pupils")
    if "upn" in fields:
        upn = upn_key(fields["upn"])
        if upn is None or not is_valid_upn(upn):
            raise _bad_request("invalid_upn", "upn must be 13 characters: a check letter, 11 digits, a digit or letter")
        found: list[Pupil] = pupils.find(upns=upn)
        return found
    if "surname" not in fields or not {"dob", "dob_from", "dob_to"} & set(fields):
        raise _bad_request("invalid_request", "search needs upn, or surname and dob (forename optional)")
    earliest, latest = birth_dates_asked(fields)
    low, high = surname_birth_key(fields["surname"], earliest), surname_birth_key(fields["surname"], latest)
    if low is None or high is None:
        return []
    side = pupils.spec.side_table(next(key for key in pupils.spec.multi_keys if key.name == "surname_births"))
    condition = f"id IN (SELECT id FROM {side} WHERE value BETWEEN ? AND ?)"  # noqa: S608 (constant SQL; values bound)
    candidates: list[Pupil] = pupils.where(condition, [low, high])
    forename = fields.get("forename", "").split()[:1]
    return [pupil for pupil in candidates if not forename or _matches_forename(pupil, forename[0])]


async def _read_search(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", BODY_TYPES[0]).split(";")[0].strip().lower()
    if content_type not in BODY_TYPES:
        raise EducationError(415, "unsupported_media_type", "send a form-encoded or JSON body")
    try:
        return await read_fields(request)
    except BodyError:
        raise _bad_request("invalid_body", "the body is not valid form-encoded data or a JSON object") from None


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EducationError)
    async def education_error(request: Request, error: EducationError) -> Response:
        return render_error(error.status, error.code, error.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        phrase = HTTPStatus(error.status_code).phrase
        return render_error(error.status_code, phrase.lower().replace(" ", "_").replace("-", "_"), phrase)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> Response:
        logger.error("education sandbox: unhandled %s", type(error).__name__)
        return render_error(500, "internal_error", "The request could not be completed")


def create_app(database: Database) -> FastAPI:
    app = new_app("Education sandbox (CTF XML)")
    _install_error_handlers(app)

    @app.post(SEARCH_PATH)
    async def pupils_search(request: Request) -> Response:
        fields = await _read_search(request)
        pupils = await run_in_threadpool(search_pupils, database, fields)
        return Response(await run_in_threadpool(ctf_document, pupils), media_type=XML)

    return app
