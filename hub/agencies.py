"""The agency registry as the hub runs it: `config/agencies.yaml`, endpoint overrides, credentials.

Endpoints come from the file, then from the running sandboxes (`$HUB_HOME/run/sandbox-endpoints.json`),
then from `HUB_AGENCY_<ID>_ENDPOINT`. Credentials come from the Airflow Connection each entry names:
inside Airflow through Airflow's own lookup, elsewhere from `AIRFLOW_CONN_<ID>` or the local
connections file (`connectors.sdk.connections`).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from hub.errors import UserError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from connectors.sdk.base import Connector
    from connectors.sdk.config import AgencyConfig
    from connectors.sdk.connections import ConnectionLookup
    from connectors.sdk.registry import AgencyRegistry
    from connectors.sdk.resilience import ResilienceState
    from schemas import Rag


class AgencySetupError(UserError):
    """A registered agency cannot be called as set up; `code` goes on its failed reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def load_registry(settings: HubSettings) -> AgencyRegistry:
    """Load and validate the registry, then apply runtime and environment endpoint overrides."""
    from connectors.sdk.registry import REGISTRY_FILE, load_registry_file
    from schemas.config_files import ConfigFileError

    try:
        registry = load_registry_file(settings.config_dir / REGISTRY_FILE)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
    return registry.with_endpoints(_endpoint_overrides(settings, registry.ids))


def registered_agencies(settings: HubSettings) -> list[AgencyConfig]:
    """The registry's entries as configured (ids, names, pools), validated, without loading any connector."""
    from connectors.sdk.registry import REGISTRY_FILE, read_registry_entries
    from schemas.config_files import ConfigFileError

    try:
        return read_registry_entries(settings.config_dir / REGISTRY_FILE)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def _endpoint_overrides(settings: HubSettings, agency_ids: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    path = settings.sandbox_endpoints_file
    if path.exists():
        try:
            overrides.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            raise UserError(f"{path} is not readable JSON. Restart the sandboxes, or delete the file.") from None
    for agency_id in agency_ids:
        if value := os.environ.get(f"HUB_AGENCY_{agency_id.upper()}_ENDPOINT"):
            overrides[agency_id] = value
    return {agency_id: endpoint for agency_id, endpoint in overrides.items() if agency_id in agency_ids}


def local_connection_lookup(settings: HubSettings) -> ConnectionLookup:
    """Airflow Connections as a process outside Airflow sees them: environment first, then the local file."""
    from connectors.sdk.connections import environment_lookup, file_lookup, first_of

    return first_of(environment_lookup(), file_lookup(settings.connections_file))


def build_connector(
    settings: HubSettings,
    agency_id: str,
    *,
    rag: Rag | None = None,
    lookup: ConnectionLookup | None = None,
    state: ResilienceState | None = None,
    registry: AgencyRegistry | None = None,
    retry_requests: bool = True,
) -> Connector:
    """The registered agency's connector, with its Connection's credentials and the shared resilience state.

    Whatever stops the hub from building it is an `AgencySetupError` with a code, so a check stores
    "check failed" with that code rather than leaving a gap: a registry that cannot be loaded whole
    (`registry_invalid`; the DAG file reads only its entries, so it still runs the checks), an agency
    no longer in it (`not_registered`), or credentials missing or of the wrong type.

    `retry_requests=False` sends each request once: for a check's later attempts, which are themselves
    the retry (`hub.checks.attempts`), so the two kinds of retry never multiply.
    """
    from connectors.sdk.connections import ConnectionError_, resolve_credentials

    try:
        agencies = registry or load_registry(settings)
    except UserError as error:
        raise AgencySetupError("registry_invalid", str(error)) from None
    agency = agencies.get_or_none(agency_id)
    if agency is None:
        raise AgencySetupError(
            "not_registered", f"No agency '{agency_id}' in agencies.yaml. Known agencies: {', '.join(agencies.ids)}."
        )
    try:
        credentials = resolve_credentials(agency.config.credentials, lookup or local_connection_lookup(settings))
    except ConnectionError_ as error:
        raise AgencySetupError("missing_credentials", f"agency '{agency_id}': {error}") from None
    if credentials is not None and not isinstance(credentials, agency.connector_class.credential_types):
        accepted = ", ".join(kind.model_fields["type"].default for kind in agency.connector_class.credential_types)
        raise AgencySetupError(
            "wrong_credentials_type",
            f"agency '{agency_id}': Connection '{agency.config.credentials}' holds '{credentials.type}' credentials, "
            f"but {agency.config.connector} accepts {accepted}.",
        )
    config = agency.config
    if not retry_requests:
        config = config.model_copy(update={"retry": config.retry.model_copy(update={"attempts": 1})})
    if rag is None:
        return agency.connector_class(config, credentials=credentials, state=state)
    return agency.connector_class(config, credentials=credentials, state=state, rag=rag)
