"""`config/retention.yaml` checked as it is read (one line naming the field), and the schedule's arithmetic."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.decisions.config import read_decisions_file
from hub.errors import UserError
from hub.retention import RecordClass, RetentionConfig, load_retention, read_retention_file
from hub.retention.schedule import (
    Facts,
    council_day,
    disposal_year,
    fingerprint,
    hold_epoch,
    hold_id,
    schedule,
    youngest_birth_year,
)
from hub.settings import REPO_ROOT, HubSettings
from schemas.config_files import ConfigFileError
from tests.hub.retention.population import Case, referral_of

DECISIONS = read_decisions_file(REPO_ROOT / "config" / "decisions.yaml")
SHIPPED = (REPO_ROOT / "config" / "retention.yaml").read_text(encoding="utf-8")


def _read(tmp_path: Path, text: str) -> RetentionConfig:
    path = tmp_path / "retention.yaml"
    path.write_text(text, encoding="utf-8")
    return read_retention_file(path, DECISIONS)


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigFileError) as refused:
        _read(tmp_path, text)
    message = str(refused.value)
    assert "\n" not in message and str(tmp_path / "retention.yaml") in message
    return message


def test_the_shipped_schedule_covers_every_outcome_and_class(tmp_path: Path) -> None:
    config = _read(tmp_path, SHIPPED)
    assert set(config.outcomes) == set(DECISIONS.outcomes)
    assert config.outcomes["s47_strategy_discussion"].describe() == (
        "35 years after the decision, or until the youngest child is 25, whichever is later"
    )
    assert config.hold_reasons["litigation"].startswith("Litigation")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("outcomes:\n", "outcomes:\n  adoption:\n    until_age: 100\n"),
         "field 'outcomes.adoption': not an outcome in"),
        (("  nfa:                             # No", "  gone:\n    years: 1\n    after: received\n  old_nfa:  # No"),
         "not an outcome"),
        (("    years: 6\n    after: decision\n  information", "    years: 6\n  information"),
         "field 'outcomes.nfa': give years and after together"),
        (("  early_help:                      # Early help: IRMS, children's records until the 25th birthday\n"
          "    until_age: 25\n", ""), "field 'outcomes': no rule for the outcome 'early_help'"),
        (("after: received\n  imported_history:", "after: decision\n  imported_history:"),
         "field 'record_classes.undecided': counts from the decision"),
        (("    until_age: 25                  # outcome", "    until_age: 200                  # outcome"),
         "field 'record_classes.imported_history.until_age': must be at most 125"),
        (("hold_reasons:\n", "hold_reasons: {}\nunused:\n"), "field 'hold_reasons'"),
        (("  litigation: Litigation", "  Litigation: Litigation"), "'Litigation' is not a code"),
    ],
)  # fmt: skip
def test_a_mistake_is_one_line_naming_the_field(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    before, after = change
    assert before in SHIPPED
    assert said in _refused(tmp_path, SHIPPED.replace(before, after, 1))


def test_a_default_covers_what_has_no_rule_of_its_own(tmp_path: Path) -> None:
    config = _read(tmp_path, "default:\n  until_age: 25\nhold_reasons:\n  litigation: Litigation\n")
    assert config.rule_for("nfa", RecordClass.UNDECIDED) == ("default", config.default)
    assert config.rule_for(None, RecordClass.IMPORTED_HISTORY) == ("default", config.default)
    assert "field 'default': counts from the decision" in _refused(
        tmp_path, "default:\n  years: 6\n  after: decision\nhold_reasons:\n  litigation: Litigation\n"
    )
    shipped = _read(tmp_path, SHIPPED)
    assert shipped.rule_for("adoption", RecordClass.UNDECIDED) is None  # A code decisions.yaml no longer lists.


def test_a_bad_file_under_the_config_folder_is_a_user_error(config_copy: Path) -> None:
    (config_copy / "retention.yaml").write_text("outcomes: [\n", encoding="utf-8")
    with pytest.raises(UserError, match="is not valid YAML at line"):
        load_retention(HubSettings.from_env())
    shutil.copy(REPO_ROOT / "config" / "retention.yaml", config_copy / "retention.yaml")
    assert load_retention(HubSettings.from_env()).outcomes


CONFIG = read_retention_file(REPO_ROOT / "config" / "retention.yaml", DECISIONS)
LONDON = ZoneInfo("Europe/London")


def _facts(received: date, outcome: str | None = None, decided: date | None = None, imported: bool = False) -> Facts:
    return Facts("R-1", received, imported, outcome, decided)


def test_disposal_dates_are_the_end_of_the_year_the_period_ends() -> None:
    for decided in (date(2020, 1, 2), date(2020, 12, 31)):
        nfa = schedule(CONFIG, _facts(date(2020, 1, 1), "nfa", decided), None)
        assert nfa is not None and nfa.disposal_date == date(2026, 12, 31)
    found = schedule(CONFIG, _facts(date(2020, 1, 1), "early_help", date(2020, 1, 2)), 2008)
    assert found is not None and (found.rule, found.disposal_date, found.epoch) == (
        "outcomes.early_help", date(2033, 12, 31), "disposal-2033"
    )  # fmt: skip
    s47 = schedule(CONFIG, _facts(date(2020, 1, 1), "s47_strategy_discussion", date(2020, 1, 2)), 2019)
    assert s47 is not None and s47.disposal_date == date(2055, 12, 31)  # 35 years after; later than age 25 (2044).
    young = schedule(CONFIG, _facts(date(2020, 1, 1), "s47_strategy_discussion", date(2020, 1, 2)), 2040)
    assert young is not None and young.disposal_date == date(2065, 12, 31)  # Age 25 is the later.
    imported = schedule(CONFIG, _facts(date(2020, 1, 1), imported=True), 1990)
    assert imported is not None and (imported.rule, imported.disposal_date) == (
        "record_classes.imported_history", date(2026, 12, 31)
    )  # fmt: skip


def test_the_council_day_decides_the_year() -> None:
    """A referral received at 23:30 UTC on 30 June is the council's 1 July; at new year, London is on UTC."""
    assert council_day(datetime(2024, 6, 30, 23, 30, tzinfo=UTC), LONDON) == date(2024, 7, 1)
    assert council_day(datetime(2024, 12, 31, 23, 30, tzinfo=UTC), LONDON) == date(2024, 12, 31)


