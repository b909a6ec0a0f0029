"""Break-glass: reading a referral one is not allocated to, for a stated reason, for a limited time, reviewed after.

The household is stored as the pipeline stores it; commands run in-process through the real `hub` app;
the notice goes to a real SMTP server on loopback (aiosmtpd), configured through `config/deadlines.yaml`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from hub.access.guard import AccessRefused
from hub.access.permissions import Permission
from hub.access.policy import decide
from hub.access.roles import load_access_config
from hub.checks.steps import store_chronologies
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.markers import files_containing, sample_family_markers
from tests.smtp import Inbox, council_mail_through
from tests.staff import add_staff_accounts, refusal, sign_in_as, success
from tests.staff import hub_command as hub

PIPELINE = {"actor": "service:pipeline", "purpose": "mash_checks"}
NOTE = "Duty call at 02:10: neighbour reports the children alone overnight (synthetic note Q7)."
NOTIFIED = ("mash-duty-manager@council.example", "information-governance@council.example")
BREAK_GLASS = ("access", "break-glass", REFERRAL_ID, "--reason", "immediate_risk", "--note", NOTE)


@pytest.fixture
def settings(hub_home: Path, config_copy: Path, smtp_server: tuple[Inbox, int]) -> HubSettings:
    """Mail for the council goes to the test's SMTP server; roles.yaml is the shipped one."""
    council_mail_through(config_copy, smtp_server[1])
    assert tuple(yaml.safe_load((config_copy / "roles.yaml").read_text())["break_glass"]["notify_email"]) == NOTIFIED
    return HubSettings.from_env()


@pytest.fixture
def store(settings: HubSettings) -> Iterator[HubStore]:
    """The example household checked and assembled, allocated to someone else; staff in every reviewing role."""
    opened = open_store(settings)
    opened.save_referral(example_referral(), **PIPELINE)
    for reply in household_replies():
        opened.save_reply(reply, actor="service:pipeline")
    store_chronologies(opened, REFERRAL_ID, ASSEMBLED_AT, **PIPELINE)
    add_staff_accounts(
        opened,
        {
            "allocated.practitioner": "practitioner",
            "duty.practitioner": "practitioner",
            "team.manager": "manager",
            "ig.officer": "ig_officer",
        },
    )
    opened.allocate(REFERRAL_ID, "allocated.practitioner", actor="service:test-setup", purpose="test allocation")
    yield opened
    opened.close()


def test_an_unknown_reason_is_refused_listing_the_codes_and_nothing_opens(
    settings: HubSettings, store: HubStore, smtp_server: tuple[Inbox, int]
) -> None:
    sign_in_as(settings, store, "duty.practitioner")
    message = refusal(hub("access", "break-glass", REFERRAL_ID, "--reason", "curiosity", "--note", NOTE))
    assert "'curiosity' is not a break-glass reason" in message
    for code in load_access_config(settings).break_glass.reasons:
        assert code in message
    assert store.break_glass_accesses() == []
    assert store.audit_trail(action="access.break_glass") == []
    assert smtp_server[0].envelopes == []


