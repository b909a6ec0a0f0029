"""A plausible best candidate below the review threshold goes to review, never silently to "not linked".

Issue 13: a referred child whose police record had a birth date one day out vanished. The near-miss
rule looks at the records themselves (names and full birth dates), not at comparison levels, so it
holds whatever levels `hub.linkage.comparisons` grows; it only ever raises to review, so twins,
namesake parents and namesakes born apart keep the outcome the other rules give them.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.linkage.engine import Linker
from hub.linkage.judgement import Outcome
from hub.linkage.records import LinkageRecord
from hub.linkage.rules import ConservativeRules, Pair
from tests.hub.linkage.builders import VALID_NHS, record

TYLER: dict[str, Any] = {"given": "Tyler", "family": "Okafor-Reid", "born": "2018-07-02"}
"""A referral's child as thin referrals give them: name and birth date, nothing else."""


def tyler(**changes: Any) -> LinkageRecord:
    return record(**{**TYLER, **changes})


def near_miss(query: LinkageRecord, candidate: LinkageRecord) -> str | None:
    """The rule on its own: its reason, or None when it does not apply (it reads no comparison level)."""
    finding = ConservativeRules.near_miss(Pair(query, candidate, {}))
    if finding is None:
        return None
    assert (finding.floor, finding.ceiling) == (Outcome.REVIEW, Outcome.LINKED)
    return finding.reason


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param({"born": "2018-06-30"}, id="same name, born two days apart"),
        pytest.param({"given": "Tylor", "born": "2018-06-30"}, id="first name mistyped, two days apart"),
        pytest.param({"family": "Okafor", "born": "2018-06-30"}, id="one part of the surname, two days apart"),
        pytest.param({"given": "Tyelr", "family": "Okafro-Reid", "born": "2018-07-03"}, id="two typos, a day out"),
        pytest.param({"given": "Tyelr", "family": "Okafro-Reid", "born": "2018-02-07"}, id="typos, day-month swap"),
        pytest.param({"given": "Tylor", "born": "2019-07-02"}, id="year off by one"),
        pytest.param({"given": "Okafor-Reid", "family": "Tylor", "born": "2018-07-04"}, id="names swapped"),
    ],
)
def test_a_plausible_candidate_below_the_review_threshold_goes_to_review(
    linker: Linker, candidate: dict[str, Any]
) -> None:
    judgement = linker.judge(tyler(), tyler(record_id="C1", **candidate))
    assert judgement.outcome is not Outcome.NOT_LINKED
    assert near_miss(tyler(), tyler(record_id="C1", **candidate)) is not None


def test_the_day_out_case_from_the_live_run_says_why_in_words_without_values(linker: Linker) -> None:
    judgement = linker.judge(tyler(), tyler(record_id="C1", given="Tylor", born="2018-06-30"))
    assert judgement.outcome is Outcome.REVIEW and judgement.review_reasons
    reason = near_miss(tyler(), tyler(record_id="C1", given="Tylor", born="2018-06-30"))
    assert reason is not None and "a few days apart" in reason and "similar name" in reason
    for words in (*judgement.review_reasons, reason, judgement.summary):
        assert not any(value in words for value in ("Tyl", "Okafor", "2018", "30", "06")), words


@pytest.mark.parametrize(
    ("born", "words"),
    [
        ("2018-07-02", "the same birth date"),
        ("2018-07-09", "birth dates a few days apart"),
        ("2018-02-07", "day and month swapped"),
        ("2017-07-02", "birth year one out"),
        ("2018-07-22", "one digit"),
    ],
)
def test_each_kind_of_near_birth_date_is_named(born: str, words: str) -> None:
    reason = near_miss(tyler(), tyler(given="Tylor", born=born))
    assert reason is not None and words in reason


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param({"given": "Noah"}, id="a different first name (a sibling or twin)"),
        pytest.param({"family": "Smith"}, id="a different surname"),
        pytest.param({"born": "2018-03-15"}, id="same name, born months apart (a namesake)"),
        pytest.param({"born": "1988-07-02"}, id="same name, a generation apart (a parent)"),
        pytest.param({"born": "2018"}, id="only a birth year on one side"),
        pytest.param({"born": None}, id="no birth date on one side"),
        pytest.param({"given": None}, id="no first name on one side"),
    ],
)
def test_the_rule_does_not_apply_without_both_a_similar_name_and_a_near_birth_date(candidate: dict[str, Any]) -> None:
    assert near_miss(tyler(), tyler(**candidate)) is None


def test_different_nhs_numbers_are_no_near_miss() -> None:
    ours, theirs = tyler(nhs_number=VALID_NHS[0]), tyler(born="2018-06-30", nhs_number=VALID_NHS[1])
    assert near_miss(ours, theirs) is None


def test_twins_namesake_parents_and_namesakes_keep_their_outcomes(linker: Linker) -> None:
    """The rule only raises to review: the other rules' caps still win, and what they left out stays out."""
    amara = record("Amara", "Okafor-Reid", "2015-03-12", sex="female")
    brother = record("Chidi", "Okafor-Reid", "2015-03-12", sex="male", record_id="C1")
    assert linker.judge(amara, brother).outcome is Outcome.NOT_LINKED
    lucia = record("Lucia", "Pereira", "2012-01-06", sex="female")
    lucy = record("Lucy", "Pereira", "2012-01-06", sex="female", record_id="C1")
    assert linker.judge(lucia, lucy).outcome is Outcome.REVIEW  # related names on one birth date: never linked
    father = record("Tyler", "Okafor-Reid", "1985-07-02", sex="male", record_id="C1")
    assert linker.judge(tyler(sex="male"), father).outcome is Outcome.NOT_LINKED
    namesake = tyler(record_id="C1", born="2018-03-15")
    assert linker.judge(tyler(), namesake).outcome is not Outcome.LINKED


def test_the_same_name_a_day_out_is_never_linked_alone_but_an_identifier_settles_it(linker: Linker) -> None:
    """However strong the rest, a day out with the same name could be a cousin: a person looks, unless the NHS
    number agrees."""
    home = {"line": "14 Larch Close, Northbridge", "postcode": "NE6 5QT", "sex": "male"}
    judgement = linker.judge(tyler(**home), tyler(record_id="C1", born="2018-07-03", **home))
    assert judgement.outcome is Outcome.REVIEW
    assert "same name and a birth date a slip away" in " ".join(judgement.review_reasons)
    nhs = {"nhs_number": VALID_NHS[0]}
    same_number = linker.judge(tyler(**home, **nhs), tyler(record_id="C1", born="2018-07-03", **home, **nhs))
    assert same_number.outcome is Outcome.LINKED
