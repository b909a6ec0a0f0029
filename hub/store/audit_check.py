"""Verifying the audit log as stored, and proving one event is in it.

Streams the events with Core (plain tuples, the time as stored), so a million are checked in
seconds, in one snapshot of the database; the witness files are read before the snapshot, so a
legitimate witness is never ahead of what is checked. `hub.audit.verify` says what each check catches.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from hub.audit import AuditVerification
from hub.audit.chain import stored_time
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import inclusion_proof
from hub.audit.notary import Notary
from hub.audit.note import NoteError
from hub.audit.verify import WRITE_ACTIONS, TrailCheck, TreeHead
from hub.audit.witness import Witness
from hub.store.bound_rows import stored_rows
from hub.store.tables import AuditCheckpointRow, AuditEventRow

FETCH = 5000
_EVENTS = (
    "SELECT seq, occurred_at, actor, role, action, object_type, object_id, referral_id, purpose, lawful_basis, "
    "basis, outcome, record_digest, leaf_hash FROM audit_events ORDER BY seq"
)
"""Plain SQL, no type processing: the time comes back as SQLite stored it, which is what the leaf encodes."""
_CHECKPOINT_ROOTS = "SELECT tree_size, root_hash FROM audit_checkpoints"
_NEWEST_NOTE = "SELECT tree_size, note, root_hash FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1"
_NEWER_CHECKPOINTS = "SELECT count(*) FROM audit_checkpoints WHERE tree_size > :size"
_HEAD = "SELECT origin, size, frontier FROM audit_tree WHERE log = 1"


def _snapshot(session: Session) -> None:
    """Read everything as of one moment (SQLite's transaction already is one; PostgreSQL needs asking)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _rows(connection: Connection, sql: str) -> Iterator[Sequence[Any]]:
    """Plain rows straight from the driver's cursor, fetched in batches: no per-row work but the caller's.

    On PostgreSQL a named (server-side) cursor, so a million rows never sit in memory at once.
    """
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"hub_audit_{secrets.token_hex(4)}")
        cursor.itersize = FETCH  # type: ignore[attr-defined]  # psycopg2: rows per round trip
    else:
        cursor = driver.cursor()
        cursor.arraysize = FETCH
    cursor.execute(sql)
    try:
        while batch := cursor.fetchmany(FETCH):
            yield from batch
    finally:
        cursor.close()


def _events(connection: Connection) -> Iterator[Sequence[Any]]:
    rows = _rows(connection, _EVENTS)
    if connection.dialect.name == "sqlite":
        return rows
    return ((row[0], stored_time(row[1]), *row[2:]) for row in rows)  # A datetime, not text: spell it as SQLite does.


def _head(connection: Connection) -> TreeHead | None:
    row = connection.exec_driver_sql(_HEAD).first()
    return None if row is None else TreeHead(row[0], row[1], bytes(row[2]))


def _newest_note(connection: Connection) -> tuple[int, str, str] | None:
    """The newest checkpoint: its size, signed note and stored root."""
    row = connection.exec_driver_sql(_NEWEST_NOTE).first()
    return None if row is None else (row[0], row[1], row[2])


def _origin(head: TreeHead | None, newest: tuple[int, str, str] | None) -> str | None:
    if head is not None:
        return head.origin
    try:
        return None if newest is None else Checkpoint.peek(newest[1]).origin
    except NoteError:
        return None


def log_origin(session: Session) -> str | None:
    """The log's origin: from its tree head, else from its newest checkpoint (None if it has neither)."""
    connection = session.connection()
    return _origin(_head(connection), _newest_note(connection))


Witnessed = list[tuple[Witness, str | None]]
"""Each witness with the newest checkpoint it holds of the log (of any log, if the log's origin is unknown)."""


def read_witnesses(notary: Notary, origin: str | None) -> Witnessed:
    """Read before the database snapshot is taken, so a witness is never legitimately ahead of it."""
    return [(witness, witness.latest(origin)) for witness in notary.witnesses]


def verify(session: Session, notary: Notary, witnessed: Witnessed) -> AuditVerification:
    """Check the whole trail: events, tree head, checkpoints, witnesses (`read_witnesses`) and every bound row."""
    _snapshot(session)
    connection = session.connection()
    head, newest = _head(connection), _newest_note(connection)
    watched = [newest[0]] if newest else []
    watched += [Checkpoint.peek(note).size for _, note in witnessed if note is not None]
    check = TrailCheck(notary.verifier, watched)
    check.walk(_events(connection))
    if head is None and newest is None and check.frontier.size == 0:
        return _empty(witnessed)
    check.check_head(head)
    origin = _origin(head, newest)
    check.check_newest(origin, *(newest or (None, None, None)))

    def behind(size: int) -> int:
        return int(connection.execute(text(_NEWER_CHECKPOINTS), {"size": size}).scalar_one())

    for witness, latest in witnessed:
        check.check_witness(str(witness.path), latest, behind, partial(witness.latest, origin))
    if check.mismatch:
        check.locate(_events(connection), {size: root for size, root in _rows(connection, _CHECKPOINT_ROOTS)})
    check.check_rows(stored_rows(connection), WRITE_ACTIONS)
    return check.result()


def _empty(witnessed: Witnessed) -> AuditVerification:
    """No events, checkpoints or tree head: a fresh hub, unless a witness remembers a log that was here."""
    for witness, latest in witnessed:
        if latest is not None:
            checkpoint = Checkpoint.peek(latest)
            message = (
                f"the audit log was deleted: the database holds no events, but the witness {witness.path} "
                f"holds checkpoint {checkpoint.size} of log {checkpoint.origin}"
            )
            return AuditVerification(False, 0, message, 1, checkpoint.size, (message,))
    return AuditVerification(True, 0, "audit trail verified: 0 events")


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
