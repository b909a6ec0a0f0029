"""Verifying the audit log as stored, and proving one event is in it.

Streams the events with Core (plain tuples, the time as stored), so a million are checked in
seconds, in one snapshot of the database; the witness files are read before the snapshot, so a
legitimate witness is never ahead of what is checked. `hub.audit.verify` says what each check catches.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from hub.audit import AuditVerification
from hub.audit.chain import stored_time
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import inclusion_proof
from hub.audit.notary import Notary
from hub.audit.verify import WRITE_ACTIONS, TrailCheck, TreeHead
from hub.audit.witness import Witness
from hub.store.audit_log import LOG_ROW
from hub.store.bound_rows import stored_rows
from hub.store.tables import AuditCheckpointRow, AuditEventRow, AuditTreeRow

EVENTS_PER_FETCH = 5000
_EVENT_COLUMNS = (
    AuditEventRow.seq,
    type_coerce(AuditEventRow.occurred_at, String),  # SQLite's own text: what the leaf encodes.
    AuditEventRow.actor,
    AuditEventRow.role,
    AuditEventRow.action,
    AuditEventRow.object_type,
    AuditEventRow.object_id,
    AuditEventRow.referral_id,
    AuditEventRow.purpose,
    AuditEventRow.lawful_basis,
    AuditEventRow.basis,
    AuditEventRow.outcome,
    AuditEventRow.record_digest,
    AuditEventRow.leaf_hash,
)


def _snapshot(session: Session) -> None:
    """Read everything as of one moment (SQLite's transaction already is one; PostgreSQL needs asking)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _events(session: Session) -> Iterator[Sequence[Any]]:
    rows = session.execute(
        select(*_EVENT_COLUMNS).order_by(AuditEventRow.seq).execution_options(yield_per=EVENTS_PER_FETCH)
    )
    if session.get_bind().dialect.name == "sqlite":
        return iter(rows)
    return ((row[0], stored_time(row[1]), *row[2:]) for row in rows)  # A datetime, not text: spell it as SQLite does.


def verify(session: Session, notary: Notary) -> AuditVerification:
    """Check the whole trail: events, tree head, checkpoints, witnesses and every bound row."""
    _snapshot(session)
    head_row = session.get(AuditTreeRow, LOG_ROW)
    origin = None if head_row is None else head_row.origin
    witnessed = [(witness, None if origin is None else witness.latest(origin)) for witness in notary.witnesses]
    checkpoints = session.execute(select(AuditCheckpointRow.tree_size, AuditCheckpointRow.root_hash))
    roots = {size: root for size, root in checkpoints}
    has_events = session.scalar(select(AuditEventRow.seq).limit(1)) is not None
    if not roots and not has_events and head_row is None:
        return AuditVerification(True, 0, "audit trail verified: 0 events")
    check = TrailCheck(notary.verifier(), roots)
    check.walk(_events(session))
    check.check_head(None if head_row is None else TreeHead(head_row.origin, head_row.size, head_row.frontier))
    newest = max(roots, default=None)
    note = (
        None
        if newest is None
        else session.scalar(select(AuditCheckpointRow.note).where(AuditCheckpointRow.tree_size == newest))
    )
    check.check_newest(origin, newest, note)

    def behind(size: int) -> int:
        return sum(1 for checkpoint in roots if checkpoint > size)

    for witness, latest in witnessed:
        check.check_witness(str(witness.path), origin, latest, behind, partial(_reread, witness, origin))
    check.check_rows(stored_rows(session), WRITE_ACTIONS)
    return check.result()


def _reread(witness: Witness, origin: str | None) -> str | None:
    return None if origin is None else witness.latest(origin)


def prove(session: Session, seq: int) -> dict[str, Any]:
    """An inclusion proof of event `seq` against the newest checkpoint (RFC 9162 §2.1.3), as JSON-ready data."""
    newest = session.execute(
        select(AuditCheckpointRow.tree_size, AuditCheckpointRow.note)
        .order_by(AuditCheckpointRow.tree_size.desc())
        .limit(1)
    ).first()
    if newest is None or not 1 <= seq <= newest.tree_size:
        size = 0 if newest is None else newest.tree_size
        raise LookupError(f"event {seq} is not covered by the newest checkpoint (which covers events 1 to {size})")
    leaves = [
        bytes.fromhex(value)
        for value in session.scalars(
            select(AuditEventRow.leaf_hash).where(AuditEventRow.seq <= newest.tree_size).order_by(AuditEventRow.seq)
        )
    ]
    if len(leaves) != newest.tree_size:
        raise LookupError(f"the log holds {len(leaves)} of the {newest.tree_size} events its checkpoint covers")
    checkpoint = Checkpoint.peek(newest.note)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "leaf_hash": leaves[seq - 1].hex(),
        "tree_size": checkpoint.size,
        "root_hash": base64.b64encode(checkpoint.root).decode("ascii"),
        "inclusion_proof": [base64.b64encode(node).decode("ascii") for node in inclusion_proof(leaves, seq - 1)],
        "checkpoint": newest.note,
    }
