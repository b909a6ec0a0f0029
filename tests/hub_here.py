"""`hub ARGS` run in the test's own process, answering as a `hub` process would: exit status, stdout, stderr.

`tests.hub.cli.test_bad_input.run_hub` starts a real `hub` process for each command. Most of what such a
process costs is Python starting and importing the hub (about 1.3 s of CPU on 2 cores, 188 processes in
the suite's first phase), paid again for every command, though the test is about what the command
does, not about the process. `run_hub_here` runs the same entry point, `hub.cli.main` (so a user's
mistake is still its one line on stderr and exit status 1, an internal error still withheld, a usage
error still 2), with the same environment (`HUB_HOME`, 200 columns, no `HUB_AIRFLOW_URL`), and
returns the same `CompletedProcess`, so a test may use either.

Use `run_hub` where the process itself is under test: its umask and the modes of what it writes, a
signal or a kill, what it imports at start, anything that outlives the command (servers, `--wait`), or
a password hash's cost (`cheap_password_hashes` lowers it in this process only). What `main` changes
for the whole process (the umask, the root logger's handler and level, the quiet loggers' levels, the
shared console's width, `sys.argv`) is put back after each command.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from hub.observability.logs import QUIET_LOGGERS

_LOGGERS = ("", "urllib3", *QUIET_LOGGERS)
"""The root logger and those `hub.cli.main` sets a level on."""


def run_hub_here(*args: str, home: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`hub ARGS` as `run_hub` runs it (`HUB_HOME=home`, `COLUMNS=200`, `env` added), in this process."""
    from hub.cli import main
    from hub.cli.common import console

    environment: dict[str, str | None] = {"HUB_HOME": str(home), "COLUMNS": "200", "HUB_AIRFLOW_URL": None, **env}
    with _process_state_restored():
        console.width = int(environment["COLUMNS"] or 200)  # a new process would take its width from COLUMNS
        with CliRunner().isolation(input=stdin, env=environment) as (stdout, stderr, _):
            sys.argv = ["hub", *args]
            try:
                main()
                status = 0
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
            sys.stdout.flush()
            sys.stderr.flush()
            output, errors = stdout.getvalue(), stderr.getvalue()
    return subprocess.CompletedProcess(["hub", *args], status, output.decode(), errors.decode("utf-8", "replace"))


@contextmanager
def _process_state_restored() -> Iterator[None]:
    from hub.cli.common import console

    umask = os.umask(0o077)
    os.umask(umask)
    argv, width = sys.argv, console._width
    loggers = {name: logging.getLogger(name) for name in _LOGGERS}
    levels = {name: logger.level for name, logger in loggers.items()}
    handlers = list(loggers[""].handlers)
    try:
        yield
    finally:
        os.umask(umask)
        sys.argv, console._width = argv, width
        for name, logger in loggers.items():
            logger.setLevel(levels[name])
        root = loggers[""]
        for handler in [handler for handler in root.handlers if handler not in handlers]:
            root.removeHandler(handler)  # `configure_logging`'s, writing to this command's captured stderr
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
