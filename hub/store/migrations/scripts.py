"""Where the hub's migrations live, and the models they must end at: Alembic configured in code.

No `alembic.ini` is read at run time: the script folder is this package, and the database is the
connection the caller already holds. The migration scripts are parsed once per process, because
`create_schema` asks for the head revision every time a store opens (the test suite opens thousands).
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from hub.store.tables import Base

HERE = Path(__file__).parent
STORE = HERE.parent


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's settings for the hub, with `connection` handed to `env.py` (see there)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def script_directory() -> ScriptDirectory:
    """The migration scripts (`versions/`), parsed once."""
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The revision this code's models correspond to (one line of history: a second head is a mistake)."""
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the hub's migrations must have one head, found {sorted(heads)}: merge them")
    return heads[0]


@cache
def hub_metadata() -> MetaData:
    """Every table the code declares: each `hub/store/*tables.py` module's models on the one `Base`.

    Found by file name rather than listed, so a module added for a new feature can never be left out
    of the schema that `create_schema` creates and the guard test compares.
    """
    for module in sorted(STORE.glob("*tables.py")):
        importlib.import_module(f"hub.store.{module.stem}")
    return Base.metadata
