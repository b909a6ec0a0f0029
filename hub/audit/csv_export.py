"""The audit trail as CSV: one header row, then one event per row, for a spreadsheet or a SIEM import.

The columns are `hub.audit.search.EXPORT_FIELDS` (the same fields `hub audit search --json` prints),
times in UTC. A cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`,
a tab or a carriage return) is written with a leading `'`, as OWASP advises against CSV injection: an
actor name or a purpose typed by someone is data, and must never execute on an IG officer's machine.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from hub.audit.chain import AuditEvent
from hub.audit.search import EXPORT_FIELDS, event_fields

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: str | int | None) -> str:
    """`value` as a cell safe to open in a spreadsheet (a leading `'` before anything it would run as a formula)."""
    cell = "" if value is None else str(value)
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def write_csv(events: Iterable[AuditEvent], out: TextIO) -> int:
    """Write the header and one row per event to `out` (opened with `newline=""`); returns the count."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for event in events:
        writer.writerow({name: inert(value) for name, value in event_fields(event).items()})
        count += 1
    return count
