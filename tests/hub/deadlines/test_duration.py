"""Working durations as a council's admin writes them, and one-line errors that quote what was written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.deadlines.duration import DurationError, WorkingDuration, WorkingUnit


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("2 working hours", 2, WorkingUnit.HOUR),
        ("1 working day", 1, WorkingUnit.DAY),
        ("3 working days", 3, WorkingUnit.DAY),
        ("90 working minutes", 90, WorkingUnit.MINUTE),
        ("  1 Working Hour ", 1, WorkingUnit.HOUR),
        ("45 working days", 45, WorkingUnit.DAY),
    ],
)
def test_parses_plain_text(text: str, amount: int, unit: WorkingUnit) -> None:
    assert WorkingDuration.parse(text) == WorkingDuration(amount, unit)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2 working hours", "2 working hours"),
        ("1 working days", "1 working day"),
        ("90 WORKING MINUTES", "90 working minutes"),
    ],
)
def test_reads_back_as_written(text: str, written: str) -> None:
    assert str(WorkingDuration.parse(text)) == written


def test_a_working_day_is_as_long_as_the_calendars_day() -> None:
    assert WorkingDuration.parse("3 working days").working_time(timedelta(hours=7, minutes=30)) == timedelta(
        hours=22, minutes=30
    )
    assert WorkingDuration.parse("90 working minutes").working_time(timedelta(hours=8)) == timedelta(minutes=90)
    assert WorkingDuration.parse("2 working hours").working_time(timedelta(hours=8)) == timedelta(hours=2)


@pytest.mark.parametrize(
    "text",
    [
        "2 hours",
        "2h",
        "1d",
        "two working hours",
        "1.5 working days",
        "-1 working day",
        "2 working weeks",
        "",
        "working day",
    ],
)
def test_anything_else_is_one_line_naming_the_value(text: str) -> None:
    with pytest.raises(DurationError) as caught:
        WorkingDuration.parse(text)
    message = str(caught.value)
    assert f"'{text}' is not a working duration" in message
    assert '"2 working hours"' in message
    assert "\n" not in message


@pytest.mark.parametrize("value", [2, None, 1.5, ["2 working hours"]])
def test_a_value_that_is_not_text_is_named_too(value: object) -> None:
    with pytest.raises(DurationError, match=r"is not a working duration") as caught:
        WorkingDuration.parse(value)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize("text", ["0 working hours", "10001 working minutes"])
def test_the_number_must_be_in_range(text: str) -> None:
    with pytest.raises(DurationError, match=rf"'{text}' is out of range: the number must be between 1 and 10000"):
        WorkingDuration.parse(text)


def test_a_long_value_is_shortened_in_the_message() -> None:
    with pytest.raises(DurationError) as caught:
        WorkingDuration.parse("x" * 500)
    assert len(str(caught.value)) < 200
