"""Agency credentials from Airflow Connections, without importing Airflow.

`config/agencies.yaml` names a Connection id per agency; the secrets live in the Connection, in
whatever secrets backend the deployment uses (Vault, a cloud secret manager, `AIRFLOW_CONN_*`
variables, the metadata DB). Inside a task the DAG looks the Connection up with Airflow's own
`BaseHook.get_connection`; outside Airflow (`hub connectors check`) the same Connection is read
from `AIRFLOW_CONN_<ID>` or the local connections file that `hub sandbox up` writes, which is also
Airflow's secrets backend here (`LocalFilesystemBackend`), so both read the same thing.

A Connection maps onto credentials the way Airflow's HTTP connections do (`conn_type: http`):

=================  =====================  ==========================  ===================================
`extra.auth`       `login`                `password`                  other `extra` keys
=================  =====================  ==========================  ===================================
`nhs_signed_jwt`   —                      the RS512 private key PEM   `api_key`, `kid`, `token_url`
`client_secret`    client id              client secret               `token_url`
`api_key`          —                      the key                     `header` (default `X-API-Key`)
`mutual_tls`       —                      —                           `client_cert`, `client_key` (paths)
`none`             —                      —                           —
=================  =====================  ==========================  ===================================

Every type also takes `ca_bundle` (a path) in `extra`. Secret values go in `password` or in extra
keys Airflow masks in its logs (`api_key`, `private_key...`, `...secret`). Errors here name fields,
never values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from connectors.sdk.auth import AgencyCredentials, parse_credentials

CONN_TYPE = "http"
ENV_PREFIX = "AIRFLOW_CONN_"

_LOGIN_FIELD = {"client_secret": "client_id"}
_PASSWORD_FIELD = {"nhs_signed_jwt": "private_key_pem", "client_secret": "client_secret", "api_key": "api_key"}


class ConnectionError_(ValueError):
    """A Connection is missing or cannot be read as agency credentials; says which and why, no values."""


class ConnectionFields(BaseModel):
    """The parts of an Airflow Connection the hub reads."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    conn_type: str | None = None
    host: str | None = None
    login: str | None = None
    password: SecretStr | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("extra", mode="before")
    @classmethod
    def _extra_as_json(cls, value: Any) -> Any:
        if value in (None, ""):
            return {}
        return json.loads(value) if isinstance(value, str) else value


ConnectionLookup = Callable[[str], ConnectionFields | None]
"""Find a Connection by id; None if there is no such Connection."""


def credentials_from_connection(conn_id: str, fields: ConnectionFields) -> AgencyCredentials:
    """The agency credentials a Connection holds (see the table in the module docstring)."""
    extra = dict(fields.extra)
    auth = str(extra.pop("auth", "none"))
    document: dict[str, Any] = {"type": auth, **extra}
    if fields.login and auth in _LOGIN_FIELD:
        document[_LOGIN_FIELD[auth]] = fields.login
    if fields.password and auth in _PASSWORD_FIELD:
        document[_PASSWORD_FIELD[auth]] = fields.password.get_secret_value()
    try:
        return parse_credentials(json.dumps({conn_id: document}))[conn_id]
    except ValueError as error:
        raise ConnectionError_(f"Connection '{conn_id}' does not hold usable agency credentials: {error}") from None


def connection_from_credentials(credentials: AgencyCredentials, *, host: str | None = None) -> dict[str, Any]:
    """The inverse: a Connection (Airflow's JSON form) holding these credentials."""
    document = json.loads(_reveal(credentials))
    auth = document.pop("type")
    connection: dict[str, Any] = {"conn_type": CONN_TYPE, "host": host}
    if (field := _LOGIN_FIELD.get(auth)) and field in document:
        connection["login"] = document.pop(field)
    if (field := _PASSWORD_FIELD.get(auth)) and field in document:
        connection["password"] = document.pop(field)
    connection["extra"] = {"auth": auth, **{key: value for key, value in document.items() if value is not None}}
    return connection


def _reveal(credentials: AgencyCredentials) -> str:
    values = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in credentials.model_dump().items()
    }
    return json.dumps(values)


def write_connections_file(path: Path, connections: Mapping[str, dict[str, Any]]) -> None:
    """Airflow's `LocalFilesystemBackend` JSON, owner-only, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(dict(connections), handle, indent=2, sort_keys=True)
    partial.replace(path)


def file_lookup(path: Path) -> ConnectionLookup:
    """Connections from a `LocalFilesystemBackend` JSON file (read on each lookup: it may be rewritten)."""

    def lookup(conn_id: str) -> ConnectionFields | None:
        if not path.exists():
            return None
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            found = document.get(conn_id) if isinstance(document, dict) else None
            return None if found is None else ConnectionFields.model_validate(found)
        except (OSError, ValueError, ValidationError):
            raise ConnectionError_(f"{path} is not a readable Airflow connections file") from None

    return lookup


def environment_lookup(environ: Mapping[str, str] | None = None) -> ConnectionLookup:
    """Connections from `AIRFLOW_CONN_<ID>` variables in Airflow's JSON form."""

    def lookup(conn_id: str) -> ConnectionFields | None:
        value = (os.environ if environ is None else environ).get(f"{ENV_PREFIX}{conn_id.upper()}")
        if value is None:
            return None
        try:
            return ConnectionFields.model_validate_json(value)
        except ValidationError:
            raise ConnectionError_(
                f"{ENV_PREFIX}{conn_id.upper()} must hold a Connection in Airflow's JSON form"
            ) from None

    return lookup


def first_of(*lookups: ConnectionLookup) -> ConnectionLookup:
    """Try each lookup in turn, as Airflow walks its secrets backends."""

    def lookup(conn_id: str) -> ConnectionFields | None:
        for each in lookups:
            if (found := each(conn_id)) is not None:
                return found
        return None

    return lookup


def resolve_credentials(conn_id: str | None, lookup: ConnectionLookup) -> AgencyCredentials | None:
    """The credentials behind `conn_id` (None when the agency needs none); refuses a missing Connection."""
    if conn_id is None:
        return None
    fields = lookup(conn_id)
    if fields is None:
        raise ConnectionError_(
            f"No Airflow Connection '{conn_id}'. Create it (see docs/connectors.md), or start the sandboxes "
            "with `hub sandbox up`, which writes the local ones."
        )
    return credentials_from_connection(conn_id, fields)
