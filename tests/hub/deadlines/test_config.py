"""`config/deadlines.yaml`: the shipped file, its defaults, due times per RAG, and one-line errors naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from hub.deadlines.calendar import Nation, Weekday
from hub.deadlines.config import DeadlinesConfig, load_deadlines, read_deadlines_file, referral_due_at
from hub.deadlines.duration import WorkingDuration
from hub.errors import UserError
from hub.settings import REPO_ROOT, HubSettings
from schemas.config_files import ConfigFileError
from schemas.vocabulary import Rag

LONDON = ZoneInfo("Europe/London")
SHIPPED = REPO_ROOT / "config" / "deadlines.yaml"
ESCALATION = {
    "email_to": ["duty@council.example"],
    "email_from": "hub@council.example",
    "smtp": {"host": "127.0.0.1", "port": 2525, "starttls": False},
}


def write(tmp_path: Path, document: dict[str, Any] | str) -> Path:
    path = tmp_path / "deadlines.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    return path


def error_for(tmp_path: Path, document: dict[str, Any] | str) -> str:
    with pytest.raises(ConfigFileError) as caught:
        read_deadlines_file(write(tmp_path, document))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "deadlines.yaml"))
    return message


def test_the_shipped_file_is_valid_and_says_what_the_defaults_are() -> None:
    config = read_deadlines_file(SHIPPED)
    defaults = DeadlinesConfig.model_validate({"escalation": ESCALATION})
    assert config.calendar == defaults.calendar
    assert config.referral_due == defaults.referral_due
    assert config.calendar.nation is Nation.ENGLAND
    assert config.calendar.time_zone == "Europe/London"
    assert config.calendar.working_days == [
        Weekday.MONDAY,
        Weekday.TUESDAY,
        Weekday.WEDNESDAY,
        Weekday.THURSDAY,
        Weekday.FRIDAY,
    ]
    assert (config.calendar.working_hours.start, config.calendar.working_hours.end) == (time(9, 0), time(17, 0))
    assert str(config.referral_due.red) == "2 working hours"
    assert str(config.referral_due.amber) == "1 working day"
    assert str(config.referral_due.green) == "3 working days"
    assert config.escalation.smtp.username_env == "HUB_SMTP_USERNAME"


def test_the_settings_find_the_file_in_the_config_folder(config_copy: Path) -> None:
    settings = HubSettings.from_env()
    assert settings.deadlines_file == config_copy / "deadlines.yaml"
    assert load_deadlines(settings).referral_due.red == WorkingDuration.parse("2 working hours")


@pytest.mark.parametrize(
    ("rag", "expected"),
    [
        (Rag.RED, datetime(2026, 5, 26, 10, 0, tzinfo=LONDON)),
        (Rag.AMBER, datetime(2026, 5, 26, 16, 0, tzinfo=LONDON)),
        (Rag.GREEN, datetime(2026, 5, 28, 16, 0, tzinfo=LONDON)),
    ],
)
def test_referral_due_at_from_settings_or_config(config_copy: Path, rag: Rag, expected: datetime) -> None:
    received = datetime(2026, 5, 22, 15, 0, tzinfo=UTC)  # Friday 16:00 BST, before the Spring bank holiday
    from_settings = referral_due_at(HubSettings.from_env(), received, rag)
    from_config = referral_due_at(read_deadlines_file(config_copy / "deadlines.yaml"), received, rag)
    assert from_settings == from_config == expected
    assert from_settings.tzinfo is UTC


def test_a_councils_own_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
calendar:
  nation: scotland
  working_days: [monday, tuesday, wednesday, thursday]
  working_hours: {start: "8:30", end: "16:30"}
  extra_closures:
    - 2026-12-24
    - {from: 2026-12-29, to: 2026-12-31}
referral_due: {red: 90 working minutes, amber: 4 working hours, green: 2 working days}
escalation:
  email_to: [a@council.example, b@council.example]
  email_from: hub@council.example
  smtp: {host: smtp.council.example}
""",
    )
    config = read_deadlines_file(path)
    calendar = config.working_calendar
    assert calendar.nation is Nation.SCOTLAND
    assert not calendar.is_working_day(date(2026, 11, 6))  # a Friday
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert [calendar.is_working_day(date(2026, 12, day)) for day in (23, 28, 29, 30)] == [True, False, False, False]
    assert config.escalation.smtp.port == 587 and config.escalation.smtp.starttls
    received = datetime(2026, 11, 26, 15, 30, tzinfo=LONDON)  # Thursday; Monday 30th is St Andrew's Day
    assert config.referral_due_at(received, Rag.RED) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 60 + 30 minutes
    assert config.referral_due_at(received, Rag.GREEN) == datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"referral_due": {"red": "2 hours"}}, "referral_due.red", "'2 hours' is not a working duration"),
        ({"referral_due": {"amber": 4}}, "referral_due.amber", "4 is not a working duration"),
        ({"referral_due": {"green": "0 working days"}}, "referral_due.green", "out of range"),
        ({"referral_due": {"purple": "1 working day"}}, "referral_due.purple", "unknown setting"),
        (
            {"calendar": {"nation": "cornwall"}},
            "calendar.nation",
            "'england', 'wales', 'scotland' or 'northern_ireland'",
        ),
        (
            {"calendar": {"time_zone": "Europe/Londres"}},
            "calendar.time_zone",
            "'Europe/Londres' is not a known time zone",
        ),
        ({"calendar": {"working_days": ["monday", "funday"]}}, "calendar.working_days.1", "must be 'monday'"),
        ({"calendar": {"working_days": []}}, "calendar.working_days", "at least 1 item"),
        ({"calendar": {"working_days": ["monday", "monday"]}}, "calendar", "names a day more than once"),
        ({"calendar": {"working_hours": {"end": 1020}}}, "calendar.working_hours.end", "must be a time in quotes"),
        ({"calendar": {"working_hours": {"start": "9am"}}}, "calendar.working_hours.start", "24-hour time"),
        ({"calendar": {"working_hours": {"start": "18:00"}}}, "calendar.working_hours", "end must be later than start"),
        ({"calendar": {"extra_closures": ["christmas"]}}, "calendar.extra_closures.0.from", "must be a valid date"),
        (
            {"calendar": {"extra_closures": [{"from": "2026-12-31", "to": "2026-12-29"}]}},
            "calendar.extra_closures.0",
            "'to' must not be before 'from'",
        ),
        ({"escalation": None}, "escalation", "must be a valid dictionary"),
        ({"escalation": {**ESCALATION, "email_to": []}}, "escalation.email_to", "at least 1 item"),
        (
            {"escalation": {**ESCALATION, "email_to": ["duty manager"]}},
            "escalation.email_to.0",
            "must be an email address",
        ),
        ({"escalation": {**ESCALATION, "smtp": {"port": 25}}}, "escalation.smtp.host", "is required"),
        ({"escalation": {**ESCALATION, "smtp": {"host": "h", "port": 0}}}, "escalation.smtp.port", "at least 1"),
        ({"escalation": {**ESCALATION, "smtp": {"host": "smtp server"}}}, "escalation.smtp.host", "host name"),
        (
            {"escalation": {**ESCALATION, "smtp": {"host": "h", "username_env": "HUB_SMTP_USER"}}},
            "escalation.smtp",
            "give both username_env and password_env, or neither",
        ),
        (
            {"escalation": {**ESCALATION, "smtp": {"host": "h", "username_env": "not a name", "password_env": "P"}}},
            "escalation.smtp.username_env",
            "must be an environment variable name such as HUB_SMTP_PASSWORD",
        ),
        (
            {"referral_due": {"red": "2 working days", "amber": "1 working day"}},
            "referral_due",
            "red must be due no later than amber",
        ),
        ({"deadline": {}}, "deadline", "unknown setting"),
    ],
)
def test_a_mistake_is_one_line_naming_the_field(tmp_path: Path, change: dict[str, Any], field: str, words: str) -> None:
    document: dict[str, Any] = {"escalation": ESCALATION}
    for key, value in change.items():
        document[key] = value
    message = error_for(tmp_path, document)
    assert f"field '{field}'" in message
    assert words in message


