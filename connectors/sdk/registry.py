"""The agency registry: `config/agencies.yaml`, validated, each entry bound to its connector class.

Configuration is data; a mistake in it is reported with the entry and field it concerns, e.g.
`agency 'police', field 'deadlines.red': must be a duration such as 90s, 15m, 4h or 1d`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.sdk.config import AgencyConfig
from schemas.config_files import ConfigFileError, field_path, problem_message, read_yaml

if TYPE_CHECKING:
    from connectors.sdk.base import Connector

REGISTRY_FILE = "agencies.yaml"


class RegistryError(ConfigFileError):
    """The registry cannot be used as written; the message names the file, entry and field."""


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agencies: list[AgencyConfig] = Field(min_length=1)


@dataclass(frozen=True)
class RegisteredAgency:
    """An entry with its connector class resolved and its options validated."""

    config: AgencyConfig
    connector_class: type[Connector]
    options: BaseModel

    @property
    def id(self) -> str:
        return self.config.id


class AgencyRegistry:
    """The agencies the hub checks for every referral, in the file's order."""

    def __init__(self, agencies: list[RegisteredAgency], source: Path | None = None) -> None:
        self._agencies = {agency.id: agency for agency in agencies}
        self.source = source

    def __iter__(self) -> Iterator[RegisteredAgency]:
        return iter(self._agencies.values())

    def __len__(self) -> int:
        return len(self._agencies)

    @property
    def ids(self) -> list[str]:
        return list(self._agencies)

    @property
    def agencies(self) -> list[AgencyConfig]:
        return [agency.config for agency in self]

    def get(self, agency_id: str) -> RegisteredAgency:
        try:
            return self._agencies[agency_id]
        except KeyError:
            raise RegistryError(
                f"No agency '{agency_id}' in {REGISTRY_FILE}. Known agencies: {', '.join(self.ids)}."
            ) from None

    def get_or_none(self, agency_id: str) -> RegisteredAgency | None:
        return self._agencies.get(agency_id)

    def with_endpoints(self, endpoints: dict[str, str]) -> AgencyRegistry:
        """The same registry with some agencies' endpoints replaced (sandbox ports, deployment overrides)."""
        agencies = [
            RegisteredAgency(
                agency.config.model_copy(update={"endpoint": endpoints[agency.id]}),
                agency.connector_class,
                agency.options,
            )
            if agency.id in endpoints
            else agency
            for agency in self
        ]
        return AgencyRegistry(agencies, self.source)


def load_registry_file(path: Path) -> AgencyRegistry:
    """Read and validate `agencies.yaml`: every entry, its connector class, and that class's options."""
    return AgencyRegistry([_bind(path, config) for config in read_registry_entries(path)], path)


def read_registry_entries(path: Path) -> list[AgencyConfig]:
    """Read and validate the entries of `agencies.yaml` without importing any connector.

    Enough to lay out one task group and pool per agency (the DAG file, parsed again by every task);
    whatever calls an agency loads the registry whole, which checks its connector class and options.
    """
    try:
        raw = read_yaml(path, hint="Set HUB_CONFIG_DIR to the folder holding agencies.yaml.")
    except ConfigFileError as error:
        raise RegistryError(str(error)) from None
    try:
        document = _RegistryFile.model_validate(raw)
    except ValidationError as error:
        raise RegistryError(f"{path}: {_describe(error, raw)}.") from None
    seen: set[str] = set()
    for config in document.agencies:
        if config.id in seen:
            raise RegistryError(f"{path}: agency id '{config.id}' appears more than once.")
        seen.add(config.id)
    return document.agencies


def connector_class(reference: str) -> type[Connector]:
    """The class named by `module:ClassName`; `ValueError` saying what is wrong otherwise."""
    from connectors.sdk.base import Connector

    module_name, _, class_name = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"module '{module_name}' cannot be imported ({type(error).__name__})") from None
    found = getattr(module, class_name, None)
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise ValueError(f"'{class_name}' in module '{module_name}' is not a Connector class")
    return found


def _bind(path: Path, config: AgencyConfig) -> RegisteredAgency:
    where = f"{path}: agency '{config.id}'"
    try:
        found = connector_class(config.connector)
    except ValueError as error:
        raise RegistryError(f"{where}, field 'connector': {error}. Check the module path and class name.") from None
    try:
        options = found.Options.model_validate(config.options)
    except ValidationError as error:
        detail = error.errors()[0]
        raise RegistryError(
            f"{where}, field 'options.{field_path(detail['loc'])}': {problem_message(detail)}."
        ) from None
    return RegisteredAgency(config, found, options)


def _describe(error: ValidationError, raw: Any) -> str:
    """The first problem, naming the entry by its id (or position) and the field within it."""
    detail = error.errors()[0]
    location = list(detail["loc"])
    message = problem_message(detail)
    if len(location) >= 2 and location[0] == "agencies" and isinstance(location[1], int):
        index = location[1]
        entries = raw.get("agencies") if isinstance(raw, dict) else None
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        field = field_path(location[2:]) or "(entry)"
        return f"agency '{name or f'#{index + 1}'}', field '{field}': {message}"
    return f"field '{field_path(location) or '(top level)'}': {message}"
