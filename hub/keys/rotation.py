"""`hub keys rotate`: a new KEK version, and every data key rewrapped under it, a batch per transaction.

Crash safety comes from the store, not from this loop: the new version exists (an atomic file, or a token
object) before any key is wrapped under it, every batch is one transaction that rewraps its keys and writes
its audit event or changes nothing, and the work left is always "the keys below the current version". So a
`kill -9` at any moment leaves each key wrapped either by its old version or by the new one, both readable,
and running `hub keys rotate` again carries on where it stopped (it makes no further version until the
unfinished rotation is complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hub.store import HubStore
from hub.store.key_records import RotationStart

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class Rotation:
    """What a run did: the version it rotated to, whether it made it, and how many keys it rewrapped."""

    version: int
    created: bool
    rewrapped: int
    batches: int


def rotate(
    store: HubStore,
    *,
    batch_size: int = DEFAULT_BATCH,
    started: Callable[[RotationStart], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Rotation:
    """Rotate (or resume rotating) to the newest KEK version.

    `started` hears which version and how much work; `progress(done, total)` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    start = store.begin_rotation()
    if started is not None:
        started(start)
    done = batches = 0
    while rewrapped := store.rewrap_batch(start.version, batch_size=batch_size):
        done, batches = done + rewrapped, batches + 1
        if progress is not None:
            progress(done, max(start.remaining, done))
    return Rotation(start.version, start.created, done, batches)
