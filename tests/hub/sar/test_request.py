"""What IG types is checked before anything is read, in one line that never repeats an NHS number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import UserError
from hub.sar.request import REQUEST_ID, SarInputError, parse_request

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_a_valid_request_gets_an_id_free_of_personal_data_and_its_purpose() -> None:
    request = parse_request("999 000 1014", [" REF-1 "], ["S2"], actor="user:ig", now=NOW)
    assert request.nhs_number == "9990001014" and request.named == (("REF-1", "S2"),)
    assert REQUEST_ID.match(request.request_id) and request.request_id.startswith("SAR-20261102-")
    assert request.purpose == f"subject access request {request.request_id}"
    assert parse_request("9990001014", [], [], actor="user:ig", now=NOW).request_id != request.request_id


@pytest.mark.parametrize(
    ("nhs_number", "referrals", "subjects", "words"),
    [
        ("9990001015", [], [], "not a valid NHS number"),  # check digit wrong
        ("99900010", [], [], "not a valid NHS number"),
        (None, [], [], "say whom to look for"),
        (None, ["REF-1", "REF-2"], ["S1"], "in pairs"),
        (None, ["Amara Okafor-Reid"], ["S1"], "no referral is stored with id (not a valid id)"),
        (None, ["REF-1"], ["Amara Joy"], "Amara"),
    ],
)
def test_bad_input_is_one_line(nhs_number: str | None, referrals: list[str], subjects: list[str], words: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_request(nhs_number, referrals, subjects, actor="user:ig", now=NOW)
    message = str(refused.value)
    assert "\n" not in message
    if words == "Amara":  # a name typed as a subject id is not repeated back
        assert "Amara" not in message and "(not a valid id)" in message
    else:
        assert words in message
    assert "99900010" not in message


def test_the_input_error_is_a_user_error() -> None:
    assert issubclass(SarInputError, UserError)
