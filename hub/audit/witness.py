"""The witness: an append-only file of checkpoints, kept outside the database.

Whoever can rewrite the database can cut its newest events together with their checkpoints; the
witness still holds the newest checkpoint, which the database must then extend. Entries are only
ever appended, after the database committed the checkpoint, so the witness may lag the database
(by the one checkpoint a crash interrupted) but is never ahead of it. Each line is one signed
checkpoint note as a JSON string; a file may hold several logs' checkpoints (told apart by origin).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.audit.checkpoint import Checkpoint
from hub.audit.note import NoteError

TAIL_BYTES = 256 * 1024
"""How far back from the end to look for a log's newest checkpoint (about a thousand checkpoints)."""


def _entries(chunk: bytes) -> Iterator[tuple[Checkpoint, str]]:
    """Checkpoints in `chunk`, newest first; a torn or foreign line is skipped, never trusted."""
    for line in reversed(chunk.split(b"\n")):
        try:
            note = json.loads(line)
            if isinstance(note, str):
                yield Checkpoint.peek(note), note
        except (ValueError, NoteError):
            continue


class Witness:
    """One witness file (0600 in a 0700 folder): append checkpoints, read the newest of a log."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def latest(self, origin: str | None) -> str | None:
        """The newest checkpoint note of log `origin` (of any log, if None) in this file, or None if it holds none."""
        try:
            descriptor = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return self._latest(descriptor, origin)
        finally:
            os.close(descriptor)

    def append(self, origin: str, pending: Callable[[int | None], list[str]]) -> None:
        """Append the notes `pending(newest size on file, or None)` returns, holding the file's lock.

        Under the lock, so concurrent writers keep the file in order and a writer that finds the
        file behind (an earlier writer crashed) catches it up.
        """
        with self._locked() as descriptor:
            newest = self._latest(descriptor, origin)
            notes = pending(None if newest is None else Checkpoint.peek(newest).size)
            if not notes:
                return
            end = os.lseek(descriptor, 0, os.SEEK_END)
            torn = end > 0 and os.pread(descriptor, 1, end - 1) != b"\n"
            lines = "".join(json.dumps(note, ensure_ascii=False) + "\n" for note in notes)
            os.write(descriptor, (b"\n" if torn else b"") + lines.encode("utf-8"))

    @contextmanager
    def _locked(self) -> Iterator[int]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)  # Releases the lock.

    @staticmethod
    def _latest(descriptor: int, origin: str | None) -> str | None:
        end = os.lseek(descriptor, 0, os.SEEK_END)
        start = max(0, end - TAIL_BYTES)
        chunk = os.pread(descriptor, end - start, start)
        if start > 0:
            chunk = chunk.partition(b"\n")[2]  # The first line may be cut.
        for checkpoint, note in _entries(chunk):
            if origin is None or checkpoint.origin == origin:
                return note
        return None
