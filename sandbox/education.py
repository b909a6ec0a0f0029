"""Education sandbox: pupils as a DfE Common Transfer File (CTF) XML document.

A search by UPN, or by surname and birth date (forename optional), returns one CTF holding
every matching pupil; no match gives an empty CTFpupilData rather than an error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from fastapi import FastAPI, Request, Response

from sandbox.common import BodyError, new_app, read_fields, same_text
from sandbox.places import LEA
from sandbox.records import Pupil
from sandbox.store import Database, search_key

XML = "application/xml"
CTF_VERSION = "26.0"
GENDER_CODES = {"male": "M", "female": "F"}


def _add(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text.isoformat() if isinstance(text, date) else str(text)
    return element


def _header(root: ET.Element) -> None:
    header = _add(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", CTF_VERSION)
    _add(header, "DateTime", datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat())
    _add(header, "DocumentQualifier", "partial")
    _add(header, "SupplierID", "MASH-SANDBOX")
    source = _add(header, "SourceSchool")
    _add(source, "LEA", LEA)
    _add(source, "Estab", "0000")
    _add(source, "SchoolName", "Northbridge Pupil Records Service")
    _add(source, "AcademicYear", "2026")
    destination = _add(header, "DestSchool")
    _add(destination, "LEA", LEA)
    _add(destination, "Estab", "MASH")


def _pupil(parent: ET.Element, pupil: Pupil) -> None:
    element = _add(parent, "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.forenames[0])
    if len(pupil.forenames) > 1:
        _add(element, "MiddleNames", " ".join(pupil.forenames[1:]))
    _add(element, "DOB", pupil.dob)
    _add(element, "Gender", GENDER_CODES.get(pupil.gender, "U"))
    school = _add(_add(element, "SchoolHistory"), "School")
    _add(school, "LEA", pupil.school.lea)
    _add(school, "Estab", pupil.school.estab)
    _add(school, "SchoolName", pupil.school.name)
    _add(school, "EntryDate", pupil.entry_date)
    attendance = _add(element, "Attendance")
    for period in pupil.attendance:
        year = _add(attendance, "YearData")
        _add(year, "Year", period.start.year)
        _add(year, "LEA", pupil.school.lea)
        _add(year, "Estab", pupil.school.estab)
        _add(year, "SessionsPossible", period.sessions_possible)
        _add(year, "SessionsAttended", period.sessions_attended)
        _add(year, "SessionsAuthorised", period.sessions_authorised)
        _add(year, "SessionsUnauthorised", period.sessions_unauthorised)
        _add(year, "AttendanceStartDate", period.start)
        _add(year, "AttendanceEndDate", period.end)
    exclusions = _add(element, "Exclusions")
    for exclusion in pupil.exclusions:
        item = _add(exclusions, "Exclusion")
        _add(item, "LEA", pupil.school.lea)
        _add(item, "Estab", pupil.school.estab)
        _add(item, "ExclusionStartDate", exclusion.start)
        _add(item, "Category", exclusion.category)
        _add(item, "Reason", exclusion.reason)
        _add(item, "Sessions", exclusion.sessions)
    if pupil.sen:
        history = _add(element, "SENhistory")
        for record in pupil.sen:
            sen = _add(history, "SEN")
            _add(sen, "StartDate", record.start)
            _add(sen, "SENprovision", record.provision)


def ctf_document(pupils: list[Pupil]) -> bytes:
    root = ET.Element("CTfile")
    _header(root)
    data = _add(root, "CTFpupilData")
    for pupil in pupils:
        _pupil(data, pupil)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def search_pupils(database: Database, fields: dict[str, str]) -> list[Pupil]:
    """Exact UPN match, or surname and birth date (and forename if given)."""
    if upn := fields.get("upn", "").strip().upper():
        found = database.table("pupils").get(upn)
        return [found] if found else []
    if not fields.get("surname") or not fields.get("dob"):
        raise BodyError("search needs upn, or surname and dob")
    try:
        dob = date.fromisoformat(fields["dob"])
    except ValueError:
        raise BodyError("dob must be YYYY-MM-DD") from None
    forename = fields.get("forename", "").split()[:1]
    return [
        pupil
        for pupil in database.table("pupils").find(surnames=search_key(fields["surname"]), birth_date=dob.isoformat())
        if (not forename or any(same_text(forename[0], name) for name in pupil.forenames))
    ]


def _error(message: str) -> Response:
    root = ET.Element("Error")
    _add(root, "Message", message)
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), status_code=400, media_type=XML)


def create_app(database: Database) -> FastAPI:
    app = new_app("Education sandbox (CTF XML)")

    @app.post("/pupils/search")
    async def pupils_search(request: Request) -> Response:
        try:
            pupils = search_pupils(database, await read_fields(request))
        except BodyError as error:
            return _error(str(error))
        return Response(ctf_document(pupils), media_type=XML)

    return app
