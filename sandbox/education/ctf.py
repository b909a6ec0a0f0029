"""Pupil records as a DfE Common Transfer File (CTF) document, valid against schemas/xsd/ctf-sandbox.xsd.

The element names and nesting follow the DfE CTF (Header, CTFpupilData/Pupil, BasicDetails,
FSMhistory, SENhistory, Address, Attendance/YearData, SchoolHistory/School, Exclusions). Children
missing education is not in the CTF, so it travels in the clearly named MASHsandboxExtension
element. Output is deterministic apart from the header's DateTime.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from lxml import etree

from sandbox.model.places import LEA
from sandbox.model.records import AttendancePeriod, FsmPeriod, Pupil, School, SchoolSpell
from sandbox.model.truth import REFERENCE_DATE

CTF_VERSION = "26.0"
DOCUMENT_NAME = "Common Transfer File"
SUPPLIER_ID = "MASH-SANDBOX"
SOURCE_ESTAB = "0000"
SOURCE_NAME = "Northbridge Pupil Records Service"
DEST_ESTAB = "MASH"
GENDER_CODES = {"male": "M", "female": "F", "m": "M", "f": "F"}
MAX_ADDRESS_LINES = 5
POSTCODE = re.compile(r"^([A-Z0-9]{2,4}) ?([0-9][A-Z]{2})$")
PRESENT = ("/", "\\")
"""Morning and afternoon present marks."""
AUTHORISED, UNAUTHORISED, NO_SESSION = "I", "O", "#"


def code_of(text: str | None, default: str = "unknown") -> str:
    """A lower-case code of words joined by underscores (the XSD's CodeType), whatever the record holds."""
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    return "_".join(words)[:50] if words and words[0][0].isalpha() else default


def academic_year(on: date) -> int:
    """The academic year a date falls in, named by the calendar year it starts in (September)."""
    return on.year if on.month >= 9 else on.year - 1


def _add(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text.isoformat() if isinstance(text, date) else str(text)
    return element


def _add_optional(parent: etree._Element, tag: str, text: object | None) -> None:
    if text is not None and text != "":
        _add(parent, tag, text)


def _header(root: etree._Element) -> None:
    header = _add(root, "Header")
    _add(header, "DocumentName", DOCUMENT_NAME)
    _add(header, "CTFversion", CTF_VERSION)
    _add(header, "DateTime", datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat())
    _add(header, "DocumentQualifier", "partial")
    _add(header, "SupplierID", SUPPLIER_ID)
    source = _add(header, "SourceSchool")
    _add(source, "LEA", LEA)
    _add(source, "Estab", SOURCE_ESTAB)
    _add(source, "SchoolName", SOURCE_NAME)
    _add(source, "AcademicYear", academic_year(REFERENCE_DATE))
    destination = _add(header, "DestSchool")
    _add(destination, "LEA", LEA)
    _add(destination, "Estab", DEST_ESTAB)


def spells_of(pupil: Pupil) -> list[SchoolSpell]:
    """Every school the pupil has been on roll at, oldest first, ending with the current one."""
    return [*pupil.school_history, SchoolSpell(pupil.school, pupil.entry_date, None)]


def school_on(pupil: Pupil, day: date) -> School:
    """The school the pupil was at on a day (the earliest school for days before any entry)."""
    spells = spells_of(pupil)
    at = [spell.school for spell in spells if spell.entry <= day]
    return at[-1] if at else spells[0].school


def fsm_periods(pupil: Pupil) -> list[FsmPeriod]:
    """The recorded eligibility periods; eligibility without an open period counts from entry to the current school."""
    periods = list(pupil.fsm_periods)
    if pupil.fsm_eligible and not any(period.end is None for period in periods):
        periods.append(FsmPeriod(pupil.entry_date))
    return sorted(periods, key=lambda period: period.start)


def _spread(count: int, total: int) -> set[int]:
    """`count` positions spread evenly over range(total), deterministically (count <= total)."""
    return {(2 * index + 1) * total // (2 * count) for index in range(count)}


def attendance_marks(period: AttendancePeriod) -> str | None:
    """Session-by-session marks consistent with the period's counts, or None when the counts cannot fit it.

    Weekends are `#`; so are the weekdays the counts leave without sessions (holidays, closures), spread
    over the period. Absences are spread over the sessions, unauthorised ones among them.
    """
    possible, absent = period.sessions_possible, period.sessions_authorised + period.sessions_unauthorised
    if period.end < period.start or period.sessions_attended + absent != possible:
        return None
    days = [period.start + timedelta(days=offset) for offset in range((period.end - period.start).days + 1)]
    weekdays = [day for day in days if day.weekday() < 5]
    if possible > 2 * len(weekdays):
        return None
    open_days = (possible + 1) // 2
    opened = {weekdays[index] for index in _spread(open_days, len(weekdays))} if open_days else set()
    absences = sorted(_spread(absent, possible)) if absent else []
    unauthorised = {absences[index] for index in _spread(period.sessions_unauthorised, absent)} if absent else set()
    absent_at = set(absences)
    marks, session = [], 0
    for day in days:
        for half in (0, 1):
            if day not in opened or session >= possible:
                marks.append(NO_SESSION)
                continue
            if session in unauthorised:
                marks.append(UNAUTHORISED)
            elif session in absent_at:
                marks.append(AUTHORISED)
            else:
                marks.append(PRESENT[half])
            session += 1
    return "".join(marks)


def _basic_details(element: etree._Element, pupil: Pupil) -> None:
    middle = " ".join(pupil.forenames[1:]) or None
    details = (
        ("FormerUPN", pupil.former_upn),
        ("PreferredSurname", pupil.preferred_surname),
        ("FormerSurname", pupil.former_surname),
        ("PreferredForename", pupil.preferred_forename),
        ("MiddleNames", middle),
    )
    if any(value for _, value in details):
        basic = _add(element, "BasicDetails")
        for tag, value in details:
            _add_optional(basic, tag, value.strip() if value else None)


def _fsm_history(element: etree._Element, pupil: Pupil) -> None:
    periods = fsm_periods(pupil)
    if not periods:
        return
    history = _add(element, "FSMhistory")
    for period in periods:
        instance = _add(history, "FSMinstance")
        _add(instance, "FSMstartDate", period.start)
        _add_optional(instance, "FSMendDate", period.end)
        _add(instance, "UKcountry", "ENG")


def _sen_history(element: etree._Element, pupil: Pupil) -> None:
    if not pupil.sen:
        return
    records = sorted(pupil.sen, key=lambda record: record.start)
    history = _add(element, "SENhistory")
    for record in records:
        sen = _add(history, "SEN")
        _add(sen, "StartDate", record.start)
        _add(sen, "SENprovision", record.provision)
    needs = list(dict.fromkeys(record.need for record in reversed(records) if record.need))
    if needs:
        ranked = _add(history, "SENneeds")
        for rank, need in enumerate(needs, start=1):
            item = _add(ranked, "SENneed")
            _add(item, "SENtype", need)
            _add(item, "SENtypeRank", rank)


def _address(element: etree._Element, pupil: Pupil) -> None:
    """AddressLines from the comma-separated line; a postcode not in UK format is left out."""
    if pupil.address is None:
        return
    parts = [part.strip() for part in pupil.address.line.split(",") if part.strip()]
    if not parts:
        return
    parts = [*parts[: MAX_ADDRESS_LINES - 1], ", ".join(parts[MAX_ADDRESS_LINES - 1 :])] if parts[4:] else parts
    address = _add(element, "Address")
    lines = _add(address, "AddressLines")
    for number, part in enumerate(parts, start=1):
        _add(lines, f"AddressLine{number}", part)
    postcode = POSTCODE.match("".join((pupil.address.postcode or "").split()).upper())
    if postcode:
        _add(address, "PostCode", f"{postcode[1]} {postcode[2]}")


def _attendance(element: etree._Element, pupil: Pupil) -> None:
    if not pupil.attendance:
        return
    attendance = _add(element, "Attendance")
    for period in sorted(pupil.attendance, key=lambda period: period.start):
        school = school_on(pupil, period.end)  # the school that recorded the term's end
        year = _add(attendance, "YearData")
        _add(year, "Year", academic_year(period.start))
        _add(year, "LEA", school.lea)
        _add(year, "Estab", school.estab)
        _add(year, "SchoolName", school.name)
        _add(year, "SessionsPossible", period.sessions_possible)
        _add(year, "SessionsAuthorised", period.sessions_authorised)
        _add(year, "SessionsAttended", period.sessions_attended)
        _add(year, "SessionsUnauthorised", period.sessions_unauthorised)
        _add(year, "AttendanceStartDate", period.start)
        _add_optional(year, "AttendanceMarks", attendance_marks(period))


def _school_history(element: etree._Element, pupil: Pupil) -> None:
    history = _add(element, "SchoolHistory")
    for spell in spells_of(pupil):
        school = _add(history, "School")
        _add(school, "LEA", spell.school.lea)
        _add(school, "Estab", spell.school.estab)
        _add(school, "SchoolName", spell.school.name)
        _add(school, "EntryDate", spell.entry)
        _add_optional(school, "LeavingDate", spell.leaving)
        _add_optional(school, "LeavingReason", code_of(spell.leaving_reason) if spell.leaving_reason else None)


def _exclusions(element: etree._Element, pupil: Pupil) -> None:
    if not pupil.exclusions:
        return
    exclusions = _add(element, "Exclusions")
    for exclusion in sorted(pupil.exclusions, key=lambda exclusion: exclusion.start):
        school = school_on(pupil, exclusion.start)
        item = _add(exclusions, "Exclusion")
        _add(item, "LEA", school.lea)
        _add(item, "Estab", school.estab)
        _add(item, "StartDate", exclusion.start)
        _add(item, "Category", exclusion.category)
        _add(item, "Reason", exclusion.reason)
        _add_optional(item, "Sessions", exclusion.sessions or None)


def _missing_education(element: etree._Element, pupil: Pupil) -> None:
    if not pupil.missing_education:
        return
    extension = _add(element, "MASHsandboxExtension")
    cme = _add(extension, "ChildMissingEducation")
    for episode in sorted(pupil.missing_education, key=lambda episode: episode.start):
        item = _add(cme, "CMEepisode")
        _add(item, "StartDate", episode.start)
        _add_optional(item, "EndDate", episode.end)
        _add(item, "Reason", code_of(episode.reason))


def _pupil(parent: etree._Element, pupil: Pupil) -> None:
    element = _add(parent, "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname.strip())
    _add(element, "Forename", pupil.forenames[0].strip())
    _add(element, "DOB", pupil.dob)
    _add(element, "Gender", GENDER_CODES.get(pupil.gender.casefold(), "U"))
    for section in (
        _basic_details,
        _fsm_history,
        _sen_history,
        _address,
        _attendance,
        _school_history,
        _exclusions,
        _missing_education,
    ):
        section(element, pupil)


def ctf_document(pupils: list[Pupil]) -> bytes:
    """One CTF holding every pupil given (none: an empty CTFpupilData)."""
    root = etree.Element("CTfile")
    _header(root)
    data = _add(root, "CTFpupilData")
    for pupil in pupils:
        _pupil(data, pupil)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)
