"""The backup's manifest: what the archive holds and how to check it, as `manifest.json` inside it.

It says which release and schema revision made the backup, from which database dialect, with which key
provider (and, when the keys stay in an HSM, which token and KEK versions a restore needs), each member's
SHA-256 and size, and each table's columns and row count. It holds ids, names and counts: nothing personal.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub.backup.codec import Kind

FORMAT = "mash-hub-backup"
FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
WITNESS_MEMBER = "audit/witness.log"
WITNESS_COPY_MEMBER = "audit/witness-copy.log"
KEYS_FOLDER = "keys/"
TABLES_FOLDER = "tables/"

_SAFE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
"""A member name that cannot climb out of the folder it is restored into (no `..`, no absolute path)."""

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
TableName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]


def safe_member(name: str) -> bool:
    """Whether `name` is a relative path of plain names, safe to join to a folder."""
    return bool(_SAFE_PATH.fullmatch(name)) and ".." not in name.split("/")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberDigest(_Strict):
    sha256: Sha256
    size: int = Field(ge=0)


class TableDump(_Strict):
    """One table's rows: a member of JSON lines (`hub.backup.codec`), in the table's column order."""

    name: TableName
    columns: list[str] = Field(min_length=1)
    kinds: list[Kind]
    rows: int = Field(ge=0)

    @property
    def member(self) -> str:
        return f"{TABLES_FOLDER}{self.name}.jsonl"

    @model_validator(mode="after")
    def _one_kind_per_column(self) -> TableDump:
        if len(self.kinds) != len(self.columns):
            raise ValueError(f"table {self.name}: {len(self.columns)} columns but {len(self.kinds)} kinds")
        return self


class KeyFacts(_Strict):
    """The key provider a restore needs. With `local`, the key files are in the archive (`key_files`)."""

    provider: str
    where: str
    """Where the keys were (a folder, or a PKCS#11 module and token label): never a secret."""
    versions: list[int]
    min_decryption_version: int | None = None
    in_archive: bool
    """True when the archive holds the key-encryption keys themselves (the local provider)."""


class Manifest(_Strict):
    format: Literal["mash-hub-backup"] = "mash-hub-backup"
    format_version: int
    name: str = Field(pattern=r"^mash-hub-backup-[0-9TZ-]+$")
    created_at: datetime
    hub_version: str
    alembic_revision: str | None
    dialect: str
    keys: KeyFacts
    key_files: list[str]
    """Files of `$HUB_HOME/keys/` (relative paths), each the member `keys/<path>`."""
    witness: bool
    witness_copy: bool
    tables: list[TableDump]
    """In foreign-key order: a table's rows load after those of every table it refers to."""
    members: dict[str, MemberDigest]

    @model_validator(mode="after")
    def _members_are_consistent(self) -> Manifest:
        expected = self.expected_members()
        if set(self.members) != expected:
            raise ValueError("the members listed do not match the tables, key files and witness files")
        if any(not safe_member(name) for name in expected):
            raise ValueError("a member name is not a plain relative path")
        if len({table.name for table in self.tables}) != len(self.tables):
            raise ValueError("a table is listed twice")
        return self

    def expected_members(self) -> set[str]:
        members = {table.member for table in self.tables} | {KEYS_FOLDER + path for path in self.key_files}
        if self.witness:
            members.add(WITNESS_MEMBER)
        if self.witness_copy:
            members.add(WITNESS_COPY_MEMBER)
        return members

    def row_count(self) -> int:
        return sum(table.rows for table in self.tables)
