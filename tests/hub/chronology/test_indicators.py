"""Every rule of `config/indicators.yaml` on synthetic entries: what it matches, its near misses and boundaries,
the words of each key concern and its sources, each entry's mark, the threshold suggestion, and the file's
validation (a mistake is one line naming the setting).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.chronology.indicator_rules import SHIPPED, IndicatorRules, Significance, load_indicators, read_indicators_file
from hub.chronology.indicators import (
    Findings,
    age_on,
    find,
    suggestion_words,
)
from hub.errors import UserError
from hub.settings import HubSettings
from schemas import (
    Chronology,
    ChronologyEntry,
    DashRisk,
    EntryCategory,
    EntryFacts,
    ExploitationKind,
    Involvement,
    InvolvementRole,
    Referral,
    SourceRef,
)
from tests.hub.builders import ASSEMBLED_AT, example_referral

RULES = read_indicators_file(SHIPPED)
TODDLER_BORN = date(2024, 11, 2)
"""Tyler's birth date in these tests: two years old on 2 Nov 2026."""
CAT = EntryCategory


def referral() -> Referral:
    """The sample referral, with the sibling (S2) made a toddler, so the under-two rule has a child to see."""
    base = example_referral()
    subjects = [
        subject.model_copy(update={"person": subject.person.model_copy(update={"birth_date": TODDLER_BORN})})
        if subject.subject_id == "S2"
        else subject
        for subject in base.subjects
    ]
    return base.model_copy(update={"subjects": subjects})


def make(
    agency: str,
    category: EntryCategory,
    on: str = "2026-05-01",
    *,
    facts: EntryFacts | None = None,
    subject: str = "S1",
    record: str = "REC-1",
) -> ChronologyEntry:
    return ChronologyEntry(
        occurred_on=date.fromisoformat(on),
        category=category,
        summary="Synthetic entry.",
        source=SourceRef(agency=agency, record_id=record),
        people=[Involvement(agency_person_id=f"{agency}-{subject}", role=InvolvementRole.SUBJECT, subject_id=subject)],
        facts=facts,
    )


def findings(*entries: ChronologyEntry, rules: IndicatorRules = RULES) -> Findings:
    chronology = Chronology(
        referral_id="REF-1",
        child_subject_id="S1",
        version=1,
        assembled_at=ASSEMBLED_AT,
        entries=list(entries),
        checks=[],
    )
    return find(rules, [chronology], referral().subjects, when=lambda entry: entry.occurred_on.isoformat())


def found(*entries: ChronologyEntry) -> set[str]:
    return {concern.indicator for concern in findings(*entries).concerns}


def dash(level: DashRisk | None = None, *, marac: bool | None = None) -> EntryFacts:
    return EntryFacts(dash_risk=level, marac=marac)


def exploited(kind: ExploitationKind) -> EntryFacts:
    return EntryFacts(exploitation=[kind])


def sessions(possible: int, attended: int) -> EntryFacts:
    return EntryFacts(sessions_possible=possible, sessions_attended=attended)


