"""`hub linkage learn` and `hub linkage report`: decided reviews as labels, read with permission and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.linkage.engine import load_linker
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from schemas import CandidateLink, LinkOutcome
from tests.hub.builders import REFERRAL_ID, candidate, example_referral, person, reply
from tests.hub.cli.test_review_show import store_household
from tests.staff import hub_command, refusal, signed_in_home, success

WHO = {"actor": "airflow:mash_referral", "purpose": "mash_checks"}
SOCIAL_WORKER = {"actor": "user:sw", "purpose": "identity link review"}
LATER = "REF-2027-000003"
LEARN_PURPOSE = "identity linkage learning from review decisions"


def add_confirmed_miss(store: HubStore) -> None:
    """A later referral whose police record of the child, far off on the model's reading, a practitioner confirmed."""
    store.save_referral(example_referral().model_copy(update={"referral_id": LATER}), **WHO)
    far_off = candidate("P-8", person("Amara", "Reid", "2016-09-14"))
    store.save_reply(reply("police", "S1", candidates=[far_off], referral_id=LATER), actor="pipeline")
    link = CandidateLink(
        agency="police", agency_person_id="P-8", subject_id="S1", outcome=LinkOutcome.REVIEW, probability=0.003
    )
    store.propose_reviews(LATER, [link], **WHO)
    [review] = store.link_reviews(LATER)
    store.decide_review(review.review_id, confirm=True, reason="Same child: school confirms", **SOCIAL_WORKER)


@pytest.fixture
def decided(hub_home: Path, config_copy: Path) -> HubStore:
    """Two decisions for police: P-5 rejected (a better record matched), P-8 confirmed (the model missed it)."""
    store = store_household()
    [review] = store.link_reviews(REFERRAL_ID)
    store.decide_review(review.review_id, confirm=False, reason="Another child", **SOCIAL_WORKER)
    add_confirmed_miss(store)
    signed_in_home(hub_home, "test.manager", "manager")  # not allocated: learning needs linkage.manage, not a case
    return store


def test_the_report_shows_each_agencys_decisions_and_what_learning_changes(decided: HubStore) -> None:
    shown = success(hub_command("linkage", "report"))
    assert "police: 2 decision(s), 1 confirmed, 1 rejected" in shown
    assert "Would-be misses (confirmed, below review) │ 1 │ 0 │" in shown
    assert "Would-be false links (rejected, but linked) │ 0 │ 0 │" in shown
    assert "m learnt from 1 new confirmed decision(s)" in shown
    assert "Okafor" not in shown and "2016" not in shown  # figures only
    document = json.loads(success(hub_command("linkage", "report", "--json")))
    [police] = document["agencies"]
    assert (police["confirmed"], police["rejected"], police["unavailable"]) == (1, 1, 0)
    assert (police["current"]["misses"], police["learnt"]["misses"]) == (1, 0)
    assert police["learnt"]["review_probability"] < police["current"]["review_probability"]
    assert document["written"] is None
    reads = [e for e in decided.audit_trail() if e.actor == "user:test.manager" and e.purpose == LEARN_PURPOSE]
    assert {e.action for e in reads} == {"referral.read", "replies.read"}
    assert {e.object_id for e in reads if e.action == "replies.read"} == {
        f"{REFERRAL_ID}/police/S1",
        f"{LATER}/police/S1",
    }


def test_learn_is_a_dry_run_until_told_to_write(decided: HubStore, config_copy: Path, tmp_path: Path) -> None:
    before = {path.name: path.read_bytes() for path in config_copy.iterdir() if path.is_file()}
    dry = success(hub_command("linkage", "learn"))
    assert "Dry run: nothing written" in dry
    assert {path.name: path.read_bytes() for path in config_copy.iterdir() if path.is_file()} == before
    out = tmp_path / "learnt"
    out.mkdir()
    written = success(hub_command("linkage", "learn", "--out", str(out)))
    assert f"Wrote {out / 'linkage_model.json'} and {out / 'linkage.yaml'}" in written
    learnt = load_linker(out / "linkage.yaml")
    police = learnt.settings.thresholds_for("police")
    assert police.review_probability < learnt.settings.thresholds.review_probability
    assert "police" in learnt.model.parameters.agencies
    assert {path.name: path.read_bytes() for path in config_copy.iterdir() if path.is_file()} == before
    success(hub_command("linkage", "learn", "--apply"))
    applied = load_linker(config_copy / "linkage.yaml")
    assert applied.settings.agency_thresholds == learnt.settings.agency_thresholds
    document = json.loads(success(hub_command("linkage", "report", "--json")))  # learnt once: m moves no more
    assert document["agencies"][0]["new_decisions_learnt"] == 0
    assert document["agencies"][0]["current"]["misses"] == 0


def test_bad_options_are_refused_in_one_line_and_nothing_is_written(decided: HubStore, tmp_path: Path) -> None:
    assert "either --out DIR" in refusal(hub_command("linkage", "learn", "--out", str(tmp_path), "--apply"))
    assert "not a folder" in refusal(hub_command("linkage", "learn", "--out", str(tmp_path / "nowhere")))


def test_a_practitioner_may_not_learn_and_the_refusal_is_audited(decided: HubStore, hub_home: Path) -> None:
    signed_in_home(hub_home, "test.practitioner", "practitioner", allocated=(REFERRAL_ID,))
    message = refusal(hub_command("linkage", "report"))
    assert "tune identity linkage" in message
    [denied] = [e for e in decided.audit_trail() if e.actor == "user:test.practitioner" and e.outcome == "denied"]
    assert denied.purpose == LEARN_PURPOSE
    mine = [e for e in decided.audit_trail() if e.actor == "user:test.practitioner" and e.purpose == LEARN_PURPOSE]
    assert mine == [denied]  # nothing was read


def test_no_decisions_yet_says_so(hub_home: Path, config_copy: Path) -> None:
    open_store(HubSettings.from_env()).close()
    signed_in_home(hub_home, "test.manager", "manager")
    assert "No review decisions yet" in success(hub_command("linkage", "report"))