def test_a_missing_escalation_section_is_named(tmp_path: Path) -> None:
    assert "field 'escalation': is required." in error_for(tmp_path, {"referral_due": {"red": "1 working hour"}})


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    assert "field '(top level)'" in error_for(tmp_path, "")


def test_a_secret_in_the_file_is_refused_without_repeating_it(tmp_path: Path) -> None:
    secret = "hunter2-3f9a1c0b7d2e4a6f"
    smtp = {"host": "smtp.council.example", "username": "hub", "password": secret}
    message = error_for(tmp_path, {"escalation": {**ESCALATION, "smtp": smtp}})
    assert "field 'escalation.smtp': secrets never live in this file" in message
    assert "password_env" in message
    assert secret not in message


def test_yaml_that_does_not_parse_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "calendar:\n  nation: [england\n")
    assert "is not valid YAML at line" in message


def test_a_missing_file_is_a_user_error_saying_what_to_do(tmp_path: Path) -> None:
    settings = HubSettings.from_env({"HUB_HOME": str(tmp_path / "home"), "HUB_CONFIG_DIR": str(tmp_path / "nowhere")})
    with pytest.raises(UserError, match=r"Cannot read .*deadlines\.yaml.*Set HUB_CONFIG_DIR"):
        load_deadlines(settings)
    with pytest.raises(UserError):
        referral_due_at(settings, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), Rag.RED)
