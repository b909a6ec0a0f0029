"""`AuditedStore`: what every part of the store shares: the engine, the keyring and the audited transaction.

`HubStore` is one class put together from a mixin per kind of record (`ReplyRecords`,
`ReviewQueue`, `ChronologyRecords`), each built on this class, with the referrals and the person
index in `hub_store.py` itself. Mixins rather than collaborator objects, because every concern
needs the very same things: one transaction that holds the write lock and commits the access
together with its audit event, the same data-key lookups and the same clock. With mixins each
public method is written once, where it is implemented, with no forwarding layer repeating every
signature, and `from hub.store import HubStore` stays the one class callers see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.audit import DEFAULT_LAWFUL_BASIS, AuditAction
from hub.audit.notary import AuditFiles, Notary
from hub.crypto import KeyProvider, Keyring, LocalKeyProvider
from hub.store import audit_log
from hub.store.audit_log import Access
from hub.store.engine import make_engine, take_write_lock
from hub.store.errors import UnreadableRecord
from hub.store.keys import DIGEST_KEY_ID, data_key
from hub.store.migrations.opening import create_or_check
from hub.store.unreadable import SealedRecord, open_sealed, stored_key

logger = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Acting:
    """The access decision behind what a person does next: their role, and why they may (`basis`).

    Set once per command by whoever decided it (`hub.access`), and recorded in every audit event the
    store writes meanwhile, so no read can be logged without the grounds it was allowed on.
    """

    actor: str
    role: str
    basis: str


_acting: ContextVar[Acting | None] = ContextVar("hub_store_acting", default=None)


@contextmanager
def acting(decision: Acting) -> Iterator[None]:
    """Record `decision`'s role and basis in every audit event `decision.actor` causes inside this block."""
    token = _acting.set(decision)
    try:
        yield
    finally:
        _acting.reset(token)


def _role_and_basis(actor: str) -> tuple[str, str]:
    decision = _acting.get()
    if decision is not None and decision.actor == actor:
        return decision.role, decision.basis
    if actor.startswith("service:"):
        return "service", "service"
    return "unknown", "none"


class AuditedStore:
    """One database and its keys; every read or write of personal data goes through `_audited`."""

    def __init__(
        self,
        url: str,
        key_provider: KeyProvider,
        *,
        lawful_basis: str = DEFAULT_LAWFUL_BASIS,
        clock: Callable[[], datetime] = _utc_now,
        audit_files: AuditFiles | None = None,
    ) -> None:
        """`url` is any SQLAlchemy URL (`sqlite:///…/hub.db` by default; PostgreSQL works too).

        `clock` stamps audit events and key creation only; it never decides stored results.
        `audit_files` are the audit signing key and witness files (`AuditFiles.from_settings`); by
        default they sit beside a local key file as under `$HUB_HOME` (`keys/`, `audit/witness.log`).
        """
        if audit_files is None:
            if not isinstance(key_provider, LocalKeyProvider):
                raise ValueError("say where the audit signing key and witness are: pass audit_files")
            audit_files = AuditFiles.beside(key_provider.path)
        self.notary = Notary(audit_files)
        self.engine = make_engine(url)
        self.lawful_basis = lawful_basis
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._keyring = Keyring(key_provider)
        self._clock = clock

    def create_schema(self) -> None:
        """Make an empty database at the newest schema revision; accept one already there.

        Refuse any other (`OutdatedSchema`: run `hub db upgrade`; `NewerSchema`) with one line, rather than
        fail later with an SQL error. Never migrates: see `hub.store.migrations`.
        """
        create_or_check(self.engine)

    def close(self) -> None:
        """Forget cached data keys and release connections."""
        self._keyring.forget()
        self.engine.dispose()

    @contextmanager
    def _audited(
        self, actor: str, purpose: str, lawful_basis: str | None = None
    ) -> Iterator[tuple[Session, Access, datetime]]:
        """One transaction holding the write lock: the access and its audit event commit or fail together.

        A record that cannot be read (`UnreadableRecord`) rolls the access back and is then recorded in a
        transaction of its own (`record.unreadable`), so a failed read still leaves its trace.
        """
        if not actor.strip() or not purpose.strip():
            raise ValueError("every access needs an actor and a purpose for the audit trail")
        role, basis = _role_and_basis(actor)
        access = Access(
            actor=actor, purpose=purpose, lawful_basis=lawful_basis or self.lawful_basis, role=role, basis=basis
        )
        try:
            with self._sessions() as session, session.begin():
                take_write_lock(session)
                yield session, access, self._clock()
                sealed = audit_log.seal(session, self.notary, self._clock())  # Every event under a signed checkpoint.
        except UnreadableRecord as failure:
            if not failure.recorded:
                self._record_unreadable(access, failure)
            raise
        if sealed is not None:
            audit_log.publish(self._sessions, self.notary, sealed)  # After the commit: never ahead of the database.

    def _record_unreadable(self, access: Access, failure: UnreadableRecord) -> None:
        """Record a failed read as `record.unreadable` (outcome: its cause), by whoever attempted it, for what.

        If even that cannot be written, the failure the person sees is still the unreadable record; the
        log line names the record by kind and ids only.
        """
        failure.recorded = True
        try:
            with self._sessions() as session, session.begin():
                take_write_lock(session)
                self._unreadable(session, access, self._clock(), failure)
                sealed = audit_log.seal(session, self.notary, self._clock())
            if sealed is not None:
                audit_log.publish(self._sessions, self.notary, sealed)
        except (SQLAlchemyError, OSError) as error:
            logger.error("could not record that %s is unreadable (%s)", failure.record, type(error).__name__)

    def _audit(
        self,
        session: Session,
        access: Access,
        now: datetime,
        action: AuditAction,
        object_id: str,
        referral_id: str | None,
        record_digest: str | None = None,
        *,
        outcome: str = "success",
    ) -> None:
        """Add one event; a write passes `record_digest`, the digest of what it wrote (`hub.store.bound_rows`).

        `referral_id` is None for events about an account or a session; `outcome` is `denied` for a refusal.
        """
        audit_log.append(
            session,
            access,
            action=action,
            object_id=object_id,
            referral_id=referral_id,
            occurred_at=now,
            record_digest=record_digest,
            outcome=outcome,
        )

    def _unreadable(self, session: Session, access: Access, now: datetime, failure: UnreadableRecord) -> None:
        """Record `failure` as `record.unreadable` in this transaction: for a read that carries on past it
        (a subject access export lists the record as unreadable rather than stop)."""
        failure.recorded = True
        action = AuditAction.RECORD_UNREADABLE
        self._audit(session, access, now, action, failure.record, failure.referral_id, outcome=failure.cause)

    def _open(self, session: Session, record: SealedRecord, key_id: str, sealed: bytes) -> bytes:
        """A stored record's plaintext, or `UnreadableRecord` naming it, why and what to do (`hub.store.unreadable`)."""
        return open_sealed(session, self._keyring, record, key_id, sealed)

    def _stored_key(self, session: Session, key_id: str) -> bytes:
        """An existing data key to seal more under, or `UnreadableRecord` naming it (`hub.store.unreadable`)."""
        return stored_key(session, self._keyring, key_id)

    def _digest_key(self, session: Session, now: datetime) -> bytes:
        return data_key(session, self._keyring, DIGEST_KEY_ID, now=now)
