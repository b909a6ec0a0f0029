"""Education connector: pupils from a DfE Common Transfer File (CTF) XML reply.

Searches by UPN when the referral has one, else surname, forename and a birth-date range a week
either side of the referral's (`dob_from`, `dob_to`; the referral's name, then its aliases; the
agency also matches former and preferred surnames): a pupil whose birth date was keyed a day out is
returned, and identity checking decides. The UPN is the agency's person id.

Every reply is checked against the project's XSD (`schemas/xsd/ctf-sandbox.xsd`) before it is read:
a document that does not match is a `MalformedReply`, never half-read. One pupil's DOB or postcode that
is no real one (30 February, a letter missing) is not a broken document but a missing field: it is
taken out before the check and left out of that pupil's record, with a note, and the rest is read. XML with a DOCTYPE or
entity declaration is refused outright, and the parser neither loads DTDs, resolves entities nor
touches the network, so entity-expansion and external-entity attacks have nothing to work with.
The refusal holds in every encoding: the connector decodes the reply itself (a BOM, else the first
bytes, else the declared encoding, as XML 1.0 Appendix F describes), looks for a DOCTYPE in that
text, and hands lxml that same text as UTF-8. What is checked is exactly what is parsed, so UTF-16,
UTF-32 or a declared single-byte encoding cannot hide a declaration from the check.

Each pupil's school history, attendance (with a fall from the previous term), suspensions and
exclusions, SEN support or EHCP, free school meals and children-missing-education episodes become
chronology entries.
"""

from __future__ import annotations

import codecs
import re
import threading
from datetime import date, timedelta
from pathlib import Path

from lxml import etree

import schemas
from connectors.sdk.allowlist import ReturnedFields
from connectors.sdk.auth import ApiKeyCredentials, NoCredentials
from connectors.sdk.base import (
    SAFEGUARDING_BASIS,
    Connector,
    MalformedReply,
    birth_date_of,
    birth_window,
    names_to_search,
    parsing,
)
from connectors.sdk.fields import RecordFields
from connectors.sdk.wording import count, long_date, sentence
from schemas import (
    Address,
    AgencyPerson,
    ChronologyEntry,
    EntryCategory,
    EntryFacts,
    Identifiers,
    Involvement,
    InvolvementRole,
    NormalisedDocument,
    Person,
    PersonName,
    Sensitivity,
    Sex,
    SourceRef,
)

AGENCY = "education"
CTF_XSD = Path(schemas.__file__).resolve().parent / "xsd" / "ctf-sandbox.xsd"
SEARCH_PATH = "/pupils/search"
PERSISTENT_ABSENCE_AT_MOST = 90.0
"""DfE: a pupil missing 10% or more of possible sessions is persistently absent, so attendance of exactly 90% is."""
SEVERE_ABSENCE_AT_MOST = 50.0
"""DfE: a pupil missing 50% or more of possible sessions is severely absent."""
NOTABLE_FALL = 5.0
"""A fall in attendance of this many percentage points from the previous term is worth saying."""
GENDERS = {"M": Sex.MALE, "F": Sex.FEMALE}
EXCLUSION_REASONS = {
    "PP": "physical assault against a pupil",
    "PA": "physical assault against an adult",
    "VP": "verbal abuse or threatening behaviour against a pupil",
    "VA": "verbal abuse or threatening behaviour against an adult",
    "BU": "bullying",
    "RA": "racist abuse",
    "LG": "abuse against sexual orientation or gender identity",
    "DS": "abuse relating to disability",
    "MT": "inappropriate use of social media or online technology",
    "WA": "wilful and repeated transgression of protective measures",
    "DA": "drug and alcohol related",
    "DM": "damage",
    "TH": "theft",
    "SM": "sexual misconduct",
    "DB": "persistent or general disruptive behaviour",
    "OW": "use or threat of use of an offensive weapon or prohibited item",
    "OT": "other reason",
}
SEN_PROVISION = {"K": "SEN support", "E": "Education, Health and Care plan"}
SEN_NEEDS = {
    "SPLD": "specific learning difficulty",
    "MLD": "moderate learning difficulty",
    "SLD": "severe learning difficulty",
    "PMLD": "profound and multiple learning difficulty",
    "SEMH": "social, emotional and mental health",
    "SLCN": "speech, language and communication needs",
    "HI": "hearing impairment",
    "VI": "vision impairment",
    "MSI": "multi-sensory impairment",
    "PD": "physical disability",
    "ASD": "autistic spectrum disorder",
    "OTH": "other difficulty or disability",
    "NSA": "no specialist assessment of need",
}
_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE's, which it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_STARTS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
"""How a document's first `<` looks in UTF-32 and UTF-16 without a BOM (XML 1.0 Appendix F)."""
_DECLARED = re.compile(rb"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")
_SINGLE_BYTE = re.compile(r"utf-8|ascii|iso8859-\d{1,2}|cp125\d")
"""Encodings a document in an ASCII-compatible form may declare (by Python's name for them)."""


