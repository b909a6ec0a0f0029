"""A generated year of referrals: deterministic, valid at the door, about the world's children, in a realistic mix.

One year (2026, seed 7, twenty times England's rate so a 2,000-person world gives a few hundred referrals)
is written once from the sandboxes' default population and read back as the hub reads referrals: through
the intake reader, with its plausibility checks judged at the start of 2027.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import mean

import pytest

from hub.insight.schools_register import read_register
from hub.intake.reader import read_referral
from sandbox.model.truth import TruePerson
from sandbox.population.dataset import Dataset
from sandbox.referrals.families import read_families
from sandbox.referrals.referrers import SHARES
from sandbox.referrals.school_year import SchoolYearCalendar
from sandbox.referrals.writer import ReferralYearError, check_request, write_year
from sandbox.referrals.year import ReferralYear, YearRequest
from schemas import Referral, Subject, SubjectRole
from schemas.identifiers import is_valid_nhs_number, is_valid_upn

YEAR, SEED, SCALE = 2026, 7, 20.0
AFTER_THE_YEAR = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def year_dir(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("referrals") / "year"
    write_year(dataset, check_request(YEAR, SEED, SCALE), out, now=AFTER_THE_YEAR)
    return out


@pytest.fixture(scope="module")
def manifest(year_dir: Path) -> list[dict[str, str]]:
    with (year_dir / "manifest.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def referrals(year_dir: Path, manifest: list[dict[str, str]]) -> dict[str, Referral]:
    """Every referral, read as `hub referral submit` reads it (a refusal fails the test)."""
    return {row["referral_id"]: read_referral(year_dir / f"{row['referral_id']}.json", now=AFTER_THE_YEAR)
            for row in manifest}  # fmt: skip


@pytest.fixture(scope="module")
def organisations(year_dir: Path) -> dict[str, dict[str, str]]:
    with (year_dir / "organisations.csv").open(encoding="utf-8") as file:
        return {row["org_id"]: row for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def people(dataset: Dataset) -> list[TruePerson]:
    return list(dataset.database("truth").table("people"))


def _checksums(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


# --- the files ------------------------------------------------------------------------------------


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_referrals(
    dataset: Dataset, year_dir: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    write_year(dataset, check_request(YEAR, SEED, SCALE), again, now=AFTER_THE_YEAR)
    assert _checksums(again) == _checksums(year_dir)
    other = tmp_path / "other"
    write_year(dataset, check_request(YEAR, SEED + 1, SCALE), other, now=AFTER_THE_YEAR)
    assert (other / "manifest.csv").read_bytes() != (year_dir / "manifest.csv").read_bytes()


def test_every_referral_passes_intake_and_file_names_are_opaque_ids(
    year_dir: Path, manifest: list[dict[str, str]], referrals: dict[str, Referral]
) -> None:
    assert 300 < len(manifest) < 650  # twenty times 5.1 a year per 100 of the world's ~430 children
    names = sorted(path.name for path in year_dir.glob("*.json"))
    assert names == sorted(f"{referral_id}.json" for referral_id in referrals)
    assert all(re.fullmatch(rf"SYN{SEED}-{YEAR}-\d{{6}}\.json", name) for name in names)
    received = [referral.received_at for referral in referrals.values()]
    assert received == sorted(received)  # numbered in order of receipt
    assert all(moment.year == YEAR and moment.utcoffset() is not None for moment in received)
    assert [path.name for path in year_dir.parent.iterdir() if path.name.startswith(".")] == []


def test_the_manifest_holds_no_personal_data(year_dir: Path, referrals: dict[str, Referral]) -> None:
    """No name, birth date or identifier in the manifest; the organisations' list names organisations only."""
    manifest = (year_dir / "manifest.csv").read_text(encoding="utf-8")
    organisations = (year_dir / "organisations.csv").read_text(encoding="utf-8")
    for referral in referrals.values():
        for subject in referral.subjects:
            person, name = subject.person, subject.name
            assert not re.search(rf"\b({re.escape(name.family_name)}|{re.escape(name.given_names[0])})\b", manifest)
            assert f"{name.given_names[0]} {name.family_name}" not in organisations
            assert all(value not in manifest + organisations for value in person.identifiers.present().values())
            if person.birth_date is not None:  # the manifest's times of day follow their dates with a T
                assert not re.search(rf"{person.birth_date.isoformat()}(?!T)", manifest + organisations)


