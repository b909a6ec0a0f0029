"""What a practitioner reads in the checks summary: "found" only for records tied to the person."""

from __future__ import annotations

import pytest

from hub.chronology.family_history import UNCONFIRMED, check_words
from schemas import CheckResult, ReplyStatus


@pytest.mark.parametrize(
    ("status", "linked", "unmatched", "words"),
    [
        (ReplyStatus.FOUND, 1, 0, "records found"),
        (ReplyStatus.FOUND, 0, 1, UNCONFIRMED),
        (ReplyStatus.MULTIPLE_CANDIDATES, 0, 2, UNCONFIRMED),
        (ReplyStatus.MULTIPLE_CANDIDATES, 1, 1, "records found; 1 more not confirmed"),
        (ReplyStatus.NO_RECORD, 0, 0, "checked: no record"),
        (ReplyStatus.FAILED, 0, 0, "check failed"),
        (ReplyStatus.PENDING, 0, 0, "awaiting reply"),
    ],
)
def test_check_words(status: ReplyStatus, linked: int, unmatched: int, words: str) -> None:
    result = CheckResult(
        agency="housing",
        subject_id="S1",
        status=status,
        linked_candidates=linked,
        unmatched_candidates=unmatched,
    )
    assert check_words(result) == words