CASES: dict[str, tuple[ChronologyEntry, ChronologyEntry]] = {
    "domestic_abuse": (
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.STANDARD)),
        make("police", CAT.POLICE_OCCURRENCE),
    ),
    "domestic_abuse_high_risk": (
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.HIGH)),
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.MEDIUM)),
    ),
    "marac": (
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.HIGH, marac=True)),
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.HIGH)),
    ),
    "child_sexual_exploitation": (
        make("police", CAT.CHILD_EXPLOITATION_CONCERN, facts=exploited(ExploitationKind.SEXUAL)),
        make("police", CAT.CHILD_EXPLOITATION_CONCERN, facts=exploited(ExploitationKind.CRIMINAL)),
    ),
    "child_criminal_exploitation": (
        make("police", CAT.MISSING_EPISODE, facts=exploited(ExploitationKind.CRIMINAL)),
        make("police", CAT.CHILD_EXPLOITATION_CONCERN, facts=exploited(ExploitationKind.SEXUAL)),
    ),
    "missing_episodes": (make("police", CAT.MISSING_EPISODE), make("education", CAT.CHILD_MISSING_EDUCATION)),
    "child_protection_plan": (make("health", CAT.CHILD_PROTECTION_PLAN), make("health", CAT.LOOKED_AFTER)),
    "looked_after": (make("health", CAT.LOOKED_AFTER), make("health", CAT.CHILD_PROTECTION_PLAN)),
    "public_protection_notice": (
        make("police", CAT.PUBLIC_PROTECTION_NOTICE),
        make("police", CAT.POLICE_OCCURRENCE),
    ),
    "infant_emergency_attendance": (  # the day before the second birthday, and the birthday itself
        make("health", CAT.EMERGENCY_ATTENDANCE, "2026-11-01", subject="S2"),
        make("health", CAT.EMERGENCY_ATTENDANCE, "2026-11-02", subject="S2"),
    ),
    "suspensions": (make("education", CAT.SUSPENSION), make("education", CAT.SCHOOL_ENROLMENT)),
    "permanent_exclusion": (make("education", CAT.EXCLUSION), make("education", CAT.SUSPENSION)),
    "persistent_absence": (  # exactly 90% attendance is 10% missed (DfE), and 90.2% is not
        make("education", CAT.ATTENDANCE, facts=sessions(70, 63)),
        make("education", CAT.ATTENDANCE, facts=sessions(112, 101)),
    ),
    "child_missing_education": (
        make("education", CAT.CHILD_MISSING_EDUCATION),
        make("education", CAT.SCHOOL_ENROLMENT),
    ),
    "homelessness": (make("housing", CAT.HOMELESSNESS), make("housing", CAT.TENANCY)),
    "possession": (make("housing", CAT.HOUSING_NOTICE), make("housing", CAT.RENT_ARREARS)),
}


def test_every_shipped_rule_has_a_case_here() -> None:
    assert {indicator.id for indicator in RULES.indicators} == set(CASES)


@pytest.mark.parametrize("indicator", sorted(CASES))
def test_each_rule_matches_its_entries_and_not_the_near_miss(indicator: str) -> None:
    matching, near_miss = CASES[indicator]
    assert indicator in found(matching)
    assert indicator not in found(near_miss)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (None, {"domestic_abuse"}),
        (DashRisk.STANDARD, {"domestic_abuse"}),
        (DashRisk.MEDIUM, {"domestic_abuse"}),
        (DashRisk.HIGH, {"domestic_abuse", "domestic_abuse_high_risk"}),
    ],
)
def test_each_dash_level(level: DashRisk | None, expected: set[str]) -> None:
    assert found(make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(level) if level else None)) == expected


def test_a_rule_is_held_to_its_agency() -> None:
    """A domestic abuse incident is a police record here; the same category from elsewhere is not counted."""
    assert "domestic_abuse" not in found(make("housing", CAT.DOMESTIC_ABUSE_INCIDENT))
    assert "infant_emergency_attendance" not in found(make("police", CAT.EMERGENCY_ATTENDANCE, subject="S2"))


def test_attendance_without_sessions_or_with_none_possible_is_never_persistent_absence() -> None:
    assert not found(make("education", CAT.ATTENDANCE))
    assert not found(make("education", CAT.ATTENDANCE, facts=sessions(0, 0)))
    assert found(make("education", CAT.ATTENDANCE, facts=sessions(10, 0))) == {"persistent_absence"}


def test_under_two_needs_a_child_of_the_referral_with_a_birth_date() -> None:
    """An adult's A&E attendance, or a record tied to nobody in the referral, is not an infant's."""
    assert not found(make("health", CAT.EMERGENCY_ATTENDANCE, "2026-01-01", subject="S3"))
    assert not found(make("health", CAT.EMERGENCY_ATTENDANCE, "2026-01-01", subject="S9"))
    assert not found(make("health", CAT.EMERGENCY_ATTENDANCE, "2026-01-01", subject="S1"))  # Amara is 10


