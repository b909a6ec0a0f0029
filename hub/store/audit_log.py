"""The `audit_events` table: append inside the caller's transaction, list, and verify the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit import GENESIS_HASH, AuditAction, AuditEvent, ChainVerification, event_hash, verify_chain
from hub.store.tables import AuditEventRow


@dataclass(frozen=True)
class Access:
    """Who is acting, why, and under which lawful basis: the context every audit event records."""

    actor: str
    purpose: str
    lawful_basis: str
    role: str = "service"
    basis: str = "service"


def append(
    session: Session,
    access: Access,
    *,
    action: AuditAction,
    object_id: str,
    referral_id: str | None,
    occurred_at: datetime,
    record_digest: str | None = None,
    outcome: str = "success",
) -> AuditEvent:
    """Add the next event to the chain. The caller must hold the hub's write lock."""
    last = session.execute(
        select(AuditEventRow.seq, AuditEventRow.hash).order_by(AuditEventRow.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    unsigned = AuditEvent(
        seq=seq,
        occurred_at=occurred_at,
        actor=access.actor,
        role=access.role,
        action=action.value,
        object_type=action.object_type,
        object_id=object_id,
        referral_id=referral_id,
        purpose=access.purpose,
        lawful_basis=access.lawful_basis,
        basis=access.basis,
        outcome=outcome,
        record_digest=record_digest,
        prev_hash=prev_hash,
        hash="",
    )
    event = replace(unsigned, hash=event_hash(unsigned))
    session.add(AuditEventRow(**asdict(event)))
    session.flush()  # Fail here, inside the access's transaction, if the audit row cannot be written.
    return event


def _to_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        referral_id=row.referral_id,
        purpose=row.purpose,
        lawful_basis=row.lawful_basis,
        basis=row.basis,
        outcome=row.outcome,
        record_digest=row.record_digest,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def events(
    session: Session, *, referral_id: str | None = None, actor: str | None = None, action: str | None = None
) -> list[AuditEvent]:
    """Events in chain order, optionally filtered."""
    query = select(AuditEventRow).order_by(AuditEventRow.seq)
    if referral_id is not None:
        query = query.where(AuditEventRow.referral_id == referral_id)
    if actor is not None:
        query = query.where(AuditEventRow.actor == actor)
    if action is not None:
        query = query.where(AuditEventRow.action == action)
    return [_to_event(row) for row in session.scalars(query)]


def verify(session: Session) -> ChainVerification:
    """Walk the whole chain in order, streaming rows rather than loading them all."""

    def stream() -> Iterator[AuditEvent]:
        query = select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=1000)
        for row in session.scalars(query):
            yield _to_event(row)

    return verify_chain(stream())
