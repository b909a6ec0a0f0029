"""Assessing referrals: a good one scores 100, the sample's gaps are named, and each rule is what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.quality.assessment import assess, narrative_meets
from hub.quality.checklist import CHECKLIST_FILE, Checklist, NarrativeRule, read_checklist
from schemas import Referral
from schemas.vocabulary import ReferrerKind
from tests.hub.quality.referrals import GOOD_NARRATIVE, good_referral, referral

CONFIG = Path(__file__).resolve().parents[3] / "config"


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return read_checklist(CONFIG / CHECKLIST_FILE)


def test_a_good_referral_meets_every_item(checklist: Checklist) -> None:
    assessment = assess(good_referral(), checklist)
    assert assessment.score == 100
    assert assessment.gaps == ()
    assert len(assessment.strengths) == len(checklist.items)


def test_the_sample_referral_is_poor_and_its_gaps_are_named(checklist: Checklist) -> None:
    assessment = assess(referral(), checklist)
    assert assessment.gap_ids == (
        "what_happened",
        "risk_what_might_happen",
        "risk_how_likely_soon",
        "child_voice",
        "what_was_tried",
        "consent",
        "school_and_gp",
        "referrer_contact",
    )
    assert assessment.score == 20  # the child's details (10), NHS numbers (5) and who else is involved (5)
    assert assessment.stated_level is None
    assert assessment.referrer_kind is ReferrerKind.POLICE
    assert assessment.checklist_version == checklist.version


def test_assessment_is_deterministic(checklist: Checklist) -> None:
    assert assess(good_referral(), checklist) == assess(good_referral(), checklist)
    assert assess(referral(), checklist).model_dump_json() == assess(referral(), checklist).model_dump_json()


def _without_sentence(words: str) -> Referral:
    sentences = [sentence for sentence in GOOD_NARRATIVE.split(". ") if words not in sentence]
    return referral(narrative=". ".join(sentences))


@pytest.mark.parametrize(
    ("sentence", "gap"),
    [
        ("gave consent", "consent"),
        ("Contact PC", "referrer_contact"),
        ("Early help", "what_was_tried"),
        ("Surgery", "school_and_gp"),
    ],
)
def test_leaving_out_one_thing_is_one_gap(checklist: Checklist, sentence: str, gap: str) -> None:
    assessment = assess(_without_sentence(sentence), checklist)
    assert assessment.gap_ids == (gap,)
    weight = next(item.weight for item in checklist.items if item.id == gap)
    assert assessment.score == 100 - weight


def test_a_child_without_a_birth_date_or_nhs_number_is_a_gap(checklist: Checklist) -> None:
    data = good_referral().model_dump(mode="json")
    sibling = data["subjects"][1]["person"]
    sibling["birth_date"] = None
    sibling["identifiers"]["nhs_number"] = None
    assessment = assess(Referral.model_validate(data), checklist)
    assert assessment.gap_ids == ("child_identity", "nhs_number")


def test_no_parent_named_is_a_gap(checklist: Checklist) -> None:
    data = good_referral().model_dump(mode="json")
    data["subjects"] = [subject for subject in data["subjects"] if subject["role"] != "parent_carer"]
    assert assess(Referral.model_validate(data), checklist).gap_ids == ("others_involved",)


def test_a_private_referrers_name_is_never_kept(checklist: Checklist) -> None:
    neighbour = referral(referrer={"kind": "public", "organisation": "Mrs Jean Privett, next door"})
    assert assess(neighbour, checklist).referrer_organisation is None
    school = referral(referrer={"kind": "education", "organisation": "Northbridge Primary School"})
    assert assess(school, checklist).referrer_organisation == "Northbridge Primary School"


@pytest.mark.parametrize(
    ("rule", "text", "met"),
    [
        ({"mentions": [["child's voice"]]}, "We recorded the child’s voice.", True),  # a curly apostrophe
        ({"mentions": [["escalat*"]]}, "The incidents are escalating.", True),
        ({"mentions": [["said"]]}, "Her sadness was clear.", False),  # whole words only
        ({"mentions": [["at risk of"]]}, "She is  at\nrisk of harm.", True),  # any spacing
        ({"mentions": [["GP"]]}, "registered with a gp locally", True),  # any case
        ({"mentions": [["school"], ["GP"]]}, "She goes to school.", False),  # every group
        ({"min_words": 5}, "One two three four.", False),
        ({"min_words": 5}, "One two three four five.", True),
        ({"patterns": ["uk_phone_number"]}, "Ring 07700 900123 today.", True),
        ({"patterns": ["uk_phone_number"]}, "Ring +44 1632 960123.", True),
        ({"patterns": ["uk_phone_number"]}, "Crime number 4410293.", False),
        ({"patterns": ["email_address"]}, "Write to duty@school.example.", True),
    ],
)
def test_narrative_rules(rule: dict[str, object], text: str, met: bool) -> None:
    assert narrative_meets(NarrativeRule.model_validate(rule), text) is met