_per_thread = threading.local()
_loading_a_schema = threading.Lock()


def ctf_schema() -> etree.XMLSchema:
    """The project's CTF schema, loaded once per thread.

    An lxml validator keeps its state while it validates and must not be shared between threads: an
    agency's task checks several people at once, and two threads validating with one schema have been
    seen to spin forever. Loading it costs a few milliseconds, once per thread, and threads load theirs
    one at a time: libxml2 compiling schemas in several threads at once has been seen to fail (a task's
    threads all start together), which read valid replies as malformed.
    """
    schema: etree.XMLSchema | None = getattr(_per_thread, "ctf_schema", None)
    if schema is None:
        with _loading_a_schema:
            schema = _per_thread.ctf_schema = etree.XMLSchema(etree.parse(str(CTF_XSD), _parser()))
    return schema


def _parser() -> etree.XMLParser:
    """No DTD, no entities, no network, libxml2's size and depth limits; the input is always UTF-8."""
    return etree.XMLParser(encoding="utf-8", resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


def xml_text(document: bytes) -> str:
    """The document decoded as XML 1.0 (Appendix F) finds its encoding: a BOM, the first bytes, the declaration.

    UTF-8 when nothing says otherwise. An ASCII-compatible document may declare UTF-8, ASCII, ISO 8859 or
    a Windows code page; any other declaration, and bytes that are not in the encoding found, are malformed.
    """
    for bom, encoding in _BOMS:
        if document.startswith(bom):
            return document[len(bom) :].decode(encoding)
    for start, encoding in _WIDE_STARTS:
        if document.startswith(start):
            return document.decode(encoding)
    declared = _DECLARED.match(document)
    try:
        encoding = codecs.lookup(declared.group(1).decode("ascii")).name if declared else "utf-8"
    except LookupError:
        encoding = ""
    if not _SINGLE_BYTE.fullmatch(encoding):
        raise MalformedReply(message="reply declares an encoding the connector does not read")
    return document.decode(encoding)


def parse_ctf(document: bytes) -> list[etree._Element]:
    """The Pupil elements of a CTF document that matches the project's XSD."""
    return read_ctf(document)[0]


def _set_aside_unusable_fields(root: etree._Element) -> list[list[str]]:
    """Take each pupil's DOB and postcode that are no real ones out of the tree; the notes, pupil by pupil.

    Done before the XSD check, which would otherwise refuse the whole reply over one pupil's mistyped
    value: a bad field is a missing field (the XSD lets a DOB be absent for this reason).
    """
    notes = []
    for pupil in root.iterfind("CTFpupilData/Pupil"):
        fields = RecordFields()
        for path, read in (("DOB", fields.birth_date), ("Address/PostCode", fields.postcode)):
            element = pupil.find(path)
            if element is not None and element.text and read(element.text.strip()) is None:
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)
        notes.append(fields.set_aside)
    return notes


def read_ctf(document: bytes) -> tuple[list[etree._Element], list[list[str]]]:
    """The Pupil elements of a CTF document that matches the project's XSD, once unusable values are set aside,
    and the notes on those values, pupil by pupil."""
    with parsing():
        text = xml_text(document)
        if _DOCTYPE.search(text):
            raise MalformedReply(message="XML with a DOCTYPE or entity declaration is refused")
        root = etree.fromstring(text.encode("utf-8"), _parser())
        if root.getroottree().docinfo.internalDTD is not None:
            raise MalformedReply(message="XML with a DOCTYPE or entity declaration is refused")
        if root.tag != "CTfile":
            raise MalformedReply(message="reply is not a CTF document matching the project's schema")
        notes = _set_aside_unusable_fields(root)
        if not ctf_schema().validate(root):
            raise MalformedReply(message="reply is not a CTF document matching the project's schema")
        return list(root.iterfind("CTFpupilData/Pupil")), notes


