"""`check_referral_bytes`: every refusal at the door, each naming its field, all listed at once, no value echoed.

Each case the issue quotes is here: a birth date in 2999, a 50 MB narrative, a duplicate `referral_id`,
100,000-deep nesting, a 5,000-digit number, two required fields missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.errors import UserError
from hub.intake.json_document import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_NUMBER_CHARACTERS,
    nesting_depth_exceeds,
)
from hub.intake.problems import MAX_LISTED, UNKNOWN_KEY, Problem, ReferralRefused
from hub.intake.validation import check_referral_bytes
from schemas.models import NARRATIVE_MAX_CHARACTERS, SUBJECTS_MAX
from tests.conftest import SAMPLE_REFERRAL
from tests.markers import sample_family_markers

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
"""A fixed clock, a month after the sample referral was received."""


def sample() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE_REFERRAL.read_text())
    return loaded


def encoded(raw: object) -> bytes:
    return json.dumps(raw).encode()


def refusal(data: bytes) -> ReferralRefused:
    with pytest.raises(ReferralRefused) as refused:
        check_referral_bytes(data, now=NOW)
    assert isinstance(refused.value, UserError)  # the CLI prints it as a user's mistake, never a traceback
    return refused.value


def lines(refused: ReferralRefused) -> list[str]:
    return [str(problem) for problem in refused.problems]


def assert_no_value_echoed(refused: ReferralRefused) -> None:
    message = str(refused)
    leaked = [marker for marker in sample_family_markers() if marker in message]
    assert leaked == [], leaked


def test_the_sample_referral_is_accepted() -> None:
    referral = check_referral_bytes(SAMPLE_REFERRAL.read_bytes(), now=NOW)
    assert referral.referral_id == "REF-2026-000417"
    assert len(referral.subjects) == 4


def test_a_byte_order_mark_is_accepted() -> None:
    """Windows editors write one; it is not part of the JSON."""
    assert check_referral_bytes(b"\xef\xbb\xbf" + SAMPLE_REFERRAL.read_bytes(), now=NOW).referral_id


# --- the document's limits -------------------------------------------------------------------------


def test_a_50_mb_narrative_is_refused_by_the_documents_size() -> None:
    raw = sample()
    raw["narrative"] = "x" * (50 * 1024 * 1024)
    refused = refusal(encoded(raw))
    assert [problem.whole_document for problem in refused.problems] == [True]
    assert str(refused) == (
        f"The referral is too large: {len(encoded(raw)):,} bytes, where a referral may be at most {MAX_BYTES:,} "
        "bytes (1 MiB). Fix the file and try again."
    )


def test_a_narrative_over_its_limit_in_a_small_file_is_refused_by_the_schema() -> None:
    raw = sample()
    raw["narrative"] = "x" * (NARRATIVE_MAX_CHARACTERS + 1)
    refused = refusal(encoded(raw))
    assert lines(refused) == [f"narrative: String should have at most {NARRATIVE_MAX_CHARACTERS} characters"]
    raw["narrative"] = "x" * NARRATIVE_MAX_CHARACTERS
    assert check_referral_bytes(encoded(raw), now=NOW).narrative == raw["narrative"]


def test_more_subjects_than_the_limit_are_refused() -> None:
    raw = sample()
    raw["subjects"] = [dict(raw["subjects"][0], subject_id=f"S{i}") for i in range(SUBJECTS_MAX + 1)]
    assert lines(refusal(encoded(raw))) == [
        f"subjects: List should have at most {SUBJECTS_MAX} items after validation, not {SUBJECTS_MAX + 1}"
    ]


def test_100000_deep_nesting_is_refused_without_recursion() -> None:
    refused = refusal(b"[" * 100_000 + b"]" * 100_000)
    assert lines(refused) == [f"nests objects and lists more than {MAX_DEPTH} deep"]
    assert str(refused).startswith("The referral nests objects and lists more than 32 deep. Fix the file")


def test_depth_is_counted_outside_strings_only() -> None:
    inside_a_string = json.dumps({"narrative": "[" * 1000 + "{" * 1000})
    assert not nesting_depth_exceeds(inside_a_string)
    assert not nesting_depth_exceeds(json.dumps({"a": '\\"[[[' * 50}))  # escaped quotes do not end the string
    assert not nesting_depth_exceeds("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert nesting_depth_exceeds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert nesting_depth_exceeds('{"a": ' * (MAX_DEPTH + 1))  # unclosed: counted as far as it goes


def test_an_unterminated_string_of_escaped_quotes_is_scanned_in_linear_time() -> None:
    """A regular expression that backtracks would take hours on this; the scan must not."""
    started = datetime.now(UTC)
    assert not nesting_depth_exceeds('"' + '\\"' * 400_000)
    assert (datetime.now(UTC) - started).total_seconds() < 5


def test_a_5000_digit_number_is_refused_naming_its_field() -> None:
    raw = sample()
    data = encoded(raw).replace(b'"REF-2026-000417"', b"9" * 5000)
    assert lines(refusal(data)) == [f"referral_id: is a number longer than {MAX_NUMBER_CHARACTERS} characters"]


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (b"-" + b"1" * 31, "is a number longer than 30 characters"),
        (b"0." + b"1" * 40, "is a number longer than 30 characters"),
        (b"1e999", "is a number too large to hold"),
        (b"NaN", "is NaN or Infinity, which JSON does not allow"),
        (b"-Infinity", "is NaN or Infinity, which JSON does not allow"),
    ],
)
def test_numbers_python_would_not_hold_are_refused_once(literal: bytes, message: str) -> None:
    data = encoded(sample()).replace(b'"amber"', literal)
    assert lines(refusal(data)) == [f"rag: {message}"]


def test_a_short_number_where_a_string_belongs_is_the_schemas_problem() -> None:
    data = encoded(sample()).replace(b'"amber"', b"3")
    assert lines(refusal(data)) == ["rag: Input should be 'red', 'amber' or 'green'"]


def test_text_that_is_not_utf8_is_refused() -> None:
    assert lines(refusal(SAMPLE_REFERRAL.read_text().encode("utf-16"))) == ["is not UTF-8 text"]


def test_malformed_json_names_line_and_column() -> None:
    refused = refusal(b'{\n  "referral_id": ')
    assert (
        str(refused)
        == "The referral is not valid JSON (line 2, column 18: Expecting value). Fix the file and try again."
    )


# --- duplicate keys --------------------------------------------------------------------------------


def test_a_duplicate_referral_id_is_refused_not_silently_the_last() -> None:
    text = SAMPLE_REFERRAL.read_text().rstrip().removesuffix("}") + ', "referral_id": "REF-OTHER"}'
    refused = refusal(text.encode())
    assert lines(refused) == ["referral_id: is given more than once"]
    assert "REF-OTHER" not in str(refused) and "REF-2026-000417" not in str(refused)


def test_a_nested_duplicate_key_names_its_path_but_never_its_value() -> None:
    text = SAMPLE_REFERRAL.read_text().replace(
        '"birth_date": "2018-07-02",', '"birth_date": "2018-07-02", "birth_date": "2018-07-03",'
    )
    refused = refusal(text.encode())
    assert lines(refused) == ["subjects[1].person.birth_date: is given more than once"]
    assert "2018-07" not in str(refused)


def test_a_duplicate_key_inside_a_list_of_objects_is_found() -> None:
    text = SAMPLE_REFERRAL.read_text().replace(
        '"family_name": "Okafor-Reid"}]', '"family_name": "Okafor-Reid", "family_name": "X"}]'
    )
    assert lines(refusal(text.encode())) == ["subjects[2].person.aliases[0].family_name: is given more than once"]


# --- every problem listed at once -------------------------------------------------------------------


def test_two_missing_required_fields_are_both_named() -> None:
    raw = sample()
    del raw["rag"], raw["narrative"]
    refused = refusal(encoded(raw))
    assert lines(refused) == ["rag: is required", "narrative: is required"]
    assert "more problems" not in str(refused)
    assert str(refused).splitlines() == [
        "The referral is not a valid referral (2 problems):",
        "  rag: is required",
        "  narrative: is required",
        "See schemas/json/referral.v1.schema.json and config/examples/referral.json.",
    ]


def test_format_duplicate_and_plausibility_problems_are_listed_together() -> None:
    raw = sample()
    del raw["rag"]
    raw["subjects"][1]["person"]["birth_date"] = "2999-01-01"
    raw["subjects"][0]["person"]["identifiers"]["nhs_number"] = "9990001015"
    raw["surprise"] = True
    data = encoded(raw).replace(b'"concern_categories"', b'"narrative": "again", "concern_categories"')
    refused = refusal(data)
    assert set(lines(refused)) == {
        "narrative: is given more than once",
        "rag: is required",
        "subjects[0].person.identifiers.nhs_number: is not a valid NHS number "
        "(ten digits with a modulus 11 check digit)",
        "surprise: is not a field of a referral (check its spelling)",
        "subjects[1].person.birth_date: is in the future",
    }
    assert_no_value_echoed(refused)


def test_a_key_that_could_not_be_a_field_is_not_echoed() -> None:
    raw = sample()
    raw["subjects"][0]["person"]["Amara Okafor-Reid"] = "sister"
    assert lines(refusal(encoded(raw))) == [
        f"subjects[0].person.{UNKNOWN_KEY}: is not a field of a referral (check its spelling)"
    ]


def test_a_document_that_is_not_a_referral_lists_a_hundred_problems_and_says_how_many_more() -> None:
    raw = sample()
    raw["subjects"] = [{"subject_id": "not an id", "role": "lodger", "person": 1}] * SUBJECTS_MAX  # 3 problems each
    refused = refusal(encoded(raw))
    assert len(refused.problems) == 3 * SUBJECTS_MAX  # every one is there for a channel to show
    shown = str(refused).splitlines()
    assert len(shown) == 1 + MAX_LISTED + 1 + 1
    assert shown[-2] == "  ... and 50 more: is this file a referral at all?"


@pytest.mark.parametrize(
    ("container", "message"),
    [
        ([0] * 500_000, f"has more than {MAX_ITEMS} items"),
        ({f"k{i}": 0 for i in range(90_000)}, f"has more than {MAX_ITEMS} fields"),
    ],
    ids=["list", "object"],
)
def test_a_list_or_object_too_long_is_one_problem_found_quickly(container: object, message: str) -> None:
    """Half a million wrong items would otherwise be checked one by one: seconds for each submission."""
    raw = sample()
    raw["subjects"][0]["person"]["aliases"] = container
    data = json.dumps(raw, separators=(",", ":")).encode()
    assert len(data) <= MAX_BYTES
    started = datetime.now(UTC)
    assert lines(refusal(data)) == [f"subjects[0].person.aliases: {message}"]
    assert (datetime.now(UTC) - started).total_seconds() < 2
    raw["subjects"][0]["person"]["aliases"] = [{"family_name": f"Alias{i}"} for i in range(MAX_ITEMS)]
    assert check_referral_bytes(encoded(raw), now=NOW).subjects[0].person.aliases[-1].family_name == "Alias99"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda raw: raw.update(rag="purple"), "rag: Input should be 'red', 'amber' or 'green'"),
        (
            lambda raw: raw.update(received_at="2026-11-02T09:15:00"),
            "(top level): received_at must include a time zone",
        ),
        (lambda raw: raw["subjects"][0].update(role="child"), "subjects[0].role: Input should be"),
        (
            lambda raw: raw["subjects"][0]["person"]["name"].update(given_names=[]),
            "subjects[0]: person.name needs at least one given name",
        ),
        (lambda raw: raw["subjects"][0]["person"].update(birth_date="14/03/2015"), "subjects[0].person.birth_date: "),
    ],
)
def test_the_formats_own_checks_name_their_field(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    raw = sample()
    change(raw)
    refused = refusal(encoded(raw))
    assert len(refused.problems) == 1 and str(refused.problems[0]).startswith(expected), lines(refused)
    assert str(refused).startswith("The referral is not a valid referral: ")
    assert_no_value_echoed(refused)


def test_a_refusal_carries_its_problems_for_other_channels() -> None:
    raw = sample()
    del raw["rag"]
    refused = refusal(encoded(raw))
    assert refused.problems == (Problem(("rag",), "is required"),)
    assert refused.problems[0].field == "rag"
    with pytest.raises(ReferralRefused) as named:
        check_referral_bytes(encoded(raw), source="referral.json", now=NOW)
    assert str(named.value).startswith("referral.json is not a valid referral: rag: is required.")


def test_a_top_level_that_is_not_an_object_is_refused() -> None:
    assert lines(refusal(b"[]")) == ["(top level): Input should be a valid dictionary or instance of Referral"]
