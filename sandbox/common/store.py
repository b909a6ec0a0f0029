"""A sandbox's data on disk: SQLite files of whole records, searched through indexed key columns.

Each record is stored as the JSON of its dataclass (the agency's own view, see `sandbox.model.records`),
and the fields a sandbox searches on are copied into key columns. A key with several values (a
nominal's surname and its aliases) gets a side table. Tables are filled first and indexed last,
so a population of 1,000,000 people loads quickly; readers open the file read-only with one
connection per thread, so every server thread can search at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

R = TypeVar("R")
KeyValue = str | int | None


def search_key(text: str | None) -> str | None:
    """How agency search screens compare text: blind to case and spacing, exact otherwise."""
    if text is None:
        return None
    folded = " ".join(text.casefold().split())
    return folded or None


def date_key(value: date | None) -> str | None:
    """How dates are keyed: ISO text, so a range of dates is a range of keys."""
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Key:
    """A searchable column derived from a record; `multi` keys yield several values per record."""

    name: str
    extract: Callable[[Any], Any]
    multi: bool = False


@dataclass(frozen=True)
class TableSpec(Generic[R]):
    """One kind of record: its type, its id, and the keys it is found by.

    `indexes` lists composite indexes over single-valued keys; every single-valued key that is
    not the first column of a composite index gets an index of its own.
    """

    name: str
    record_type: type[R]
    id_of: Callable[[R], str]
    keys: tuple[Key, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def single_keys(self) -> tuple[Key, ...]:
        return tuple(key for key in self.keys if not key.multi)

    @property
    def multi_keys(self) -> tuple[Key, ...]:
        return tuple(key for key in self.keys if key.multi)

    def side_table(self, key: Key) -> str:
        return f"{self.name}__{key.name}"

    def create_statements(self) -> list[str]:
        columns = "".join(f", {key.name}" for key in self.single_keys)
        statements = [f"CREATE TABLE {self.name} (id TEXT NOT NULL PRIMARY KEY{columns}, doc TEXT NOT NULL)"]
        statements += [f"CREATE TABLE {self.side_table(key)} (value, id TEXT NOT NULL)" for key in self.multi_keys]
        return statements

    def index_statements(self) -> list[str]:
        statements = []
        covered = {columns[0] for columns in self.indexes}
        for columns in self.indexes:
            statements.append(f"CREATE INDEX ix_{self.name}__{'_'.join(columns)} ON {self.name} ({', '.join(columns)})")
        for key in self.single_keys:
            if key.name not in covered:
                statements.append(f"CREATE INDEX ix_{self.name}__{key.name} ON {self.name} ({key.name})")
        for key in self.multi_keys:
            table = self.side_table(key)
            statements.append(f"CREATE INDEX ix_{table} ON {table} (value, id)")
        return statements


def _adapter(record_type: type[R]) -> TypeAdapter[R]:
    adapter = _ADAPTERS.get(record_type)
    if adapter is None:
        adapter = _ADAPTERS[record_type] = TypeAdapter(record_type)
    return adapter


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


class TableWriter(Generic[R]):
    """Appends records to one table of an open database."""

    def __init__(self, connection: sqlite3.Connection, spec: TableSpec[R]) -> None:
        self._connection = connection
        self.spec = spec
        self._adapter = _adapter(spec.record_type)
        placeholders = ", ".join("?" for _ in range(len(spec.single_keys) + 2))
        self._insert = f"INSERT INTO {spec.name} VALUES ({placeholders})"
        self._side_inserts = {key.name: f"INSERT INTO {spec.side_table(key)} VALUES (?, ?)" for key in spec.multi_keys}
        self.written = 0

    def write(self, records: Iterable[R]) -> None:
        rows: list[tuple[Any, ...]] = []
        side_rows: dict[str, list[tuple[Any, str]]] = {key.name: [] for key in self.spec.multi_keys}
        for record in records:
            record_id = self.spec.id_of(record)
            keys = tuple(key.extract(record) for key in self.spec.single_keys)
            rows.append((record_id, *keys, self._adapter.dump_json(record).decode("utf-8")))
            for key in self.spec.multi_keys:
                distinct = dict.fromkeys(value for value in key.extract(record) if value is not None)
                side_rows[key.name].extend((value, record_id) for value in distinct)
        self._connection.executemany(self._insert, rows)
        for name, pairs in side_rows.items():
            self._connection.executemany(self._side_inserts[name], pairs)
        self.written += len(rows)


class DatabaseWriter:
    """Creates one SQLite file for a set of tables, fills it, then indexes and closes it."""

    def __init__(self, path: Path, specs: Sequence[TableSpec[Any]]) -> None:
        self.path = path
        self._connection = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode = OFF")
        self._connection.execute("PRAGMA synchronous = OFF")
        self._connection.execute("BEGIN")
        self.tables: dict[str, TableWriter[Any]] = {}
        for spec in specs:
            for statement in spec.create_statements():
                self._connection.execute(statement)
            self.tables[spec.name] = TableWriter(self._connection, spec)

    def finish(self) -> None:
        for table in self.tables.values():
            for statement in table.spec.index_statements():
                self._connection.execute(statement)
        self._connection.execute("COMMIT")
        self._connection.execute("ANALYZE")
        self._connection.close()

    def abandon(self) -> None:
        self._connection.close()


class RecordTable(Generic[R]):
    """Read access to one table: by id, by key equality, or by a SQL condition over key columns."""

    def __init__(self, database: Database, spec: TableSpec[R]) -> None:
        self._database = database
        self.spec = spec
        self._adapter = _adapter(spec.record_type)
        self._multi = {key.name for key in spec.multi_keys}

    def _decode(self, rows: Iterable[tuple[str]]) -> list[R]:
        return [self._adapter.validate_json(doc) for (doc,) in rows]

    def get(self, record_id: str) -> R | None:
        found = self._decode(self._database.query(f"SELECT doc FROM {self.spec.name} WHERE id = ?", (record_id,)))
        return found[0] if found else None

    def find(self, *, limit: int | None = None, **equals: KeyValue) -> list[R]:
        """Records whose keys equal every given value (a multi key matches if any value does)."""
        clauses, params = [], []
        for name, value in equals.items():
            if name in self._multi:
                clauses.append(f"id IN (SELECT id FROM {self.spec.name}__{name} WHERE value = ?)")
            else:
                clauses.append(f"{name} = ?")
            params.append(value)
        return self.where(" AND ".join(clauses) or "1", params, limit=limit)

    def find_any(self, key: str, values: Sequence[KeyValue], *, limit: int | None = None) -> list[R]:
        """Records with any of `values` for `key` (once each), for blocking searches."""
        if not values:
            return []
        marks = ", ".join("?" for _ in values)
        if key in self._multi:
            return self.where(
                f"id IN (SELECT id FROM {self.spec.name}__{key} WHERE value IN ({marks}))", values, limit=limit
            )
        return self.where(f"{key} IN ({marks})", values, limit=limit)

    def where(self, condition: str, params: Sequence[Any] = (), *, limit: int | None = None) -> list[R]:
        """Records matching a SQL condition over the key columns (and `id`), in id order."""
        sql = f"SELECT doc FROM {self.spec.name} WHERE {condition} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._decode(self._database.query(sql, params))

    def count(self, condition: str = "1", params: Sequence[Any] = ()) -> int:
        rows = self._database.query(f"SELECT count(*) FROM {self.spec.name} WHERE {condition}", params)
        return int(rows[0][0])

    def __iter__(self) -> Iterator[R]:
        """Every record, in id order, a page at a time (for exports and evaluation)."""
        last = ""
        while True:
            rows = self._database.query(
                f"SELECT id, doc FROM {self.spec.name} WHERE id > ? ORDER BY id LIMIT 1000", (last,)
            )
            if not rows:
                return
            yield from self._decode((doc,) for _, doc in rows)
            last = rows[-1][0]


class Database:
    """One read-only SQLite file, with a connection per thread (server threads search in parallel)."""

    def __init__(self, path: Path, specs: Sequence[TableSpec[Any]]) -> None:
        if not path.is_file():
            raise FileNotFoundError(path)
        self.path = path
        self._local = threading.local()
        self.tables: dict[str, RecordTable[Any]] = {spec.name: RecordTable(self, spec) for spec in specs}

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            self._local.connection = connection
        return connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._connection().execute(sql, params).fetchall()

    def table(self, name: str) -> RecordTable[Any]:
        return self.tables[name]
