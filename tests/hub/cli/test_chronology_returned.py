"""`hub chronology show --returned`: a practitioner opens the records agencies returned and the hub did not link.

Issue 13: "records returned, none linked: 2" must lead somewhere. The records come from the stored replies,
read through the real `hub` app by someone allowed to read the referral, and every read is audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.chronology.assembly import assemble
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, candidate, example_referral, person, reply
from tests.staff import add_staff_accounts, refusal, sign_in_as, success
from tests.staff import hub_command as hub

PIPELINE = {"actor": "service:pipeline", "purpose": "mash_checks"}
STRANGERS = [
    candidate("P-20", person("Tyrone", "Oakley", "2018-01-30")),
    candidate("P-21", person("Taylor", "Reed", "2017-09-12")),
]


@pytest.fixture
def settings(hub_home: Path) -> HubSettings:
    return HubSettings.from_env()


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    """The sample referral as the pipeline leaves it: police returned two people for Tyler (S2), neither him."""
    opened = open_store(settings)
    referral = example_referral()
    opened.save_referral(referral, actor=PIPELINE["actor"], purpose=PIPELINE["purpose"])
    replies = [reply("police", "S2", candidates=STRANGERS)]
    for each in replies:
        opened.save_reply(each, actor=PIPELINE["actor"])
    for chronology in assemble(referral, replies, assembled_at=ASSEMBLED_AT):
        opened.save_chronology(chronology, actor=PIPELINE["actor"])
    add_staff_accounts(opened, {"sam.practitioner": "practitioner", "lee.practitioner": "practitioner"})
    yield opened
    opened.close()


def _reply_reads(store: HubStore) -> list[tuple[str, str, str]]:
    return [
        (event.actor, event.object_id, event.purpose)
        for event in store.audit_trail(referral_id=REFERRAL_ID)
        if event.action == "replies.read"
    ]


def test_a_practitioner_opens_the_returned_records_and_the_read_is_audited(
    settings: HubSettings, store: HubStore
) -> None:
    store.allocate(REFERRAL_ID, "sam.practitioner", actor="service:test-setup", purpose="test allocation")
    sign_in_as(settings, store, "sam.practitioner")
    plain = json.loads(success(hub("chronology", "show", REFERRAL_ID, "--json")))
    assert plain["returned"] is None and _reply_reads(store) == []  # the replies are read only when asked for
    [cell] = [c for c in plain["checks"] if (c["agency"], c["subject_id"]) == ("police", "S2")]
    assert cell["words"] == "records returned, none linked: 2"

    document = json.loads(success(hub("chronology", "show", REFERRAL_ID, "--returned", "--json")))

    assert [(row["checked_for"], row["record"], row["name"], row["born"]) for row in document["returned"]] == [
        ("Tyler Okafor-Reid", "P-20", "Tyrone Oakley", "30 Jan 2018"),
        ("Tyler Okafor-Reid", "P-21", "Taylor Reed", "12 Sep 2017"),
    ]
    assert _reply_reads(store) == [("user:sam.practitioner", REFERRAL_ID, "mash_enquiry")]
    terminal = success(hub("chronology", "show", REFERRAL_ID, "--returned", COLUMNS="250"))
    assert "Records agencies returned that are not linked" in terminal and "Tyrone Oakley" in terminal


def test_someone_not_allowed_to_read_the_referral_cannot_open_them(settings: HubSettings, store: HubStore) -> None:
    sign_in_as(settings, store, "lee.practitioner")  # not allocated to the referral
    result = hub("chronology", "show", REFERRAL_ID, "--returned", "--json")
    assert refusal(result).startswith(f"You are not allocated to referral {REFERRAL_ID}")
    assert "Tyrone" not in result.output
    assert _reply_reads(store) == []


def test_the_html_report_carries_them_too(settings: HubSettings, store: HubStore, tmp_path: Path) -> None:
    store.allocate(REFERRAL_ID, "sam.practitioner", actor="service:test-setup", purpose="test allocation")
    sign_in_as(settings, store, "sam.practitioner")
    report = tmp_path / "history.html"
    success(hub("chronology", "show", REFERRAL_ID, "--returned", "--html", str(report)))
    html = report.read_text()
    assert "Records agencies returned that are not linked" in html and "Taylor Reed" in html
    assert "records returned, none linked: 2" in html
