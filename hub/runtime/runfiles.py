"""Runtime files under `$HUB_HOME/run/`: published by the process that serves, removed only by it.

A runtime file (where Airflow's api-server listens, where the sandboxes are and the credentials they
issued) is written once the servers it describes have bound their ports, and removed when they stop.
Several processes may share one `$HUB_HOME` (a second `hub sandbox up` started by mistake, a test),
so a process removes a runtime file only while it still holds exactly the bytes that process wrote:
a file another process has written since is theirs, and is left alone.
"""

from __future__ import annotations

from pathlib import Path

from hub.settings import write_private


class PublishedFile:
    """One runtime file this process wrote, remembered by its bytes so that only this process removes it."""

    def __init__(self, path: Path, content: bytes) -> None:
        self.path = path
        self.content = content

    @classmethod
    def write(cls, path: Path, content: bytes) -> PublishedFile:
        """Write atomically and owner-only (a reader never sees half a file; it may name a password)."""
        return cls(write_private(path, content), content)

    @classmethod
    def claim(cls, path: Path) -> PublishedFile:
        """Remember a file this process has just written by other means (e.g. the connectors SDK's writer)."""
        return cls(path, path.read_bytes())

    def is_ours(self) -> bool:
        try:
            return self.path.read_bytes() == self.content
        except OSError:
            return False

    def remove(self) -> bool:
        """Remove the file if it still holds what this process wrote; True if it was removed."""
        if not self.is_ours():
            return False
        self.path.unlink(missing_ok=True)
        return True
