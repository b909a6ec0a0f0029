"""An attacker with write access to the database (not to the signing key): ways to rewrite the audit trail.

Each mutation changes the database through one SQLite connection, inside a transaction the caller
rolls back, and says what it did. Some recompute every hash with the project's own functions, as the
issue's measurements did, so only the signed checkpoints and the witness stand in their way.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from hub.audit import leaf_bytes
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import Frontier, leaf_hash
from hub.audit.note import Signer

EVENT_COLUMNS = (
    "seq, occurred_at, actor, role, action, object_type, object_id, referral_id, purpose, lawful_basis, basis, "
    "outcome, record_digest, leaf_hash"
)
EDITABLE = EVENT_COLUMNS.split(", ")[1:]
ATTACKER = Signer.generate("mash-hub-audit")
"""A key of the same name as the hub's: what an attacker without the real key can sign with."""

Mutation = Callable[[Connection, random.Random], str]


def _events(connection: Connection) -> list[list[Any]]:
    rows = connection.exec_driver_sql(f"SELECT {EVENT_COLUMNS} FROM audit_events ORDER BY seq")
    return [list(row) for row in rows]


def _size(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT count(*) FROM audit_events").scalar_one())


def _rehash(connection: Connection, seq: int) -> None:
    """Recompute one event's leaf hash from its (edited) fields, with the project's own function."""
    [row] = connection.exec_driver_sql(f"SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq = ?", (seq,)).all()
    digest = leaf_hash(leaf_bytes(*row[:13])).hex()
    connection.exec_driver_sql("UPDATE audit_events SET leaf_hash = ? WHERE seq = ?", (digest, seq))


def _renumber(connection: Connection) -> Frontier:
    """Number the events 1..n again, recomputing every leaf hash; returns the tree they make."""
    events = _events(connection)
    connection.exec_driver_sql("DELETE FROM audit_events")
    frontier = Frontier()
    for seq, row in enumerate(events, start=1):
        row[0] = seq
        digest = leaf_hash(leaf_bytes(*row[:13]))
        row[13] = digest.hex()
        frontier.append(digest)
    placeholders = ", ".join("?" * 14)
    connection.exec_driver_sql(
        f"INSERT INTO audit_events ({EVENT_COLUMNS}) VALUES ({placeholders})", [tuple(row) for row in events]
    )
    return frontier


def _rebuild(connection: Connection, *, sign: bool) -> None:
    """Renumber the events 1..n, recompute every leaf hash, the tree head and every checkpoint's root.

    Checkpoints beyond the new size go, and one is added at it if missing. With `sign`, checkpoints
    are re-signed with the attacker's key; without, their old notes stay (an added one has none).
    """
    frontier = _renumber(connection)
    roots: dict[int, bytes] = {}
    replay = Frontier()
    for row in _events(connection):
        replay.append(bytes.fromhex(row[13]))
        roots[replay.size] = replay.root()
    size = frontier.size
    connection.exec_driver_sql("DELETE FROM audit_checkpoints WHERE tree_size > ?", (size,))
    origin = connection.exec_driver_sql("SELECT origin FROM audit_tree").scalar_one()
    sizes = [row[0] for row in connection.exec_driver_sql("SELECT tree_size FROM audit_checkpoints")]
    if size not in sizes:
        connection.exec_driver_sql(
            "INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note) VALUES (?, '', "
            "'2026-11-02 12:00:00.000000', '')",
            (size,),
        )
        sizes.append(size)
    for checkpoint_size in sizes:
        root = roots[checkpoint_size]
        note = Checkpoint(origin, checkpoint_size, root).sign(ATTACKER) if sign else None
        connection.exec_driver_sql(
            "UPDATE audit_checkpoints SET root_hash = ?, note = coalesce(?, note) WHERE tree_size = ?",
            (root.hex(), note, checkpoint_size),
        )
    connection.exec_driver_sql("UPDATE audit_tree SET size = ?, frontier = ?", (frontier.size, frontier.to_bytes()))


def _different(value: Any, rng: random.Random) -> Any:
    if value is None:
        return "f" * 64
    if isinstance(value, int):
        return value + rng.choice([-1, 1, 7])
    text = str(value)
    position = rng.randrange(len(text)) if text else 0
    replacement = rng.choice([c for c in "0aZ-/ T" if text[position : position + 1] != c])
    return text[:position] + replacement + text[position + 1 :]


def edit_event(connection: Connection, rng: random.Random) -> str:
    """Change one field of one event (the leaf hash included); half the time recompute its leaf hash too."""
    seq = rng.randint(1, _size(connection))
    column = rng.choice(EDITABLE)
    [value] = connection.exec_driver_sql(f"SELECT {column} FROM audit_events WHERE seq = ?", (seq,)).one()
    connection.exec_driver_sql(f"UPDATE audit_events SET {column} = ? WHERE seq = ?", (_different(value, rng), seq))
    rehashed = column != "leaf_hash" and rng.random() < 0.5
    if rehashed:
        _rehash(connection, seq)
    return f"edit {column} of event {seq}{' and rehash it' if rehashed else ''}"


def insert_event(connection: Connection, rng: random.Random) -> str:
    """A forged event: appended after the newest, or slipped in (later events renumbered), hashed correctly."""
    events = _events(connection)
    forged = list(rng.choice(events))
    forged[2] = "user:mallory"
    at = rng.randint(1, len(events) + 1)
    if at <= len(events):
        connection.exec_driver_sql("UPDATE audit_events SET seq = -seq WHERE seq >= ?", (at,))
        connection.exec_driver_sql("UPDATE audit_events SET seq = 1 - seq WHERE seq < 0")
    forged[0] = at
    forged[13] = leaf_hash(leaf_bytes(*forged[:13])).hex()
    connection.exec_driver_sql(
        f"INSERT INTO audit_events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 14)})", tuple(forged)
    )
    for seq in range(at + 1, len(events) + 2):
        _rehash(connection, seq)
    return f"insert a forged event as {at} of {len(events) + 1}"


def delete_events(connection: Connection, rng: random.Random) -> str:
    """Delete one to four events; sometimes renumber the rest and recompute their hashes."""
    size = _size(connection)
    doomed = sorted(rng.sample(range(1, size + 1), rng.randint(1, min(4, size))))
    connection.exec_driver_sql(f"DELETE FROM audit_events WHERE seq IN ({', '.join('?' * len(doomed))})", tuple(doomed))
    renumbered = rng.random() < 0.5
    if renumbered:
        _renumber(connection)
    return f"delete events {doomed}{' and renumber' if renumbered else ''}"


def reorder_events(connection: Connection, rng: random.Random) -> str:
    """Swap two different events' contents (keeping the sequence numbers); sometimes rehash both."""
    events = _events(connection)
    while True:
        first, second = rng.sample(range(len(events)), 2)
        if events[first][1:13] != events[second][1:13]:
            break
    columns = EDITABLE[:-1]
    for source, target in ((events[first], events[second][0]), (events[second], events[first][0])):
        assignments = ", ".join(f"{column} = ?" for column in columns)
        connection.exec_driver_sql(f"UPDATE audit_events SET {assignments} WHERE seq = ?", (*source[1:13], target))
    rehashed = rng.random() < 0.5
    if rehashed:
        _rehash(connection, events[first][0])
        _rehash(connection, events[second][0])
    return f"swap events {events[first][0]} and {events[second][0]}{' and rehash' if rehashed else ''}"


def cut_tail(connection: Connection, rng: random.Random) -> str:
    """Delete the newest events, their checkpoints too, and set the tree head back: a consistent older log."""
    size = _size(connection)
    sizes = [row[0] for row in connection.exec_driver_sql("SELECT tree_size FROM audit_checkpoints")]
    # Most often where an older checkpoint ends, so only the witness can tell.
    keep = rng.choice([0, *sizes[:-1]]) if rng.random() < 0.7 else rng.randint(0, size - 1)
    connection.exec_driver_sql("DELETE FROM audit_events WHERE seq > ?", (keep,))
    cut_checkpoints = rng.random() < 0.8
    if cut_checkpoints:
        connection.exec_driver_sql("DELETE FROM audit_checkpoints WHERE tree_size > ?", (keep,))
        frontier = Frontier()
        for row in _events(connection):
            frontier.append(bytes.fromhex(row[13]))
        connection.exec_driver_sql("UPDATE audit_tree SET size = ?, frontier = ?", (keep, frontier.to_bytes()))
    return f"cut the log to {keep} of {size} events{' with its checkpoints' if cut_checkpoints else ''}"


def rebuild_without_key(connection: Connection, rng: random.Random) -> str:
    """Delete some reads, renumber, recompute every hash, tree head and root, and sign with another key."""
    reads = [row[0] for row in _events(connection) if row[4].endswith(".read")]
    doomed = rng.sample(reads, rng.randint(1, min(4, len(reads))))
    connection.exec_driver_sql(f"DELETE FROM audit_events WHERE seq IN ({', '.join('?' * len(doomed))})", tuple(doomed))
    signed = rng.random() < 0.7
    _rebuild(connection, sign=signed)
    return f"delete reads {sorted(doomed)} and rebuild the log {'signed with another key' if signed else 'unsigned'}"


def tamper_row(connection: Connection, rng: random.Random) -> str:
    """Delete, roll back, swap or edit a stored referral, agency reply or chronology version."""
    kind = rng.choice(["delete", "rollback", "swap", "swap-between-referrals", "edit", "copy-as-newer"])
    table = rng.choice(["referrals", "agency_replies", "chronology_versions"])
    if kind == "rollback" or kind == "copy-as-newer":
        table = "chronology_versions"
    rowids = [row[0] for row in connection.exec_driver_sql(f"SELECT rowid FROM {table}")]
    if kind == "delete":
        rowid = rng.choice(rowids)
        connection.exec_driver_sql(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
        return f"delete a row of {table}"
    if kind == "rollback":
        newest = connection.exec_driver_sql(
            "SELECT referral_id, child_subject_id, max(version) FROM chronology_versions "
            "GROUP BY referral_id, child_subject_id HAVING max(version) > 1"
        ).all()
        referral_id, child, version = rng.choice(newest)
        connection.exec_driver_sql(
            "DELETE FROM chronology_versions WHERE referral_id = ? AND child_subject_id = ? AND version = ?",
            (referral_id, child, version),
        )
        return f"roll back chronology {referral_id}/{child} from v{version}"
    if kind == "copy-as-newer":
        referral_id, child, version = rng.choice(
            connection.exec_driver_sql(
                "SELECT referral_id, child_subject_id, min(version) FROM chronology_versions "
                "GROUP BY referral_id, child_subject_id"
            ).all()
        )
        connection.exec_driver_sql(
            "INSERT INTO chronology_versions SELECT referral_id, child_subject_id, 99, assembled_at, key_id, "
            "ciphertext, digest FROM chronology_versions "
            "WHERE referral_id = ? AND child_subject_id = ? AND version = ?",
            (referral_id, child, version),
        )
        return f"copy chronology {referral_id}/{child}/v{version} in as v99"
    if kind == "edit":
        rowid = rng.choice(rowids)
        column = "status" if table == "agency_replies" and rng.random() < 0.3 else "ciphertext"
        if column == "status":
            connection.exec_driver_sql(
                "UPDATE agency_replies SET status = CASE status WHEN 'no_record' THEN 'found' ELSE 'no_record' END "
                "WHERE rowid = ?",
                (rowid,),
            )
        else:
            [(ciphertext,)] = connection.exec_driver_sql(f"SELECT ciphertext FROM {table} WHERE rowid = ?", (rowid,))
            position = rng.randrange(len(ciphertext))
            edited = ciphertext[:position] + bytes([ciphertext[position] ^ 1]) + ciphertext[position + 1 :]
            connection.exec_driver_sql(f"UPDATE {table} SET ciphertext = ? WHERE rowid = ?", (edited, rowid))
        return f"edit the {column} of a row of {table}"
    # Swap the sealed content of two rows (of two referrals, if asked), leaving their identities.
    rows = list(connection.exec_driver_sql(f"SELECT rowid, referral_id, ciphertext FROM {table}"))
    first = rng.choice(rows)
    others = [row for row in rows if row[2] != first[2]]
    if kind == "swap-between-referrals":
        others = [row for row in others if row[1] != first[1]] or others
    second = rng.choice(others)
    for source, target in ((first, second), (second, first)):
        connection.exec_driver_sql(f"UPDATE {table} SET ciphertext = ? WHERE rowid = ?", (source[2], target[0]))
    return f"swap the content of two rows of {table} ({kind})"


MUTATIONS: list[Mutation] = [
    edit_event,
    insert_event,
    delete_events,
    reorder_events,
    cut_tail,
    rebuild_without_key,
    tamper_row,
]
