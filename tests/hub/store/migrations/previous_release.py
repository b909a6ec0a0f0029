"""Load the previous release's databases (tests/fixtures/previous_release) into a test's fresh database."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from hub.settings import create_folders, make_private

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "previous_release"
DUMPED_SCHEMA = "previous_release_hub"
HOME_FILES = ("keys/kek.bin", "keys/audit-signing.key", "audit/witness.log")
REFERRALS = ("REF-2026-000417", "REF-2026-000418")


def load_previous_release(database_url: str, home: Path) -> None:
    """The previous release's database at `database_url` (a fresh SQLite file or PostgreSQL schema), and its
    key file, audit signing key and witness under `home`, as that release left them."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    for name in HOME_FILES:
        create_folders((home / name).parent)
        shutil.copyfile(FIXTURES / backend / "home" / name, home / name)
        make_private(home / name)
    dump = (FIXTURES / backend / "hub.sql").read_text(encoding="utf-8")
    if backend == "sqlite":
        with closing(sqlite3.connect(str(url.database))) as database:
            database.executescript(dump)
        make_private(Path(str(url.database)))
        return
    schema = str(url.query["options"]).removeprefix("-csearch_path=")
    dump = dump.replace(f"CREATE SCHEMA {DUMPED_SCHEMA};", f"CREATE SCHEMA IF NOT EXISTS {DUMPED_SCHEMA};")
    engine = create_engine(url.set(query={}))
    try:
        raw = engine.raw_connection()
        try:
            raw.cursor().execute(dump.replace(DUMPED_SCHEMA, schema))
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