def _text(element: etree._Element, path: str) -> str:
    value = element.findtext(path)
    if value is None or not value.strip():
        raise MalformedReply(message="a required CTF field is missing")
    return value.strip()


def _optional(element: etree._Element, path: str) -> str | None:
    value = element.findtext(path)
    return value.strip() if value and value.strip() else None


def _date(element: etree._Element, path: str) -> date:
    return date.fromisoformat(_text(element, path))


def _optional_date(element: etree._Element, path: str) -> date | None:
    value = _optional(element, path)
    return date.fromisoformat(value) if value else None


def _address(pupil: etree._Element) -> Address | None:
    address = pupil.find("Address")
    if address is None:
        return None
    lines = [line.text.strip() for line in address.iterfind("AddressLines/*") if line.text and line.text.strip()]
    return Address(line=", ".join(lines) or None, postcode=_optional(address, "PostCode"))


def _aliases(pupil: etree._Element, name: PersonName) -> list[PersonName]:
    """Other names the school holds: former and preferred surnames, and the preferred forename."""
    forename = _optional(pupil, "BasicDetails/PreferredForename")
    surnames = [_optional(pupil, "BasicDetails/FormerSurname"), _optional(pupil, "BasicDetails/PreferredSurname")]
    candidates = [PersonName(given_names=name.given_names, family_name=surname) for surname in surnames if surname]
    if forename:
        candidates.append(PersonName(given_names=[forename], family_name=name.family_name))
    aliases: list[PersonName] = []
    for alias in candidates:
        if alias != name and alias not in aliases:
            aliases.append(alias)
    return aliases


def pupil_to_candidate(pupil: etree._Element, set_aside: list[str] | None = None) -> AgencyPerson:
    """The pupil as a candidate; `set_aside` notes the values taken out before the XSD check."""
    upn = _text(pupil, "UPN")
    given = [_text(pupil, "Forename"), *(_optional(pupil, "BasicDetails/MiddleNames") or "").split()]
    name = PersonName(given_names=given, family_name=_text(pupil, "Surname"))
    fields = RecordFields()
    fields.set_aside += set_aside or []
    return AgencyPerson(
        agency_person_id=upn,
        person=Person(
            name=name,
            aliases=_aliases(pupil, name),
            birth_date=_optional_date(pupil, "DOB"),
            sex=GENDERS.get(_text(pupil, "Gender"), Sex.UNKNOWN),
            address=_address(pupil),
            # A UPN whose check letter is wrong is still the school's id for the pupil, but not a trusted identifier.
            identifiers=Identifiers(upn=fields.upn(upn)),
        ),
        set_aside=fields.set_aside,
    )


def parse_pupils(document: bytes) -> list[AgencyPerson]:
    pupils, notes = read_ctf(document)
    with parsing():
        return [pupil_to_candidate(pupil, set_aside) for pupil, set_aside in zip(pupils, notes, strict=True)]


def _entry(upn: str, record: str, **fields: object) -> ChronologyEntry:
    people = [Involvement(agency_person_id=upn, role=InvolvementRole.PUPIL)]
    source = SourceRef(agency=AGENCY, record_id=f"CTF/{upn}/{record}")
    return ChronologyEntry.model_validate({"source": source, "people": people, **fields})


def _span(start: date, end: date | None) -> str:
    return f"from {long_date(start)} to {long_date(end)}" if end else f"since {long_date(start)}"


def _school_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    entries = []
    for school in pupil.iterfind("SchoolHistory/School"):
        code = f"{_text(school, 'LEA')}/{_text(school, 'Estab')}"
        entered, left = _date(school, "EntryDate"), _optional_date(school, "LeavingDate")
        reason = _optional(school, "LeavingReason")
        leaving = None
        if left:
            leaving = f"left {long_date(left)}" + (f" ({reason.replace('_', ' ')})" if reason else "")
        entries.append(
            _entry(
                upn,
                f"school/{code}/{entered.isoformat()}",
                occurred_on=entered,
                ended_on=left,
                category=EntryCategory.SCHOOL_ENROLMENT,
                summary=sentence(
                    f"On roll at {_text(school, 'SchoolName')} ({code}) from {long_date(entered)}",
                    leaving,
                ),
            )
        )
    return entries


