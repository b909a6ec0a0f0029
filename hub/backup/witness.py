"""The audit witness files in a backup: caught up to the snapshot under the write lock, then copied.

See `hub.backup.snapshot` for why: a witness in a backup must end at the snapshot's newest checkpoint
(at most one behind it, never ahead), or the restored hub's `hub audit verify` reports it cut.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, select

from hub.audit.witness import Witness
from hub.backup.archive import CHUNK, ArchiveWriter
from hub.store.tables import AuditCheckpointRow, AuditTreeRow


def catch_up(snapshot: Connection, path: Path) -> int | None:
    """Append to the witness at `path` every checkpoint of the snapshot it lacks; its length then.

    None if there is no witness there and nothing to write (a hub with no audit events yet). Call
    under the hub's write lock, so no checkpoint newer than the snapshot's can be appended meanwhile.
    """
    origin = snapshot.execute(select(AuditTreeRow.origin).where(AuditTreeRow.log == 1)).scalar()
    if origin is not None:

        def pending(newest: int | None) -> list[str]:
            query = select(AuditCheckpointRow.note).where(AuditCheckpointRow.tree_size > (newest or 0))
            return list(snapshot.execute(query.order_by(AuditCheckpointRow.tree_size)).scalars())

        Witness(path).append(origin, pending)
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)  # Appenders hold LOCK_EX: never a line half-written.
        return os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)


def copy_witness(writer: ArchiveWriter, path: Path, length: int, member: str) -> None:
    """The first `length` bytes of an append-only witness file: what it held at the snapshot."""
    with open(path, "rb") as source, writer.member(member) as copy:
        left = length
        while left and (chunk := source.read(min(CHUNK, left))):
            copy.write(chunk)
            left -= len(chunk)
    if left:
        raise OSError(f"the witness {path} is shorter than when the backup began (it was cut)")


def witness_lengths(snapshot: Connection, witnesses: dict[str, Path], warn: Callable[[str], None]) -> dict[str, int]:
    """Catch up each witness (archive member -> path); a copy that cannot be written is left out, with a warning."""
    lengths: dict[str, int] = {}
    for member, path in witnesses.items():
        try:
            length = catch_up(snapshot, path)
        except OSError as error:
            warn(
                f"warning: the audit witness {path} cannot be brought up to date ({error.strerror or error}); "
                "it is not in this backup"
            )
            continue
        if length is not None:
            lengths[member] = length
    return lengths
