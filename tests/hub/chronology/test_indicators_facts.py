"""The facts the indicators rest on travel typed from the agencies' own fields (`schemas.EntryFacts`).

Before: the DASH level, a MARAC referral, a CSE or CCE concern and a pupil's sessions reached the
chronology only as words inside the summary. Here each is read from the sandboxes' own renderings
(police JSON, a DfE CTF), through the connectors' normalisers and their allow-lists, and withheld
with the rest of a restricted record from a reader not cleared for it.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from connectors.education import EducationConnector, parse_pupil_entries
from connectors.police import PoliceConnector, occurrence_to_entry, ppn_to_entry
from hub.chronology.restricted import Clearance
from sandbox.education.ctf import ctf_document
from sandbox.model.places import LARCHFIELD_PRIMARY
from sandbox.model.records import (
    AttendancePeriod,
    MissingEpisode,
    PoliceNominal,
    PoliceOccurrence,
    ProtectionNotice,
    Pupil,
)
from sandbox.police.views import occurrence_json, ppn_json
from schemas import (
    Chronology,
    ChronologyEntry,
    DashRisk,
    EntryCategory,
    EntryFacts,
    ExploitationKind,
    NormalisedDocument,
    Sensitivity,
)
from tests.hub.builders import ASSEMBLED_AT

UPN = "Y393201510011"
CHILD = PoliceNominal("NOM-1", "P1", "Testchild", ("Synthetic",), date(2015, 3, 14), "female")


def occurrence(kind: str, *, dash: str | None = None, flags: tuple[str, ...] = ()) -> PoliceOccurrence:
    missing = (
        MissingEpisode(date(2026, 5, 1), date(2026, 5, 2), "medium", "parent_carer") if kind == "missing" else None
    )
    return PoliceOccurrence(
        occurrence_id="OCC-1",
        occurrence_type=kind,
        occurred_on=date(2026, 5, 1),
        location_type="home_address",
        location_address="1 Synthetic Street",
        summary="Synthetic narrative.",
        outcome="Words.",
        persons=(("NOM-1", "child_present"),),
        dash_risk=dash,
        missing=missing,
        flags=flags,
    )


def police_entry(record: PoliceOccurrence) -> ChronologyEntry:
    return occurrence_to_entry(occurrence_json(record, {"NOM-1": CHILD}))


@pytest.mark.parametrize("level", ["standard", "medium", "high"])
def test_a_domestic_abuse_incident_carries_its_dash_level(level: str) -> None:
    entry = police_entry(occurrence("domestic_abuse", dash=level))
    assert entry.facts == EntryFacts(dash_risk=DashRisk(level))
    assert f"DASH risk assessed as {level}" in entry.summary  # the words are unchanged


def test_a_marac_referral_and_a_cse_flag_are_facts_and_an_unknown_dash_grade_is_left_to_the_words() -> None:
    entry = police_entry(occurrence("domestic_abuse", dash="high", flags=("marac", "cse_concern")))
    assert entry.facts == EntryFacts(dash_risk=DashRisk.HIGH, marac=True, exploitation=[ExploitationKind.SEXUAL])
    odd = police_entry(occurrence("domestic_abuse", dash="very high"))
    assert odd.facts is None and "very high" in odd.summary


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("child_sexual_exploitation", [ExploitationKind.SEXUAL]),
        ("child_criminal_exploitation", [ExploitationKind.CRIMINAL]),
    ],
)
def test_exploitation_occurrences_say_which_exploitation(kind: str, expected: list[ExploitationKind]) -> None:
    entry = police_entry(occurrence(kind))
    assert entry.category is EntryCategory.CHILD_EXPLOITATION_CONCERN
    assert entry.facts is not None and entry.facts.exploitation == expected


def test_an_occurrence_with_nothing_to_say_has_no_facts() -> None:
    assert police_entry(occurrence("missing")).facts is None
    assert police_entry(occurrence("assault")).facts is None


def test_a_cse_public_protection_notice_carries_the_concern() -> None:
    notice = ProtectionNotice("PPN-1", "OCC-1", "NOM-1", date(2026, 5, 2), "child_sexual_exploitation", "high", "MASH")
    entry = ppn_to_entry(ppn_json(notice, occurrence("assault")))
    assert entry.facts == EntryFacts(exploitation=[ExploitationKind.SEXUAL])
    other = ProtectionNotice("PPN-2", "OCC-1", "NOM-1", date(2026, 5, 2), "child_at_risk", "medium", "MASH")
    assert ppn_to_entry(ppn_json(other, occurrence("assault"))).facts is None


def pupil(possible: int, attended: int) -> Pupil:
    period = AttendancePeriod(date(2026, 9, 3), date(2026, 10, 30), possible, attended, possible - attended, 0)
    return Pupil(
        upn=UPN,
        person_id="P1",
        surname="Testchild",
        forenames=("Synthetic",),
        dob=date(2015, 3, 14),
        gender="F",
        school=LARCHFIELD_PRIMARY,
        entry_date=date(2019, 9, 4),
        attendance=(period,),
    )


def attendance_entry(possible: int, attended: int) -> ChronologyEntry:
    entries = parse_pupil_entries(ctf_document([pupil(possible, attended)]), UPN)
    return next(entry for entry in entries if entry.category is EntryCategory.ATTENDANCE)


def test_an_attendance_period_carries_its_sessions_from_the_ctf() -> None:
    entry = attendance_entry(78, 64)
    assert entry.facts == EntryFacts(sessions_possible=78, sessions_attended=64)


def test_attendance_of_exactly_90_percent_is_persistent_absence_in_the_words_too() -> None:
    """DfE: missing 10% or more of possible sessions. The connector said nothing at exactly 90% before."""
    assert "persistently absent" in attendance_entry(70, 63).summary  # exactly 90%
    assert "persistently absent" not in attendance_entry(112, 101).summary  # 90.2%
    assert "severely absent" in attendance_entry(70, 35).summary  # exactly 50%


def test_facts_are_checked_when_read() -> None:
    with pytest.raises(ValidationError, match="cannot exceed"):
        EntryFacts(sessions_possible=10, sessions_attended=11)
    with pytest.raises(ValidationError, match="go together"):
        EntryFacts(sessions_possible=10)
    with pytest.raises(ValidationError):
        EntryFacts.model_validate({"dash_risk": "extreme"})


def test_the_allow_lists_keep_each_agencys_facts_and_drop_any_other() -> None:
    dash = police_entry(occurrence("domestic_abuse", dash="high", flags=("marac",)))
    attendance = attendance_entry(78, 64)
    stray = attendance.model_copy(update={"facts": EntryFacts(dash_risk=DashRisk.HIGH)})

    def kept(connector: type[PoliceConnector | EducationConnector], entry: ChronologyEntry) -> EntryFacts | None:
        document = NormalisedDocument(agency=connector.agency, kind="test", entries=[entry])
        return connector.returns.restrict(document)[0].entries[0].facts

    assert kept(PoliceConnector, dash) == dash.facts
    assert kept(EducationConnector, attendance) == attendance.facts
    assert kept(EducationConnector, stray) in (None, EntryFacts())  # education never states a DASH level


def test_a_withheld_restricted_record_keeps_none_of_its_facts() -> None:
    cse = police_entry(occurrence("child_sexual_exploitation"))
    assert cse.sensitivity is Sensitivity.RESTRICTED and cse.facts is not None
    chronology = Chronology(
        referral_id="REF-1",
        child_subject_id="S1",
        version=1,
        assembled_at=ASSEMBLED_AT,
        entries=[cse],
        checks=[],
    )
    withheld = Clearance().withhold(chronology).entries[0]
    assert withheld.facts is None and withheld.category is EntryCategory.OTHER
    assert Clearance(agencies=frozenset({"police"})).withhold(chronology).entries[0].facts == cse.facts