def test_age_on_a_date_counts_whole_years_and_leap_day_birthdays_come_on_1_march() -> None:
    assert age_on(date(2024, 11, 2), date(2026, 11, 1)) == 1
    assert age_on(date(2024, 11, 2), date(2026, 11, 2)) == 2
    assert age_on(date(2024, 2, 29), date(2026, 2, 28)) == 1
    assert age_on(date(2024, 2, 29), date(2026, 3, 1)) == 2


def test_the_concern_says_count_latest_and_highest_dash_level_with_every_source_newest_first() -> None:
    incidents = [
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, "2025-01-04", facts=dash(DashRisk.STANDARD), record="OCC-1"),
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, "2026-11-01", facts=dash(DashRisk.MEDIUM), record="OCC-2"),
        make("police", CAT.DOMESTIC_ABUSE_INCIDENT, "2025-06-30", record="OCC-3", subject="S3"),
    ]
    concern = next(item for item in findings(*incidents).concerns if item.indicator == "domestic_abuse")
    assert concern.detail == "3 records, the most recent 2026-11-01; highest DASH risk level: medium."
    assert [source.words for source in concern.sources] == [
        "Police: domestic abuse incident, 2026-11-01 (about Amara Joy Okafor-Reid)",
        "Police: domestic abuse incident, 2025-06-30 (about Grace Okafor)",
        "Police: domestic abuse incident, 2025-01-04 (about Amara Joy Okafor-Reid)",
    ]
    assert not any("OCC-" in source.words for source in concern.sources)  # never the agency's own id
    bare = next(item for item in findings(incidents[2]).concerns if item.indicator == "domestic_abuse")
    assert bare.detail.endswith("DASH risk level not recorded.")


def test_persistent_absence_says_the_lowest_attendance() -> None:
    terms = [
        make("education", CAT.ATTENDANCE, "2026-01-05", facts=sessions(116, 88), record="A-1"),
        make("education", CAT.ATTENDANCE, "2026-09-03", facts=sessions(78, 64), record="A-2"),
    ]
    (concern,) = findings(*terms).concerns
    assert concern.detail == "2 records, the most recent 2026-09-03; lowest attendance 76% (88 of 116 sessions)."


def test_each_entry_is_marked_with_every_rule_it_meets_at_its_strongest_significance() -> None:
    incident = make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.HIGH, marac=True), record="OCC-9")
    notice = make("housing", CAT.HOUSING_NOTICE, record="NSP-1")
    enrolled = make("education", CAT.SCHOOL_ENROLMENT, record="ENR-1")
    marks = findings(incident, notice, enrolled).highlights
    assert marks[("police", "OCC-9", "domestic_abuse_incident")].words == (
        "Key concern: Domestic abuse; High-risk domestic abuse (DASH high); Referred to MARAC"
    )
    assert marks[("housing", "NSP-1", "housing_notice")].significance is Significance.MEDIUM
    assert marks[("housing", "NSP-1", "housing_notice")].words == "Of note: Possession of the family home sought"
    assert ("education", "ENR-1", "school_enrolment") not in marks


def test_key_concerns_list_high_significance_first() -> None:
    concerns = findings(make("housing", CAT.HOUSING_NOTICE), make("police", CAT.MISSING_EPISODE)).concerns
    assert [concern.indicator for concern in concerns] == ["missing_episodes", "possession"]
    assert [concern.tag for concern in concerns] == ["Key concern", "Of note"]