def test_the_youngest_child_counts_and_an_unknown_birth_is_taken_as_the_year_after() -> None:
    assert youngest_birth_year(referral_of(Case("R-1", date(2020, 5, 5), ("2010-01-01", "2013-09-09")))) == 2013
    assert youngest_birth_year(referral_of(Case("R-1", date(2020, 5, 5), ("2010-01-01", None)))) == 2021


def test_the_fingerprint_changes_with_the_facts_and_the_rule_only() -> None:
    first = _facts(date(2020, 1, 1), "nfa", date(2020, 1, 2))
    rule = CONFIG.outcomes["nfa"]
    same = fingerprint(first, "outcomes.nfa", rule)
    assert same == fingerprint(_facts(date(2020, 1, 1), "nfa", date(2020, 1, 2)), "outcomes.nfa", rule)
    assert same != fingerprint(_facts(date(2020, 1, 1), "nfa", date(2020, 3, 3)), "outcomes.nfa", rule)
    assert same != fingerprint(first, "outcomes.nfa", rule.model_copy(update={"years": 7}))


def test_epoch_names() -> None:
    assert (disposal_year("disposal-2031"), disposal_year("hold-3"), disposal_year("pending")) == (2031, None, None)
    assert (hold_id(hold_epoch(7)), hold_id("disposal-2031")) == (7, None)
