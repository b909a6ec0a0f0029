"""Every command against every role, with and without allocation: no unauthorised success, every refusal audited.

The expectations below are written from the roles the hub promises (practitioner, manager, IG officer,
integration engineer, administrator, professional referrer), not read from `config/roles.yaml`: the test
checks the shipped configuration and the code together against that promise.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from hub.access.guard import AccessRefused
from hub.checks.steps import store_chronologies
from hub.cli import app
from hub.errors import UserError
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.home import open_store
from hub.store.tables import AuditEventRow
from tests.conftest import SAMPLE_REFERRAL
from tests.hub.builders import ASSEMBLED_AT, REFERRAL_ID, example_referral, household_replies
from tests.staff import PASSWORD, add_staff, sign_in_as

ROLES = ("practitioner", "manager", "ig_officer", "integration_engineer", "administrator", "referrer")
PIPELINE = {"actor": "service:pipeline", "purpose": "mash_checks"}
HISTORY = Path(tempfile.mkdtemp(prefix="hub-role-matrix-history-"))
"""A folder of one past referral for `referral import-history` (written by the `populated` fixture)."""
SAR_OUT = Path(tempfile.mkdtemp(prefix="hub-role-matrix-sar-"))
"""Where `sar export` writes, one folder per attempt."""


@dataclass(frozen=True)
class Command:
    name: str
    args: Callable[[str, int], list[str]]
    """The arguments, given the acting username and a running number (for unique names)."""
    allowed: Callable[[str, bool], bool | None]
    """Whether a role may, with or without allocation to the referral; None where it may but there is no point
    (break-glass on a referral one is allocated to), which must not succeed either."""
    stdin: str | None = None


def always(*roles: str) -> Callable[[str, bool], bool]:
    return lambda role, allocated: role in roles


def when_allocated(*roles: str) -> Callable[[str, bool], bool]:
    return lambda role, allocated: role in roles and allocated


COMMANDS = (
    Command(
        "chronology show",
        lambda user, n: ["chronology", "show", REFERRAL_ID],
        when_allocated("practitioner", "manager"),
    ),
    Command(
        "chronology show --json",
        lambda user, n: ["chronology", "show", REFERRAL_ID, "--json"],
        when_allocated("practitioner", "manager"),
    ),
    Command(
        "chronology diff",
        lambda user, n: ["chronology", "diff", REFERRAL_ID],
        when_allocated("practitioner", "manager"),
    ),
    Command(
        "review list --referral",
        lambda user, n: ["review", "list", "--referral", REFERRAL_ID],
        when_allocated("practitioner", "manager"),
    ),
    Command(
        "review show",
        lambda user, n: ["review", "show", "1"],
        when_allocated("practitioner", "manager"),
    ),
    Command("linkage report", lambda user, n: ["linkage", "report"], always("manager")),
    Command(
        "review reject",
        lambda user, n: ["review", "reject", "1", "--reason", "Another child."],
        when_allocated("practitioner", "manager"),
    ),
    Command("referral list", lambda user, n: ["referral", "list"], always("practitioner", "manager")),
    Command(
        "referral allocate", lambda user, n: ["referral", "allocate", REFERRAL_ID, "--to", user], always("manager")
    ),
    Command(
        "referral submit",
        lambda user, n: ["referral", "submit", str(SAMPLE_REFERRAL)],
        always("practitioner", "manager", "referrer"),
    ),
    Command("access list", lambda user, n: ["access", "list"], always("manager", "ig_officer")),
    Command(
        "access review",
        lambda user, n: ["access", "review", "1", "--appropriate", "--note", "Duty cover."],
        always("manager", "ig_officer"),
    ),
    Command(
        "connectors renormalise",
        lambda user, n: ["connectors", "renormalise", "police", "--referral", REFERRAL_ID],
        always("integration_engineer"),
    ),
    Command("users list", lambda user, n: ["users", "list"], always("administrator")),
    Command(
        "users add",
        lambda user, n: ["users", "add", f"new.person{n}", "--role", "practitioner", "--password-stdin"],
        always("administrator"),
        stdin=PASSWORD + "\n",
    ),
    Command(
        "users role",
        lambda user, n: ["users", "role", "other.practitioner", "--role", "practitioner"],
        always("administrator"),
    ),
    Command("audit show", lambda user, n: ["audit", "show", REFERRAL_ID], always("ig_officer")),
    Command("audit verify", lambda user, n: ["audit", "verify"], always("ig_officer")),
    Command("audit prove", lambda user, n: ["audit", "prove", "1"], always("ig_officer")),
    Command("audit search", lambda user, n: ["audit", "search", "--referral", REFERRAL_ID], always("ig_officer")),
    Command("audit report", lambda user, n: ["audit", "report"], always("ig_officer")),
    Command("audit export", lambda user, n: ["audit", "export", "--format", "csv"], always("ig_officer")),
    Command(
        "decision record",
        lambda user, n: [
            "decision",
            "record",
            REFERRAL_ID,
            "--outcome",
            "early_help",
            "--level",
            "2",
            "--rationale-file",
            "-",
        ],
        when_allocated("practitioner", "manager"),
        stdin="Parents ask for help with the child's school attendance; no risk of significant harm is indicated.",
    ),
    Command(
        "decision show",
        lambda user, n: ["decision", "show", REFERRAL_ID],
        lambda role, allocated: role == "manager" or (role == "practitioner" and allocated),
    ),
    Command("decision sign-off", lambda user, n: ["decision", "sign-off", REFERRAL_ID, "--agree"], always("manager")),
    Command("referral import-history", lambda user, n: ["referral", "import-history", str(HISTORY)], always("manager")),
    Command("insight referrers", lambda user, n: ["insight", "referrers", "--csv"], always("manager", "ig_officer")),
    Command(
        "sar export",
        lambda user, n: ["sar", "export", "--nhs-number", "9990001014", "--no-pdf", "--out", str(SAR_OUT / f"{n}")],
        always("ig_officer"),
    ),
    # Last: a granted break-glass opens the referral to its holder for the rest of the scenario.
    Command(
        "access break-glass",
        lambda user, n: [
            "access",
            "break-glass",
            REFERRAL_ID,
            "--reason",
            "immediate_risk",
            "--note",
            "Police report a child alone now.",
        ],
        lambda role, allocated: (None if allocated else True) if role in ("practitioner", "manager") else False,
    ),
)


@pytest.fixture
def populated(hub_home: Path) -> HubStore:
    """The example household checked and assembled, a link review waiting, and one break-glass to review."""
    store = open_store(HubSettings.from_env())
    store.save_referral(example_referral(), **PIPELINE)
    past = example_referral().model_copy(update={"referral_id": "REF-2025-000001"})
    (HISTORY / "REF-2025-000001.json").write_text(past.model_dump_json(), encoding="utf-8")
    for reply in household_replies():
        store.save_reply(reply, actor="service:pipeline")
    store_chronologies(store, REFERRAL_ID, ASSEMBLED_AT, **PIPELINE)
    add_staff(store, "other.practitioner", "practitioner")
    store.open_break_glass(
        REFERRAL_ID,
        username="other.practitioner",
        role="practitioner",
        reason="covering",
        note="Covering for a colleague on leave.",
        lasts=timedelta(hours=2),
        actor="user:other.practitioner",
    )
    for role, allocated in itertools.product(ROLES, (True, False)):
        add_staff(store, _username(role, allocated), role)
    return store


def newest_seq(store: HubStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.max(AuditEventRow.seq))).scalar_one() or 0)


def _username(role: str, allocated: bool) -> str:
    return f"{role.replace('_', '-')}.{'allocated' if allocated else 'unallocated'}"


def test_no_command_succeeds_for_a_role_or_relationship_that_does_not_allow_it(populated: HubStore) -> None:
    settings = HubSettings.from_env()
    runner = CliRunner()
    unauthorised, wrongly_refused, unaudited = [], [], []
    attempts = refusals = 0
    for number, (role, allocated) in enumerate(itertools.product(ROLES, (True, False))):
        username = _username(role, allocated)
        sign_in_as(settings, populated, username)
        for step, command in enumerate(COMMANDS):
            holder = username if allocated else "other.practitioner"  # a manager may have allocated it to themself
            populated.allocate(REFERRAL_ID, holder, actor="service:test-setup", purpose="test allocation")
            before = newest_seq(populated)
            result = runner.invoke(app, command.args(username, number * 100 + step), input=command.stdin)
            attempts += 1
            refused = isinstance(result.exception, AccessRefused)
            succeeded = result.exit_code == 0 and result.exception is None
            if result.exception is not None and not isinstance(result.exception, UserError | SystemExit):
                pytest.fail(f"{command.name} as {username} crashed: {result.exception!r}")
            expected = command.allowed(role, allocated)
            case = f"{command.name} as {role} ({'allocated' if allocated else 'not allocated'})"
            if succeeded and not expected:
                unauthorised.append(case)
            if refused and expected is not False:
                wrongly_refused.append(case)
            if expected is False and not refused:
                unauthorised.append(f"{case}: not refused ({result.exception!r})")
            if refused:
                refusals += 1
                new = [event for event in populated.audit_trail(actor=f"user:{username}") if event.seq > before]
                denials = [e for e in new if e.outcome == "denied" and e.actor == f"user:{username}"]
                if len(denials) != 1 or denials[0].role != role or denials[0].basis != "none":
                    unaudited.append(case)
    assert attempts == len(ROLES) * 2 * len(COMMANDS)
    assert unauthorised == [], unauthorised
    assert wrongly_refused == [], wrongly_refused
    assert unaudited == [], unaudited
    assert refusals > attempts // 2  # the matrix is mostly "no": deny by default
