"""Checkpoints: signed tree heads in the C2SP tlog-checkpoint format.

The text is the log's origin, the tree size in decimal and the root hash in base64, one per line,
signed as a note (`hub.audit.note`). The origin names one log, so a checkpoint of another hub's
log (or of a log rebuilt under a new name) is never taken for this one's.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from hub.audit.merkle import HASH_BYTES
from hub.audit.note import NoteError, Signer, Verifier, open_note

_SIZE = re.compile(r"^(0|[1-9][0-9]{0,19})$")


@dataclass(frozen=True)
class Checkpoint:
    """The tree of `size` leaves of log `origin` has root hash `root`."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The note text: origin, size and base64 root hash, each on its own line."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"

    def sign(self, signer: Signer) -> str:
        return signer.sign(self.text())

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint's text (extension lines after the root are allowed and ignored)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash, each on its own line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not origin or not _SIZE.match(size):
            raise NoteError("a checkpoint's origin must be non-empty and its size a decimal number")
        try:
            digest = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("a checkpoint's root hash is not valid base64") from None
        if len(digest) != HASH_BYTES:
            raise NoteError("a checkpoint's root hash is not 32 bytes")
        return cls(origin, int(size), digest)

    @classmethod
    def open(cls, note: str, verifier: Verifier) -> Checkpoint:
        """The checkpoint a signed note carries, if `verifier`'s key signed it; raises `NoteError` otherwise."""
        return cls.parse(open_note(note, verifier))

    @classmethod
    def peek(cls, note: str) -> Checkpoint:
        """The checkpoint a note carries, without checking its signature (to find which one to check)."""
        text, blank, _ = note.rpartition("\n\n")
        if not blank:
            raise NoteError("malformed note: no blank line before the signatures")
        return cls.parse(text + "\n")
