"""Core fixtures: a `store` on every available backend (SQLite always, PostgreSQL if psycopg2 is installed)."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hub.crypto import LocalKeyProvider
from hub.store import HubStore

POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
HAS_PSYCOPG2 = importlib.util.find_spec("psycopg2") is not None

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(not HAS_PSYCOPG2, reason="psycopg2 is not installed")),
]


@pytest.fixture
def key_provider(tmp_path: Path) -> LocalKeyProvider:
    return LocalKeyProvider(tmp_path / "keys" / "kek.bin")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@contextmanager
def fresh_database(backend: str, sqlite_url: str) -> Iterator[str]:
    """A fresh database's URL: the SQLite file given, or a uniquely named PostgreSQL schema dropped afterwards.

    For fixtures of a wider scope than `database_url` (one store per test module).
    """
    if backend == "sqlite":
        yield sqlite_url
        return
    with postgres_schema() as url:
        yield url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A uniquely named PostgreSQL schema (dropped afterwards), as the URL whose connections use it."""
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own (Airflow's metadata, say), dropped afterwards with any connection left."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """A fresh database: a SQLite file, or a uniquely named PostgreSQL schema dropped afterwards."""
    with fresh_database(request.param, sqlite_url) as url:
        yield url


@pytest.fixture
def store(database_url: str, key_provider: LocalKeyProvider) -> Iterator[HubStore]:
    hub_store = HubStore(database_url, key_provider)
    hub_store.create_schema()
    yield hub_store
    hub_store.close()
