"""The engine's outcomes: clear matches link, and the situations that fool independent weights never do."""

from __future__ import annotations

from typing import Any, TypedDict

from hub.linkage.engine import Linker
from hub.linkage.judgement import Judgement, Outcome
from hub.linkage.records import LinkageRecord
from tests.hub.builders import candidate, person
from tests.hub.linkage.builders import VALID_NHS, record


class Home(TypedDict):
    line: str
    postcode: str


HOME = Home(line="14 Larch Close, Northbridge", postcode="NE6 5QT")


def child(**changes: Any) -> LinkageRecord:
    """The referral's child, with any field changed."""
    fields: dict[str, Any] = {"given": "Amara Joy", "family": "Okafor-Reid", "born": "2015-03-12", "sex": "female"}
    merged: dict[str, Any] = {**fields, **HOME, **changes}
    return record(**merged)


def judged(linker: Linker, **changes: Any) -> Judgement:
    return linker.judge(child(), child(record_id="C1", **changes))


def test_the_same_details_link_with_evidence_per_field(linker: Linker) -> None:
    judgement = judged(linker)
    assert judgement.outcome is Outcome.LINKED
    assert judgement.probability > 0.999
    assert judgement.record_id == "C1"
    assert [item.field for item in judgement.evidence][:5] == [
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "address",
    ]
    assert judgement.summary.startswith("linked (")
    assert judgement.summary.count("match") >= 2 and "surname matches" in judgement.summary
    assert judgement.review_reasons == ()


def test_match_weight_is_the_prior_plus_the_field_weights(linker: Linker) -> None:
    judgement = judged(linker, given="Amara")
    total = linker.model.prior_weight + sum(item.weight for item in judgement.evidence)
    assert abs(judgement.match_weight - total) < 1e-9
    assert judgement.weight_of("sex") > 0 and judgement.level_of("given_name") == "middle_left_out"


def test_transposed_birth_date_with_a_previous_address_still_links_and_says_why(linker: Linker) -> None:
    moved = {"line": "3 Foundry Walk", "postcode": "NE4 7BX", "previous": [(HOME["line"], HOME["postcode"])]}
    judgement = judged(linker, born="2015-12-03", **moved)
    assert judgement.outcome is Outcome.LINKED
    assert "surname matches" in judgement.summary
    assert "birth date has day and month swapped" in judgement.summary
    assert "address differs but matches a previous address" in judgement.summary


def test_a_spelling_variant_links_but_an_unrelated_name_does_not(linker: Linker) -> None:
    mohammed = record("Mohammed", "Rahman", "2011-03-07", sex="male", **HOME)
    assert linker.judge(mohammed, record("Muhammad", "Rahman", "2011-03-07", sex="male", **HOME)).outcome is (
        Outcome.LINKED
    )


def test_twins_go_to_review_and_are_never_linked(linker: Linker) -> None:
    twin = judged(linker, given="Adaeze")
    assert twin.outcome is Outcome.REVIEW
    assert "could be a twin" in " ".join(twin.review_reasons)
    assert twin.probability > 0.999  # the weights alone would have linked her twin: the rule holds it back


def test_twins_with_related_names_still_go_to_review(linker: Linker) -> None:
    lucia = record("Lucia", "Pereira", "2012-01-06", sex="female", **HOME)
    assert linker.judge(lucia, record("Lucy", "Pereira", "2012-01-06", sex="female", **HOME)).outcome is Outcome.REVIEW


def test_a_nickname_the_agency_itself_records_is_no_twin(linker: Linker) -> None:
    lucy = record("Lucy", "Pereira", "2012-01-06", sex="female", **HOME)
    known_as_lucy = record("Lucia", "Pereira", "2012-01-06", sex="female", other_given=["Lucy"], **HOME)
    assert linker.judge(lucy, known_as_lucy).outcome is Outcome.LINKED


def test_a_twin_of_the_other_sex_is_not_linked(linker: Linker) -> None:
    brother = judged(linker, given="Chidi", sex="male")
    assert brother.outcome is Outcome.NOT_LINKED
    assert brother.review_reasons == ("same surname and birth date, but a different first name and sex: a twin",)


def test_a_parent_with_the_childs_name_is_not_linked(linker: Linker) -> None:
    father = judged(linker, born="1985-03-12")
    assert father.outcome is Outcome.NOT_LINKED
    assert "a generation apart" in " ".join(father.review_reasons)


def test_a_namesake_born_a_few_years_apart_is_at_most_review(linker: Linker) -> None:
    cousin = judged(linker, born="2018-07-02")
    assert cousin.outcome is not Outcome.LINKED


def test_same_name_without_a_birth_date_goes_to_review(linker: Linker) -> None:
    judgement = judged(linker, born=None)
    assert judgement.outcome is Outcome.REVIEW
    assert "birth date missing" in " ".join(judgement.review_reasons)
    assert "birth date missing on one side" in judgement.summary


def test_a_missing_birth_date_is_at_most_review_however_strong_the_rest(linker: Linker) -> None:
    query = child(nhs_number=None)
    for candidate_record in (child(born=None), child(born=None, given="Amara")):
        assert linker.judge(query, candidate_record).outcome is Outcome.REVIEW


def test_a_conflicting_nhs_number_is_not_linked(linker: Linker) -> None:
    query = child(nhs_number=VALID_NHS[0])
    sibling = child(given="Tyler", born="2018-07-02", sex="male", nhs_number=VALID_NHS[1])
    judgement = linker.judge(query, sibling)
    assert judgement.outcome is Outcome.NOT_LINKED
    assert judgement.level_of("nhs_number") == "conflict" and judgement.weight_of("nhs_number") < -5


