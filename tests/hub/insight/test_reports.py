"""Each insight report on a generated year of referrals (`hub sandbox referrals`), against figures computed here
from the generator's manifest and organisations file, on SQLite and PostgreSQL; CSV cells inert; nothing of a
person in any report."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.crypto import LocalKeyProvider
from hub.deadlines.config import load_deadlines
from hub.decisions.config import load_decisions
from hub.insight.period import parse_period
from hub.insight.reports import NAMES, run_report
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.insight_records import RegisteredSchool
from schemas import Referral
from tests.hub.insight.year import ACTOR, generate_year, store_year
from tests.hub.insight.year import manifest as read_manifest
from tests.markers import sample_family_markers

LONDON = ZoneInfo("Europe/London")
YEAR = 2025


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_year(tmp_path_factory.mktemp("year") / "referrals", year=YEAR, scale=10)


def _schools(year: Path) -> dict[str, RegisteredSchool]:
    """org_id to the school, from the generator's organisations (their rolls are the education data's)."""
    with (year / "organisations.csv").open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["sort"] == "school"]
    return {
        row["org_id"]: RegisteredSchool(f"{row['org_id'][7:10]}/{row['org_id'][10:]}", row["name"], int(row["pupils"]))
        for row in rows
    }


@pytest.fixture
def loaded(year: Path, database_url: str, key_provider: LocalKeyProvider) -> Iterator[tuple[HubStore, HubSettings]]:
    """The year stored, assessed and decided (each decision recorded at the manifest's time), schools registered."""
    store = HubStore(database_url, key_provider)
    store.create_schema()
    settings = HubSettings.from_env()
    store_year(store, settings, year)
    yield store, settings
    store.close()


def _month(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(LONDON).date().replace(day=1)


def test_each_report_on_a_generated_year_matches_the_manifest(loaded: tuple[HubStore, HubSettings], year: Path) -> None:
    store, settings = loaded
    manifest = read_manifest(year)
    period = parse_period(f"{YEAR}-01-01", f"{YEAR}-12-31", "month", today=date(YEAR + 1, 6, 1), zone=LONDON)
    now = datetime.now(UTC)

    def run(name: str) -> tuple[list[str], list[dict[str, str]]]:
        report, unrecorded = run_report(name, store, settings, period, actor=ACTOR, now=now)
        assert unrecorded == 0
        rows = list(csv.DictReader(report.csv.splitlines()))
        return list(report.summary), rows

    # Referrals by referrer type and month.
    _, rows = run("referrers")
    got: Counter[tuple[str, str]] = Counter()
    for row in rows:
        got[(row["period_start"][:7], row["referrer_type"])] += int(row["referrals"])
    expected = Counter((_month(row["received_at"]).isoformat()[:7], row["referrer_kind"]) for row in manifest)
    assert got == expected and sum(got.values()) == len(manifest) > 100

    # Conversion to each outcome, by referrer type.
    _, rows = run("outcomes")
    got_outcomes = {
        (r["referrer_type"], r["outcome"]): int(r["referrals"]) for r in rows if r["referrer_type"] != "all"
    }
    expected_outcomes = Counter((row["referrer_kind"], row["outcome"]) for row in manifest)
    assert {key: count for key, count in got_outcomes.items() if count} == dict(expected_outcomes)
    all_rows = {r["outcome"]: int(r["referrals"]) for r in rows if r["referrer_type"] == "all"}
    assert all_rows == {
        code: Counter(row["outcome"] for row in manifest)[code] for code in load_decisions(settings).outcomes
    }

    # Quality per referrer: every referral assessed once, counted under its type.
    _, rows = run("quality")
    per_type: Counter[str] = Counter()
    for row in rows:
        per_type[row["referrer_type"]] += int(row["referrals"])
    assert per_type == Counter(row["referrer_kind"] for row in manifest)

    # Schools that made no referral: the register's schools whose org id never appears in the manifest.
    _, rows = run("schools")
    schools = _schools(year)
    referred = Counter(row["referrer_org_id"] for row in manifest if row["referrer_org_id"] in schools)
    silent = {school.dfe_number for org, school in schools.items() if not referred[org]}
    assert silent and {r["dfe_number"] for r in rows if r["referrals"] == "0"} == silent
    pupils = {r["dfe_number"]: int(r["pupils"]) for r in rows}
    assert pupils == {school.dfe_number: school.pupils for school in schools.values()}
    for org, count in referred.items():
        assert next(int(r["referrals"]) for r in rows if r["dfe_number"] == schools[org].dfe_number) == count

    # Police volume per month; re-referrals never more than the truth (a child is known only by what referrals say).
    _, rows = run("police")
    police = Counter(_month(row["received_at"]).isoformat() for row in manifest if row["referrer_kind"] == "police")
    assert {r["period_start"]: int(r["police_referrals"]) for r in rows if int(r["police_referrals"])} == dict(police)
    truth = sum(1 for row in manifest if row["referrer_kind"] == "police" and row["re_referral"] == "yes")
    found = sum(int(r["police_re_referrals"]) for r in rows)
    assert truth * 0.6 <= found <= truth, (found, truth)

    # Time to decision: within the target when decided by the due time in the council's calendar.
    _, rows = run("timeliness")
    calendar, target = load_deadlines(settings).working_calendar, load_decisions(settings).target
    met = Counter(
        _month(row["received_at"]).isoformat()
        for row in manifest
        if datetime.fromisoformat(row["decided_at"]) <= calendar.add(datetime.fromisoformat(row["received_at"]), target)
    )
    assert {
        r["period_start"]: int(r["decided_within_target"]) for r in rows if int(r["decided_within_target"])
    } == dict(met)
    late = sum(int(r["decided_late"]) for r in rows)
    assert late == len(manifest) - sum(met.values()) > 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_csv_cells_are_inert_and_no_report_holds_a_person(store: HubStore, tmp_path: Path, year: Path) -> None:
    settings = HubSettings.from_env()
    sample = Referral.model_validate_json((settings.config_dir / "examples" / "referral.json").read_text("utf-8"))
    tricky = sample.model_copy(
        update={
            "referral_id": "INSIGHT-CSV-1",
            "received_at": datetime(YEAR, 3, 3, 10, tzinfo=UTC),
            "referrer": sample.referrer.model_copy(update={"organisation": '=HYPERLINK("http://x.example","a")'}),
        }
    )
    store.save_referrals([sample.model_copy(update={"received_at": datetime(YEAR, 3, 2, 10, tzinfo=UTC)}), tricky],
                         actor=ACTOR, purpose="test")  # fmt: skip
    period = parse_period(f"{YEAR}-01-01", f"{YEAR}-12-31", "week", today=date(YEAR + 1, 1, 1), zone=LONDON)
    markers = sample_family_markers()
    for name in NAMES:
        report, _ = run_report(name, store, settings, period, actor=ACTOR, now=datetime.now(UTC))
        text = report.csv + repr(report)
        assert not [marker for marker in markers if marker in text], name
        for row in csv.reader(report.csv.splitlines()):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (name, row)
    referrers, _ = run_report("referrers", store, settings, period, actor=ACTOR, now=datetime.now(UTC))
    assert "'=HYPERLINK" in referrers.csv
