"""A known audit trail for the IG tests, written through the real store with a clock the test sets.

Everyone in it is synthetic. Times are chosen against the council's calendar (Europe/London, Monday to
Friday 09:00-17:00, England's bank holidays) so each event's report section is known in advance:

When (UTC; local time is GMT until the clocks go forward on 29 March), who, and what:
- Sun 03-01 12:00  service:setup     user.add for each of the five (synthetic) staff
- Mon 03-02 10:00  user:alice        referral.create REF-A (allocated)
- Mon 03-02 10:30  service:pipeline  chronology.write REF-A/S1/v1, REF-A/S2/v1
- Mon 03-02 11:00  user:alice        chronology.read REF-A/S1/v1, /S2/v1 (allocated)
- Tue 03-03 20:00  user:bob          access.break_glass 1 on REF-A (out of hours)
- Tue 03-03 20:05  user:bob          chronology.read REF-A/S1, /S2 under break-glass:1 (out of hours)
- Tue 03-03 20:10  user:carol        chronology.read REF-A refused (denied)
- Wed 03-04 10:00  user:dave         access.review 1
- Thu 03-05 12:00  user:alice        referral.create REF-B
- Thu 03-05 12:30  user:bob          access.break_glass 2 on REF-B (never reviewed)
- Tue 03-31 23:30  user:erin         referral.read REF-A on her role: 00:30 BST on Wednesday 1 April
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.access.principal import Principal
from hub.access.roles import load_access_config
from hub.access.sessions import start_session
from hub.audit import AuditAction, AuditEvent
from hub.chronology.assembly import assemble
from hub.crypto import LocalKeyProvider
from hub.settings import HubSettings
from hub.store import HubStore
from hub.store.audited import Acting, acting
from hub.store.home import open_store
from schemas import Referral
from tests.hub.builders import example_referral, reply

REF_A = "REF-2026-000417"
REF_B = "REF-2026-000999"
PRACTITIONER_VIEW = "practitioner_view"
STAFF = {"alice": "practitioner", "bob": "practitioner", "carol": "practitioner", "dave": "manager", "erin": "manager"}


class Clock:
    """The store's clock: stamps each audit event with the moment the test chose."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
        self.now = datetime(year, month, day, hour, minute, tzinfo=UTC)


def clocked_store(url: str, keys: Path, clock: Clock) -> HubStore:
    store = HubStore(url, LocalKeyProvider(keys), clock=clock)
    store.create_schema()
    return store


def referral(referral_id: str) -> Referral:
    return example_referral().model_copy(update={"referral_id": referral_id})


def as_person(username: str, role: str, basis: str) -> Acting:
    return Acting(f"user:{username}", role, basis)


@dataclass(frozen=True)
class Trail:
    events: list[AuditEvent]

    def seqs(self, **fields: str) -> list[int]:
        """Sequence numbers of the events whose fields equal `fields`."""
        return [e.seq for e in self.events if all(getattr(e, name) == value for name, value in fields.items())]


def add_account(store: HubStore, username: str, role: str) -> None:
    store.add_staff_user(
        username,
        role=role,
        display_name=f"Synthetic {username}",
        password_hash=None,
        totp_secret=None,
        actor="service:setup",
        purpose="accounts",
    )


def break_glass(store: HubStore, username: str, referral_id: str, reason: str) -> None:
    """A practitioner opens a referral they are not allocated to (its event's basis is `break-glass:<n>`)."""
    with acting(as_person(username, "practitioner", "role")):
        store.open_break_glass(
            referral_id,
            username=username,
            role="practitioner",
            reason=reason,
            note="Synthetic note.",
            lasts=timedelta(hours=2),
            actor=f"user:{username}",
        )


def write_trail(store: HubStore, clock: Clock) -> Trail:
    """The trail in the module's table, written through the store's own audited operations."""
    clock.at(2026, 3, 1, 12)  # a Sunday: the accounts are set up (user.add events by a service, in no report)
    for username, role in STAFF.items():
        add_account(store, username, role)
    clock.at(2026, 3, 2, 10)
    with acting(as_person("alice", "practitioner", "allocated")):
        store.save_referral(referral(REF_A), actor="user:alice", purpose="referral_intake")
    clock.at(2026, 3, 2, 10, 30)
    source = referral(REF_A)
    for chronology in assemble(source, [reply("police", "S1")], assembled_at=clock.now):
        store.save_chronology(chronology, actor="service:pipeline")
    clock.at(2026, 3, 2, 11)
    with acting(as_person("alice", "practitioner", "allocated")):
        store.latest_chronologies(REF_A, actor="user:alice", purpose=PRACTITIONER_VIEW)

    clock.at(2026, 3, 3, 20)
    break_glass(store, "bob", REF_A, "immediate_risk")
    clock.at(2026, 3, 3, 20, 5)
    with acting(as_person("bob", "practitioner", "break-glass:1")):
        store.latest_chronologies(REF_A, actor="user:bob", purpose=PRACTITIONER_VIEW)
    clock.at(2026, 3, 3, 20, 10)
    with acting(as_person("carol", "practitioner", "none")):
        store.record_refusal(AuditAction.CHRONOLOGY_READ, REF_A, REF_A, actor="user:carol", purpose=PRACTITIONER_VIEW)
    clock.at(2026, 3, 4, 10)
    with acting(as_person("dave", "manager", "role")):
        store.review_break_glass(1, appropriate=True, note="Synthetic review.", actor="user:dave", purpose="review")

    clock.at(2026, 3, 5, 12)
    with acting(as_person("alice", "practitioner", "allocated")):
        store.save_referral(referral(REF_B), actor="user:alice", purpose="referral_intake")
    clock.at(2026, 3, 5, 12, 30)
    break_glass(store, "bob", REF_B, "covering")
    clock.at(2026, 3, 31, 23, 30)
    with acting(as_person("erin", "manager", "role")):
        store.load_referral(REF_A, actor="user:erin", purpose=PRACTITIONER_VIEW)
    return Trail(store.audit_trail())


def sign_in(settings: HubSettings, username: str, role: str) -> None:
    """An account in `role` and a session for it in `$HUB_HOME`, as `hub login` leaves them (real clock)."""
    store = open_store(settings)
    try:
        add_account(store, username, role)
        start_session(settings, store, load_access_config(settings), Principal(username, role, "password"))
    finally:
        store.close()


def home_with_trail(settings: HubSettings) -> Trail:
    """`$HUB_HOME`'s own database holding the trail above."""
    settings.ensure_home()
    clock = Clock()
    store = clocked_store(settings.database_url, settings.kek_path, clock)
    try:
        return write_trail(store, clock)
    finally:
        store.close()


def audit_event(**fields: object) -> AuditEvent:
    """One event made by hand (for what the store would never write, or a report fed directly), `fields` overriding."""
    values: dict[str, object] = {
        "seq": 1,
        "occurred_at": datetime(2026, 3, 2, 10, tzinfo=UTC),
        "actor": "user:sam.patel",
        "role": "practitioner",
        "action": AuditAction.REFERRAL_READ.value,
        "object_type": "referral",
        "object_id": "REF-1",
        "referral_id": "REF-1",
        "purpose": "mash_enquiry",
        "lawful_basis": "basis",
        "basis": "allocated",
        "outcome": "success",
        "record_digest": None,
        "leaf_hash": "0" * 64,
        **fields,
    }
    return AuditEvent(**values)  # type: ignore[arg-type]