@pytest.mark.parametrize(
    ("entries", "level"),
    [
        ((make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.HIGH, marac=True)),), 4),
        ((make("health", CAT.EMERGENCY_ATTENDANCE, "2026-11-01", subject="S2"),), 4),
        ((make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.MEDIUM)),), 3),
        (
            (
                make("education", CAT.SUSPENSION),
                make("education", CAT.ATTENDANCE, facts=sessions(10, 8)),
                make("housing", CAT.HOUSING_NOTICE),
            ),
            3,
        ),
        ((make("education", CAT.SUSPENSION), make("housing", CAT.HOUSING_NOTICE)), 2),
        ((make("education", CAT.SCHOOL_ENROLMENT),), None),
    ],
)
def test_the_suggested_level_is_the_highest_rule_met(entries: tuple[ChronologyEntry, ...], level: int | None) -> None:
    suggestion = findings(*entries).suggestion
    assert (suggestion.level if suggestion else None) == level


def test_the_suggestion_is_always_a_suggestion_and_says_it_may_change_while_checks_are_out() -> None:
    suggestion = findings(make("police", CAT.DOMESTIC_ABUSE_INCIDENT, facts=dash(DashRisk.MEDIUM))).suggestion
    complete = suggestion_words(suggestion, complete=True)
    assert complete == (
        "Suggested by the hub from the records found: level 3, Child in need (complex needs, Children Act 1989 s17)"
        " (because of: domestic abuse). The practitioner decides."
    )
    assert suggestion_words(suggestion, complete=False).endswith("Not every check has answered, so this may change.")
    nothing = suggestion_words(None, complete=False)
    assert "suggests no level" in nothing and "may change" in nothing and "practitioner decides" in nothing


# The file's validation


def write_rules(tmp_path: Path, text: str) -> HubSettings:
    (tmp_path / "indicators.yaml").write_text(text, encoding="utf-8")
    return HubSettings.from_env({"HUB_CONFIG_DIR": str(tmp_path), "HUB_HOME": str(tmp_path / "home")})


def shipped_with(old: str, new: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("category: [domestic_abuse_incident]", "category: [domestic_abuse]", "indicators.0.match.0.category.0"),
        ("significance: high", "significance: urgent", "indicators.0.significance"),
        ("summary: [count, latest, highest_dash_risk]", "summary: [count, loudest]", "indicators.0.summary.1"),
        ("dash_risk: [high]", "dash_risk: [severe]", "indicators.1.match.0.dash_risk.0"),
        ("absence_percent_at_least: 10", "absence_percent_at_least: 110", "absence_percent_at_least"),
        ("child_under_years: 2", "child_under_yrs: 2", "indicators.9.match.0.child_under_yrs': unknown setting"),
        ("    4: Child protection", "    5: Child protection", "levels must name each of 1, 2, 3 and 4"),
        ("any_of: [domestic_abuse, missing", "any_of: [domestic_abuse, missed", "not defined: missed"),
        ("      at_least: 3\n", "", "give either any_of, or at_least with of"),
        ("  - id: marac\n", "  - id: domestic_abuse\n", "each indicator id must be used once"),
        ("      - agency: [housing]\n        category: [homelessness]", "      - {}", "needs at least one condition"),
    ],
)
def test_a_mistake_in_the_file_is_one_line_naming_the_setting(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    settings = write_rules(tmp_path, shipped_with(old, new))
    with pytest.raises(UserError) as raised:
        load_indicators(settings)
    message = str(raised.value)
    assert expected in message and str(tmp_path / "indicators.yaml") in message
    assert "\n" not in message and "Traceback" not in message


def test_yaml_that_does_not_parse_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"is not valid YAML at line 3"):
        load_indicators(write_rules(tmp_path, "indicators:\n  - id: [\n"))


def test_a_council_without_a_file_of_its_own_gets_the_shipped_rules_and_a_changed_file_is_read_again(
    tmp_path: Path,
) -> None:
    settings = HubSettings.from_env({"HUB_CONFIG_DIR": str(tmp_path), "HUB_HOME": str(tmp_path / "home")})
    assert load_indicators(settings) == RULES
    write_rules(tmp_path, shipped_with("label: Domestic abuse\n", "label: Domestic abuse (police)\n"))
    assert load_indicators(settings).indicators[0].label == "Domestic abuse (police)"
