"""Accounts, sessions and break-glass in the store, on every backend (SQLite and PostgreSQL).

The commands' tests (test_sign_in.py, test_break_glass.py) run on SQLite under a `$HUB_HOME`; these check
that the facts access decisions rest on (the first account, lockout, sessions, the break-glass window and
its single review) hold the same on PostgreSQL.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from hub.access.credentials import hash_password
from hub.access.roles import SessionSettings, read_access_config
from hub.access.sessions import sign_in_with_password
from hub.errors import UserError
from hub.store import HubStore
from hub.store.errors import BreakGlassAlreadyReviewed
from tests.conftest import REPO_ROOT
from tests.hub.access.test_break_glass import NOTE
from tests.hub.builders import REFERRAL_ID, example_referral
from tests.staff import PASSWORD, add_staff_accounts


def test_first_account_lockout_and_sessions_on_every_backend(store: HubStore) -> None:
    shipped = read_access_config(REPO_ROOT / "config" / "roles.yaml")
    access = shipped.model_copy(update={"sessions": SessionSettings(lockout_after=2, lockout_for="10 minutes")})
    first = {"role": "practitioner", "display_name": "Sam", "totp_secret": None, "actor": "os:test", "purpose": "t"}
    assert store.add_staff_user("sam.patel", password_hash=hash_password(PASSWORD), only_if_none=True, **first)
    assert not store.add_staff_user("kim.other", password_hash=None, only_if_none=True, **first)
    assert [user.username for user in store.staff_users()] == ["sam.patel"]

    now = datetime.now(UTC)
    for _ in range(2):
        with pytest.raises(UserError, match="Sign-in refused"):
            sign_in_with_password(store, access, "sam.patel", "not the right passphrase", str, now=now)
    account = store.staff_user("sam.patel")
    assert account is not None and account.locked_until is not None
    assert account.locked_until.tzinfo is not None
    assert timedelta(minutes=9) < account.locked_until - now <= timedelta(minutes=11)
    with pytest.raises(UserError, match="locked"):
        sign_in_with_password(store, access, "sam.patel", PASSWORD, str, now=now)
    later = account.locked_until + timedelta(seconds=1)
    assert sign_in_with_password(store, access, "sam.patel", PASSWORD, str, now=later).username == "sam.patel"

    started = store.start_staff_session(
        "d" * 64,
        username="sam.patel",
        role="practitioner",
        method="password",
        os_uid=os.getuid(),
        lasts=timedelta(hours=8),
        actor="user:sam.patel",
        purpose="sign-in",
    )
    assert store.staff_session("d" * 64) == started and started.expires_at - started.started_at == timedelta(hours=8)
    store.touch_staff_session("d" * 64, started.started_at + timedelta(minutes=5))
    touched = store.staff_session("d" * 64)
    assert touched is not None and touched.last_used_at == started.started_at + timedelta(minutes=5)
    assert store.end_staff_session("d" * 64, actor="user:sam.patel", purpose="sign-in")
    assert not store.end_staff_session("d" * 64, actor="user:sam.patel", purpose="sign-in")
    ended = store.staff_session("d" * 64)
    assert ended is not None and ended.ended_at is not None
    assert [event.action for event in store.audit_trail()] == [
        "user.add",
        "session.refuse",
        "session.refuse",
        "session.refuse",
        "session.start",
        "session.end",
    ]


def test_the_access_window_and_a_single_review_hold_on_every_backend(store: HubStore) -> None:
    store.save_referral(example_referral(), actor="service:pipeline", purpose="mash_checks")
    add_staff_accounts(store, {"duty.practitioner": "practitioner"})
    glass = store.open_break_glass(
        REFERRAL_ID,
        username="duty.practitioner",
        role="practitioner",
        reason="immediate_risk",
        note=NOTE,
        lasts=timedelta(minutes=90),
        actor="user:duty.practitioner",
    )
    assert glass.expires_at - glass.opened_at == timedelta(minutes=90)
    for moment, open_then in [
        (glass.opened_at - timedelta(seconds=1), False),
        (glass.opened_at, True),
        (glass.expires_at - timedelta(seconds=1), True),
        (glass.expires_at, False),
    ]:
        found = store.active_break_glass(REFERRAL_ID, "duty.practitioner", moment)
        assert (found is not None) is open_then, moment
    assert store.active_break_glass(REFERRAL_ID, "someone.else", glass.opened_at) is None
    assert store.break_glass_note(1, actor="user:team.manager", purpose="break-glass review") == NOTE

    store.review_break_glass(1, appropriate=False, note="No risk recorded.", actor="user:ig", purpose="review")
    with pytest.raises(BreakGlassAlreadyReviewed):
        store.review_break_glass(1, appropriate=True, note="Changed my mind.", actor="user:ig", purpose="review")
    assert (store.break_glass(1).review, store.break_glass(1).reviewed_by) == ("inappropriate", "user:ig")
    assert store.break_glass_accesses(pending_only=True) == []