def test_refusals_name_the_option_and_write_nothing(dataset: Dataset, tmp_path: Path) -> None:
    for year, seed, scale, field in ((2016, 1, 1.0, "year"), (2026, -1, 1.0, "seed"), (2026, 1, 0.0, "scale"),
                                     (2026, 1, 101.0, "scale")):  # fmt: skip
        with pytest.raises(ReferralYearError, match=rf"^{field}: "):
            check_request(year, seed, scale)
    out = tmp_path / "year"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(ReferralYearError, match=r"not empty.*--force"):
        write_year(dataset, check_request(YEAR, SEED, 1.0), out)
    assert [path.name for path in tmp_path.iterdir()] == ["year"] and (out / "keep.txt").exists()
    write_year(dataset, check_request(YEAR, SEED, 1.0), out, force=True)
    assert not (out / "keep.txt").exists() and (out / "manifest.csv").is_file()


# --- who is referred ----------------------------------------------------------------------------


def _matches(subject: Subject, person: TruePerson) -> bool:
    """Whether the world's person is who the referral describes, on every detail it gives."""
    described = subject.person
    name = subject.name
    if tuple(name.given_names) != person.given_names or name.family_name not in {
        person.family_name,
        person.preferred_surname,
    }:
        return False
    if described.birth_date is not None and described.birth_date != person.birth_date:
        return False
    if described.address is not None and described.address.line not in (None, person.address_line):
        return False
    present = described.identifiers.present()
    return (
        present.get("nhs_number", person.nhs_number) == person.nhs_number
        and present.get("upn", person.upn) == person.upn
    )


def test_everyone_named_exists_in_the_world_and_re_referrals_are_flagged_truly(
    people: list[TruePerson], manifest: list[dict[str, str]], referrals: dict[str, Referral]
) -> None:
    by_name: dict[str, list[TruePerson]] = defaultdict(list)
    for person in people:
        by_name[person.given_names[0]].append(person)
    last_referred: dict[str, date] = {}
    flags_checked = 0
    for row in manifest:
        referral = referrals[row["referral_id"]]
        for subject in referral.subjects:
            found = [person for person in by_name[subject.name.given_names[0]] if _matches(subject, person)]
            assert found, f"{referral.referral_id} {subject.subject_id} is nobody in the world"
            if subject.role is SubjectRole.SUBJECT_CHILD and len(found) == 1:
                child, day = found[0].person_id, referral.received_at.date()
                earlier = last_referred.get(child)
                assert (row["re_referral"] == "yes") == (earlier is not None and (day - earlier).days <= 365)
                last_referred[child] = day
                flags_checked += 1
    assert flags_checked > 0.9 * len(manifest)


def test_identifiers_are_the_worlds_and_contact_details_reach_no_one(
    people: list[TruePerson], referrals: dict[str, Referral]
) -> None:
    nhs_numbers = {person.nhs_number for person in people}
    for referral in referrals.values():
        for subject in referral.subjects:
            identifiers = subject.person.identifiers
            if identifiers.nhs_number is not None:
                assert identifiers.nhs_number in nhs_numbers and identifiers.nhs_number.startswith("9")
                assert is_valid_nhs_number(identifiers.nhs_number)
            if identifiers.upn is not None:
                assert is_valid_upn(identifiers.upn)
        phones = re.findall(r"\b0\d{3,4} \d{3} ?\d{3,4}\b", referral.narrative)
        assert all(phone.startswith(("0191 498 0", "07700 900")) for phone in phones)  # Ofcom's drama numbers
        emails = re.findall(r"\S+@\S+?(?=[.]?(?:\s|$))", referral.narrative)
        assert all(email.endswith(".example") for email in emails)


def test_ages_fit_the_roles_on_the_day(referrals: dict[str, Referral]) -> None:
    """Intake judges this too; here it is shown directly: children under 18, parents ten years older."""
    for referral in referrals.values():
        day = referral.received_at.date()
        children = [s.person.birth_date for s in referral.children if s.person.birth_date is not None]
        assert all(born < day and (day - born).days < 18 * 365.25 for born in children)
        for subject in referral.subjects:
            if subject.role is SubjectRole.PARENT_CARER and subject.person.birth_date is not None:
                assert all((born - subject.person.birth_date).days >= 10 * 365 for born in children)


# --- the mix ----------------------------------------------------------------------------------------


def test_police_refer_most_and_each_type_keeps_near_its_share(manifest: list[dict[str, str]]) -> None:
    kinds = Counter(row["referrer_kind"] for row in manifest)
    assert kinds.most_common(1)[0][0] == "police"
    assert kinds["police"] > kinds["education"] > kinds["housing"]
    for kind, share in SHARES.items():
        assert abs(kinds[kind.value] / len(manifest) - share) < 0.06, kind