def _attendance_end(year: etree._Element, start: date) -> date | None:
    """The last day the marks cover: two marks per calendar day from the start date."""
    marks = _optional(year, "AttendanceMarks")
    return start + timedelta(days=len(marks) // 2 - 1) if marks else None


def _absence_level(percent: float) -> str | None:
    if percent <= SEVERE_ABSENCE_AT_MOST:
        return "severely absent"
    return "persistently absent" if percent <= PERSISTENT_ABSENCE_AT_MOST else None


def _attendance_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    entries, previous = [], None
    for year in pupil.iterfind("Attendance/YearData"):
        possible = int(_text(year, "SessionsPossible"))
        attended = int(_text(year, "SessionsAttended"))
        unauthorised = int(_text(year, "SessionsUnauthorised"))
        start = _date(year, "AttendanceStartDate")
        end = _attendance_end(year, start)
        percent = 100.0 * attended / possible if possible else 100.0
        fall = previous - percent if previous is not None else 0.0
        absence = _absence_level(percent)
        entries.append(
            _entry(
                upn,
                f"attendance/{start.isoformat()}",
                occurred_on=start,
                ended_on=end,
                category=EntryCategory.ATTENDANCE,
                summary=sentence(
                    f"Attendance {percent:.0f}% ({attended} of {possible} sessions) {_span(start, end)}",
                    f"{count(unauthorised, 'session')} of unauthorised absence" if unauthorised else None,
                    absence,
                    f"down from {previous:.0f}% the term before" if fall >= NOTABLE_FALL else None,
                ),
                facts=EntryFacts(sessions_possible=possible, sessions_attended=attended),
            )
        )
        previous = percent
    return entries


def _school_names(pupil: etree._Element) -> dict[str, str]:
    """LEA/Estab -> school name, from the school history (exclusions carry only the numbers)."""
    return {
        f"{_text(school, 'LEA')}/{_text(school, 'Estab')}": _text(school, "SchoolName")
        for school in pupil.iterfind("SchoolHistory/School")
    }


def _exclusion_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    entries, names = [], _school_names(pupil)
    for exclusion in pupil.iterfind("Exclusions/Exclusion"):
        started = _date(exclusion, "StartDate")
        category = _text(exclusion, "Category")
        reason = EXCLUSION_REASONS.get(_text(exclusion, "Reason"), "reason not recorded")
        sessions = int(_optional(exclusion, "Sessions") or 0)
        code = f"{_text(exclusion, 'LEA')}/{_text(exclusion, 'Estab')}"
        school = names.get(code, f"school {code}")
        if category == "PERM":
            kind, what = EntryCategory.EXCLUSION, f"Permanently excluded from {school}"
        else:
            lunchtime = " at lunchtime" if category == "LNCH" else ""
            length = f" for {count(sessions, 'session')}" if sessions else ""
            kind, what = EntryCategory.SUSPENSION, f"Suspended{lunchtime}{length} from {school}"
        entries.append(
            _entry(
                upn,
                f"exclusion/{started.isoformat()}/{category}",
                occurred_on=started,
                category=kind,
                summary=sentence(f"{what}: {reason}"),
            )
        )
    return entries


def _sen_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    records = list(pupil.iterfind("SENhistory/SEN"))
    need = SEN_NEEDS.get(_optional(pupil, "SENhistory/SENneeds/SENneed[SENtypeRank='1']/SENtype") or "")
    entries = []
    for index, sen in enumerate(records):
        started = _date(sen, "StartDate")
        provision = SEN_PROVISION[_text(sen, "SENprovision")]
        latest = index == len(records) - 1
        entries.append(
            _entry(
                upn,
                f"sen/{started.isoformat()}",
                occurred_on=started,
                category=EntryCategory.SPECIAL_EDUCATIONAL_NEEDS,
                summary=sentence(
                    f"Special educational needs: {provision} from {long_date(started)}",
                    f"primary need {need}" if need and latest else None,
                ),
                sensitivity=Sensitivity.SENSITIVE,
            )
        )
    return entries


def _fsm_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    entries = []
    for instance in pupil.iterfind("FSMhistory/FSMinstance"):
        started, ended = _date(instance, "FSMstartDate"), _optional_date(instance, "FSMendDate")
        entries.append(
            _entry(
                upn,
                f"fsm/{started.isoformat()}",
                occurred_on=started,
                ended_on=ended,
                category=EntryCategory.OTHER,
                summary=sentence(f"Eligible for free school meals {_span(started, ended)}"),
                sensitivity=Sensitivity.SENSITIVE,
            )
        )
    return entries


def _missing_education_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    entries = []
    for episode in pupil.iterfind("MASHsandboxExtension/ChildMissingEducation/CMEepisode"):
        started, ended = _date(episode, "StartDate"), _optional_date(episode, "EndDate")
        reason = _text(episode, "Reason").replace("_", " ")
        entries.append(
            _entry(
                upn,
                f"cme/{started.isoformat()}",
                occurred_on=started,
                ended_on=ended,
                category=EntryCategory.CHILD_MISSING_EDUCATION,
                summary=sentence(f"Child missing education {_span(started, ended)}", f"reason recorded: {reason}"),
            )
        )
    return entries


EXTRACTORS = (
    _school_entries,
    _attendance_entries,
    _exclusion_entries,
    _sen_entries,
    _fsm_entries,
    _missing_education_entries,
)


def _pupil_entries(upn: str, pupil: etree._Element) -> list[ChronologyEntry]:
    with parsing():
        return [entry for extract in EXTRACTORS for entry in extract(upn, pupil)]


def parse_pupil_entries(document: bytes, upn: str) -> list[ChronologyEntry]:
    """Chronology entries for the pupil with this UPN in a CTF document."""
    pupils = parse_ctf(document)
    with parsing():
        return [entry for pupil in pupils if pupil.findtext("UPN") == upn for entry in _pupil_entries(upn, pupil)]


def parse_document(document: bytes) -> NormalisedDocument:
    """One captured CTF reply, normalised: every pupil in it as a candidate, with all of their entries.

    Read exactly as a check reads it (XSD first; DOCTYPE and entities refused), so anything that is
    not such a CTF, another agency's JSON included, is `MalformedReply`, never quoting the document.
    """
    pupils, notes = read_ctf(document)
    with parsing():
        candidates = [pupil_to_candidate(pupil, set_aside) for pupil, set_aside in zip(pupils, notes, strict=True)]
        entries = [
            entry
            for pupil, candidate in zip(pupils, candidates, strict=True)
            for entry in _pupil_entries(candidate.agency_person_id, pupil)
        ]
        return NormalisedDocument(agency=AGENCY, kind="pupil-records", candidates=candidates, entries=entries)


class EducationConnector(Connector):
    agency = AGENCY
    title = "Education (Common Transfer File)"
    lawful_basis = SAFEGUARDING_BASIS
    returns = ReturnedFields(
        person=frozenset({"aliases", "birth_date", "sex", "address", "identifiers.upn"}),
        entry=frozenset({"ended_on", "sensitivity", "facts.sessions_possible", "facts.sessions_attended"}),
        categories=frozenset(
            {
                EntryCategory.SCHOOL_ENROLMENT,
                EntryCategory.ATTENDANCE,
                EntryCategory.SUSPENSION,
                EntryCategory.EXCLUSION,
                EntryCategory.SPECIAL_EDUCATIONAL_NEEDS,
                EntryCategory.CHILD_MISSING_EDUCATION,
                EntryCategory.OTHER,
            }
        ),
    )
    credential_types = (ApiKeyCredentials, NoCredentials)
    asynchronous = True

    @classmethod
    def parse_document(cls, document: bytes) -> NormalisedDocument:
        return parse_document(document)

    def search(self, person: Person) -> list[AgencyPerson]:
        """By UPN, else by each name born within a week of the referral's birth date; identity checking decides.

        Not the exact date: a pupil keyed a day out was never returned, so the check read "no record"
        while the school held the child (issue 13). The forename stays in the query, so a twin or a
        sibling of the same surname is not returned with them.
        """
        upn = person.identifiers.upn
        if upn and (found := parse_pupils(self.post(SEARCH_PATH, data={"upn": upn}).content)):
            return found
        window = birth_window(birth_date_of(person))
        for name in names_to_search(person):
            body = {
                "surname": name.family_name,
                "forename": name.given_names[0],
                "dob_from": window.earliest.isoformat(),
                "dob_to": window.latest.isoformat(),
            }
            if found := parse_pupils(self.post(SEARCH_PATH, data=body).content):
                return found
        return []

    def fetch_entries(self, candidate: AgencyPerson) -> list[ChronologyEntry]:
        upn = candidate.agency_person_id
        return parse_pupil_entries(self.post(SEARCH_PATH, data={"upn": upn}).content, upn)
