"""The `audit_events` table: append inside the caller's transaction, list, and verify the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hub.audit import GENESIS_HASH, AuditAction, AuditEvent, ChainVerification, event_hash, verify_chain
from hub.audit.search import BREAK_GLASS_PREFIX, AuditQuery
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
    session: Session,
    *,
    referral_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    query: AuditQuery | None = None,
) -> list[AuditEvent]:
    """Events in chain order, optionally filtered: by the keywords, or by an IG officer's `query`."""
    if query is None:
        query = AuditQuery(
            referral_id=referral_id,
            actors=frozenset({actor}) if actor is not None else frozenset(),
            actions=frozenset({action}) if action is not None else frozenset(),
        )
    elif (referral_id, actor, action) != (None, None, None):
        raise TypeError("pass the filters as keywords or as a query, not both")
    return list(stream_events(session, query))


def stream_events(session: Session, query: AuditQuery, *, batch: int = 1000) -> Iterator[AuditEvent]:
    """Events `query` matches, in chain order, fetched `batch` rows at a time so a large trail never sits in memory.

    SQL narrows the rows on the query's columns (the indexed actor and referral among them); the query's
    own predicate then decides, so the store and `AuditQuery.matches` agree by construction.
    """
    statement = select(AuditEventRow).where(*_conditions(query)).order_by(AuditEventRow.seq)
    for row in session.scalars(statement.execution_options(yield_per=batch)):
        event = _to_event(row)
        if query.matches(event):
            yield event


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    """SQL for each filter the query sets; exact, except the subject's, which only narrows (the predicate decides)."""
    row = AuditEventRow
    conditions: list[ColumnElement[bool]] = []
    if query.actors:
        conditions.append(row.actor.in_(sorted(query.actors)))
    if query.referral_id is not None:
        conditions.append(row.referral_id == query.referral_id)
    if query.subject_id is not None:
        conditions.append(
            or_(
                row.object_id.endswith(f"/{query.subject_id}", autoescape=True),
                row.object_id.contains(f"/{query.subject_id}/", autoescape=True),
            )
        )
    if query.actions:
        conditions.append(row.action.in_(sorted(query.actions)))
    if query.break_glass:
        conditions.append(row.basis.startswith(BREAK_GLASS_PREFIX, autoescape=True))
    if query.denied:
        conditions.append(row.outcome == "denied")
    if query.since is not None:
        conditions.append(row.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(row.occurred_at < query.until)
    if query.through_seq is not None:
        conditions.append(row.seq <= query.through_seq)
    return conditions


def verify(session: Session) -> ChainVerification:
    """Walk the whole chain in order, streaming rows rather than loading them all."""

    def stream() -> Iterator[AuditEvent]:
        query = select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=1000)
        for row in session.scalars(query):
            yield _to_event(row)

    return verify_chain(stream())
