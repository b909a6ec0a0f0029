"""Rows as JSON lines: one table's rows, exact and dialect-free, so SQLite and PostgreSQL restore each other's.

A backup is logical, not a copy of the database file: a SQLite file cannot be loaded into PostgreSQL,
and `pg_dump` cannot be loaded into SQLite. Each value is written as JSON with the few kinds JSON
lacks spelled out once per column (in the manifest, not on every row):

- `bytes`: base64 (ciphertexts, wrapped keys, the audit tree's frontier);
- `datetime`: ISO 8601 to the microsecond, naive, because both dialects store the hub's times as naive
  UTC (`hub.store.tables.UtcDateTime`) and the audit trail's leaves hash that exact text;
- `date`: ISO 8601;
- `value`: JSON as it is (strings, integers, floats, booleans, null).

Columns are read and written through reflected tables, never the code's models, so the values are the
database's own (no time-zone conversion on the way) and a backup made at an older schema revision loads
into a database made at that revision.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Column, Table

Kind = Literal["bytes", "datetime", "date", "value"]
KINDS: tuple[Kind, ...] = ("bytes", "datetime", "date", "value")


class RowFormatError(ValueError):
    """A row in an archive does not match its table's columns (the archive was altered or cut)."""


def column_kind(column: Column[Any]) -> Kind:
    """How a column's values are spelt in the archive, from the database's own (reflected) type."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # e.g. NullType: whatever the driver returns, JSON as it is.
        return "value"
    if issubclass(python_type, bytes | bytearray | memoryview):
        return "bytes"
    if issubclass(python_type, datetime):
        return "datetime"
    if issubclass(python_type, date):
        return "date"
    return "value"


def table_kinds(table: Table) -> list[tuple[str, Kind]]:
    """Each column's name and kind, in the table's column order."""
    return [(column.name, column_kind(column)) for column in table.columns]


def _encode(value: Any, kind: Kind) -> Any:
    if value is None or kind == "value":
        return value
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "datetime":
        if value.tzinfo is not None:
            raise ValueError("a stored time carries a time zone; the hub stores naive UTC")
        return value.isoformat(timespec="microseconds")
    return value.isoformat()


def _decode(value: Any, kind: Kind) -> Any:
    if value is None or kind == "value":
        return value
    if not isinstance(value, str):
        raise RowFormatError(f"a {kind} value is not a string")
    try:
        if kind == "bytes":
            return base64.b64decode(value, validate=True)
        if kind == "datetime":
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        raise RowFormatError(f"a {kind} value is malformed") from None  # The value is not quoted: it is data.


def encode_row(row: Sequence[Any], kinds: Sequence[Kind]) -> bytes:
    """One row as one line of JSON (an array in column order), newline included."""
    values = [_encode(value, kind) for value, kind in zip(row, kinds, strict=True)]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def decode_row(line: bytes, columns: Sequence[str], kinds: Sequence[Kind]) -> dict[str, Any]:
    """A line from `encode_row`, as the column-to-value mapping an INSERT takes."""
    try:
        values = json.loads(line)
    except ValueError:
        raise RowFormatError("a row is not valid JSON") from None
    if not isinstance(values, list) or len(values) != len(columns):
        raise RowFormatError(f"a row does not have the table's {len(columns)} columns")
    return {column: _decode(value, kind) for column, value, kind in zip(columns, values, kinds, strict=True)}
