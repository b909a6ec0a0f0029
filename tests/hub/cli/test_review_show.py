"""`hub review show N`: a practitioner sees the referral's person and the agency's candidate side by side.

The failure it fixes: `hub review list` showed only the model's words ("birth date differs by one
digit") and hid the candidate, so nobody could judge whether the police record was the child.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.checks.steps import store_chronologies
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import AgencyReply, Sensitivity
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.staff import hub_command, refusal, signed_in_home, success

WHO = {"actor": "airflow:mash_referral", "purpose": "mash_checks"}
CANDIDATE_BIRTH_DATE = "14 Apr 2015"  # police P-5, one digit from the child's
CHILD_BIRTH_DATE = "14 Mar 2015"


def restricted(reply: AgencyReply) -> AgencyReply:
    """The reply with every record restricted (police sensitive intelligence, say)."""
    entries = [entry.model_copy(update={"sensitivity": Sensitivity.RESTRICTED}) for entry in reply.entries]
    return reply.model_copy(update={"entries": entries})


def store_household(*, restrict_police: bool = False) -> HubStore:
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), **WHO)
    for reply in household_replies():
        store.save_reply(restricted(reply) if restrict_police and reply.agency == "police" else reply, actor="pipeline")
    store_chronologies(store, REFERRAL_ID, ASSEMBLED_AT, **WHO)
    return store


@pytest.fixture
def assembled(hub_home: Path) -> HubStore:
    """The example household assembled once: police record P-5 waits for review against the child S1."""
    return store_household()


def review_number(store: HubStore) -> str:
    [review] = store.link_reviews(pending_only=True)
    assert (review.agency, review.agency_person_id, review.subject_id) == ("police", "P-5", "S1")
    return str(review.review_id)


def test_the_list_hides_the_candidate_and_points_to_show(assembled: HubStore, hub_home: Path) -> None:
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    listed = success(hub_command("review", "list"))
    assert CANDIDATE_BIRTH_DATE not in listed  # what the candidate holds is not in the list ...
    assert "hub review show N" in listed  # ... the list says where to see it


def test_show_puts_both_records_side_by_side_with_the_evidence(assembled: HubStore, hub_home: Path) -> None:
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    number = review_number(assembled)
    shown = success(hub_command("review", "show", number))
    assert f"Review {number}" in shown and "police record P-5" in shown and "Referral person S1" in shown
    assert shown.count("Amara Joy") >= 2 and shown.count("Okafor-Reid") >= 2  # the child's name and the candidate's
    assert CHILD_BIRTH_DATE in shown and CANDIDATE_BIRTH_DATE in shown
    for label in ("Other names", "Sex", "Address", "Previous addresses", "NHS number", "UPN", "Police nominal id"):
        assert label in shown
    assert "birth date differs by one digit" in shown and "surname matches" in shown
    assert "Match weight" in shown and "match probability" in shown and "Why a person decides" in shown
    assert "Another child's record." in shown  # what police holds about P-5
    assert f"hub review confirm {number}" in shown
    [read] = [e for e in assembled.audit_trail(action="replies.read") if e.actor == "user:test.practitioner"]
    assert read.object_id == f"{REFERRAL_ID}/police/S1" and read.purpose == "identity link review"
    assert [e.outcome for e in assembled.audit_trail(action="referral.read") if e.actor == "user:test.practitioner"]


def test_someone_not_allocated_is_refused_and_the_refusal_is_audited(assembled: HubStore, hub_home: Path) -> None:
    signed_in_home(hub_home, "other.practitioner")
    number = review_number(assembled)
    result = hub_command("review", "show", number)
    refusal(result)
    assert CANDIDATE_BIRTH_DATE not in result.output
    denied = [e for e in assembled.audit_trail() if e.actor == "user:other.practitioner" and e.outcome == "denied"]
    assert denied
    assert not [e for e in assembled.audit_trail(action="replies.read") if e.actor == "user:other.practitioner"]


def test_a_candidate_known_only_from_restricted_records_needs_clearance(hub_home: Path) -> None:
    store = store_household(restrict_police=True)
    number = review_number(store)
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    withheld = success(hub_command("review", "show", number))
    assert CANDIDATE_BIRTH_DATE not in withheld and "Another child's record." not in withheld
    assert "restricted records you are not cleared to see" in withheld and "ask the police" in withheld
    signed_in_home(hub_home, "test.manager", "manager", allocated=(REFERRAL_ID,))  # cleared for police
    cleared = success(hub_command("review", "show", number))
    assert CANDIDATE_BIRTH_DATE in cleared and "Another child's record." in cleared


def test_a_decided_review_shows_its_decision_and_an_unknown_number_is_refused(
    assembled: HubStore, hub_home: Path
) -> None:
    signed_in_home(hub_home, allocated=(REFERRAL_ID,))
    number = review_number(assembled)
    success(hub_command("review", "reject", number, "--reason", "Another child"))
    shown = success(hub_command("review", "show", number))
    assert "rejected by user:test.practitioner" in shown and CANDIDATE_BIRTH_DATE in shown
    assert "hub review confirm" not in shown
    assert "no link review number 404" in refusal(hub_command("review", "show", "404"))
