"""Signing in: the first administrator, passwords, sessions, lockout, a TOTP second factor, and who the actor is.

Commands run in-process through typer's CliRunner (the real `hub` app, the real store on a real SQLite
file), except where a separate process is the point: two bootstraps racing. Time is driven through the
`now=` parameters and the stored rows, never by sleeping.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import yaml
from click.testing import Result

from hub.access.guard import AccessRefused
from hub.access.roles import AccessConfig, load_access_config
from hub.access.sessions import REFUSED, current_principal, os_account, session_file, sign_in_with_password
from hub.audit.chain import AuditEvent
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from tests.hub.builders import REFERRAL_ID, example_referral
from tests.markers import files_containing
from tests.staff import PASSWORD, add_staff, refusal, sign_in_as, success
from tests.staff import hub_command as hub

HUB = str(Path(sys.executable).parent / "hub")
BOOTSTRAP_ONLY = "--bootstrap works only while there are no users"


def config(settings: HubSettings) -> AccessConfig:
    return load_access_config(settings)


def events(store: HubStore, action: str) -> list[AuditEvent]:
    return store.audit_trail(action=action)


def token_of(settings: HubSettings) -> str:
    token: str = json.loads(session_file(settings).read_text())["token"]
    return token


def digest_of(settings: HubSettings) -> str:
    return hashlib.sha256(token_of(settings).encode("ascii")).hexdigest()


def edit_row(home: Path, statement: str, *parameters: object) -> None:
    """Change a stored row as an administrator (or an attacker) with the database file would."""
    with closing(sqlite3.connect(home / "hub.db")) as database, database:
        assert database.execute(statement, parameters).rowcount == 1


def enrolment_secret(output: str) -> str:
    """The TOTP secret from the `otpauth://` address `users add` printed, which must be whole on one line."""
    (address,) = re.findall(r"^\s*(otpauth://\S+)$", output, flags=re.MULTILINE)
    assert address.endswith("&issuer=MASH%20Hub"), output
    parsed = pyotp.parse_uri(address)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.issuer == "MASH Hub"
    return str(parsed.secret)


def wrong_code(secret: str) -> str:
    """A six-digit code that no step near now accepts."""
    totp, moment = pyotp.TOTP(secret), time.time()
    accepted = {totp.at(moment + 30 * step) for step in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in accepted)


# --- The first administrator -------------------------------------------------------------------------


def test_bootstrap_adds_the_first_administrator_with_a_second_factor_and_only_while_there_are_no_users(
    settings: HubSettings, store: HubStore
) -> None:
    result = hub("users", "add", "admin.one", "--bootstrap", "--password-stdin", stdin=PASSWORD + "\n", COLUMNS="80")
    output = success(result)
    assert "Added admin.one (administrator)" in output
    # The enrolment address is whole on one line even at 80 columns, so it can be copied into an app.
    secret = enrolment_secret(result.output)

    admin = store.staff_user("admin.one")
    assert admin is not None and admin.role == "administrator" and admin.has_totp and admin.active
    assert admin.password_hash is not None and admin.password_hash.startswith("$argon2id$")
    assert store.totp_secret("admin.one") == secret
    (added,) = events(store, "user.add")
    assert (added.actor, added.object_id, added.outcome) == (f"os:{os_account()[1]}", "admin.one", "success")
    store.close()
    # Neither the password nor the TOTP secret is anywhere in the home: a hash, and sealed.
    assert files_containing(settings.home, [PASSWORD, secret]) == {}

    message = refusal(hub("users", "add", "admin.two", "--bootstrap", "--password-stdin", stdin=PASSWORD + "\n"))
    assert BOOTSTRAP_ONLY in message
    assert store.staff_user("admin.two") is None
    assert len(events(store, "user.add")) == 1


def test_bootstrap_makes_only_an_administrator(store: HubStore) -> None:
    args = ("users", "add", "sam.patel", "--bootstrap", "--role", "practitioner", "--password-stdin")
    assert "creates the first administrator" in refusal(hub(*args, stdin=PASSWORD + "\n"))
    assert store.user_count() == 0


def _blocked_reading_stdin(pid: int) -> bool:
    """Whether the process is waiting in read(0, ...) (Linux: /proc/PID/syscall names the call and its fd)."""
    read = {"x86_64": 0, "aarch64": 63}[platform.machine()]
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] == str(read) and int(fields[1], 16) == 0


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "aarch64") or not Path("/proc/self/syscall").exists(),
    reason="needs Linux's /proc/PID/syscall to hold both processes past the no-users check",
)
def test_two_bootstraps_at_once_leave_exactly_one_administrator(hub_home: Path) -> None:
    """Both processes pass the early "no users yet" check and wait for a password; then both get it at once.

    Only the check inside the write transaction stands between them and two first administrators.
    """
    environment = {**os.environ, "HUB_HOME": str(hub_home), "COLUMNS": "200"}
    racers = [
        subprocess.Popen(
            [HUB, "users", "add", name, "--bootstrap", "--password-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for name in ("admin.one", "admin.two")
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(_blocked_reading_stdin(racer.pid) for racer in racers):
            assert all(racer.poll() is None for racer in racers), [racer.communicate() for racer in racers]
            assert time.monotonic() < deadline, "the bootstraps never asked for a password"
            time.sleep(0.01)
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write(PASSWORD + "\n")
            racer.stdin.flush()
        outcomes = [(racer.wait(timeout=60), *racer.communicate()) for racer in racers]
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
    assert sorted(code for code, _, _ in outcomes) == [0, 1], outcomes
    (loser,) = [stderr for code, _, stderr in outcomes if code == 1]
    assert BOOTSTRAP_ONLY in " ".join(loser.split()) and "Traceback" not in loser
    assert len(loser.strip().splitlines()) == 1

    store = open_store(HubSettings.from_env({**os.environ, "HUB_HOME": str(hub_home)}))
    try:
        users = store.staff_users()
        assert [user.role for user in users] == ["administrator"]
        assert [event.object_id for event in store.audit_trail(action="user.add")] == [users[0].username]
    finally:
        store.close()


# --- Adding accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short words", "too short"),
        ("sam.patel likes long walks", "must not contain the username"),
        ("SAM.PATEL LIKES LONG WALKS", "must not contain the username"),
    ],
)
def test_a_weak_password_is_refused_in_one_line_and_nothing_is_stored(
    settings: HubSettings, store: HubStore, password: str, why: str
) -> None:
    add_staff(store, "admin.one", "administrator")
    sign_in_as(settings, store, "admin.one")
    result = hub("users", "add", "sam.patel", "--role", "practitioner", "--password-stdin", stdin=password + "\n")
    message = refusal(result)
    assert why in message and password not in message
    assert store.staff_user("sam.patel") is None
    assert [event.object_id for event in events(store, "user.add")] == ["admin.one"]


def test_a_weak_first_administrator_password_stores_no_account(store: HubStore) -> None:
    result = hub("users", "add", "admin.one", "--bootstrap", "--password-stdin", stdin="admin.one-2026-spring\n")
    assert "must not contain the username" in refusal(result)
    assert store.user_count() == 0
    assert events(store, "user.add") == []


def test_an_administrator_adds_a_practitioner_who_then_signs_in_without_a_second_factor(
    settings: HubSettings, store: HubStore
) -> None:
    add_staff(store, "admin.one", "administrator")
    sign_in_as(settings, store, "admin.one")
    output = success(hub("users", "add", "sam.patel", "--role", "practitioner", "--password-stdin", stdin=PASSWORD))
    assert "Added sam.patel (practitioner)" in output and "otpauth://" not in output
    added = store.staff_user("sam.patel")
    assert added is not None and added.created_by == "user:admin.one" and not added.has_totp
    assert "Signed in as sam.patel (practitioner)" in success(
        hub("login", "sam.patel", "--password-stdin", stdin=PASSWORD + "\n")
    )


def test_someone_who_may_not_manage_accounts_is_refused_before_being_asked_for_a_password(
    settings: HubSettings, store: HubStore
) -> None:
    add_staff(store, "sam.patel", "practitioner")
    sign_in_as(settings, store, "sam.patel")
    result = hub("users", "add", "kim.new", "--role", "manager")  # would prompt for the new password
    assert isinstance(result.exception, AccessRefused), result.output
    assert "cannot manage staff accounts" in refusal(result) and "Initial password" not in result.output
    (denied,) = [event for event in store.audit_trail() if event.outcome == "denied"]
    assert (denied.action, denied.actor, denied.role, denied.basis) == (
        "user.add",
        "user:sam.patel",
        "practitioner",
        "none",
    )
    assert store.staff_user("kim.new") is None


# --- Signing in and out -------------------------------------------------------------------------------


def test_login_starts_a_session_whose_token_only_the_private_session_file_holds(
    settings: HubSettings, store: HubStore
) -> None:
    add_staff(store, "sam.patel", "practitioner")
    output = success(hub("login", "sam.patel", "--password-stdin", stdin=PASSWORD + "\n"))
    assert "Signed in as sam.patel (practitioner)" in output

    path = session_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert set(document) == {"username", "token"} and document["username"] == "sam.patel"
    assert PASSWORD not in path.read_text()
    token = document["token"]
    assert len(token) >= 40

    session = store.staff_session(hashlib.sha256(token.encode()).hexdigest())
    assert session is not None
    assert (session.username, session.role, session.method, session.os_uid) == (
        "sam.patel",
        "practitioner",
        "password",
        os.getuid(),
    )
    (started,) = events(store, "session.start")
    assert (started.actor, started.object_id) == ("user:sam.patel", "sam.patel")
    assert "No referrals yet" in success(hub("referral", "list"))
    store.close()
    # The database (and its write-ahead log) hold only the token's digest: a copy of them opens no session.
    assert files_containing(settings.home, [token, PASSWORD]) == {"session.json": [token]}


def test_a_wrong_password_reads_exactly_like_an_unknown_account_and_both_are_audited(
    settings: HubSettings, store: HubStore
) -> None:
    add_staff(store, "sam.patel", "practitioner")
    wrong = refusal(hub("login", "sam.patel", "--password-stdin", stdin="not the right passphrase\n"))
    unknown = refusal(hub("login", "nobody.here", "--password-stdin", stdin=PASSWORD + "\n"))
    assert wrong == unknown == REFUSED
    assert not session_file(settings).exists()

    refused = events(store, "session.refuse")
    assert [(event.actor, event.object_id, event.outcome) for event in refused] == [
        (f"unverified:{os_account()[1]}", "sam.patel", "denied"),  # nobody proven: the computer account tried
        (f"unverified:{os_account()[1]}", "(unknown account)", "denied"),
    ]
    # An unknown name may be a password typed into the wrong prompt: it is not recorded.
    assert not any("nobody.here" in f"{event.actor} {event.object_id}" for event in store.audit_trail())
    assert events(store, "session.start") == []


def test_a_disabled_account_is_refused_like_a_wrong_password(settings: HubSettings, store: HubStore) -> None:
    add_staff(store, "sam.patel", "practitioner")
    edit_row(settings.home, "UPDATE staff_users SET active = 0 WHERE username = ?", "sam.patel")
    assert refusal(hub("login", "sam.patel", "--password-stdin", stdin=PASSWORD + "\n")) == REFUSED
    assert not session_file(settings).exists()


def test_failed_sign_ins_lock_the_account_for_a_while_and_a_success_resets_the_count(
    settings: HubSettings, config_copy: Path
) -> None:
    roles = yaml.safe_load((config_copy / "roles.yaml").read_text())
    roles["sessions"].update({"lockout_after": 3, "lockout_for": "10 minutes"})
    (config_copy / "roles.yaml").write_text(yaml.safe_dump(roles, sort_keys=False))
    store = open_store(settings)
    add_staff(store, "sam.patel", "practitioner")

    def login(password: str) -> Result:
        return hub("login", "sam.patel", "--password-stdin", stdin=password + "\n")

    bad = "not the right passphrase"
    refusal(login(bad))
    refusal(login(bad))
    success(login(PASSWORD))  # two failures, then a success: the count starts again
    for _ in range(3):
        assert refusal(login(bad)) == REFUSED
    account = store.staff_user("sam.patel")
    assert account is not None and account.locked_until is not None
    assert timedelta(minutes=9) < account.locked_until - datetime.now(UTC) <= timedelta(minutes=10)

    locked = refusal(login(PASSWORD))  # the right password, while locked
    assert "locked after too many failed sign-ins" in locked and f"{account.locked_until:%H:%M} UTC" in locked
    assert [event.outcome for event in events(store, "session.refuse")] == ["denied"] * 6

    access = config(settings)
    with pytest.raises(UserError, match="locked"):
        sign_in_with_password(
            store, access, "sam.patel", PASSWORD, str, now=account.locked_until - timedelta(seconds=1)
        )
    unlocked = sign_in_with_password(
        store, access, "sam.patel", PASSWORD, str, now=account.locked_until + timedelta(seconds=1)
    )
    assert (unlocked.username, unlocked.role, unlocked.method) == ("sam.patel", "practitioner", "password")
    store.close()


def test_an_administrator_needs_the_code_from_their_authenticator_app(settings: HubSettings, store: HubStore) -> None:
    result = hub("users", "add", "admin.one", "--bootstrap", "--password-stdin", stdin=PASSWORD + "\n", COLUMNS="80")
    secret = enrolment_secret(result.output)

    missing = refusal(hub("login", "admin.one", "--password-stdin", stdin=PASSWORD + "\n"))
    assert "six-digit code" in missing
    assert refusal(hub("login", "admin.one", "--password-stdin", "--code", wrong_code(secret), stdin=PASSWORD)) == (
        REFUSED
    )
    assert refusal(hub("login", "admin.one", "--password-stdin", stdin=f"{PASSWORD}\n{wrong_code(secret)}\n")) == (
        REFUSED
    )
    assert not session_file(settings).exists()
    assert [event.object_id for event in events(store, "session.refuse")] == ["admin.one", "admin.one"]

    code = pyotp.TOTP(secret).now()
    assert "Signed in as admin.one (administrator)" in success(
        hub("login", "admin.one", "--password-stdin", "--code", code, stdin=PASSWORD + "\n")
    )
    session = store.staff_session(digest_of(settings))
    assert session is not None and session.method == "password+totp"

    success(hub("logout"))
    # A code is good once: the same one again (seen over a shoulder, say) is refused within its window...
    assert refusal(hub("login", "admin.one", "--password-stdin", stdin=f"{PASSWORD}\n{code}\n")) == REFUSED
    # ...and the next step's code (within the one step of drift allowed) is accepted.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert "Signed in as admin.one" in success(
        hub("login", "admin.one", "--password-stdin", stdin=f"{PASSWORD}\n{code}\n")
    )
    listed = success(hub("users", "list"))
    assert "admin.one" in listed and "TOTP" in listed
    assert "otpauth" not in listed and secret not in listed  # the enrolment address was shown once, at `users add`


def test_logout_ends_the_session_and_a_saved_copy_of_its_file_opens_nothing(
    settings: HubSettings, store: HubStore
) -> None:
    add_staff(store, "sam.patel", "practitioner")
    sign_in_as(settings, store, "sam.patel")
    saved = session_file(settings).read_bytes()

    assert "Signed out sam.patel." in success(hub("logout"))
    assert not session_file(settings).exists()
    assert "You are not signed in" in refusal(hub("referral", "list"))
    (ended,) = events(store, "session.end")
    assert (ended.actor, ended.object_id) == ("user:sam.patel", "sam.patel")

    session_file(settings).write_bytes(saved)
    assert "Your session has ended (you signed out)" in refusal(hub("referral", "list"))
    session_file(settings).unlink()
    assert "You were not signed in." in success(hub("logout"))


def test_a_session_ends_after_it_is_idle_and_after_it_lasts_however_busy(
    settings: HubSettings, store: HubStore
) -> None:
    """Defaults: sessions last 8 hours and end after 30 minutes idle; each command restarts the idle clock."""
    add_staff(store, "sam.patel", "practitioner")
    access = config(settings)
    assert (access.sessions.lasts, access.sessions.idle) == (timedelta(hours=8), timedelta(minutes=30))

    sign_in_as(settings, store, "sam.patel")
    started = store.staff_session(digest_of(settings))
    assert started is not None
    assert current_principal(settings, store, access, now=started.started_at + timedelta(minutes=29)).username == (
        "sam.patel"
    )
    with pytest.raises(UserError) as idle:
        current_principal(settings, store, access, now=started.started_at + timedelta(minutes=59, seconds=1))
    assert str(idle.value) == (
        "Your session has ended (it was idle for over 30 minutes). Sign in again with `hub login sam.patel`."
    )

    sign_in_as(settings, store, "sam.patel")
    started = store.staff_session(digest_of(settings))
    assert started is not None
    moment = started.started_at
    while moment + timedelta(minutes=25) < started.expires_at:
        moment += timedelta(minutes=25)
        current_principal(settings, store, access, now=moment)  # busy all day: never idle
    with pytest.raises(UserError) as lasted:
        current_principal(settings, store, access, now=started.started_at + timedelta(hours=8))
    assert "Your session has ended (sessions last 8 hours)" in str(lasted.value)


def test_a_session_file_used_from_another_os_account_is_refused(settings: HubSettings, store: HubStore) -> None:
    add_staff(store, "sam.patel", "practitioner")
    sign_in_as(settings, store, "sam.patel")
    assert "No referrals yet" in success(hub("referral", "list"))
    edit_row(settings.home, "UPDATE staff_sessions SET os_uid = os_uid + 1 WHERE token_digest = ?", digest_of(settings))
    assert "Your session has ended (it belongs to another computer account)" in refusal(hub("referral", "list"))


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE staff_users SET role = 'manager' WHERE username = ?",
        "UPDATE staff_users SET active = 0 WHERE username = ?",
    ],
    ids=["role-changed", "disabled"],
)
def test_a_changed_role_or_a_disabled_account_ends_the_session(
    settings: HubSettings, store: HubStore, change: str
) -> None:
    add_staff(store, "sam.patel", "practitioner")
    sign_in_as(settings, store, "sam.patel")
    edit_row(settings.home, change, "sam.patel")
    assert "Your session has ended (your account or role has changed)" in refusal(hub("referral", "list"))


def test_the_environment_never_chooses_the_actor_in_the_audit_trail(settings: HubSettings, store: HubStore) -> None:
    store.save_referral(example_referral(), actor="service:pipeline", purpose="mash_checks")
    add_staff(store, "test.manager", "manager")
    add_staff(store, "test.practitioner", "practitioner")
    before = len(store.audit_trail())
    pretend = {"USER": "dr.jane.smith", "LOGNAME": "dr.jane.smith", "USERNAME": "dr.jane.smith"}

    refusal(hub("login", "nobody.here", "--password-stdin", stdin=PASSWORD + "\n", **pretend))
    success(hub("login", "test.manager", "--password-stdin", stdin=PASSWORD + "\n", **pretend))
    success(hub("referral", "allocate", REFERRAL_ID, "--to", "test.practitioner", **pretend))
    success(hub("logout", **pretend))

    new = store.audit_trail()[before:]
    assert [(event.action, event.actor) for event in new] == [
        ("session.refuse", f"unverified:{os_account()[1]}"),
        ("session.start", "user:test.manager"),
        ("referral.allocate", "user:test.manager"),
        ("session.end", "user:test.manager"),
    ]
    assert not any("jane" in f"{event.actor} {event.object_id}" for event in store.audit_trail())
