"""JSON log lines for the hub's own loggers, without personal data.

The hub's log calls already name only ids, counts, states, codes and durations (the checks' steps,
the web access log by route template, escalation by `Overdue.log_fields`). This module keeps that true
for what the formatter adds: an exception is logged by its type alone, because a library's message or a
traceback's locals may quote the value it choked on (a child's name), unless `HUB_DEBUG` is set on
purpose. Third-party loggers that print URLs or queries at INFO (httpx, httpcore, urllib3, SQLAlchemy's
echo) are held at WARNING, since an agency's URL may carry an identifier.

`HUB_LOG_FORMAT` (`json` or `text`) and `HUB_LOG_LEVEL` (`DEBUG`...`CRITICAL`) choose the output; each
entry point passes its own default (JSON at INFO for services, plain text at WARNING for the CLI).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from hub.errors import UserError

FORMATS = ("json", "text")
QUIET_LOGGERS = ("httpx", "httpcore", "urllib3", "sqlalchemy.engine", "hpack", "multipart")
"""Libraries that log request URLs, headers or SQL parameters below WARNING."""
_HANDLER_NAME = "hub-observability"
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: `ts`, `level`, `logger`, `event`, and any `extra={...}` fields given.

    Extra fields are the caller's choice of ids and counts (`log.info("...", extra={"agency": a})`);
    values that are not JSON types are written by their type name, not their text.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else type(value).__name__
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            if os.environ.get("HUB_DEBUG"):
                line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger message`; an exception by its type unless `HUB_DEBUG` (as `JsonFormatter`)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatException(self, ei: Any) -> str:
        if os.environ.get("HUB_DEBUG"):
            return super().formatException(ei)
        return f"({ei[0].__name__}; details withheld: they may contain personal data)"


def configure_logging(
    *, default_format: str = "json", default_level: str = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send the root logger's records to `stream` (stderr) in the chosen format; idempotent.

    A second call replaces the handler the first installed (nothing else's), so tests and re-entrant
    entry points never log each line twice. Returns the handler.
    """
    chosen = os.environ.get("HUB_LOG_FORMAT", default_format).strip().lower()
    if chosen not in FORMATS:
        raise UserError(f"HUB_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {chosen!r}.")
    level_name = os.environ.get("HUB_LOG_LEVEL", default_level).strip().upper()
    level = logging.getLevelNamesMapping().get(level_name)
    if level is None:
        raise UserError(f"HUB_LOG_LEVEL must be a level such as INFO or WARNING, not {level_name!r}.")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
