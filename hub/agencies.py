"""The agency registry: `config/agencies.yaml`, validated, with endpoint overrides applied.

Configuration is data; a mistake in it is reported with the entry and field it concerns.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from connectors.auth import AgencyCredentials
    from connectors.base import Connector

AgencyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    connect: float = Field(default=3.05, gt=0, le=60)
    read: float = Field(default=10.0, gt=0, le=600)


class AgencyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AgencyId
    name: str = Field(min_length=1)
    connector: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$", description="module:ClassName")
    endpoint: str = Field(pattern=r"^https?://")
    lawful_basis: str = Field(min_length=1)
    timeouts: Timeouts = Timeouts()
    retries: int = Field(default=2, ge=0, le=10)

    def build_connector(self, credentials: AgencyCredentials | None = None) -> Connector:
        module_name, class_name = self.connector.split(":")
        try:
            connector_class = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            raise UserError(
                f"agencies.yaml: agency '{self.id}' names connector '{self.connector}', which cannot be "
                "imported. Check the module path and class name."
            ) from None
        connector: Connector = connector_class(
            self.endpoint,
            connect_timeout=self.timeouts.connect,
            read_timeout=self.timeouts.read,
            retries=self.retries,
            credentials=credentials,
        )
        return connector


class AgencyRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agencies: list[AgencyConfig] = Field(min_length=1)

    def get(self, agency_id: str) -> AgencyConfig:
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        raise UserError(f"No agency '{agency_id}' in agencies.yaml. Known agencies: {', '.join(self.ids)}.")

    @property
    def ids(self) -> list[str]:
        return [agency.id for agency in self.agencies]


def _describe(error: ValidationError, raw: object) -> str:
    first = error.errors()[0]
    location = list(first["loc"])
    if len(location) >= 2 and location[0] == "agencies" and isinstance(location[1], int):
        index = location[1]
        entries = raw.get("agencies") if isinstance(raw, dict) else None
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        field = ".".join(str(part) for part in location[2:]) or "(entry)"
        return f"agency '{name or f'#{index + 1}'}', field '{field}': {first['msg']}"
    return f"field '{'.'.join(str(part) for part in location) or '(top level)'}': {first['msg']}"


def load_registry(settings: HubSettings) -> AgencyRegistry:
    """Load and validate the registry, then apply runtime and environment endpoint overrides."""
    path = settings.config_dir / "agencies.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise UserError(f"Cannot read {path}. Set HUB_CONFIG_DIR to the folder holding agencies.yaml.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path} is not valid YAML{where}. Fix the file and try again.") from None
    try:
        registry = AgencyRegistry.model_validate(raw)
    except ValidationError as exc:
        raise UserError(f"{path}: {_describe(exc, raw)}.") from None
    duplicates = {agency_id for agency_id in registry.ids if registry.ids.count(agency_id) > 1}
    if duplicates:
        raise UserError(f"{path}: agency id '{sorted(duplicates)[0]}' appears more than once.")
    return _with_endpoint_overrides(registry, settings.sandbox_endpoints_file)


def _with_endpoint_overrides(registry: AgencyRegistry, endpoints_file: Path) -> AgencyRegistry:
    overrides: dict[str, str] = {}
    if endpoints_file.exists():
        overrides.update(json.loads(endpoints_file.read_text(encoding="utf-8")))
    for agency_id in registry.ids:
        if value := os.environ.get(f"HUB_AGENCY_{agency_id.upper()}_ENDPOINT"):
            overrides[agency_id] = value
    agencies = [
        agency.model_copy(update={"endpoint": overrides[agency.id]}) if agency.id in overrides else agency
        for agency in registry.agencies
    ]
    return AgencyRegistry(agencies=agencies)


def load_agency_credentials(settings: HubSettings) -> dict[str, AgencyCredentials]:
    """Credentials for each agency: those the running sandboxes issued, if any (none otherwise)."""
    from connectors.auth import CredentialsFileError, load_credentials_file

    path = settings.sandbox_credentials_file
    if not path.exists():
        return {}
    try:
        return load_credentials_file(path)
    except CredentialsFileError as error:
        raise UserError(f"{path} cannot be used ({error}). Restart the sandboxes to issue new credentials.") from None