def test_break_glass_opens_the_history_for_its_time_audited_and_told_to_ig_with_ids_only(
    settings: HubSettings, store: HubStore, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp_server
    sign_in_as(settings, store, "duty.practitioner")
    assert isinstance(hub("chronology", "show", REFERRAL_ID).exception, AccessRefused)

    output = success(hub(*BREAK_GLASS))
    assert f"Break-glass access 1 to {REFERRAL_ID} is open until" in output and "not sent" not in output
    (glass,) = store.break_glass_accesses(pending_only=True)
    assert (glass.number, glass.username, glass.role, glass.reason) == (
        1,
        "duty.practitioner",
        "practitioner",
        "immediate_risk",
    )
    assert glass.expires_at - glass.opened_at == timedelta(hours=2)  # break_glass.lasts in roles.yaml
    (opened,) = store.audit_trail(action="access.break_glass")
    assert (opened.actor, opened.role, opened.basis, opened.referral_id, opened.purpose) == (
        "user:duty.practitioner",
        "practitioner",
        "break-glass:1",
        REFERRAL_ID,
        "break-glass: immediate_risk",
    )

    # The notice reached the SMTP server, for IG and the duty manager, naming ids and codes only.
    envelope, message = inbox.only()
    assert sorted(envelope.rcpt_tos) == sorted(NOTIFIED)
    assert f"break-glass access 1 to {REFERRAL_ID}" in str(message["Subject"])
    body = message.get_content()
    for expected in ("duty.practitioner (practitioner)", REFERRAL_ID, "immediate_risk", "hub access review 1"):
        assert expected in body
    assert isinstance(envelope.content, bytes)
    sent = envelope.content.decode("utf-8", "replace") + body  # as sent, and decoded
    for withheld in ["children alone overnight", "synthetic note Q7", *sample_family_markers()]:
        assert withheld not in sent

    # While it lasts, the history reads, each read recorded on the grounds of this break-glass.
    before = len(store.audit_trail())
    success(hub("chronology", "show", REFERRAL_ID))
    reads = [event for event in store.audit_trail()[before:] if event.action == "chronology.read"]
    assert reads and {(event.actor, event.basis) for event in reads} == {("user:duty.practitioner", "break-glass:1")}

    # When it ends, the history is closed again: by the policy's clock, and in the command.
    config = load_access_config(settings)
    principal = sign_in_as(settings, store, "duty.practitioner")

    def read_allowed_at(moment: datetime) -> tuple[bool, str]:
        decision = decide(
            config, store, principal, Permission.HISTORY_READ, REFERRAL_ID, now=moment, time_zone=lambda: UTC
        )
        return decision.allowed, decision.basis

    assert read_allowed_at(glass.expires_at - timedelta(seconds=1)) == (True, "break-glass:1")
    assert read_allowed_at(glass.expires_at) == (False, "none")
    with closing(sqlite3.connect(settings.home / "hub.db")) as database, database:
        database.execute("UPDATE break_glass SET expires_at = opened_at WHERE number = 1")
    before = len(store.audit_trail())
    refused = hub("chronology", "show", REFERRAL_ID)
    assert isinstance(refused.exception, AccessRefused) and "not allocated" in str(refused.exception)
    (denied,) = store.audit_trail()[before:]
    assert (denied.action, denied.outcome, denied.basis) == ("chronology.read", "denied", "none")

    # The note is sealed: not in the database, its write-ahead log or anything else under HUB_HOME.
    store.close()
    assert files_containing(settings.home, [NOTE, "children alone overnight"]) == {}


def test_an_allocated_practitioner_needs_no_break_glass(settings: HubSettings, store: HubStore) -> None:
    sign_in_as(settings, store, "allocated.practitioner")
    assert "can read it without break-glass" in refusal(hub(*BREAK_GLASS))
    assert store.break_glass_accesses() == []


def test_a_manager_reviews_it_once_and_the_note_is_read_only_when_asked(settings: HubSettings, store: HubStore) -> None:
    sign_in_as(settings, store, "duty.practitioner")
    success(hub(*BREAK_GLASS))

    sign_in_as(settings, store, "team.manager")
    pending = success(hub("access", "list", "--pending"))
    assert "Break-glass accesses" in pending
    assert "duty.practitioner (practitioner)" in pending and "immediate_risk" in pending and "pending" in pending
    assert REFERRAL_ID in pending and "neighbour" not in pending
    assert store.audit_trail(actor="user:team.manager", action="referral.read") == []  # the list reads no note
    with_notes = success(hub("access", "list", "--notes", COLUMNS="250"))
    assert "neighbour reports the children" in with_notes and "alone overnight (synthetic note Q7)" in with_notes
    (note_read,) = store.audit_trail(actor="user:team.manager", action="referral.read")
    assert (note_read.actor, note_read.object_id) == ("user:team.manager", "break-glass/1")

    before = len(store.audit_trail())
    args = ("access", "review", "1", "--appropriate", "--note", "Risk was immediate; the allocated worker was off.")
    assert "Break-glass access 1 by duty.practitioner recorded as appropriate" in success(hub(*args))
    (reviewed,) = store.audit_trail()[before:]
    assert (reviewed.action, reviewed.actor, reviewed.role, reviewed.object_id, reviewed.referral_id) == (
        "access.review",
        "user:team.manager",
        "manager",
        "1",
        REFERRAL_ID,
    )
    glass = store.break_glass(1)
    assert (glass.review, glass.reviewed_by) == ("appropriate", "user:team.manager")
    assert "No break-glass accesses are awaiting review." in success(hub("access", "list", "--pending"))
    assert "appropriate by user:team.manager" in success(hub("access", "list"))

    sign_in_as(settings, store, "ig.officer")
    again = refusal(hub("access", "review", "1", "--inappropriate", "--note", "A second opinion."))
    assert "already reviewed (appropriate)" in again
    assert store.break_glass(1).review == "appropriate"
    store.close()
    assert files_containing(settings.home, ["the allocated worker was off", "neighbour reports"]) == {}  # sealed


def test_nobody_reviews_their_own_break_glass_and_an_ig_officer_may_review_it(
    settings: HubSettings, store: HubStore
) -> None:
    sign_in_as(settings, store, "team.manager")  # a manager, not allocated to the referral
    success(hub(*BREAK_GLASS))
    before = len(store.audit_trail())
    own = refusal(hub("access", "review", "1", "--appropriate", "--note", "It was fine, honestly."))
    assert "cannot review your own" in own
    assert store.break_glass(1).review == "pending"
    (denied,) = store.audit_trail()[before:]
    assert (denied.action, denied.actor, denied.outcome, denied.basis, denied.object_id, denied.referral_id) == (
        "access.review",
        "user:team.manager",
        "denied",
        "none",
        "1",
        REFERRAL_ID,
    )

    sign_in_as(settings, store, "duty.practitioner")  # a practitioner may not review anyone's
    assert isinstance(hub("access", "review", "1", "--appropriate", "--note", "Looks fine.").exception, AccessRefused)

    sign_in_as(settings, store, "ig.officer")
    args = ("access", "review", "1", "--inappropriate", "--note", "No immediate risk was recorded anywhere.")
    assert "recorded as inappropriate" in success(hub(*args))
    glass = store.break_glass(1)
    assert (glass.review, glass.reviewed_by) == ("inappropriate", "user:ig.officer")


def test_a_notice_that_cannot_be_sent_leaves_the_access_recorded_and_says_so(
    settings: HubSettings, store: HubStore, smtp_server: tuple[Inbox, int], config_copy: Path
) -> None:
    deadlines = yaml.safe_load((config_copy / "deadlines.yaml").read_text())
    deadlines["escalation"]["smtp"]["port"] = 9  # discard: nothing listens there
    (config_copy / "deadlines.yaml").write_text(yaml.safe_dump(deadlines))
    sign_in_as(settings, store, "duty.practitioner")
    output = success(hub(*BREAK_GLASS))
    assert "The email to IG and managers was not sent (smtp_unreachable)" in output
    assert [glass.review for glass in store.break_glass_accesses(pending_only=True)] == ["pending"]
    assert smtp_server[0].envelopes == []
