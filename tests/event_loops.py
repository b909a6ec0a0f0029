"""Running a coroutine from a synchronous test, whatever else the test process has running.

pytest-playwright's sync API keeps its event loop registered as the main thread's running loop for the rest
of the process once a browser test has run, so `asyncio.run` in a later test on the same pytest-xdist worker
fails ("cannot be called from a running event loop"). A thread of its own has no running loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` on a new thread, returning its result or raising its exception."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