def test_schools_pause_in_the_holidays_and_at_weekends_but_police_do_not(manifest: list[dict[str, str]]) -> None:
    calendar = SchoolYearCalendar(YEAR)
    days = calendar.days()
    school_days = sum(calendar.is_school_day(day) for day in days)
    holidays = sum(calendar.is_school_holiday(day) for day in days)
    received = [(row["referrer_kind"], datetime.fromisoformat(row["received_at"]).date()) for row in manifest]
    schools = [day for kind, day in received if kind == "education"]
    in_term = sum(calendar.is_school_day(day) for day in schools) / school_days
    in_holidays = sum(calendar.is_school_holiday(day) for day in schools) / holidays
    assert in_holidays < 0.2 * in_term
    assert not [day for day in schools if day.weekday() >= 5]
    police_weekends = [day for kind, day in received if kind == "police" and day.weekday() >= 5]
    assert len(police_weekends) > 0.15 * sum(kind == "police" for kind, _ in received)


def test_many_organisations_refer_and_some_schools_never_do(
    manifest: list[dict[str, str]], organisations: dict[str, dict[str, str]]
) -> None:
    referring = Counter(row["referrer_org_id"] for row in manifest)
    assert len(referring) >= 25
    assert all(org_id in organisations for org_id in referring)
    schools = {org_id: org for org_id, org in organisations.items() if org["referrer_kind"] == "education"}
    silent = {org_id for org_id, org in schools.items() if org["refers"] == "no"}
    assert silent and silent < set(schools)
    assert not silent & set(referring)
    assert all(int(org["pupils"]) > 0 for org in schools.values())
    assert any(org_id.startswith("gp-") for org_id in referring)


def test_the_schools_register_lists_every_school_with_its_roll_and_loads_as_the_councils(
    year_dir: Path, organisations: dict[str, dict[str, str]]
) -> None:
    register = read_register(year_dir / "schools.csv")  # what `hub insight load-schools` reads
    schools = {org["name"]: int(org["pupils"]) for org in organisations.values() if org["referrer_kind"] == "education"}
    assert {school.name: school.pupils for school in register} == schools


def test_a_world_without_schools_has_no_school_referrals_and_the_rest(dataset: Dataset) -> None:
    families = read_families(dataset, YEAR)
    families.schools.clear()
    year = ReferralYear(families, YearRequest(YEAR, SEED, 2.0))
    kinds = Counter(generated.referral.referrer.kind.value for generated in year.referrals())
    assert kinds["police"] > 0 and "education" not in kinds


def test_about_one_in_five_is_a_re_referral(manifest: list[dict[str, str]]) -> None:
    share = sum(row["re_referral"] == "yes" for row in manifest) / len(manifest)
    assert 0.15 <= share <= 0.3  # England: 22% (DOMAIN.md)


# --- quality ------------------------------------------------------------------------------------------


def test_quality_profiles_differ_measurably(
    manifest: list[dict[str, str]], organisations: dict[str, dict[str, str]]
) -> None:
    gaps: dict[str, list[int]] = defaultdict(list)
    for row in manifest:
        gaps[row["quality_profile"]].append(len(list(filter(None, row["gaps"].split(";")))))
    means = [
        mean(gaps[profile]) for profile in ("thorough", "good", "mixed", "brief", "poor") if len(gaps[profile]) >= 15
    ]
    assert len(means) >= 4
    assert means == sorted(means)
    assert means[-1] - means[0] >= 4
    school_profiles = {org["quality_profile"] for org in organisations.values() if org["referrer_kind"] == "education"}
    assert len(school_profiles) >= 2


def test_a_referral_leaving_out_a_part_never_uses_its_words(
    manifest: list[dict[str, str]], referrals: dict[str, Referral]
) -> None:
    """The parts stated are what the manifest says: a gap in the child's voice means no 'said' or 'told'."""
    voice = re.compile(r"\b(said|says|told|tells|seemed|asked|described)\b", re.IGNORECASE)
    contact = re.compile(r"@|\b0\d{3,4} \d{3}")
    for row in manifest:
        narrative, gaps = referrals[row["referral_id"]].narrative, set(row["gaps"].split(";"))
        assert bool(voice.search(narrative)) == ("child_voice" not in gaps)
        assert bool(contact.search(narrative)) == ("referrer_contact" not in gaps)
        detailed = len(re.findall(r"\w+(?:['-]\w+)*", narrative)) >= 40
        assert detailed == ("what_happened" not in gaps)
