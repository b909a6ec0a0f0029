"""The audit log in the database: append inside the caller's transaction, seal a signed checkpoint, list, verify.

Each event is a leaf of a Merkle tree (`hub.audit.merkle`). The tree head (size and right edge) is
read once per audited transaction, under the write lock, grown in memory by each append and
written back with a signed checkpoint when the transaction seals (`seal`); after the commit the
checkpoint goes to the witness files outside the database (`publish`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hub.audit import AuditAction, AuditEvent
from hub.audit.chain import leaf_bytes, stored_time, well_formed
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import Frontier, leaf_hash
from hub.audit.notary import Notary
from hub.audit.search import BREAK_GLASS_PREFIX, AuditQuery
from hub.store.tables import AuditCheckpointRow, AuditEventRow, AuditTreeRow

logger = logging.getLogger(__name__)
LOG_ROW = 1
ORIGIN_PREFIX = "mash-hub/audit/"
_GROWING = "hub.audit.growing"
"""Where a session keeps the tree it is growing, between the transaction's first append and its seal."""


@dataclass(frozen=True)
class Access:
    """Who is acting, why, and under which lawful basis: the context every audit event records."""

    actor: str
    purpose: str
    lawful_basis: str
    role: str = "service"
    basis: str = "service"


@dataclass
class _Growing:
    """The tree as this transaction grows it: read once under the write lock, written back by `seal`."""

    origin: str
    start: int
    frontier: Frontier
    stored: bool


@dataclass(frozen=True)
class Sealed:
    """A checkpoint this transaction signed, to publish to the witnesses once it has committed."""

    origin: str
    previous_size: int
    size: int
    note: str


def _growing(session: Session) -> _Growing:
    growing: _Growing | None = session.info.get(_GROWING)
    if growing is None:
        row = session.get(AuditTreeRow, LOG_ROW)
        if row is None:
            if session.scalar(select(func.count()).select_from(AuditEventRow)):
                raise RuntimeError("the audit log's tree head is missing; run `hub audit verify` and report to IG")
            growing = _Growing(ORIGIN_PREFIX + secrets.token_hex(8), 0, Frontier(), stored=False)
        else:
            growing = _Growing(row.origin, row.size, Frontier.from_bytes(row.size, row.frontier), stored=True)
        session.info[_GROWING] = growing
    return growing


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
    """Add the next event to the log. The caller holds the hub's write lock, and `seal`s before committing."""
    growing = _growing(session)
    seq = growing.frontier.size + 1
    fields = (
        seq,
        stored_time(occurred_at),
        access.actor,
        access.role,
        action.value,
        action.object_type,
        object_id,
        referral_id,
        access.purpose,
        access.lawful_basis,
        access.basis,
        outcome,
        record_digest,
    )
    leaf = leaf_bytes(*fields)
    if not well_formed(leaf):
        raise ValueError("an audit event's fields may not contain the unit separator (0x1F)")
    digest = leaf_hash(leaf)
    growing.frontier.append(digest)
    event = AuditEvent(
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
        leaf_hash=digest.hex(),
    )
    session.add(AuditEventRow(**asdict(event)))
    session.flush()  # Fail here, inside the access's transaction, if the audit row cannot be written.
    return event


def seal(session: Session, notary: Notary, now: datetime) -> Sealed | None:
    """Sign a checkpoint of the tree this transaction grew and store it with the new tree head.

    None if the transaction appended nothing. Called last inside the transaction, so the events,
    the tree head and the checkpoint commit together or not at all.
    """
    growing: _Growing | None = session.info.pop(_GROWING, None)
    if growing is None or growing.frontier.size == growing.start:
        return None
    size, root = growing.frontier.size, growing.frontier.root()
    note = Checkpoint(growing.origin, size, root).sign(notary.signer())
    head = AuditTreeRow(log=LOG_ROW, origin=growing.origin, size=size, frontier=growing.frontier.to_bytes())
    if growing.stored:
        session.merge(head)
    else:
        session.add(head)
    session.add(AuditCheckpointRow(tree_size=size, root_hash=root.hex(), signed_at=now, note=note))
    session.flush()
    return Sealed(growing.origin, growing.start, size, note)


def publish(sessions: sessionmaker[Session], notary: Notary, sealed: Sealed) -> None:
    """Append a committed checkpoint to every witness file (catching up any the last writer missed).

    After the commit, never before, so a witness is never ahead of the database. A witness that
    cannot be written is logged and caught up by the next checkpoint; `hub audit verify` reports a
    witness more than one checkpoint behind.
    """

    def pending(newest: int | None) -> list[str]:
        if newest is not None and newest >= sealed.size:
            return []
        if newest is None or newest >= sealed.previous_size:
            return [sealed.note]
        with sessions() as session:
            query = (
                select(AuditCheckpointRow.note)
                .where(AuditCheckpointRow.tree_size > newest, AuditCheckpointRow.tree_size <= sealed.size)
                .order_by(AuditCheckpointRow.tree_size)
            )
            return list(session.scalars(query))

    for witness in notary.witnesses:
        try:
            witness.append(sealed.origin, pending)
        except OSError as error:
            logger.warning("could not write the audit witness %s (%s)", witness.path, error.strerror or error)


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
        leaf_hash=row.leaf_hash,
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


def stream_events(
    session: Session, query: AuditQuery, *, batch: int = 1000, newest_first: bool = False
) -> Iterator[AuditEvent]:
    """Events `query` matches, in chain order (or newest first, for a page of the latest), fetched `batch` rows
    at a time so a large trail never sits in memory.

    SQL narrows the rows on the query's columns (the indexed actor and referral among them); the query's
    own predicate then decides, so the store and `AuditQuery.matches` agree by construction.
    """
    order = AuditEventRow.seq.desc() if newest_first else AuditEventRow.seq
    statement = select(AuditEventRow).where(*sql_conditions(query)).order_by(order)
    for row in session.scalars(statement.execution_options(yield_per=batch)):
        event = _to_event(row)
        if query.matches(event):
            yield event


def sql_conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    """SQL for each filter the query sets: exact, except the subject's, which only narrows (the predicate decides)."""
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
    if query.allowed:
        conditions.append(row.outcome == "success")
    if query.since is not None:
        conditions.append(row.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(row.occurred_at < query.until)
    if query.through_seq is not None:
        conditions.append(row.seq <= query.through_seq)
    return conditions
