"""Pausing Python's cycle collector while a large chronology is built or serialised.

Why: assembling or saving a 10,000-entry chronology allocates a few hundred thousand small objects
(models, dicts, tuples) and keeps most of them until it returns. CPython's cycle collector is
triggered by allocation counts, so it runs over and over during that burst, each time traversing
every object that survived so far: on 2 cores it was more than half of assembly's time (issue 17).
That work makes no reference cycles (what it drops is freed by reference counting), so the collector
has nothing to find in it; and any cyclic garbage made meanwhile is collected once it runs again.

The pause is process-wide, so it is counted: concurrent callers (web threads) nest, and the
collector is enabled again, if it was enabled, only when the last of them leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cycle collector paused (see the module docstring for why that is safe)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