def test_a_conflicting_nhs_number_with_matching_name_and_birth_date_goes_to_review(linker: Linker) -> None:
    judgement = linker.judge(child(nhs_number=VALID_NHS[0]), child(nhs_number=VALID_NHS[1]))
    assert judgement.outcome is Outcome.REVIEW
    assert judgement.review_reasons == (
        "NHS number differs although name and birth date match: could be a duplicate record",
    )


def test_a_matching_nhs_number_links_despite_spelling_differences(linker: Linker) -> None:
    query = child(nhs_number=VALID_NHS[0])
    judgement = linker.judge(query, child(given="Amy", family="Reid", born="2015-03-13", nhs_number=VALID_NHS[0]))
    assert judgement.outcome is Outcome.LINKED


def test_a_matching_nhs_number_on_an_entirely_different_name_goes_to_review(linker: Linker) -> None:
    query = child(nhs_number=VALID_NHS[0])
    judgement = linker.judge(query, child(given="Tyler", family="Hartley", nhs_number=VALID_NHS[0]))
    assert judgement.outcome is Outcome.REVIEW
    assert "identifier matches but the name does not" in " ".join(judgement.review_reasons)


def test_a_surname_alone_never_links(linker: Linker) -> None:
    assert linker.judge(child(), child(given=None)).outcome is Outcome.REVIEW


def test_recorded_sex_differing_is_at_most_review(linker: Linker) -> None:
    assert judged(linker, sex="male").outcome is not Outcome.LINKED


def test_weak_evidence_is_not_linked(linker: Linker) -> None:
    stranger = record("Liam", "Hartley", "1986-05-09", sex="male", line="3 Foundry Walk", postcode="NE4 7BX")
    judgement = linker.judge(child(), stranger)
    assert judgement.outcome is Outcome.NOT_LINKED
    assert judgement.probability < 0.001


def test_a_common_name_counts_for_less_than_a_rare_one(linker: Linker) -> None:
    def surname_weight(family: str) -> float:
        return linker.judge(record("Amara", family, None), record("Amara", family, None)).weight_of("family_name")

    assert surname_weight("Smith") < surname_weight("Okafor-Reid")
    smith = linker.judge(record("Amara", "Smith", None), record("Amara", "Smith", None))
    assert "a common name, so it counts for less" in smith.summary


def test_link_candidates_judges_agency_people_in_order(linker: Linker) -> None:
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14", nhs_number=VALID_NHS[0])
    candidates = [
        candidate("P-1", person("Amara Joy", "Okafor-Reid", "2015-03-14")),
        candidate("P-2", person("Amara", "Okafor-Reid", None, nhs_number=VALID_NHS[0])),
        candidate("P-3", person("Tyler", "Okafor-Reid", "2018-07-02")),
    ]
    judgements = linker.link_candidates(subject, candidates)
    assert [judgement.record_id for judgement in judgements] == ["P-1", "P-2", "P-3"]
    # Both P-1 and P-2 look like the subject (a duplicate record?): one agency answer links at most one
    # record, and only a clear best, so neither is linked without a practitioner.
    assert [judgement.outcome for judgement in judgements] == [Outcome.REVIEW, Outcome.REVIEW, Outcome.NOT_LINKED]
    assert {reason for judgement in judgements[:2] for reason in judgement.review_reasons} == {
        "the agency returned more than one record that could be this person",  # the best, not clearly ahead
        "the agency returned another record that matches this person better",  # the runner-up
    }


def test_two_records_equally_like_the_person_both_go_to_review(linker: Linker) -> None:
    """Two records that each look like the person but are not one person (their NHS numbers differ): a person looks."""
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    look_alikes = [
        candidate("P-1", person("Amara Joy", "Okafor-Reid", "2015-03-14", nhs_number=VALID_NHS[0])),
        candidate("P-2", person("Amara Joy", "Okafor-Reid", "2015-03-14", nhs_number=VALID_NHS[1])),
    ]
    judgements = linker.link_candidates(subject, look_alikes)
    assert [judgement.outcome for judgement in judgements] == [Outcome.REVIEW, Outcome.REVIEW]
    assert {reason for j in judgements for reason in j.review_reasons} >= {
        "the agency returned more than one record that could be this person"
    }


def test_an_agency_holding_the_person_twice_links_both_records(linker: Linker) -> None:
    """A duplicate at the agency (two records the engine links to each other) is the person twice, not a look-alike."""
    subject = person("Amara Joy", "Okafor-Reid", "2015-03-14")
    duplicates = [
        candidate("P-1", person("Amara Joy", "Okafor-Reid", "2015-03-14")),
        candidate("P-2", person("Amara", "Okafor-Reid", "2015-03-14")),
        candidate("P-3", person("Amara Joy", "Okafor-Reid", "2009-06-01")),
    ]
    outcomes = [judgement.outcome for judgement in linker.link_candidates(subject, duplicates)]
    assert outcomes[:2] == [Outcome.LINKED, Outcome.LINKED] and outcomes[2] is not Outcome.LINKED


def test_a_persons_earlier_home_reaches_the_engine(linker: Linker) -> None:
    from schemas import Address

    moved = person("Amara Joy", "Okafor-Reid", "2015-03-14").model_copy(
        update={
            "address": Address(line="3 Quarrymoor Lane", postcode="NE2 4AB"),
            "previous_addresses": [Address(line="14 Larch Close", postcode="NE4 7QT")],
        }
    )
    referral_view = person("Amara Joy", "Okafor-Reid", "2015-03-14").model_copy(
        update={"address": Address(line="14 Larch Close", postcode="NE4 7QT")}
    )
    [judgement] = linker.link_candidates(referral_view, [candidate("H-1", moved)])
    assert judgement.level_of("address") == "previous_address"
    assert "matches a previous address" in judgement.summary
